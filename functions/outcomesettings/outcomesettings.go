// Package outcomesettings is the OutcomeSettings function: the outcome
// email settings (global and per queue, shared/outcome) read and replaced
// as JSON, with the Generic API's authentication. The admin pages will use
// it; an administrator can already use it with curl.
package outcomesettings

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/outcome"
)

// Store is what the function needs of the settings store.
type Store interface {
	OutcomeSettings(ctx context.Context) (outcome.Settings, error)
	PutOutcomeSettings(ctx context.Context, s outcome.Settings) error
}

// maxBody bounds a settings document (1,000 queues of two short fields fit
// well within it).
const maxBody = 1 << 20

// Handler serves the settings.
type Handler struct {
	Store Store
}

// New returns the HTTP handler: GET answers the settings (the defaults,
// everything off, until some are stored); PUT (or POST) replaces them with
// the JSON body, {"global": {"enabled", "address"}, "queues": {key:
// {"enabled", "address"}}}, and answers what was stored. A body that is
// not such a document, or settings that fail validation, answer 422
// naming the field; nothing is stored.
func New(o ccai.Options, store Store) http.Handler {
	o.Methods = []string{http.MethodGet, http.MethodPut, http.MethodPost}
	o.RawBody = true
	return ccai.Serve("OutcomeSettings", o, Handler{Store: store}.Serve)
}

// Serve implements ccai.Endpoint.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	if req.HTTP.Method == http.MethodGet {
		s, err := h.Store.OutcomeSettings(ctx)
		return ccai.Response{Body: s}, err
	}
	s, err := decode(req.HTTP.Body)
	if err != nil {
		return ccai.Response{}, err
	}
	if err := h.Store.PutOutcomeSettings(ctx, s); err != nil {
		return ccai.Response{}, err
	}
	return ccai.Response{Body: s}, nil
}

// decode reads one settings document: unknown fields, a second value, or
// a wrong type are refused.
func decode(body io.Reader) (outcome.Settings, error) {
	dec := json.NewDecoder(http.MaxBytesReader(nil, io.NopCloser(body), maxBody))
	dec.DisallowUnknownFields()
	var s outcome.Settings
	if err := dec.Decode(&s); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return s, crm.Errorf(crm.TooLarge, "the settings are larger than %d bytes", maxBody)
		}
		return s, crm.Errorf(crm.Invalid, "the body is not outcome email settings: %v", err)
	}
	if dec.More() {
		return s, crm.Errorf(crm.Invalid, "the body holds more than one settings document")
	}
	return s, s.Validate()
}

// Package updaterecord is the "update a record" endpoint: PUT, PATCH or
// POST to .../records/{RECORD_ID}. Setting values is idempotent; empty
// values change nothing.
package updaterecord

import (
	"context"
	"net/http"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/ingest"
)

// Handler updates records.
type Handler struct {
	Store crm.RecordStore
	// Ingest, when set, links the files from external storage that were
	// waiting for the record's sessions (and publishes their events), and
	// schedules the outcome email of a session the update says finished.
	Ingest *ingest.Service
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, store crm.RecordStore, ing *ingest.Service) http.Handler {
	o.Methods = []string{http.MethodPut, http.MethodPatch, http.MethodPost}
	return ccai.Serve("UpdateRecord", o, Handler{Store: store, Ingest: ing}.Serve)
}

// Serve answers the updated record.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	id := req.RecordID()
	if id == "" {
		return ccai.Response{}, crm.Errorf(crm.Invalid, "no record id: put it in the URL (.../records/{RECORD_ID}) or in an id parameter")
	}
	p, err := ccai.RecordPatchFromParams(&req.Params)
	if err != nil {
		return ccai.Response{}, err
	}
	r, err := h.Store.UpdateRecord(ctx, id, p)
	if err != nil {
		return ccai.Response{}, err
	}
	if h.Ingest != nil && len(p.Sessions) > 0 {
		if _, err := h.Ingest.LinkWaiting(ctx, r); err != nil {
			return ccai.Response{}, err // a retry links them
		}
	}
	if h.Ingest != nil {
		if err := h.Ingest.FinishedByUpdate(ctx, r, p); err != nil {
			return ccai.Response{}, err // a retry schedules it
		}
	}
	return ccai.Response{Body: ccai.Record(r)}, nil
}

// Package createrecord is the "create a record" endpoint. It is
// idempotent: a record already made for the call, chat or session sent is
// returned instead of a second one; a record with no session is known by
// the request for crm.RetryWindow.
package createrecord

import (
	"context"
	"net/http"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/ingest"
)

// Handler creates records.
type Handler struct {
	Store crm.RecordStore
	// Ingest, when set, links the files from external storage that were
	// waiting for the record's sessions (and publishes their events).
	Ingest *ingest.Service
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, store crm.RecordStore, ing *ingest.Service) http.Handler {
	o.Methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch}
	return ccai.Serve("CreateRecord", o, Handler{Store: store, Ingest: ing}.Serve)
}

// Serve answers 201 and the new record, or 200 and the existing one.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	accountID := req.Params.Get(ccai.AccountIDFields...)
	if accountID == "" {
		accountID = req.PathID("accounts", "account", "contacts", "contact")
	}
	if accountID == "" {
		return ccai.Response{}, crm.Errorf(crm.Invalid, "a record needs the account_id of its account")
	}
	p, err := ccai.RecordPatchFromParams(&req.Params)
	if err != nil {
		return ccai.Response{}, err
	}
	r := crm.Record{AccountID: accountID, Status: crm.StatusOpen}
	r.Apply(p)
	rec, created, err := h.Store.CreateRecord(ctx, r)
	if err != nil {
		return ccai.Response{}, err
	}
	if h.Ingest != nil {
		if _, err := h.Ingest.LinkWaiting(ctx, rec); err != nil {
			return ccai.Response{}, err // a retry links them
		}
	}
	return ccai.Created(created, ccai.Record(rec)), nil
}

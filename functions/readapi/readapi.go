// Package readapi is the CRM's own read API (crm_api in the portal
// settings file): GET .../accounts/{ACCOUNT_ID} and .../records/{RECORD_ID}
// return what the CRM made of the calls it received.
package readapi

import (
	"context"
	"net/http"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// Handler reads accounts and records.
type Handler struct {
	Accounts crm.AccountStore
	Records  crm.RecordStore
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, accounts crm.AccountStore, records crm.RecordStore) http.Handler {
	o.Methods = []string{http.MethodGet}
	return ccai.Serve("ReadAPI", o, Handler{Accounts: accounts, Records: records}.Serve)
}

// Serve answers an account with its record ids, or a record with its
// comments and attachments.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	if id := req.PathID("accounts"); id != "" {
		a, err := h.Accounts.GetAccount(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		ids, err := h.Records.RecordIDs(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		if ids == nil {
			ids = []string{}
		}
		return ccai.Response{Body: ccai.AccountDetailJSON{AccountJSON: ccai.Account(a), Records: ids}}, nil
	}
	if id := req.PathID("records"); id != "" {
		r, err := h.Records.GetRecord(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		comments, err := h.Records.Comments(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		j := ccai.RecordDetailJSON{RecordJSON: ccai.Record(r), Comments: []ccai.CommentJSON{}, Attachments: []ccai.AttachmentJSON{}}
		for _, c := range comments {
			j.Comments = append(j.Comments, ccai.Comment("", c))
		}
		return ccai.Response{Body: j}, nil
	}
	return ccai.Response{}, crm.Errorf(crm.NotFound, "not found: use /accounts/{id} or /records/{id}")
}

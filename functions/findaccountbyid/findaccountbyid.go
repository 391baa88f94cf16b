// Package findaccountbyid is the "find an account by ID" endpoint: GET
// .../accounts/{ACCOUNT_ID} (or ?id=).
package findaccountbyid

import (
	"context"
	"net/http"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// Handler finds one account by id.
type Handler struct {
	Store crm.AccountStore
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, store crm.AccountStore) http.Handler {
	o.Methods = []string{http.MethodGet}
	return ccai.Serve("FindAccountByID", o, Handler{Store: store}.Serve)
}

// Serve answers the account, or 404 so that the platform falls back to
// find by query.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	id := req.PathID("accounts", "account", "contacts", "contact")
	if id == "" {
		id = req.Params.Get(append([]string{"id"}, ccai.AccountIDFields...)...)
	}
	if id == "" {
		id = req.LastPathSegment("account", "contacts", "contact")
	}
	if id == "" {
		return ccai.Response{}, crm.Errorf(crm.NotFound, "no account id in the request")
	}
	a, err := h.Store.GetAccount(ctx, id)
	if err != nil {
		return ccai.Response{}, err
	}
	return ccai.Response{Body: ccai.Account(a)}, nil
}

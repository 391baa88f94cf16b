// Package createaccount is the "create an account" endpoint. It is
// idempotent: an account already holding the phone number, email or
// custom user id sent is returned instead of a second one; an account
// with none of them is known by the request for crm.RetryWindow.
package createaccount

import (
	"context"
	"net/http"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// Handler creates accounts.
type Handler struct {
	Store  crm.AccountStore
	Region string
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, store crm.AccountStore, region string) http.Handler {
	o.Methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch}
	return ccai.Serve("CreateAccount", o, Handler{Store: store, Region: region}.Serve)
}

// Serve answers 201 and the new account, or 200 and the existing one.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	a, err := ccai.AccountFromParams(&req.Params, h.Region)
	if err != nil {
		return ccai.Response{}, err
	}
	acc, created, err := h.Store.CreateAccount(ctx, a)
	if err != nil {
		return ccai.Response{}, err
	}
	return ccai.Created(created, ccai.Account(acc)), nil
}

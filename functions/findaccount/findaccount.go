// Package findaccount is the "find an account by query" endpoint: GET with
// identifiers (phone, email, account id, custom user id, name) or a search
// expression built with =CONCAT_OR / =CONCAT_AND.
package findaccount

import (
	"context"
	"net/http"
	"strings"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/lookup"
	"example.com/crm/shared/query"
)

// Handler finds accounts.
type Handler struct {
	Store  crm.AccountStore
	Region string // default phone region
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, store crm.AccountStore, region string) http.Handler {
	o.Methods = []string{http.MethodGet, http.MethodPost}
	return ccai.Serve("FindAccountByQuery", o, Handler{Store: store, Region: region}.Serve)
}

// Serve answers the account found, most recently updated first, or 404.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	e, err := Expr(&req.Params)
	if err != nil {
		return ccai.Response{}, err
	}
	found, err := lookup.Accounts(ctx, h.Store, e, h.Region)
	if err != nil {
		return ccai.Response{}, err
	}
	a, ok := lookup.MostRecent(found)
	if !ok {
		return ccai.Response{}, crm.Errorf(crm.NotFound, "no account matches")
	}
	return ccai.Response{Body: ccai.Account(a)}, nil
}

// Expr turns the request's parameters into one search expression: every
// identifier parameter and every search expression, joined with "or"
// (any of them finding the caller is what the platform wants). Other
// parameters are ignored.
func Expr(p *ccai.Params) (query.Expr, error) {
	var or query.Or
	var err error
	p.Each(func(k, v string) {
		if err != nil {
			return
		}
		switch {
		case ccai.Is(k, ccai.QueryFields) && !strings.Contains(v, ":"):
			// free text: an email or a phone number
			field := "phone"
			if strings.Contains(v, "@") {
				field = "email"
			}
			or = append(or, query.Term{Field: field, Op: "equals", Value: v})
		case ccai.Is(k, ccai.QueryFields) || query.LooksLikeQuery(v):
			var e query.Expr
			if e, err = query.Parse(v); err != nil {
				err = crm.Errorf(crm.Invalid, "parameter %q: %v", k, err)
				return
			}
			or = append(or, e)
		case ccai.Is(k, []string{"id"}, ccai.AccountIDFields, ccai.PhoneFields, ccai.EmailFields, ccai.CustomUserIDFields, ccai.NameFields):
			or = append(or, query.Term{Field: ccai.Canon(k), Op: "equals", Value: v})
		}
	})
	if err != nil {
		return nil, err
	}
	if err := query.CheckTerms(or); err != nil {
		return nil, crm.Errorf(crm.Invalid, "the search has %v", err)
	}
	switch len(or) {
	case 0:
		return nil, crm.Errorf(crm.Invalid, "no search criteria: send phone, email, account_id, custom_user_id, name or q")
	case 1:
		return or[0], nil
	}
	return or, nil
}

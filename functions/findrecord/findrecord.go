// Package findrecord is the "find a record by query" endpoint: by record
// id, by session (call, chat or session id), by account (open records
// unless a status is asked for), or by a search expression.
package findrecord

import (
	"context"
	"net/http"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/lookup"
	"example.com/crm/shared/query"
)

// Handler finds records.
type Handler struct {
	Store crm.RecordStore
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, store crm.RecordStore) http.Handler {
	o.Methods = []string{http.MethodGet, http.MethodPost}
	return ccai.Serve("FindRecordByQuery", o, Handler{Store: store}.Serve)
}

// Serve answers the best record found (open before closed, then most
// recently updated), or 404.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	tiers, err := Tiers(&req.Params)
	if err != nil {
		return ccai.Response{}, err
	}
	for _, e := range tiers {
		found, err := lookup.Records(ctx, h.Store, e)
		if err != nil {
			return ccai.Response{}, err
		}
		if r, ok := lookup.BestRecord(found); ok {
			return ccai.Response{Body: ccai.Record(r)}, nil
		}
	}
	return ccai.Response{}, crm.Errorf(crm.NotFound, "no record matches")
}

// Tiers turns the parameters into searches tried in order until one finds
// a record: search expressions; then the record id; then the session's
// record; then the account's records. So the record made for this very
// session wins over another open record of the account, and a retried
// find-or-create flow finds what its first try created.
func Tiers(p *ccai.Params) ([]query.Expr, error) {
	var exprs, ids, sessions query.Or
	var account, status []query.Expr
	var err error
	p.Each(func(k, v string) {
		if err != nil {
			return
		}
		term := query.Term{Field: ccai.Canon(k), Op: "equals", Value: v}
		switch {
		case ccai.Is(k, ccai.QueryFields) || query.LooksLikeQuery(v):
			var e query.Expr
			if e, err = query.Parse(v); err != nil {
				err = crm.Errorf(crm.Invalid, "parameter %q: %v", k, err)
				return
			}
			exprs = append(exprs, e)
		case ccai.Is(k, []string{"id"}, ccai.RecordIDFields):
			ids = append(ids, term)
		case ccai.SessionKindOf(k) != "":
			sessions = append(sessions, term)
		case ccai.Is(k, ccai.AccountIDFields):
			account = append(account, term)
		case ccai.Is(k, ccai.StatusFields):
			status = append(status, term)
		}
	})
	if err != nil {
		return nil, err
	}
	var tiers []query.Expr
	add := func(e query.Expr) {
		if len(status) > 0 {
			e = append(query.And{e}, status...)
		}
		tiers = append(tiers, e)
	}
	for _, group := range []query.Or{exprs, ids, sessions} {
		if len(group) > 0 {
			add(group)
		}
	}
	if len(account) > 0 {
		add(account[0])
	}
	if len(tiers) == 0 {
		return nil, crm.Errorf(crm.Invalid, "no search criteria: send account_id, call_id, chat_id, email_id, session_id, id or q")
	}
	if err := query.CheckTerms(query.Or(tiers)); err != nil {
		return nil, crm.Errorf(crm.Invalid, "the search has %v", err)
	}
	return tiers, nil
}

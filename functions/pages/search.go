package pages

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/lookup"
	"example.com/crm/shared/query"
)

type searchPage struct {
	Query    string
	Accounts []accountHit
	Records  []crm.Record
	Searched bool
}

type accountHit struct {
	Account crm.Account
	Name    string
	Phones  []phoneView
}

// maxQuery bounds a search.
const maxQuery = 256

func (s *Server) home(w http.ResponseWriter, r *http.Request, user string) {
	s.render(w, r, http.StatusOK, "home", user, "CRM", nil)
}

// search finds accounts by phone (any format), email, name or id, and
// records by id or session id (a call, chat or email id), through the
// finders the Generic API uses (shared/lookup and the store).
func (s *Server) search(w http.ResponseWriter, r *http.Request, user string) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := searchPage{Query: q}
	if q == "" {
		s.render(w, r, http.StatusOK, "search", user, "Search", p)
		return
	}
	if len(q) > maxQuery || !utf8.ValidString(q) {
		s.render(w, r, http.StatusBadRequest, "message", user, "Search",
			message{Heading: "Search", Text: "Type a phone number, an email, a name or an id (at most 256 characters)."})
		return
	}
	ctx := r.Context()
	p.Searched = true
	terms := query.Or{
		query.Term{Field: "phone", Value: q}, query.Term{Field: "email", Value: q},
		query.Term{Field: "name", Value: q}, query.Term{Field: "id", Value: q},
	}
	// The accounts, and the record ids q may be (a record id, or a call,
	// chat, email or session id), found at once.
	var (
		accounts []crm.Account
		accErr   error
		ids      = make([]string, 1+len(crm.SessionKinds))
		idErrs   = make([]error, len(ids))
		wg       sync.WaitGroup
	)
	wg.Go(func() { accounts, accErr = lookup.Accounts(ctx, s.cfg.Accounts, terms, s.cfg.PhoneRegion) })
	ids[0] = q
	for i, k := range crm.SessionKinds {
		wg.Go(func() { ids[i+1], idErrs[i+1] = s.cfg.Sessions.RecordOfSession(ctx, string(k)+":"+q) })
	}
	wg.Wait()
	if crm.ErrorCode(accErr) == crm.Invalid {
		accErr = nil // nothing an account can be found by
	}
	if err := errors.Join(append(idErrs, accErr)...); err != nil {
		s.fail(w, r, user, err, "")
		return
	}
	for _, a := range accounts {
		p.Accounts = append(p.Accounts, accountHit{Account: a, Name: a.DisplayName(), Phones: phones(a)})
	}
	recs := make([]crm.Record, len(ids))
	recErrs := make([]error, len(ids))
	for i, id := range ids {
		if id != "" && !slices.Contains(ids[:i], id) {
			wg.Go(func() { recs[i], recErrs[i] = s.cfg.Records.GetRecord(ctx, id) })
		}
	}
	wg.Wait()
	for i := range ids {
		switch {
		case crm.ErrorCode(recErrs[i]) == crm.NotFound:
		case recErrs[i] != nil:
			s.fail(w, r, user, recErrs[i], "")
			return
		case recs[i].ID != "":
			p.Records = append(p.Records, recs[i])
		}
	}
	s.render(w, r, http.StatusOK, "search", user, "Search: "+q, p)
}

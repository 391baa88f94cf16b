package pages

import (
	"net/http"
	"strings"
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
	accounts, err := lookup.Accounts(ctx, s.cfg.Accounts, terms, s.cfg.PhoneRegion)
	if err != nil && crm.ErrorCode(err) != crm.Invalid {
		s.fail(w, r, user, err, "")
		return
	}
	for _, a := range accounts {
		p.Accounts = append(p.Accounts, accountHit{Account: a, Name: a.DisplayName(), Phones: phones(a)})
	}
	seen := map[string]bool{}
	addRecord := func(id string) error {
		if id == "" || seen[id] {
			return nil
		}
		rec, err := s.cfg.Records.GetRecord(ctx, id)
		if crm.ErrorCode(err) == crm.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		seen[id] = true
		p.Records = append(p.Records, rec)
		return nil
	}
	if err := addRecord(q); err != nil {
		s.fail(w, r, user, err, "")
		return
	}
	for _, k := range crm.SessionKinds {
		id, err := s.cfg.Sessions.RecordOfSession(ctx, string(k)+":"+q)
		if err == nil {
			err = addRecord(id)
		}
		if err != nil {
			s.fail(w, r, user, err, "")
			return
		}
	}
	s.render(w, r, http.StatusOK, "search", user, "Search: "+q, p)
}

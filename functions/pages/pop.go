package pages

import (
	"net/http"
	"net/url"

	"example.com/crm/shared/agentpop"
)

// pop is the ticket pop and the lookup URLs of the web and mobile SDK
// (custom_lookup_urls): one match shows its account, several a list
// (most recently updated first), none offers to create the account with
// what the URL carried.
func (s *Server) pop(w http.ResponseWriter, r *http.Request, user string) {
	res, ok := s.lookupPop(w, r, user)
	if !ok {
		return
	}
	if len(res.Matches) == 1 {
		http.Redirect(w, r, "/accounts/"+url.PathEscape(res.Matches[0].Account.ID), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "pop", user, "Who is calling", res)
}

// popCreate creates the account a ticket pop found nobody for, from the
// same URL's values (the form posts back to the pop's own link), and
// shows it. The store's identity keys make a second post the same
// account.
func (s *Server) popCreate(w http.ResponseWriter, r *http.Request, user string) {
	if !s.cfg.Signin.CheckCSRF(r) {
		s.render(w, r, http.StatusForbidden, "message", user, "Expired", message{Heading: "The form has expired", Text: "Reload the page and try again.", Back: r.URL.RequestURI()})
		return
	}
	res, ok := s.lookupPop(w, r, user)
	if !ok {
		return
	}
	acc := res.Draft
	if len(res.Matches) == 0 {
		var err error
		if acc, _, err = s.cfg.Accounts.CreateAccount(r.Context(), res.Draft); err != nil {
			s.fail(w, r, user, err, r.URL.RequestURI())
			return
		}
	} else {
		acc = res.Matches[0].Account
	}
	http.Redirect(w, r, "/accounts/"+url.PathEscape(acc.ID), http.StatusSeeOther)
}

// open is the per-queue "Open Custom URL" screen pop: the account by id,
// else by phone, else a temporary account with a record, made once
// however often the pop opens; it shows that record (again on the next
// opening), or the account found.
func (s *Server) open(w http.ResponseWriter, r *http.Request, user string) {
	p, err := agentpop.ParseOpen(r.URL.Query())
	if err != nil {
		s.fail(w, r, user, err, "/")
		return
	}
	o, err := s.cfg.Pop.Open(r.Context(), p)
	if err != nil {
		s.fail(w, r, user, err, "/")
		return
	}
	if o.Record != nil {
		http.Redirect(w, r, "/records/"+url.PathEscape(o.Record.ID), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/accounts/"+url.PathEscape(o.Account.ID), http.StatusSeeOther)
}

// lookupPop finds the accounts of the ticket pop r's URL names; false
// when it answered an error page.
func (s *Server) lookupPop(w http.ResponseWriter, r *http.Request, user string) (agentpop.PopResult, bool) {
	p, err := agentpop.ParsePop(r.URL.Query())
	if err == nil {
		var res agentpop.PopResult
		if res, err = s.cfg.Pop.Lookup(r.Context(), p); err == nil {
			return res, true
		}
	}
	s.fail(w, r, user, err, "/")
	return agentpop.PopResult{}, false
}

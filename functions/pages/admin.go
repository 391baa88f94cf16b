package pages

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/oauthserver"
	"example.com/crm/shared/outcome"
	"example.com/crm/shared/portal"
)

// Admin is what the admin pages show and change. They are for the local
// administrator and the Google users named administrators
// (signin.Config.AdminUsers); other users get 403.
type Admin struct {
	// Outcome keeps the outcome email settings.
	Outcome OutcomeSettings
	// Portal is what the deployment knows of itself for its portal
	// settings file (portal.Build), without the OAuth client, which the
	// administrator picks and whose secret they type (the CRM keeps only
	// its hash). Portal.URLs empty: the deployment does not know its
	// functions' URLs and offers no file.
	Portal portal.Input
	// OAuthClients are the registered OAuth clients (listed, never their
	// secrets).
	OAuthClients []oauthserver.Client
	// Users: who may sign in, and who is an administrator.
	LocalAdmin   string // "" when there is no local administrator
	AllowedUsers []string
	AdminUsers   []string
}

// OutcomeSettings keeps the outcome email settings (outcome.Store).
type OutcomeSettings interface {
	OutcomeSettings(ctx context.Context) (outcome.Settings, error)
	PutOutcomeSettings(ctx context.Context, s outcome.Settings) error
}

// blankQueueRows are the empty rows the outcome form offers for new
// queues.
const blankQueueRows = 3

// admin adds a page for administrators only.
func (s *Server) admin(pattern string, p PageFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		user, admin, ok := s.cfg.Signin.RequireAdmin(w, r, SigninPath)
		if !ok {
			return
		}
		if !admin {
			s.render(w, r, http.StatusForbidden, "message", user, "Administrators only",
				message{Heading: "Administrators only", Text: "Only the CRM's administrators can open this page.", Back: "/"})
			return
		}
		p(w, r, user)
	})
}

type adminPage struct {
	Saved bool
	// Portal file
	CanDownload bool
	Method      string
	HeaderName  string
	APIKeys     []string // fingerprints, newest first
	BasicUser   string
	Clients     []oauthserver.Client
	// Users
	LocalAdmin   string
	AllowedUsers []string
	AdminUsers   []string
	// Outcome emails
	Global outcome.Setting
	Queues []queueRow
}

type queueRow struct {
	Key     string
	Setting outcome.Setting
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request, user string) {
	a := s.cfg.Admin
	settings, err := a.Outcome.OutcomeSettings(r.Context())
	if err != nil {
		s.fail(w, r, user, err, "/")
		return
	}
	in := a.Portal
	v := adminPage{Saved: r.URL.Query().Get("saved") == "outcome",
		CanDownload: len(in.URLs) > 0, Method: in.Auth.Method, HeaderName: in.Auth.HeaderName,
		Clients: a.OAuthClients, LocalAdmin: a.LocalAdmin, AllowedUsers: a.AllowedUsers, AdminUsers: a.AdminUsers,
		Global: settings.Global}
	switch in.Auth.Method {
	case auth.MethodCustomHeader:
		for _, k := range in.Auth.APIKeys {
			v.APIKeys = append(v.APIKeys, auth.Fingerprint(k))
		}
	case auth.MethodBasic:
		v.BasicUser = in.Auth.BasicUsername
	}
	for _, k := range slices.Sorted(maps.Keys(settings.Queues)) {
		v.Queues = append(v.Queues, queueRow{Key: k, Setting: settings.Queues[k]})
	}
	for range blankQueueRows {
		v.Queues = append(v.Queues, queueRow{})
	}
	s.render(w, r, http.StatusOK, "admin", user, "Administration", v)
}

// adminPortalSettings answers this deployment's portal settings file as
// a download. With OAuth, the form names the client and carries its
// secret, checked against the client's hash.
func (s *Server) adminPortalSettings(w http.ResponseWriter, r *http.Request, user string) {
	if !s.checkForm(w, r, user, "/admin") {
		return
	}
	in := s.cfg.Admin.Portal
	if len(in.URLs) == 0 {
		s.render(w, r, http.StatusConflict, "message", user, "No file",
			message{Heading: "No portal settings file", Text: "This deployment does not know its functions' URLs (CRM_FUNCTION_URLS).", Back: "/admin"})
		return
	}
	if in.Auth.Method == auth.MethodOAuth {
		id, secret := r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		i := slices.IndexFunc(s.cfg.Admin.OAuthClients, func(c oauthserver.Client) bool { return c.ID == id })
		if i < 0 || !s.cfg.Admin.OAuthClients[i].CheckSecret(secret) {
			s.render(w, r, http.StatusUnprocessableEntity, "message", user, "No file",
				message{Heading: "Wrong client secret", Text: "Pick a registered OAuth client and type its secret (the CRM keeps only its hash).", Back: "/admin"})
			return
		}
		c := s.cfg.Admin.OAuthClients[i]
		in.OAuth = &portal.OAuthClient{ID: c.ID, Secret: secret, RedirectURIs: c.RedirectURIs}
	}
	settings, err := portal.Build(in)
	if err != nil {
		s.cfg.Log.ErrorContext(r.Context(), "portal settings", "error", err.Error())
		s.render(w, r, http.StatusConflict, "message", user, "No file",
			message{Heading: "No portal settings file", Text: "The deployment's configuration is incomplete: " + err.Error(), Back: "/admin"})
		return
	}
	b, err := json.MarshalIndent(settings, "", "  ")
	if err != nil {
		s.fail(w, r, user, err, "/admin")
		return
	}
	s.cfg.Log.InfoContext(r.Context(), "portal settings downloaded", "user", user)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="portal-settings.json"`)
	w.Write(append(b, '\n'))
}

// adminOutcome replaces the outcome email settings with the form's.
func (s *Server) adminOutcome(w http.ResponseWriter, r *http.Request, user string) {
	if !s.checkForm(w, r, user, "/admin") {
		return
	}
	settings, err := outcomeForm(r)
	if err == nil {
		err = s.cfg.Admin.Outcome.PutOutcomeSettings(r.Context(), settings)
	}
	if err != nil {
		s.fail(w, r, user, err, "/admin#outcome")
		return
	}
	s.cfg.Log.InfoContext(r.Context(), "outcome email settings saved", "user", user, "queues", len(settings.Queues))
	http.Redirect(w, r, "/admin?saved=outcome#outcome", http.StatusSeeOther)
}

// outcomeForm reads the outcome form: global_enabled, global_address,
// rows, and per row i q<i>.key, q<i>.enabled, q<i>.address, q<i>.remove.
// Rows without a key or marked to remove are left out; a key twice is
// refused. Validation is the settings' own (outcome.Settings.Validate,
// run by the store).
func outcomeForm(r *http.Request) (outcome.Settings, error) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	s := outcome.Settings{
		Global: outcome.Setting{Enabled: f("global_enabled") != "", Address: f("global_address")},
		Queues: map[string]outcome.Setting{},
	}
	rows, err := strconv.Atoi(f("rows"))
	if err != nil || rows < 0 || rows > outcome.MaxQueues+blankQueueRows {
		return s, crm.Errorf(crm.Invalid, "the form's row count %q is not one this page sends", f("rows"))
	}
	for i := range rows {
		p := fmt.Sprintf("q%d.", i)
		key := f(p + "key")
		if key == "" || f(p+"remove") != "" {
			continue
		}
		if _, twice := s.Queues[key]; twice {
			return s, crm.Errorf(crm.Invalid, "queue %q appears twice", key)
		}
		s.Queues[key] = outcome.Setting{Enabled: f(p+"enabled") != "", Address: f(p + "address")}
	}
	return s, nil
}

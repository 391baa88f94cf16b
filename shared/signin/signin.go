package signin

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Config configures sign-in.
type Config struct {
	// SessionKey signs the session, CSRF and Google sign-in cookies (at
	// least 32 bytes): a key of its own, not the OAuth token key.
	SessionKey []byte
	// Sessions keeps each user's session generation (required).
	Sessions Sessions
	// AdminUsername and AdminPasswordHash (bcrypt) are the local
	// administrator; empty hash: no local administrator.
	AdminUsername     string
	AdminPasswordHash string
	// Google sign-in: the OAuth client of the deployment's Google project.
	Google GoogleConfig
	// AllowedUsers may sign in with Google: addresses ("a@b.com") or
	// domains ("@b.com").
	AllowedUsers []string
	// AdminUsers are the Google users (addresses, among those allowed)
	// who may use the admin pages; the local administrator always may.
	AdminUsers []string
	// SessionTTL is how long a sign-in lasts (8h by default).
	SessionTTL time.Duration
	// Limiter slows down repeated failed sign-ins; may be nil.
	Limiter Limiter
	Log     *slog.Logger
}

// Limiter is what sign-in needs of the failed-attempt limiter
// (shared/auth.Limiter): Failed counts a failure and tells how long the
// client's failures are throttled.
type Limiter interface {
	Failed(client string) (throttledFor time.Duration)
}

// Sessions keeps each user's session generation. A session cookie
// carries the generation its user was in when it was made, and is valid
// only while the user is still in it: Bump ends every session of a user.
type Sessions interface {
	// Generation returns user's generation, 0 for a user never bumped.
	Generation(ctx context.Context, user string) (int64, error)
	// Bump moves user to a new generation.
	Bump(ctx context.Context, user string) error
}

// Service signs users in and out and tells who is signed in.
type Service struct {
	cfg     Config
	session signer
	csrf    signer
	oidc    signer
}

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	if len(cfg.SessionKey) < 32 {
		return nil, errors.New("signin: the session key must be at least 32 bytes")
	}
	if cfg.Sessions == nil {
		return nil, errors.New("signin: no session store")
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.AdminPasswordHash != "" {
		if _, err := bcrypt.Cost([]byte(cfg.AdminPasswordHash)); err != nil {
			return nil, errors.New("signin: the administrator password hash is not a bcrypt hash")
		}
	}
	return &Service{cfg: cfg, session: newSigner(cfg.SessionKey, "session"), csrf: newSigner(cfg.SessionKey, "csrf"), oidc: newSigner(cfg.SessionKey, "oidc")}, nil
}

// PageHeaders wraps the handler of pages the CRM serves to its users
// (sign-in, consent, and every page after them): they are never cached
// (they hold tokens and forms), send no referrer, and may be framed only
// by frameAncestors, the CSP sources of the CCAI Platform portal
// (config.Config.FrameAncestors), by nobody when it is empty.
func PageHeaders(h http.Handler, frameAncestors string) http.Handler {
	if frameAncestors == "" {
		frameAncestors = "'none'"
	}
	csp := "frame-ancestors " + frameAncestors
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

const (
	sessionCookie = "crm_session"
	csrfCookie    = "crm_csrf"
)

// How a session's user signed in.
const (
	viaPassword = "local"  // the local administrator
	viaGoogle   = "google" // Google, as an allowed user
)

// sessionPayload is what the session cookie holds.
type sessionPayload struct {
	User string `json:"u"`
	Via  string `json:"v"`
	// HostedDomain is the Google Workspace domain of a Google user (the
	// hd claim), which a domain entry of the allowed users needs.
	HostedDomain string `json:"d,omitempty"`
	// Generation is the user's session generation at sign-in.
	Generation int64 `json:"g"`
	Expires    int64 `json:"e"`
}

// User returns the signed-in user of r, "" for nobody: no valid session
// cookie, an expired session, a session ended by sign-out (the user's
// generation has moved on), or a user who may no longer sign in. It
// reads the user's session generation once. An error means the
// generation could not be read: nobody is signed in then either, and the
// caller should say to try again (RequireUser does). Visitors without
// an authentic, unexpired session cookie cost no read.
func (s *Service) User(r *http.Request) (string, error) {
	p, err := s.current(r)
	return p.User, err
}

// current returns r's valid session; a zero payload when there is none.
func (s *Service) current(r *http.Request) (sessionPayload, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return sessionPayload{}, nil
	}
	var p sessionPayload
	if s.session.open(c.Value, &p) != nil || p.User == "" || time.Now().Unix() > p.Expires || !s.allowed(p) {
		return sessionPayload{}, nil
	}
	gen, err := s.cfg.Sessions.Generation(r.Context(), p.User)
	if err != nil {
		return sessionPayload{}, fmt.Errorf("session generation: %w", err)
	}
	if gen != p.Generation {
		return sessionPayload{}, nil
	}
	return p, nil
}

// administrator reports whether a valid session's user may use the
// admin pages: the local administrator, or a Google user named in
// AdminUsers (compared without case, as addresses are).
func (s *Service) administrator(p sessionPayload) bool {
	switch p.Via {
	case viaPassword:
		return s.isAdmin(p.User)
	case viaGoogle:
		return slices.ContainsFunc(s.cfg.AdminUsers, func(a string) bool { return strings.EqualFold(a, p.User) })
	}
	return false
}

// allowed applies, on every page view, the rule sign-in applied: the
// user is the configured local administrator (isAdmin, as checkAdmin),
// or a Google user the allowed users admit (allowedGoogle, as
// checkClaims).
func (s *Service) allowed(p sessionPayload) bool {
	switch p.Via {
	case viaPassword:
		return s.isAdmin(p.User)
	case viaGoogle:
		return s.allowedGoogle(p.User, p.HostedDomain)
	}
	return false
}

// startSession signs p.User in, in the user's current generation.
func (s *Service) startSession(w http.ResponseWriter, r *http.Request, p sessionPayload) error {
	gen, err := s.cfg.Sessions.Generation(r.Context(), p.User)
	if err != nil {
		return fmt.Errorf("session generation: %w", err)
	}
	p.Generation, p.Expires = gen, time.Now().Add(s.cfg.SessionTTL).Unix()
	v, err := s.session.seal(p)
	if err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, v, s.cfg.SessionTTL)
	return nil
}

// signOut ends every session of r's user (by moving the user to a new
// generation) and deletes the cookie.
func (s *Service) signOut(w http.ResponseWriter, r *http.Request) error {
	user, err := s.User(r)
	if err == nil && user != "" {
		err = s.cfg.Sessions.Bump(r.Context(), user)
	}
	if err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, "", -1)
	return nil
}

// CSRFToken returns the token a form must carry, setting the CSRF cookie
// it is bound to when r has none.
func (s *Service) CSRFToken(w http.ResponseWriter, r *http.Request) string {
	nonce := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 20 {
		nonce = c.Value
	} else {
		nonce = randomToken()
		setCookie(w, r, csrfCookie, nonce, 12*time.Hour)
	}
	return s.csrf.mac(nonce)
}

// CheckCSRF reports whether a POSTed form carries the token bound to the
// request's CSRF cookie.
func (s *Service) CheckCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(s.csrf.mac(c.Value)))
}

// RequireUser redirects a visitor who is not signed in to the sign-in
// page, which brings them back to the same URL afterwards.
// When the session cannot be checked it answers 503 (try again).
func (s *Service) RequireUser(w http.ResponseWriter, r *http.Request, signinPath string) (string, bool) {
	p, ok := s.require(w, r, signinPath)
	return p.User, ok
}

// RequireAdmin is RequireUser that also tells whether the user may use
// the admin pages; the caller answers 403 when not.
func (s *Service) RequireAdmin(w http.ResponseWriter, r *http.Request, signinPath string) (user string, admin, ok bool) {
	p, ok := s.require(w, r, signinPath)
	return p.User, ok && s.administrator(p), ok
}

func (s *Service) require(w http.ResponseWriter, r *http.Request, signinPath string) (sessionPayload, bool) {
	p, err := s.current(r)
	if err != nil {
		s.unavailable(w, r, err)
		return p, false
	}
	if p.User != "" {
		return p, true
	}
	http.Redirect(w, r, signinPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return p, false
}

// safeNext keeps a post-sign-in redirect on this site: a path of this
// origin, else "/". Refused: anything with a control character (a tab
// survives http.Redirect and browsers strip it, making "/\t/evil.example"
// "//evil.example") or a backslash (browsers read it as "/"), schemes,
// hosts, and a path that starts with "//" once decoded
// ("/%2F%2Fevil.example"), which a proxy or a later redirect may decode.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.ContainsFunc(next, unsafeInURL) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		strings.HasPrefix(u.Path, "//") || strings.ContainsFunc(u.Path, unsafeInURL) {
		return "/"
	}
	return next
}

// unsafeInURL: control characters and the backslash.
func unsafeInURL(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }

// Handler serves the sign-in pages under prefix ("/signin"): GET shows
// the form, POST checks the local administrator's password, /google and
// /google/callback sign in with Google, /out signs out (ending every
// session of the user, on every device).
func (s *Service) Handler(prefix string, client func(*http.Request) string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix, func(w http.ResponseWriter, r *http.Request) {
		s.showForm(w, r, prefix, http.StatusOK, "")
	})
	mux.HandleFunc("POST "+prefix, func(w http.ResponseWriter, r *http.Request) {
		s.postForm(w, r, prefix, client(r))
	})
	mux.HandleFunc("POST "+prefix+"/out", func(w http.ResponseWriter, r *http.Request) {
		if !s.CheckCSRF(r) {
			http.Error(w, "the form has expired; reload the page", http.StatusForbidden)
			return
		}
		if err := s.signOut(w, r); err != nil {
			s.unavailable(w, r, err)
			return
		}
		http.Redirect(w, r, prefix, http.StatusSeeOther)
	})
	mux.HandleFunc("GET "+prefix+"/google", s.googleStart(prefix))
	mux.HandleFunc("GET "+prefix+"/google/callback", s.googleCallback(prefix))
	return mux
}

func (s *Service) postForm(w http.ResponseWriter, r *http.Request, prefix, client string) {
	if !s.CheckCSRF(r) {
		s.showForm(w, r, prefix, http.StatusForbidden, "The form has expired. Please try again.")
		return
	}
	// The password is always checked: the right one signs in even from an
	// address whose failures are throttled.
	user, password := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	if !s.checkAdmin(user, password) {
		s.cfg.Log.WarnContext(r.Context(), "sign-in failed", "client", client)
		if s.cfg.Limiter != nil {
			if wait := s.cfg.Limiter.Failed(client); wait > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				s.showForm(w, r, prefix, http.StatusTooManyRequests, "Too many failed attempts. Try again later.")
				return
			}
		}
		s.showForm(w, r, prefix, http.StatusUnauthorized, "Wrong username or password.")
		return
	}
	if err := s.startSession(w, r, sessionPayload{User: user, Via: viaPassword}); err != nil {
		s.unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// checkAdmin compares in constant time whatever the username: bcrypt runs
// even for an unknown user.
func (s *Service) checkAdmin(user, password string) bool {
	hash := s.cfg.AdminPasswordHash
	if hash == "" {
		return false
	}
	okPassword := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	return okPassword && s.isAdmin(user)
}

// isAdmin reports whether user is the local administrator, who exists
// while a password hash is configured.
func (s *Service) isAdmin(user string) bool {
	return s.cfg.AdminPasswordHash != "" && hmac.Equal([]byte(user), []byte(s.cfg.AdminUsername))
}

var formPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · CRM</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button,.google{margin-top:1rem;padding:.6rem 1rem;width:100%;display:block;text-align:center}
.error{color:#b00020}</style></head>
<body><h1>Sign in to the CRM</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .Google}}<a class="google" href="{{.Prefix}}/google?next={{.Next}}">Sign in with Google</a>{{end}}
{{if not (or .Google .Local)}}<p class="error">No sign-in method is configured: set a local administrator (CRM_ADMIN_PASSWORD_HASH) or Google sign-in (CRM_GOOGLE_CLIENT_ID).</p>{{end}}
{{if .Local}}<form method="post" action="{{.Prefix}}">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="next" value="{{.Next}}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>{{end}}
</body></html>`))

func (s *Service) showForm(w http.ResponseWriter, r *http.Request, prefix string, status int, msg string) {
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	csrf := s.CSRFToken(w, r)
	w.WriteHeader(status)
	_ = formPage.Execute(w, map[string]any{
		"Error": msg, "CSRF": csrf, "Next": safeNext(next), "Prefix": prefix,
		"Google": s.cfg.Google.ClientID != "", "Local": s.cfg.AdminPasswordHash != "",
	})
}

var unavailablePage = template.Must(template.New("unavailable").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Try again · CRM</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1>The CRM cannot check your sign-in right now</h1>
<p role="alert">Its database did not answer. Nothing was changed. Try again in a moment.</p>
{{if .Retry}}<p><a href="{{.Retry}}">Try again</a></p>{{else}}<p>Go back and send the form again.</p>{{end}}
</body></html>`))

// unavailable answers 503 with Retry-After when the session store could
// not be read or written: nobody is let in (or out) without it, and a
// retry may work.
func (s *Service) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Log.ErrorContext(r.Context(), "sign-in: session store unavailable", "error", err.Error())
	retry := ""
	if r.Method == http.MethodGet {
		retry = r.URL.RequestURI()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = unavailablePage.Execute(w, map[string]any{"Retry": retry})
}

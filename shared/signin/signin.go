package signin

import (
	"crypto/hmac"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Config configures sign-in.
type Config struct {
	// SigningKey signs session and CSRF cookies (at least 32 bytes).
	SigningKey []byte
	// AdminUsername and AdminPasswordHash (bcrypt) are the local
	// administrator; empty hash: no local administrator.
	AdminUsername     string
	AdminPasswordHash string
	// Google sign-in: the OAuth client of the deployment's Google project.
	Google GoogleConfig
	// AllowedUsers may sign in with Google: addresses ("a@b.com") or
	// domains ("@b.com").
	AllowedUsers []string
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

// Service signs users in and out and tells who is signed in.
type Service struct {
	cfg     Config
	session signer
	csrf    signer
	oidc    signer
}

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	if len(cfg.SigningKey) < 32 {
		return nil, errors.New("signin: the signing key must be at least 32 bytes")
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
	return &Service{cfg: cfg, session: newSigner(cfg.SigningKey, "session"), csrf: newSigner(cfg.SigningKey, "csrf"), oidc: newSigner(cfg.SigningKey, "oidc")}, nil
}

const (
	sessionCookie = "crm_session"
	csrfCookie    = "crm_csrf"
)

type sessionPayload struct {
	User    string `json:"u"`
	Expires int64  `json:"e"`
}

// User returns the signed-in user of r.
func (s *Service) User(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	var p sessionPayload
	if s.session.open(c.Value, &p) != nil || p.User == "" || time.Now().Unix() > p.Expires {
		return "", false
	}
	return p.User, true
}

func (s *Service) startSession(w http.ResponseWriter, r *http.Request, user string) error {
	v, err := s.session.seal(sessionPayload{User: user, Expires: time.Now().Add(s.cfg.SessionTTL).Unix()})
	if err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, v, s.cfg.SessionTTL)
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
func (s *Service) RequireUser(w http.ResponseWriter, r *http.Request, signinPath string) (string, bool) {
	if u, ok := s.User(r); ok {
		return u, true
	}
	http.Redirect(w, r, signinPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return "", false
}

// safeNext keeps a post-sign-in redirect on this site: a path, never
// another host.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// Handler serves the sign-in pages under prefix ("/signin"): GET shows
// the form, POST checks the local administrator's password, /google and
// /google/callback sign in with Google, /out signs out.
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
		setCookie(w, r, sessionCookie, "", -1)
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
	if err := s.startSession(w, r, user); err != nil {
		http.Error(w, "could not start the session", http.StatusInternalServerError)
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
	return okPassword && hmac.Equal([]byte(user), []byte(s.cfg.AdminUsername))
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

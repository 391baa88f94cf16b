// Package pages serves the CRM's pages for agents: the account page, the
// record page (with its attachments, downloaded through this function with
// the agent's sign-in cookie), search, and the forms that edit a record
// and add a comment. Every page needs a signed-in CRM user; the function
// serves the sign-in pages itself under /signin, since cookies are per
// host and in the cloud each function has its own. Pages are plain
// html/template, with one stylesheet and no script.
//
// More pages are added with Server.Page (a signed-in page) or
// Server.Handle (anything else, such as a page with a policy of its own).
package pages

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/signin"
)

//go:embed templates static
var files embed.FS

// SigninPath is where the function serves the sign-in pages.
const SigninPath = "/signin"

// Blobs is what the pages need of the file store: reading.
type Blobs interface {
	Read(ctx context.Context, bucket, name string, offset, length int64) (io.ReadCloser, error)
}

// Sessions finds the record holding a session (crm.PendingStore).
type Sessions interface {
	RecordOfSession(ctx context.Context, key string) (string, error)
}

// Config is what the pages read and write.
type Config struct {
	Accounts    crm.AccountStore
	Records     crm.RecordStore
	Attachments crm.AttachmentStore
	Sessions    Sessions
	Blobs       Blobs
	Signin      *signin.Service
	// Pop finds and makes the accounts of ticket pops and screen pops
	// (/pop, /open); nil leaves those pages out.
	Pop *agentpop.Service
	// Admin: the admin pages; nil leaves them out.
	Admin *Admin
	// FrameAncestors are the CSP sources allowed to frame the pages (the
	// CCAI Platform portal).
	FrameAncestors string
	PhoneRegion    string
	// Client names a request's client, for the sign-in limiter.
	Client func(*http.Request) string
	Log    *slog.Logger
}

// Server routes the pages.
type Server struct {
	cfg Config
	mux *http.ServeMux
}

// PageFunc serves a page to signed-in user.
type PageFunc func(w http.ResponseWriter, r *http.Request, user string)

// New returns the pages' server with the core pages.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Client == nil {
		cfg.Client = func(r *http.Request) string { return r.RemoteAddr }
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.mux.Handle(SigninPath, cfg.Signin.Handler(SigninPath, cfg.Client))
	s.mux.Handle(SigninPath+"/", cfg.Signin.Handler(SigninPath, cfg.Client))
	s.mux.HandleFunc("GET /static/pages.css", serveCSS)
	// Browsers ask for it on every site: no icon, and no sign-in for it.
	s.mux.HandleFunc("GET /favicon.ico", http.NotFound)
	s.Page("GET /{$}", s.home)
	s.Page("GET /search", s.search)
	s.Page("GET /accounts/{id}", s.account)
	s.Page("GET /records/{id}", s.record)
	s.Page("POST /records/{id}", s.editRecord)
	s.Page("POST /records/{id}/comments", s.addComment)
	s.Page("GET /records/{id}/attachments/{att}", s.download)
	if cfg.Pop != nil {
		s.Page("GET /pop", s.pop)
		s.Page("POST /pop", s.popCreate)
		s.Page("GET /open", s.open)
	}
	if cfg.Admin != nil {
		s.admin("GET /admin", s.adminHome)
		s.admin("POST /admin/portal-settings.json", s.adminPortalSettings)
		s.admin("POST /admin/outcome", s.adminOutcome)
	}
	s.Page("/", func(w http.ResponseWriter, r *http.Request, user string) {
		s.notFound(w, r, user, "There is no page at this address.")
	})
	return s
}

// Page adds a page that requires a signed-in user; pattern is an
// http.ServeMux pattern.
func (s *Server) Page(pattern string, p PageFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		user, ok := s.cfg.Signin.RequireUser(w, r, SigninPath)
		if !ok {
			return
		}
		p(w, r, user)
	})
}

// Handle adds a handler as it is (it checks the user itself).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP serves every page with signin.PageHeaders: never cached, no
// referrer, framed only by the configured ancestors.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	signin.PageHeaders(s.mux, s.cfg.FrameAncestors).ServeHTTP(w, r)
}

// csp is the pages' policy beyond frame-ancestors (browsers enforce every
// policy sent): no script at all, this site's stylesheet, images and
// media from this site.
const csp = "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; " +
	"form-action 'self'; base-uri 'none'"

func serveCSS(w http.ResponseWriter, r *http.Request) {
	b, _ := files.ReadFile("static/pages.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(b)
}

// view is what every page template gets.
type view struct {
	Title string
	User  string
	CSRF  string
	Query string
	Data  any
}

var templates = parseTemplates("account", "record", "search", "home", "message", "pop", "admin")

func parseTemplates(names ...string) map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	out := map[string]*template.Template{}
	for _, n := range names {
		out[n] = template.Must(template.Must(base.Clone()).ParseFS(files, "templates/"+n+".html"))
	}
	return out
}

// render writes page name with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, user, title string, data any) {
	v := view{Title: title, User: user, CSRF: s.cfg.Signin.CSRFToken(w, r), Query: r.URL.Query().Get("q"), Data: data}
	var b strings.Builder
	if err := templates[name].Execute(&b, v); err != nil {
		s.cfg.Log.ErrorContext(r.Context(), "page template", "page", name, "error", err.Error())
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Add("Content-Security-Policy", csp)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, b.String())
}

type message struct {
	Heading string
	Text    string
	Back    string
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, user, text string) {
	s.render(w, r, http.StatusNotFound, "message", user, "Not found", message{Heading: "Not found", Text: text})
}

// fail answers a store error: 404 for what does not exist, 422 for bad
// input, 503 (try again) for the rest.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, user string, err error, back string) {
	switch crm.ErrorCode(err) {
	case crm.NotFound:
		s.notFound(w, r, user, crmMessage(err))
	case crm.Invalid, crm.Conflict:
		s.render(w, r, http.StatusUnprocessableEntity, "message", user, "Not saved",
			message{Heading: "Not saved", Text: crmMessage(err), Back: back})
	default:
		s.cfg.Log.ErrorContext(r.Context(), "pages: store", "path", r.URL.Path, "error", err.Error())
		w.Header().Set("Retry-After", "5")
		s.render(w, r, http.StatusServiceUnavailable, "message", user, "Try again",
			message{Heading: "The CRM cannot answer right now", Text: "Its database did not answer. Try again in a moment.", Back: back})
	}
}

func crmMessage(err error) string {
	var e *crm.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

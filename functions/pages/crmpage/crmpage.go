// Package crmpage is the CRM page CCAI Platform's portal shows when
// "Display CRM in CCAI Platform portal" is on (display_crm_url): it hosts
// the tenant's call and chat adapters in iframes, with the permissions the
// vendor documents, and follows their postMessage events. Messages from
// any other origin are ignored and counted; a message is a JSON string. On
// CRM_Record_Pop it opens data.recordUrl when it points into this CRM
// (and names whom the record is about, as the server says); the
// other events go to the server (Events), which journals them and says
// which record to show (New_Call, New_Chat: who is calling and the
// record); switching chats (Active_Chat) shows the record already loaded
// for that chat, never reloading it. The page's script is a file of its
// own (script-src 'self': no inline script).
package crmpage

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
)

//go:embed static
var static embed.FS

var page = template.Must(template.New("crm").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CRM · CCAI Platform</title>
<link rel="stylesheet" href="{{.Base}}/crm.css">
<meta name="crm-tenant-origin" content="{{.TenantOrigin}}">
<meta name="crm-csrf" content="{{.CSRF}}">
<meta name="crm-events" content="{{.Base}}/events">
<script src="{{.Base}}/crm.js" defer></script>
</head><body>
<header><strong>CRM</strong> <span id="who" aria-live="polite">Waiting for a call or chat…</span>
<span class="ignored">ignored messages: <span id="ignored" data-count="0">0</span></span></header>
<main>
<section class="adapters">
<iframe name="call-adapter" title="Call adapter" src="{{.CallURL}}" allow="microphone; camera; geolocation" width="290" height="600"></iframe>
<iframe name="chat-adapter" title="Chat adapter" src="{{.ChatURL}}" allow="microphone; camera; geolocation" width="450" height="590"></iframe>
</section>
<section id="records" class="records" aria-label="Records"><p class="empty">The record of the session appears here.</p></section>
</main>
</body></html>`))

// Signin is what the page needs of the CRM's sign-in (signin.Service).
type Signin interface {
	RequireUser(w http.ResponseWriter, r *http.Request, signinPath string) (string, bool)
	CSRFToken(w http.ResponseWriter, r *http.Request) string
	CheckCSRF(r *http.Request) bool
}

// Show is what the page shows for an event (shared/agentpop decides it).
type Show = agentpop.Show

// Events journals an adapter event of agent user (the CRM user signed in)
// and says what to show. raw is the event as the adapter posted it (a JSON
// object with type and data). Errors: crm.Invalid for an event that is
// not one (4xx), others retried by the page.
type Events interface {
	Handle(ctx context.Context, user string, raw []byte) (Show, error)
}

// Handler serves the page under Base ("/crm"): GET Base the page, GET
// Base/crm.js and Base/crm.css, POST Base/events (form: csrf, event).
type Handler struct {
	Base string
	// TenantOrigin is the CCAI Platform tenant's origin
	// ("https://acme.ccaiplatform.com"): the adapters' source, and the
	// only origin whose messages are followed.
	TenantOrigin string
	SigninPath   string
	Signin       Signin
	Events       Events
	Log          *slog.Logger
}

// maxEvent bounds one event's JSON.
const maxEvent = 64 << 10

// ServeHTTP implements http.Handler.
func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == h.Base+"/crm.js" || r.URL.Path == h.Base+"/crm.css":
		h.static(w, r)
	case r.URL.Path == h.Base && r.Method == http.MethodGet:
		h.page(w, r)
	case r.URL.Path == h.Base+"/events" && r.Method == http.MethodPost:
		h.event(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h Handler) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, h.Base+"/")
	b, err := static.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := "text/css; charset=utf-8"
	if strings.HasSuffix(name, ".js") {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

// csp is the page's policy beyond frame-ancestors (signin.PageHeaders
// sets that one; browsers enforce every policy sent): its own script and
// style only, frames of the tenant and of this CRM, requests to itself.
func (h Handler) csp() string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"frame-src 'self' " + h.TenantOrigin + "; base-uri 'none'; form-action 'self'"
}

func (h Handler) page(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.Signin.RequireUser(w, r, h.SigninPath); !ok {
		return
	}
	if h.TenantOrigin == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("The CRM page is not configured: set the CCAI Platform tenant's origin (CRM_CCAI_TENANT_ORIGIN, Terraform variable ccai_tenant_origin).\n"))
		return
	}
	adapter := func(kind string) string {
		return h.TenantOrigin + "/agent/?" + url.Values{"type": {kind}, "from": {"custom"}}.Encode()
	}
	w.Header().Add("Content-Security-Policy", h.csp())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	page.Execute(w, map[string]string{"Base": h.Base, "TenantOrigin": h.TenantOrigin, "CSRF": h.Signin.CSRFToken(w, r),
		"CallURL": adapter("call"), "ChatURL": adapter("chat")})
}

func (h Handler) event(w http.ResponseWriter, r *http.Request) {
	user, ok := h.Signin.RequireUser(w, r, h.SigninPath)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxEvent+4096)
	if !h.Signin.CheckCSRF(r) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "the page has expired; reload it"})
		return
	}
	raw := r.PostFormValue("event")
	if raw == "" || len(raw) > maxEvent || !json.Valid([]byte(raw)) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "event: want the adapter's event JSON"})
		return
	}
	show, err := h.Events.Handle(r.Context(), user, []byte(raw))
	if err != nil {
		status := http.StatusServiceUnavailable
		if crm.ErrorCode(err) == crm.Invalid {
			status = http.StatusBadRequest
		}
		h.Log.WarnContext(r.Context(), "adapter event", "user", user, "error", err.Error())
		writeJSON(w, status, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, show)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

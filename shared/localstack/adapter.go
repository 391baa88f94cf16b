package localstack

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Adapter stands in for a CCAI Platform tenant's agent adapters, which the
// CRM page (display_crm_url) hosts in iframes: it serves the call and the
// chat adapter (/agent/?type=call|chat&from=custom) at Origin, the
// tenant origin the CRM is given (CRM_CCAI_TENANT_ORIGIN). Each adapter
// is a page of buttons, one per event of Events, that post the event as
// the real adapters do (the JSON string, window.parent.postMessage).
// The call adapter also frames a page of a third origin (Foreign) with
// the same buttons, whose posts go to the CRM page too and must be
// ignored there.
type Adapter struct {
	// Origin is the stand-in tenant's origin, http://localhost:port (another
	// site than the CRM's 127.0.0.1).
	Origin string
	// Foreign is an origin that is not the tenant's, http://127.0.0.1:port.
	Foreign string

	mu      sync.Mutex
	events  []AdapterEvent
	servers []*http.Server
}

// AdapterEvent is an event an adapter posts (see shared/agentpop): a
// button of the stand-in adapter.
type AdapterEvent struct {
	// Adapter is the adapter that posts it: "call" or "chat".
	Adapter string
	// Type and Data are the event's type ("New_Call") and data.
	Type string
	Data map[string]any
}

// JSON is the string the adapter posts: {"type": …, "data": {…}}.
func (e AdapterEvent) JSON() string {
	b, _ := json.Marshal(map[string]any{"type": e.Type, "data": e.Data})
	return string(b)
}

// Label names the event on its button: its type and session.
func (e AdapterEvent) Label() string {
	for _, k := range []string{"call_id", "chat_id"} {
		if v, ok := e.Data[k]; ok {
			return fmt.Sprintf("%s · %s %v", e.Type, strings.TrimSuffix(k, "_id"), v)
		}
	}
	return e.Type
}

// StartAdapter serves the stand-in adapters on tenantAddr and the third
// origin's page on foreignAddr ("localhost:0" and "127.0.0.1:0" pick free
// ports; the host of tenantAddr must be a name, so that its origin is
// another site than the CRM's address).
func StartAdapter(tenantAddr, foreignAddr string) (*Adapter, error) {
	a := &Adapter{}
	var err error
	if a.Origin, err = a.serve(tenantAddr, http.HandlerFunc(a.tenant)); err != nil {
		return nil, fmt.Errorf("stand-in adapter: %w", err)
	}
	if a.Foreign, err = a.serve(foreignAddr, http.HandlerFunc(a.foreign)); err != nil {
		a.Stop()
		return nil, fmt.Errorf("stand-in adapter's third origin: %w", err)
	}
	return a, nil
}

// serve serves h on addr and returns its origin, named by addr's host.
func (a *Adapter) serve(addr string, h http.Handler) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	a.servers = append(a.servers, srv)
	return "http://" + net.JoinHostPort(host, port), nil
}

// SetEvents sets the events the adapters offer (pages loaded from then
// on show them).
func (a *Adapter) SetEvents(events ...AdapterEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append([]AdapterEvent(nil), events...)
}

// Stop stops serving.
func (a *Adapter) Stop() {
	for _, s := range a.servers {
		s.Close()
	}
	a.servers = nil
}

// offered returns the events of adapter kind ("" for all).
func (a *Adapter) offered(kind string) []AdapterEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []AdapterEvent
	for _, e := range a.events {
		if kind == "" || e.Adapter == kind {
			out = append(out, e)
		}
	}
	return out
}

// tenant serves the adapters and their script.
func (a *Adapter) tenant(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/adapter.js":
		serveAdapterScript(w)
	case r.URL.Path == "/agent/" && (q.Get("type") == "call" || q.Get("type") == "chat"):
		kind := q.Get("type")
		v := adapterView{Title: strings.ToUpper(kind[:1]) + kind[1:] + " adapter", Note: "stand-in for CCAI Platform's " + kind + " adapter (" + a.Origin + ")",
			Events: a.offered(kind), Target: "parent"}
		if kind == "call" {
			v.Foreign = a.Foreign + "/"
		}
		renderAdapter(w, v)
	default:
		http.NotFound(w, r)
	}
}

// foreign serves the third origin's page: every event, posted to the
// CRM page (the parent of the adapter that frames it).
func (a *Adapter) foreign(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/adapter.js":
		serveAdapterScript(w)
	case "/":
		renderAdapter(w, adapterView{Title: "Another origin", Note: a.Foreign + ": the CRM page must ignore these",
			Events: a.offered(""), Target: "grandparent", Foreign: ""})
	default:
		http.NotFound(w, r)
	}
}

type adapterView struct {
	Title, Note string
	Events      []AdapterEvent
	// Target is the window the buttons post to: "parent" (the CRM page
	// framing the adapter) or "grandparent" (the CRM page framing the
	// adapter framing this page).
	Target string
	// Foreign is the third origin's page to frame, if any.
	Foreign string
}

var adapterPage = template.Must(template.New("adapter").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:8px;background:{{if eq .Target "parent"}}#eef3fb{{else}}#fbeeee{{end}};color:#222}
h1{font-size:15px;margin:0 0 2px}p{margin:0 0 8px;color:#555;font-size:12px;overflow-wrap:anywhere}
button{display:block;width:100%;margin:0 0 6px;padding:6px 8px;text-align:left;font:inherit;border:1px solid #8aa;border-radius:4px;background:#fff;cursor:pointer}
button:hover{background:#e4eefc}iframe{width:100%;height:190px;border:1px dashed #c66;margin-top:6px}
#posted{font-size:12px;color:#555;min-height:1.4em}
</style>
<script src="/adapter.js" defer></script>
</head><body data-target="{{.Target}}">
<h1>{{.Title}}</h1><p>{{.Note}}</p>
{{range .Events}}<button type="button" data-type="{{.Type}}" data-event="{{.JSON}}">{{.Label}}</button>
{{else}}<p>No events to post.</p>{{end}}
<div id="posted" aria-live="polite"></div>
{{with .Foreign}}<iframe name="foreign" title="A page of another origin" src="{{.}}"></iframe>{{end}}
</body></html>`))

func renderAdapter(w http.ResponseWriter, v adapterView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	adapterPage.Execute(w, v)
}

// adapterScript posts a button's event as the adapters do: the JSON
// string, to any origin.
const adapterScript = `document.addEventListener('click', function (e) {
  var b = e.target.closest('button[data-event]');
  if (!b) { return; }
  var to = document.body.dataset.target === 'grandparent' ? window.parent.parent : window.parent;
  to.postMessage(b.dataset.event, '*');
  var n = Number(b.dataset.posted || 0) + 1;
  b.dataset.posted = String(n);
  document.getElementById('posted').textContent = 'Posted ' + b.dataset.type + ' (' + n + ')';
});
`

func serveAdapterScript(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, adapterScript)
}

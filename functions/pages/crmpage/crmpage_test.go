package crmpage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/crm/functions/pages/crmpage"
	"example.com/crm/shared/browsertest"
	"example.com/crm/shared/testenv"
)

// signedIn is a Signin whose user is always signed in, with a fixed CSRF
// token.
type signedIn struct{}

func (signedIn) RequireUser(w http.ResponseWriter, r *http.Request, _ string) (string, bool) {
	return "agent@example.com", true
}
func (signedIn) CSRFToken(http.ResponseWriter, *http.Request) string { return "token" }
func (signedIn) CheckCSRF(r *http.Request) bool                      { return r.PostFormValue("csrf") == "token" }

// journal is an Events that keeps the events and shows record r{chat id}
// for a chat.
type journal struct {
	mu     sync.Mutex
	base   string
	events []string
}

func (j *journal) Handle(_ context.Context, user string, raw []byte) (crmpage.Show, error) {
	var ev struct {
		Type string
		Data struct {
			ChatID json.Number `json:"chat_id"`
		}
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return crmpage.Show{}, err
	}
	j.mu.Lock()
	j.events = append(j.events, ev.Type+" "+string(ev.Data.ChatID))
	j.mu.Unlock()
	if ev.Data.ChatID == "" {
		return crmpage.Show{}, nil
	}
	return crmpage.Show{RecordURL: j.base + "/records/r" + string(ev.Data.ChatID), Session: "chat:" + string(ev.Data.ChatID), Who: "Customer of chat " + string(ev.Data.ChatID)}, nil
}

// The CRM page in a browser: it hosts the tenant's adapters with the
// documented permissions; a stand-in chat adapter (another site) posts
// the documented events, and a frame of a third site posts one too, which
// is ignored and counted. New_Chat shows the chat's record; switching back
// (Active_Chat) shows the record already loaded without loading it again;
// CRM_Record_Pop opens a record of this CRM, never a foreign URL.
func TestCRMPageFollowsTheAdapters(t *testing.T) {
	var mu sync.Mutex
	loads := map[string]int{}
	j := &journal{}
	crmMux := http.NewServeMux()
	crmMux.HandleFunc("/records/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		loads[r.PathValue("id")]++
		mu.Unlock()
		fmt.Fprintf(w, "<!doctype html><p>record %s</p>", r.PathValue("id"))
	})
	var tenant string
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		crmpage.Handler{Base: "/crm", TenantOrigin: tenant, SigninPath: "/signin", Signin: signedIn{}, Events: j,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.ServeHTTP(w, r)
	})
	crmMux.Handle("/crm", page)
	crmMux.Handle("/crm/", page)
	crm := testenv.ServeOn(t, "127.0.0.1", crmMux)
	j.base = crm

	foreign := testenv.ServeOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><script>setTimeout(function(){window.top.postMessage(JSON.stringify({type:"New_Chat",data:{chat_id:99}}),"*")},300)</script>`)
	}))
	events := []string{
		`{"type":"New_Chat","data":{"chat_id":1,"session_type":"messaging inbound (web chat)","agent_id":1}}`,
		`{"type":"New_Chat","data":{"chat_id":2,"session_type":"messaging inbound (web chat)","agent_id":1}}`,
		`{"type":"Active_Chat","data":{"chat_id":1,"agent_id":1}}`,
		`{"type":"CRM_Record_Pop","data":{"recordUrl":"https://evil.example/records/x"}}`,
	}
	script, _ := json.Marshal(events)
	tenant = testenv.ServeOn(t, "localhost", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := `<!doctype html><p>adapter ` + r.URL.Query().Get("type") + `</p>`
		if r.URL.Query().Get("type") == "chat" && r.URL.Query().Get("from") == "custom" {
			body += `<script>var ev=` + string(script) + `;ev.forEach(function(e,i){setTimeout(function(){window.parent.postMessage(e,"*")},700+400*i)})</script>`
		} else {
			body += `<iframe src="` + foreign + `/"></iframe>`
		}
		fmt.Fprint(w, body)
	}))

	ctx := browsertest.New(t, 1200, 900)
	browsertest.Do(t, ctx, chromedp.Navigate(crm+"/crm"), chromedp.WaitVisible(chromedp.CSS(`#records`)))
	allow := browsertest.Get(t, ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('.adapters iframe')).map(f=>f.src+' | '+f.allow).join('\n')`))
	for _, kind := range []string{"call", "chat"} {
		if !strings.Contains(allow, tenant+"/agent/?from=custom&type="+kind+" | microphone; camera; geolocation") {
			t.Errorf("adapters:\n%s\nwant the %s adapter of %s with the documented permissions", allow, kind, tenant)
		}
	}
	time.Sleep(700 + 400*time.Duration(len(events))*time.Millisecond + 800*time.Millisecond)
	state := browsertest.Get(t, ctx, chromedp.Evaluate[string](`JSON.stringify({shown: document.getElementById('records').dataset.shown,
		frames: Array.from(document.querySelectorAll('iframe.record')).map(f=>f.dataset.session+'='+f.src),
		ignored: document.getElementById('ignored').dataset.count, who: document.getElementById('who').textContent})`))
	var got struct {
		Shown   string
		Frames  []string
		Ignored string
		Who     string
	}
	json.Unmarshal([]byte(state), &got)
	if got.Shown != "chat:1" || len(got.Frames) != 2 {
		t.Errorf("page state %s: want chat 1's record shown, two record frames", state)
	}
	for _, f := range got.Frames {
		if strings.Contains(f, "evil.example") {
			t.Errorf("a foreign record URL was opened: %s", f)
		}
	}
	if got.Ignored != "1" {
		t.Errorf("ignored %s messages, want 1 (the third site's)", got.Ignored)
	}
	mu.Lock()
	if loads["r1"] != 1 || loads["r2"] != 1 {
		t.Errorf("record loads %v, want r1 and r2 once each (switching chats never reloads)", loads)
	}
	mu.Unlock()
	j.mu.Lock()
	if want := "New_Chat 1,New_Chat 2,Active_Chat 1,CRM_Record_Pop "; strings.Join(j.events, ",") != want {
		t.Errorf("journal %q, want %q (nothing from the third site)", j.events, want)
	}
	j.mu.Unlock()
	browsertest.Screenshot(t, ctx, "crm-page")
}

package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/crm/shared/browsertest"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/portal"
)

// serveOn serves h on host (a loopback address such as 127.0.0.2: another
// site than the CRM's 127.0.0.1) and returns its base URL.
func serveOn(t *testing.T, host string, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func htmlPage(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html><body>"+body+"</body></html>")
	}
}

// A page of a foreign origin cannot frame the CRM's pages
// (frame-ancestors): the browser shows an error in the frame instead. The
// same foreign site framing a page of its own loads it, so the check can
// tell the two apart.
func TestBrowserFramingRefusedForForeignOrigin(t *testing.T) {
	ctx := browsertest.New(t, 1000, 800)
	crm := stack.URLs[portal.OAuthServer] + "/signin"
	mux := http.NewServeMux()
	mux.Handle("/own", htmlPage(`<p>own</p>`))
	var foreign string
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		src := crm
		if r.URL.Query().Get("own") != "" {
			src = foreign + "/own"
		}
		htmlPage(`<iframe src="`+src+`" width="450" height="600"></iframe>`)(w, r)
	}))
	foreign = serveOn(t, "127.0.0.2", mux)
	for _, c := range []struct {
		page, wantFrame string
	}{
		{foreign + "/?own=1", foreign + "/own"},
		{foreign + "/", "chrome-error://chromewebdata/"},
	} {
		browsertest.Do(t, ctx, chromedp.Navigate(c.page))
		var frames []string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if frames = browsertest.Frames(t, ctx); len(frames) == 2 && frames[1] != "" && frames[1] != "about:blank" {
				break
			}
		}
		if len(frames) != 2 || frames[1] != c.wantFrame {
			t.Errorf("%s: frames %q, want the iframe at %s", c.page, frames, c.wantFrame)
		}
	}
}

// A CRM user opening a link while signed out signs in on the CRM's form
// (the local stack's test_login, as tools do) and lands on the very link
// opened, query string included: here the OAuth consent page of an
// authorization request.
func TestBrowserSignInReturnsToTheLink(t *testing.T) {
	p := newPlayer(t)
	login := p.Settings.TestLogin
	if login == nil {
		t.Fatal("the local portal settings file has no test_login")
	}
	ctx := browsertest.New(t, 450, 900)
	link := stack.URLs[portal.OAuthServer] + "/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {"ccaip-local"}, "redirect_uri": {localstack.LoopbackRedirect},
		"scope": {"crm"}, "state": {"browser-" + uniqueID(t)},
	}.Encode()
	browsertest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`input[name=password]`)))
	at := browsertest.Get(t, ctx, chromedp.Location())
	if !strings.Contains(at, "/signin") {
		t.Fatalf("signed out, the link led to %s, want the sign-in form", at)
	}
	browsertest.Screenshot(t, ctx, "signin")
	browsertest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), login.Username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), login.Password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
	)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if at = browsertest.Get(t, ctx, chromedp.Location()); at == link {
			break
		}
	}
	if at != link {
		t.Fatalf("after sign-in at %s, want the link opened: %s", at, link)
	}
	browsertest.Screenshot(t, ctx, "consent")
}

// tenantOrigin is the CCAI Platform tenant of the e2e stack: nothing
// answers there; the CRM page only names it.
const tenantOrigin = "http://localhost:8399"

// The deployed Pages function serves the CRM page for the portal: signed
// out, the link leads to sign-in and back; the page hosts the tenant's
// call and chat adapters with the documented permissions.
func TestBrowserCRMPage(t *testing.T) {
	login := newPlayer(t).Settings.TestLogin
	ctx := browsertest.New(t, 1200, 900)
	link := stack.URLs[portal.Pages] + "/crm?agent=" + uniqueID(t)
	browsertest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`input[name=password]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), login.Username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), login.Password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`#records`)),
	)
	if at := browsertest.Get(t, ctx, chromedp.Location()); at != link {
		t.Errorf("after sign-in at %s, want %s", at, link)
	}
	adapters := browsertest.Get(t, ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('.adapters iframe')).map(f=>f.src+' | '+f.allow).join('\n')`))
	for _, kind := range []string{"call", "chat"} {
		if !strings.Contains(adapters, tenantOrigin+"/agent/?from=custom&type="+kind+" | microphone; camera; geolocation") {
			t.Errorf("adapters:\n%s\nwant the %s adapter of %s", adapters, kind, tenantOrigin)
		}
	}
	browsertest.Screenshot(t, ctx, "crm-page-deployed")
}

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/crm/shared/browsertest"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/portal"
	"example.com/crm/shared/testenv"
)

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
	foreign = testenv.ServeOn(t, "127.0.0.2", mux)
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
	tenantOrigin := stack.Adapter.Origin
	adapters := browsertest.Get(t, ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('.adapters iframe')).map(f=>f.src+' | '+f.allow).join('\n')`))
	for _, kind := range []string{"call", "chat"} {
		if !strings.Contains(adapters, tenantOrigin+"/agent/?from=custom&type="+kind+" | microphone; camera; geolocation") {
			t.Errorf("adapters:\n%s\nwant the %s adapter of %s", adapters, kind, tenantOrigin)
		}
	}
	browsertest.Screenshot(t, ctx, "crm-page-deployed")
}

// signInPages signs the browser in on the Pages function.
func signInPages(t *testing.T, ctx context.Context) {
	t.Helper()
	login := newPlayer(t).Settings.TestLogin
	browsertest.Do(t, ctx, chromedp.Navigate(stack.URLs[portal.Pages]+"/signin?next=/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=password]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), login.Username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), login.Password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.search`)),
	)
}

// visit opens link and returns where the browser landed, once the page
// is shown.
func visit(t *testing.T, ctx context.Context, link string) string {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`main`)))
	return browsertest.Get(t, ctx, chromedp.Location())
}

// The ticket pop and Open Custom URL as CCAI Platform fills them (the
// number's "+" unencoded): one match shows the account; several a list;
// none offers to create the account with the URL's number; the same
// screen pop opened twice shows the same record of one temporary account.
func TestBrowserPops(t *testing.T) {
	p := newPlayer(t)
	ctx := browsertest.New(t, 450, 900)
	signInPages(t, ctx)
	base := stack.URLs[portal.Pages]

	one := uniquePhone(t, "1")
	acc := call(t, p, "create_account", ccaiplayer.Vars{"NAME": "Pop One", "PHONE_NUMBER": one}, 201)
	if at := visit(t, ctx, base+"/pop?ani="+one+"&menu_path=Support&channel=voice&type=inbound"); at != base+"/accounts/"+acc.ID {
		t.Errorf("one match: at %s, want its account %s", at, acc.ID)
	}

	email := "pop-" + uniqueID(t) + "@example.com"
	other := call(t, p, "create_account", ccaiplayer.Vars{"NAME": "Pop Email", "EMAIL": email}, 201)
	at := visit(t, ctx, base+"/pop?ani="+one+"&email="+email)
	list := browsertest.Get(t, ctx, chromedp.Text(chromedp.CSS(`main`)))
	if !strings.HasPrefix(at, base+"/pop?") || !strings.Contains(list, "Pop One") || !strings.Contains(list, "Pop Email") {
		t.Errorf("several matches: at %s showing %q, want a list of both (%s, %s)", at, list, acc.ID, other.ID)
	}

	none := uniquePhone(t, "1")
	visit(t, ctx, base+"/pop?ani="+none)
	if text := browsertest.Get(t, ctx, chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(text, "No account matches") {
		t.Fatalf("no match: page %q", text)
	}
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`form.create button`)))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if at = browsertest.Get(t, ctx, chromedp.Location()); strings.Contains(at, "/accounts/") {
			break
		}
	}
	found, err := p.Call(context.Background(), "find_account_by_query", ccaiplayer.Vars{"PHONE_NUMBER": none})
	if err != nil {
		t.Fatal(err)
	}
	if !found.Found() || at != base+"/accounts/"+found.ID {
		t.Errorf("created from the pop: at %s (%q), account found by the number: %d %s", at, browsertest.Get(t, ctx, chromedp.Text(chromedp.CSS(`main`))), found.Status, found.Body)
	}

	unknown := uniquePhone(t, "1")
	first := visit(t, ctx, base+"/open?account_id=&phone="+unknown)
	second := visit(t, ctx, base+"/open?account_id=&phone="+unknown)
	if !strings.HasPrefix(first, base+"/records/") || first != second {
		t.Errorf("Open Custom URL twice: %s then %s, want the same record page", first, second)
	}
	browsertest.Screenshot(t, ctx, "open-custom-url")
}

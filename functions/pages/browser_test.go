package pages_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"example.com/crm/functions/pages"
	"example.com/crm/shared/browsertest"
	"example.com/crm/shared/gcpfirestore"
)

// In a 450 px wide window (the portal's iframe): sign-in returns to the
// record opened, the comment's script never runs, and the pages fit the
// width. Screenshots of the record, account and admin pages are logged.
func TestPagesInABrowser(t *testing.T) {
	e := adminEnv(t, deployment(), nil)
	ctx := browsertest.New(t, 450, 900)
	// Before any page's own script: alert keeps what it is called with,
	// so that the comments' alert(1…4) show if they ever run.
	browsertest.Get(t, ctx, chromedp.Action[page.AddScriptToEvaluateOnNewDocumentResult](func(ctx context.Context, tg *chromedp.Target) (page.AddScriptToEvaluateOnNewDocumentResult, error) {
		return cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.ran = []; window.alert = function (x) { window.ran.push(String(x)); };`})
	}))
	link := e.srv.URL + "/records/" + e.record.ID + "?from=" + url.QueryEscape("ticket pop")
	browsertest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`input[name=password]`)))
	browsertest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "pw"),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
	)
	at := ""
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if at = browsertest.Get(t, ctx, chromedp.Location()); at == link {
			break
		}
	}
	if at != link {
		t.Fatalf("after sign-in at %s, want %s", at, link)
	}
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#comments`)))
	// Once the page and its images have loaded (an <img onerror> runs
	// when its image fails), nothing of the comments ran, and their
	// markup is not in the page.
	browsertest.Get(t, ctx, chromedp.Poll[bool](`document.readyState === "complete" && Array.from(document.images).every(i => i.complete)`))
	if ran := browsertest.Get(t, ctx, chromedp.Evaluate[string](`JSON.stringify(window.ran)`)); ran != "[]" {
		t.Errorf("the comments' script ran: alert(%s)", ran)
	}
	if in := browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.querySelector("[onerror]") !== null || document.querySelectorAll("main script").length > 0`)); in {
		t.Error("the comment's markup is in the page")
	}
	wide := browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if wide {
		t.Error("the record page is wider than 450 px")
	}
	browsertest.Screenshot(t, ctx, "pages-record")
	browsertest.Do(t, ctx, chromedp.Navigate(e.srv.URL+"/accounts/"+e.account.ID), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if text := browsertest.Get(t, ctx, chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(text, "Ada Lovelace") {
		t.Errorf("account page: %q", text)
	}
	browsertest.Screenshot(t, ctx, "pages-account")
	browsertest.Do(t, ctx, chromedp.Navigate(e.srv.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS(`#outcome`)))
	if browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
		t.Error("the admin page is wider than 450 px")
	}
	browsertest.Screenshot(t, ctx, "pages-admin")
}

// framer serves a page of the portal: the page at ?src in a 450 px wide
// iframe.
var framer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><title>portal</title><iframe src="%s" width="450" height="860"></iframe>`, html.EscapeString(r.URL.Query().Get("src")))
})

// frameAt waits until the tab's iframe shows a page at want and returns
// the iframe's node (fresh: the frame navigated).
func frameAt(t *testing.T, ctx context.Context, want string) *chromedp.Node {
	t.Helper()
	var frames []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if frames = browsertest.Frames(t, ctx); len(frames) == 2 && frames[1] == want {
			browsertest.Do(t, ctx, chromedp.WaitReady(chromedp.CSS(`iframe`)))
			return browsertest.Get(t, ctx, chromedp.Nodes(chromedp.CSS(`iframe`)))[0]
		}
	}
	t.Fatalf("frames %q, want the iframe at %s", frames, want)
	return nil
}

// Over HTTPS the pages work inside the portal's iframe, a cross-site
// context (the portal https://localhost:…, the CRM https://127.0.0.1:…):
// an agent signs in within the frame, lands on the record opened and adds
// a comment (the CSRF form), all with the session and CSRF cookies
// partitioned under the portal's site. The same frame in a page of an
// origin the CRM does not name is refused.
func TestPagesInThePortalsIframeOverHTTPS(t *testing.T) {
	portal, foreign := httptest.NewTLSServer(framer), httptest.NewTLSServer(framer)
	t.Cleanup(portal.Close)
	t.Cleanup(foreign.Close)
	portalURL := strings.Replace(portal.URL, "127.0.0.1", "localhost", 1)
	foreignURL := strings.Replace(foreign.URL, "127.0.0.1", "localhost", 1)
	e := newEnvOn(t, httptest.NewTLSServer, func(c *pages.Config, _ *gcpfirestore.Store) { c.FrameAncestors = portalURL })
	record := e.srv.URL + "/records/" + e.record.ID

	ctx := browsertest.New(t, 500, 900, browsertest.IgnoreCertificateErrors)
	browsertest.Do(t, ctx, chromedp.Navigate(portalURL+"/?src="+url.QueryEscape(record)))
	frame := frameAt(t, ctx, e.srv.URL+"/signin?next="+url.QueryEscape("/records/"+e.record.ID))
	browsertest.Do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(`input[name=password]`), chromedp.FromNode(frame)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "admin", chromedp.FromNode(frame)),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "pw", chromedp.FromNode(frame)),
		chromedp.Submit(chromedp.CSS(`input[name=password]`), chromedp.FromNode(frame)),
	)
	frame = frameAt(t, ctx, record)
	browsertest.Do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(`textarea[name=body]`), chromedp.FromNode(frame)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=body]`), "Added inside the portal", chromedp.FromNode(frame)),
		chromedp.Submit(chromedp.CSS(`textarea[name=body]`), chromedp.FromNode(frame)),
	)
	var bodies []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		comments, err := e.store.Comments(context.Background(), e.record.ID)
		if err != nil {
			t.Fatal(err)
		}
		bodies = bodies[:0]
		for _, c := range comments {
			bodies = append(bodies, c.Body)
		}
		if slices.Contains(bodies, "Added inside the portal") {
			break
		}
	}
	if !slices.Contains(bodies, "Added inside the portal") {
		t.Fatalf("comments %q: the comment form in the iframe saved nothing", bodies)
	}
	frameAt(t, ctx, record)
	browsertest.Screenshot(t, ctx, "pages-in-the-portals-iframe")

	cookies := browsertest.Get(t, ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, storage.GetCookies, storage.GetCookiesParams{})
		return res.Cookies, err
	}))
	for _, name := range []string{"crm_session", "crm_csrf"} {
		i := slices.IndexFunc(cookies, func(c *network.Cookie) bool { return c.Name == name })
		if i < 0 {
			t.Errorf("no %s cookie", name)
			continue
		}
		if c := cookies[i]; c.PartitionKey == nil || c.PartitionKey.TopLevelSite != "https://localhost" || !c.Secure || c.SameSite != network.CookieSameSiteNone {
			t.Errorf("%s: partition %+v, secure %v, SameSite %q; want partitioned under https://localhost, Secure, SameSite=None", name, c.PartitionKey, c.Secure, c.SameSite)
		}
	}

	browsertest.Do(t, ctx, chromedp.Navigate(foreignURL+"/?src="+url.QueryEscape(record)))
	frameAt(t, ctx, "chrome-error://chromewebdata/")
}

package pages_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/crm/shared/browsertest"
)

// In a 450 px wide window (the portal's iframe): sign-in returns to the
// record opened, the comment's script never runs, and the pages fit the
// width. Screenshots of the record and account pages are logged.
func TestPagesInABrowser(t *testing.T) {
	e := newEnv(t)
	ctx := browsertest.New(t, 450, 900)
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
	// The comment's <script> and <img onerror> would set these.
	if ran := browsertest.Get(t, ctx, chromedp.Evaluate[bool](`typeof window.alert !== "function" || document.querySelector("[onerror]") !== null || document.querySelectorAll("main script").length > 0`)); ran {
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
}

// Package browsertest gives tests a headless Chromium (Debian's chromium,
// which .ci/run installs) driven with chromedp. Without a browser the
// test skips, or fails when CRM_REQUIRE_EMULATORS=1 (scripts/test, CI),
// so that nothing skips silently there.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Path returns the browser's executable, "" when there is none.
func Path() string {
	if p := os.Getenv("CRM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless browser of the test's own, with a fresh profile,
// and returns a context of its first tab; it closes with the test.
// width × height is the window (450 × 900: the iframe the portal gives).
// flags add to the browser's command line (IgnoreCertificateErrors).
func New(t testing.TB, width, height int, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exe := Path()
	if exe == "" {
		if os.Getenv("CRM_REQUIRE_EMULATORS") == "1" {
			t.Fatal("no chromium on this machine but CRM_REQUIRE_EMULATORS=1: install Debian's chromium (.ci/run does)")
		}
		t.Skip("no chromium on this machine: install Debian's chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.NoSandbox, // containers: the sandbox needs privileges they lack
		chromedp.Flag("disable-dev-shm-usage", true),
		// Cross-site frames in the page's own process: the frame tree
		// (Frames) then lists them.
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "IsolateOrigins,site-per-process"),
	)
	opts = append(opts, flags...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser now (without a deadline: one on the first run
	// would stop the browser), so that a broken one fails here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", exe, err)
	}
	return ctx
}

// IgnoreCertificateErrors lets the browser open the test servers of
// httptest.NewTLSServer, whose certificate no authority signed (and names
// 127.0.0.1, not localhost): for tests of what needs HTTPS, such as the
// Secure cookies of a cross-site iframe.
var IgnoreCertificateErrors = chromedp.Flag("ignore-certificate-errors", true)

// Do runs steps with a deadline, failing the test on error.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Get runs an action that returns a value, with a deadline, failing the
// test on error.
func Get[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Screenshot saves a full-page PNG of the tab as name in
// CRM_SCREENSHOTS (a folder; the test's temporary folder when unset, gone
// after the run) and logs its path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv("CRM_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png := Get(t, ctx, chromedp.FullScreenshot(100))
	path, _ := filepath.Abs(filepath.Join(dir, name+".png"))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
	return path
}

// Frames returns the URL of every frame of the tab, the top one first: a
// frame the browser refused to load (a Content-Security-Policy
// frame-ancestors that does not allow its parent) shows as
// chrome-error://chromewebdata/.
func Frames(t testing.TB, ctx context.Context) []string {
	t.Helper()
	res := Get(t, ctx, chromedp.Action[page.GetFrameTreeResult](func(ctx context.Context, tg *chromedp.Target) (page.GetFrameTreeResult, error) {
		return cdp.Call(ctx, tg, page.GetFrameTree, cdp.Empty{})
	}))
	var urls []string
	var walk func(*page.FrameTree)
	walk = func(f *page.FrameTree) {
		if f == nil {
			return
		}
		urls = append(urls, f.Frame.URL)
		for _, c := range f.ChildFrames {
			walk(c)
		}
	}
	walk(res.FrameTree)
	return urls
}

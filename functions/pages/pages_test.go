package pages_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"example.com/crm/functions/pages"
	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/testenv"
	"example.com/crm/shared/testenv/testbucket"
)

// env is the Pages function on the Firestore and Cloud Storage emulators
// with an account, two records (the newer one with call 1418's metadata,
// comments and a recording) and a signed-in browser.
type env struct {
	srv     *httptest.Server
	store   *gcpfirestore.Store
	browser *http.Client
	account crm.Account
	older   crm.Record
	record  crm.Record
	audio   crm.Attachment
	// recording is the recording's bytes.
	recording []byte
}

const (
	xssHTML  = `<p>Customer <b>angry</b><script>alert(1)</script><img src="x" onerror="alert(2)"></p>`
	xssPlain = `plain <script>alert(3)</script> & <img src=x onerror=alert(4)>`
)

func newEnv(t testing.TB) env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith is newEnv with the pages' configuration changed by edit.
func newEnvWith(t testing.TB, edit func(*pages.Config, *gcpfirestore.Store)) env {
	t.Helper()
	return newEnvOn(t, httptest.NewServer, edit)
}

// newEnvOn is newEnvWith served by start (httptest.NewServer or
// httptest.NewTLSServer).
func newEnvOn(t testing.TB, start func(http.Handler) *httptest.Server, edit func(*pages.Config, *gcpfirestore.Store)) env {
	t.Helper()
	ctx := context.Background()
	b := testbucket.New(t, "-attachments")
	bucket, blobs := b.Name, b.Blobs
	store := gcpfirestore.New(testenv.Firestore(t))
	clock := time.Date(2026, 3, 24, 8, 0, 0, 0, time.UTC)
	store.Now = func() time.Time { clock = clock.Add(time.Minute); return clock }

	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	si, err := signinService(store, string(hash), log)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pages.Config{Accounts: store, Records: store, Attachments: store, Sessions: store,
		Blobs: blobs, Signin: si, FrameAncestors: "https://acme.ccaiplatform.com", PhoneRegion: "US", Log: log,
		Pop: &agentpop.Service{Accounts: store, Records: store, Pops: store, Journal: store.Journal(), Region: "US"}}
	if edit != nil {
		edit(&cfg, store)
	}
	srv := start(pages.New(cfg))
	t.Cleanup(srv.Close)

	e := env{srv: srv, store: store}
	e.account, _, err = store.CreateAccount(ctx, crm.Account{Name: "Ada Lovelace",
		Phones: []crm.Phone{{Raw: "(222) 333-4444", E164: "+12223334444"}}, Emails: []string{"ada@example.com"},
		Custom: map[string]string{"tier": "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	e.older, _, err = store.CreateRecord(ctx, crm.Record{AccountID: e.account.ID, Subject: "Older chat", Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "99"}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := metadata.Parse(testenv.Fixture(t, "metadata/call-1418.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	sess := ingest.SessionOf(f.Summary)
	e.record, _, err = store.CreateRecord(ctx, crm.Record{AccountID: e.account.ID, Subject: "Call 1418", Description: "Line one\nline two",
		Custom: map[string]string{"order_no": "A-77"}, Sessions: []crm.Session{{Kind: sess.Kind, ID: sess.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.ApplySessionMetadata(ctx, e.record.ID, sess); err != nil {
		t.Fatal(err)
	}
	for _, c := range []crm.Comment{{Body: xssHTML, HTML: true}, {Body: xssPlain}} {
		if _, _, err := store.AddComment(ctx, e.record.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	e.recording = bytes.Repeat([]byte("0123456789"), 1000)
	tmp, err := blobs.Upload(ctx, bucket, bytes.NewReader(e.recording), "audio/mpeg", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := blobs.Keep(ctx, tmp, "records/"+e.record.ID+"/rec")
	if err != nil {
		t.Fatal(err)
	}
	e.audio, _, err = store.AddAttachment(ctx, crm.Attachment{ID: crm.AttachmentID(e.record.ID, kept.SHA256), RecordID: e.record.ID,
		Filename: "call-1418.mp3", ContentType: "audio/mpeg", Size: kept.Size, SHA256: kept.SHA256, Kind: "call_recording",
		SessionKey: "call:1418", Source: crm.SourceStorage, Bucket: bucket, Object: kept.Name}, false)
	if err != nil {
		t.Fatal(err)
	}
	// a chat transcript and a photo
	for _, f := range []struct{ name, ct, kind, body string }{
		{"chat-99.txt", "text/plain", "chat_transcript", "Agent: Hello <b>Ada</b>\nAda: My order is late"},
		{"photo.png", "image/png", "photo", "\x89PNG\r\n\x1a\n"},
	} {
		tmp, err := blobs.Upload(ctx, bucket, strings.NewReader(f.body), f.ct, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := blobs.Keep(ctx, tmp, "records/"+e.record.ID+"/"+f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.AddAttachment(ctx, crm.Attachment{ID: crm.AttachmentID(e.record.ID, kept.SHA256), RecordID: e.record.ID,
			Filename: f.name, ContentType: f.ct, Size: kept.Size, SHA256: kept.SHA256, Kind: f.kind, Source: crm.SourceAPI,
			Bucket: bucket, Object: kept.Name}, false); err != nil {
			t.Fatal(err)
		}
	}
	e.browser = newBrowser(t)
	e.browser.Transport = srv.Client().Transport // trusts a TLS server's certificate
	e.signIn(t, e.browser, "/")
	return e
}

func newBrowser(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in %s", page)
	}
	return m[1]
}

// signIn signs the local administrator in and returns where sign-in
// sends the browser.
func (e env) signIn(t testing.TB, c *http.Client, next string) string {
	t.Helper()
	_, form := e.do(t, c, "GET", "/signin?next="+url.QueryEscape(next), nil, http.StatusOK)
	resp, _ := e.do(t, c, "POST", "/signin", url.Values{"csrf": {csrfOf(t, form)}, "username": {"admin"}, "password": {"pw"}, "next": {next}}, http.StatusSeeOther)
	return resp.Header.Get("Location")
}

// do sends a request (a form when form is not nil) and checks its status.
func (e env) do(t testing.TB, c *http.Client, method, path string, form url.Values, want int, header ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, want, b)
	}
	return resp, string(b)
}

func wantIn(t *testing.T, page string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(page, p) {
			t.Errorf("page lacks %q", p)
		}
	}
}

// A visitor who is not signed in goes to sign-in and, afterwards, lands
// on the very link opened, query string included.
func TestSignInReturnsToTheLink(t *testing.T) {
	e := newEnv(t)
	link := "/records/" + e.record.ID + "?tab=comments&x=a%20b"
	visitor := newBrowser(t)
	resp, _ := e.do(t, visitor, "GET", link, nil, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	if want := "/signin?next=" + url.QueryEscape(link); loc != want {
		t.Fatalf("redirect: %q, want %q", loc, want)
	}
	u, _ := url.Parse(loc)
	if got := e.signIn(t, visitor, u.Query().Get("next")); got != link {
		t.Errorf("after sign-in: %q, want %q", got, link)
	}
	e.do(t, visitor, "GET", link, nil, http.StatusOK)
}

func TestUnknownIDsAnswer404(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/accounts/nope", "/records/nope", "/records/" + e.record.ID + "/attachments/nope", "/nothing/here"} {
		_, page := e.do(t, e.browser, "GET", path, nil, http.StatusNotFound)
		wantIn(t, page, "Not found")
	}
}

func TestAccountPage(t *testing.T) {
	e := newEnv(t)
	resp, page := e.do(t, e.browser, "GET", "/accounts/"+e.account.ID, nil, http.StatusOK)
	wantIn(t, page, "Ada Lovelace", "&#43;1 222-333-4444", "ada@example.com", "tier", "gold")
	newer, older := strings.Index(page, "/records/"+e.record.ID), strings.Index(page, "/records/"+e.older.ID)
	if newer < 0 || older < 0 || newer > older {
		t.Errorf("records not newest first: newer at %d, older at %d", newer, older)
	}
	checkHeaders(t, resp)
}

func checkHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	csp := resp.Header.Values("Content-Security-Policy")
	if !slices.Contains(csp, "frame-ancestors https://acme.ccaiplatform.com") {
		t.Errorf("CSP %q lacks the frame-ancestors of the portal", csp)
	}
	if !slices.ContainsFunc(csp, func(p string) bool { return strings.Contains(p, "script-src 'none'") }) {
		t.Errorf("CSP %q allows scripts", csp)
	}
}

func TestRecordPage(t *testing.T) {
	e := newEnv(t)
	if err := e.store.Journal().Add(context.Background(), agentpop.Entry{Session: "call:1418", Type: "New_Call", Known: true,
		User: "admin", AgentEmail: "james.bond@agents.co", RecordID: e.record.ID, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	resp, page := e.do(t, e.browser, "GET", "/records/"+e.record.ID, nil, http.StatusOK)
	checkHeaders(t, resp)
	wantIn(t, page, "Shown to agents", "New_Call · call:1418", "(agent james.bond@agents.co)", "Call 1418", "Line one\nline two", "order_no", "A-77", "Ada Lovelace",
		// the session summary of the metadata
		"Voice Inbound (IVR)", "menu-path-test/optional-dispositions_menu-8", "Jane Smith", "2m6s", "key_1",
		// the recording, played through this function, and where it came from
		`<audio controls preload="metadata" src="/records/`+e.record.ID+`/attachments/`+e.audio.ID+`"`, "via storage",
		// comments: HTML sanitised, plain text escaped
		// the transcript as text, the photo inline
		`<pre class="transcript">Agent: Hello &lt;b&gt;Ada&lt;/b&gt;
Ada: My order is late</pre>`, `<img src="/records/`+e.record.ID+`/attachments/`, "via api",
		"Customer <b>angry</b>", "plain &lt;script&gt;alert(3)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(4)&gt;")
	for _, bad := range []string{"<script>", "onerror", "alert(1)", "alert(2)"} {
		if strings.Contains(strings.ReplaceAll(page, "onerror=alert(4)&gt;", ""), bad) {
			t.Errorf("record page holds %q", bad)
		}
	}
}

func TestFormsNeedTheCSRFToken(t *testing.T) {
	e := newEnv(t)
	path := "/records/" + e.record.ID
	e.do(t, e.browser, "POST", path, url.Values{"subject": {"Hacked"}}, http.StatusForbidden)
	e.do(t, e.browser, "POST", path+"/comments", url.Values{"body": {"spam"}, "csrf": {"wrong"}}, http.StatusForbidden)
	rec, err := e.store.GetRecord(context.Background(), e.record.ID)
	if err != nil || rec.Subject != "Call 1418" {
		t.Errorf("record after refused forms: %+v, %v", rec, err)
	}
}

func TestEditAndComment(t *testing.T) {
	e := newEnv(t)
	path := "/records/" + e.record.ID
	_, page := e.do(t, e.browser, "GET", path, nil, http.StatusOK)
	csrf := csrfOf(t, page)
	resp, _ := e.do(t, e.browser, "POST", path, url.Values{"csrf": {csrf}, "subject": {"Refund asked"}, "status": {"Pending"}, "description": {"Wants a refund"}}, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != path {
		t.Errorf("after edit: %q, want %q", loc, path)
	}
	// twice, as a double click would: one comment, by its author
	for range 2 {
		e.do(t, e.browser, "POST", path+"/comments", url.Values{"csrf": {csrf}, "body": {"Called back <b>today</b>"}}, http.StatusSeeOther)
	}
	_, page = e.do(t, e.browser, "GET", path, nil, http.StatusOK)
	wantIn(t, page, "Refund asked", "pending", "Wants a refund", "Called back &lt;b&gt;today&lt;/b&gt;", " · admin", " · API")
	comments, err := e.store.Comments(context.Background(), e.record.ID)
	if err != nil {
		t.Fatal(err)
	}
	var mine []crm.Comment
	for _, c := range comments {
		if c.Body == "Called back <b>today</b>" {
			mine = append(mine, c)
		}
	}
	if len(mine) != 1 || mine[0].Author != "admin" {
		t.Errorf("the comment written on the page: %+v, want one by admin", mine)
	}

	// bad input: a 4xx page, nothing stored
	e.do(t, e.browser, "POST", path, url.Values{"csrf": {csrf}, "subject": {strings.Repeat("x", 2000)}}, http.StatusUnprocessableEntity)
	e.do(t, e.browser, "POST", path+"/comments", url.Values{"csrf": {csrf}, "body": {"  "}}, http.StatusUnprocessableEntity)
	e.do(t, e.browser, "POST", "/records/nope", url.Values{"csrf": {csrf}, "subject": {"x"}}, http.StatusNotFound)
	e.do(t, e.browser, "POST", path, url.Values{"csrf": {csrf}, "subject": {"\xff"}}, http.StatusUnprocessableEntity)
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	for q, want := range map[string]string{
		"222.333.4444":    "/accounts/" + e.account.ID,
		"+1 222 333 4444": "/accounts/" + e.account.ID,
		"*333*4444":       "/accounts/" + e.account.ID,
		"ADA@example.com": "/accounts/" + e.account.ID,
		"Ada Lovelace":    "/accounts/" + e.account.ID,
		e.account.ID:      "/accounts/" + e.account.ID,
		"1418":            "/records/" + e.record.ID,
		"99":              "/records/" + e.older.ID,
		e.record.ID:       "/records/" + e.record.ID,
	} {
		_, page := e.do(t, e.browser, "GET", "/search?q="+url.QueryEscape(q), nil, http.StatusOK)
		if !strings.Contains(page, `href="`+want+`"`) {
			t.Errorf("search %q: no link to %s", q, want)
		}
	}
	_, page := e.do(t, e.browser, "GET", "/search?q=nobody", nil, http.StatusOK)
	wantIn(t, page, "Nothing found")
	e.do(t, e.browser, "GET", "/search?q="+strings.Repeat("9", 300), nil, http.StatusBadRequest)
}

func TestDownloadWithRange(t *testing.T) {
	e := newEnv(t)
	path := "/records/" + e.record.ID + "/attachments/" + e.audio.ID
	resp, body := e.do(t, e.browser, "GET", path, nil, http.StatusPartialContent, "Range", "bytes=100-199")
	if body != string(e.recording[100:200]) {
		t.Errorf("range body: %q", body)
	}
	if got := resp.Header.Get("Content-Range"); got != "bytes 100-199/10000" {
		t.Errorf("Content-Range: %q", got)
	}
	if got := resp.Header.Get("Content-Type"); got != "audio/mpeg" {
		t.Errorf("Content-Type: %q", got)
	}
	_, body = e.do(t, e.browser, "GET", path, nil, http.StatusOK)
	if body != string(e.recording) {
		t.Errorf("whole download: %d bytes", len(body))
	}
	// not signed in: no file
	e.do(t, newBrowser(t), "GET", path, nil, http.StatusSeeOther)
}

// Over HTTPS (Google's front end says so), the Pages function's sign-in
// cookie works inside the portal's cross-site iframe.
func TestSessionCookieWorksInAnIframe(t *testing.T) {
	e := newEnv(t)
	c := newBrowser(t)
	_, form := e.do(t, c, "GET", "/signin", nil, http.StatusOK, "X-Forwarded-Proto", "https")
	resp, _ := e.do(t, c, "POST", "/signin", url.Values{"csrf": {csrfOf(t, form)}, "username": {"admin"}, "password": {"pw"}, "next": {"/"}},
		http.StatusSeeOther, "X-Forwarded-Proto", "https")
	found := false
	for _, raw := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(raw, "crm_session=") {
			found = true
			for _, attr := range []string{"SameSite=None", "Secure", "Partitioned", "HttpOnly"} {
				if !strings.Contains(raw, attr) {
					t.Errorf("session cookie %q lacks %s", raw, attr)
				}
			}
		}
	}
	if !found {
		t.Error("no session cookie")
	}
}

package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/signin"
)

// The deployed OAuth function's sign-in: its pages may be framed only by
// CRM_FRAME_ANCESTORS, a session cookie signed with the OAuth token key
// is no session, and sign-out ends the session for good.
func TestOAuthSignInSessions(t *testing.T) {
	const signingKey = "the OAuth token signing key, 32+ characters"
	const adminPassword = "the administrator's password"
	s, settings := startStack(t, localstack.Options{
		Auth:       auth.Config{Method: auth.MethodOAuth},
		SigningKey: signingKey, AdminPassword: adminPassword,
		Env: []string{"CRM_FRAME_ANCESTORS='self' https://portal.example"},
	})
	authorize, err := ccaiplayer.New(settings).AuthorizeURL("", nil)
	if err != nil {
		t.Fatal(err)
	}
	base := s.URLs["OAuth"]

	t.Run("frame-ancestors", func(t *testing.T) {
		b := newWebBrowser(t)
		for _, u := range []string{base + "/signin", authorize, base + "/"} {
			res, _ := b.get(u)
			if got, want := res.Header.Get("Content-Security-Policy"), "frame-ancestors 'self' https://portal.example"; got != want {
				t.Errorf("GET %s: Content-Security-Policy: got %q, want %q", u, got, want)
			}
		}
	})

	t.Run("a cookie signed with the OAuth token key is no session", func(t *testing.T) {
		// A sign-in service keyed with the token signing key, as the
		// function's was when one key signed both.
		hash, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		forger, err := signin.New(signin.Config{SessionKey: []byte(signingKey), Sessions: signin.NewMemorySessions(),
			AdminUsername: "admin", AdminPasswordHash: string(hash)})
		if err != nil {
			t.Fatal(err)
		}
		h := forger.Handler("/signin", auth.ClientAddr)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/signin", nil))
		csrfCookie := cookieIn(w.Result(), "crm_csrf")
		form := url.Values{"csrf": {csrfIn(t, w.Body.String())}, "username": {"admin"}, "password": {adminPassword}, "next": {"/"}}
		r := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(csrfCookie)
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		forged := cookieIn(w.Result(), "crm_session")
		if forged == nil {
			t.Fatalf("no session cookie from the forging service (%d %s)", w.Code, w.Body.String())
		}
		b := newWebBrowser(t)
		b.setCookie(base, forged)
		res, body := b.get(authorize)
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/signin") {
			t.Errorf("authorize with the forged cookie: got %d to %q (%.200s), want a redirect to sign in", res.StatusCode, res.Header.Get("Location"), body)
		}
	})

	t.Run("sign-out ends the session", func(t *testing.T) {
		b := newWebBrowser(t)
		res, body := b.get(base + "/signin")
		res, body = b.post(base+"/signin", url.Values{"csrf": {csrfIn(t, body)}, "username": {"admin"}, "password": {adminPassword}, "next": {"/"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in: got %d (%.200s), want 303", res.StatusCode, body)
		}
		res, body = b.get(authorize)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Allow") {
			t.Fatalf("consent page: got %d (%.200s), want 200 with Allow", res.StatusCode, body)
		}
		copied := newWebBrowser(t) // the same cookies, kept elsewhere
		for _, c := range b.jar.Cookies(mustURL(t, base)) {
			copied.setCookie(base, c)
		}
		if res, body = b.post(base+"/signin/out", url.Values{"csrf": {csrfIn(t, body)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-out: got %d (%.200s), want 303", res.StatusCode, body)
		}
		res, _ = copied.get(authorize)
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/signin") {
			t.Errorf("authorize with a cookie from before sign-out: got %d to %q, want a redirect to sign in", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// webBrowser keeps cookies and stops at redirects.
type webBrowser struct {
	t   *testing.T
	jar *cookiejar.Jar
	c   *http.Client
}

func newWebBrowser(t *testing.T) *webBrowser {
	jar, _ := cookiejar.New(nil)
	return &webBrowser{t: t, jar: jar, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *webBrowser) get(u string) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *webBrowser) post(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *webBrowser) setCookie(base string, c *http.Cookie) {
	b.jar.SetCookies(mustURL(b.t, base), []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfIn(t *testing.T, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in %.300s", page)
	}
	return m[1]
}

func cookieIn(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

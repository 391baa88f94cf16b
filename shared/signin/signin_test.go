package signin_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/signin"
)

const (
	adminUser     = "admin"
	adminPassword = "correct horse battery staple"
)

var sessionKey = []byte("0123456789abcdef0123456789abcdef")

func adminHash(t *testing.T) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("bcrypt: %v", err)
	}
	return string(h)
}

// newService returns a Service with the local administrator, changed by
// edit when not nil.
func newService(t *testing.T, edit func(*signin.Config)) *signin.Service {
	t.Helper()
	cfg := signin.Config{
		SessionKey: sessionKey, Sessions: signin.NewMemorySessions(), AdminUsername: adminUser, AdminPasswordHash: adminHash(t),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := signin.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestNew(t *testing.T) {
	hash := adminHash(t)
	mem := signin.NewMemorySessions()
	tests := []struct {
		name    string
		cfg     signin.Config
		wantErr string // "" for none
	}{
		{"valid", signin.Config{SessionKey: sessionKey, Sessions: mem, AdminUsername: adminUser, AdminPasswordHash: hash}, ""},
		{"no administrator", signin.Config{SessionKey: sessionKey, Sessions: mem}, ""},
		{"key of 31 bytes", signin.Config{SessionKey: sessionKey[:31], Sessions: mem, AdminPasswordHash: hash}, "at least 32 bytes"},
		{"no key", signin.Config{Sessions: mem, AdminPasswordHash: hash}, "at least 32 bytes"},
		{"no session store", signin.Config{SessionKey: sessionKey, AdminPasswordHash: hash}, "session store"},
		{"plain-text password", signin.Config{SessionKey: sessionKey, Sessions: mem, AdminPasswordHash: adminPassword}, "not a bcrypt hash"},
		{"SHA-256 hex", signin.Config{SessionKey: sessionKey, Sessions: mem, AdminPasswordHash: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}, "not a bcrypt hash"},
		{"truncated bcrypt", signin.Config{SessionKey: sessionKey, Sessions: mem, AdminPasswordHash: hash[:7]}, "not a bcrypt hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := signin.New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || s == nil {
					t.Errorf("New: got (%v, %v), want a Service", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New: got error %v, want one containing %q", err, tt.wantErr)
			}
			if s != nil {
				t.Errorf("New: got a Service with an error, want nil")
			}
		})
	}
}

// browser keeps cookies between requests to a handler, the way a
// browser would for one host.
type browser struct {
	t       *testing.T
	h       http.Handler
	https   bool // requests carry X-Forwarded-Proto: https
	remote  string
	cookies map[string]*http.Cookie
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	return &browser{t: t, h: h, remote: "192.0.2.1:1234", cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(r *http.Request) *http.Response {
	b.t.Helper()
	r.RemoteAddr = b.remote
	if b.https {
		r.Header.Set("X-Forwarded-Proto", "https")
	}
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	res := w.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return res
}

func (b *browser) get(target string) (*http.Response, string) {
	b.t.Helper()
	res := b.do(httptest.NewRequest("GET", "http://crm.example"+target, nil))
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *browser) post(target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	r := httptest.NewRequest("POST", "http://crm.example"+target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := b.do(r)
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

var csrfInput = regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]+)">`)

// csrf loads the sign-in form and returns its CSRF token.
func (b *browser) csrf() string {
	b.t.Helper()
	res, body := b.get("/signin")
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /signin: got status %d, want %d", res.StatusCode, http.StatusOK)
	}
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("GET /signin: no hidden csrf input in %s", body)
	}
	return m[1]
}

func signinForm(csrf, user, password, next string) url.Values {
	return url.Values{"csrf": {csrf}, "username": {user}, "password": {password}, "next": {next}}
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// userOf asks s who is signed in with the browser's cookies.
func (b *browser) userOf(s *signin.Service) (string, bool) {
	b.t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	u, err := s.User(r)
	if err != nil {
		b.t.Fatalf("User: %v", err)
	}
	return u, u != ""
}

func TestForm(t *testing.T) {
	s := newService(t, nil)
	b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
	res, body := b.get("/signin?next=/accounts%3Fid%3D1")
	if got, want := res.StatusCode, http.StatusOK; got != want {
		t.Fatalf("status: got %d, want %d", got, want)
	}
	if got, want := res.Header.Get("Cache-Control"), "no-store"; got != want {
		t.Errorf("Cache-Control: got %q, want %q", got, want)
	}
	c := cookieNamed(res, "crm_csrf")
	if c == nil || len(c.Value) < 20 {
		t.Fatalf("crm_csrf cookie: got %v, want one with a random value", c)
	}
	if !c.HttpOnly || c.Path != "/" {
		t.Errorf("crm_csrf cookie: got HttpOnly=%v Path=%q, want HttpOnly=true Path=\"/\"", c.HttpOnly, c.Path)
	}
	for _, want := range []string{
		`<form method="post" action="/signin">`,
		`<input type="hidden" name="next" value="/accounts?id=1">`,
		`name="username"`, `name="password" type="password"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form: got %s, want it to contain %q", body, want)
		}
	}
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("form: got %s, want a hidden csrf input", body)
	}
	if m[1] == c.Value {
		t.Errorf("csrf token: got the cookie value itself, want a MAC of it")
	}
	if strings.Contains(body, "Sign in with Google") {
		t.Errorf("form without a Google client: got a Google link")
	}

	// A second visit keeps the cookie and the token.
	res, body = b.get("/signin")
	if c := cookieNamed(res, "crm_csrf"); c != nil {
		t.Errorf("second visit: got a new crm_csrf cookie, want the first kept")
	}
	if m2 := csrfInput.FindStringSubmatch(body); m2 == nil || m2[1] != m[1] {
		t.Errorf("second visit csrf: got %v, want %q", m2, m[1])
	}
}

func TestSignIn(t *testing.T) {
	tests := []struct {
		name       string
		user, pass string
		next       string
		csrf       func(good string) string // the token sent
		noCookie   bool                     // the crm_csrf cookie is dropped
		wantStatus int
		wantTo     string // Location; "" for none
	}{
		{"right", adminUser, adminPassword, "/authorize?client_id=c&state=s", nil, false, http.StatusSeeOther, "/authorize?client_id=c&state=s"},
		{"username trimmed", " " + adminUser + " ", adminPassword, "/x", nil, false, http.StatusSeeOther, "/x"},
		{"no next", adminUser, adminPassword, "", nil, false, http.StatusSeeOther, "/"},
		{"next protocol-relative", adminUser, adminPassword, "//evil.com", nil, false, http.StatusSeeOther, "/"},
		{"next absolute", adminUser, adminPassword, "https://evil.com", nil, false, http.StatusSeeOther, "/"},
		{"next backslash", adminUser, adminPassword, `/\evil.com`, nil, false, http.StatusSeeOther, "/"},
		{"next relative", adminUser, adminPassword, "evil.com", nil, false, http.StatusSeeOther, "/"},
		{"next javascript", adminUser, adminPassword, "javascript:alert(1)", nil, false, http.StatusSeeOther, "/"},
		{"wrong password", adminUser, adminPassword + "x", "/x", nil, false, http.StatusUnauthorized, ""},
		{"wrong user", "root", adminPassword, "/x", nil, false, http.StatusUnauthorized, ""},
		{"user in other case", "ADMIN", adminPassword, "/x", nil, false, http.StatusUnauthorized, ""},
		{"empty password", adminUser, "", "/x", nil, false, http.StatusUnauthorized, ""},
		{"missing csrf", adminUser, adminPassword, "/x", func(string) string { return "" }, false, http.StatusForbidden, ""},
		{"wrong csrf", adminUser, adminPassword, "/x", flipLast, false, http.StatusForbidden, ""},
		{"no csrf cookie", adminUser, adminPassword, "/x", nil, true, http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newService(t, nil)
			b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
			token := b.csrf()
			if tt.csrf != nil {
				token = tt.csrf(token)
			}
			if tt.noCookie {
				delete(b.cookies, "crm_csrf")
			}
			res, body := b.post("/signin", signinForm(token, tt.user, tt.pass, tt.next))
			if got := res.StatusCode; got != tt.wantStatus {
				t.Fatalf("status: got %d, want %d (%s)", got, tt.wantStatus, body)
			}
			if got := res.Header.Get("Location"); got != tt.wantTo {
				t.Errorf("Location: got %q, want %q", got, tt.wantTo)
			}
			session := cookieNamed(res, "crm_session")
			user, ok := b.userOf(s)
			if tt.wantStatus != http.StatusSeeOther {
				if session != nil {
					t.Errorf("crm_session cookie: got %v, want none", session)
				}
				if ok {
					t.Errorf("User: got %q, want nobody", user)
				}
				if strings.Contains(body, adminPassword) {
					t.Errorf("page repeats the password")
				}
				return
			}
			if session == nil {
				t.Fatalf("crm_session cookie: got none, want one")
			}
			if got, want := session.MaxAge, int((8 * time.Hour).Seconds()); got != want {
				t.Errorf("crm_session Max-Age: got %d, want %d", got, want)
			}
			if !session.HttpOnly {
				t.Errorf("crm_session HttpOnly: got false, want true")
			}
			if !ok || user != adminUser {
				t.Errorf("User: got (%q, %v), want (%q, true)", user, ok, adminUser)
			}
		})
	}
}

func TestSignInErrorPageKeepsNext(t *testing.T) {
	s := newService(t, nil)
	b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
	res, body := b.post("/signin", signinForm(b.csrf(), adminUser, "wrong", "/authorize?a=1"))
	if got, want := res.StatusCode, http.StatusUnauthorized; got != want {
		t.Fatalf("status: got %d, want %d", got, want)
	}
	for _, want := range []string{"Wrong username or password.", `name="next" value="/authorize?a=1"`, `action="/signin"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page: got %s, want it to contain %q", body, want)
		}
	}
}

func TestNoLocalAdministrator(t *testing.T) {
	// The token comes from a form of a Service with the same key.
	b := newBrowser(t, newService(t, nil).Handler("/signin", auth.ClientAddr))
	token := b.csrf()
	s := newService(t, func(c *signin.Config) { c.AdminUsername, c.AdminPasswordHash = "", "" })
	b.h = s.Handler("/signin", auth.ClientAddr)
	if _, body := b.get("/signin"); strings.Contains(body, "<form") {
		t.Errorf("page without a local administrator: got %s, want no password form", body)
	}
	tests := []struct{ name, user, pass string }{
		{"empty credentials", "", ""},
		{"some credentials", adminUser, adminPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := b.post("/signin", signinForm(token, tt.user, tt.pass, "/"))
			if got, want := res.StatusCode, http.StatusUnauthorized; got != want {
				t.Errorf("status: got %d, want %d", got, want)
			}
			if c := cookieNamed(res, "crm_session"); c != nil {
				t.Errorf("crm_session cookie: got %v, want none", c)
			}
		})
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name            string
		https           bool
		wantSecure      bool
		wantSameSite    http.SameSite
		wantPartitioned bool
	}{
		{"plain HTTP", false, false, http.SameSiteLaxMode, false},
		{"behind HTTPS front end", true, true, http.SameSiteNoneMode, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newService(t, nil)
			b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
			b.https = tt.https
			formRes := b.do(httptest.NewRequest("GET", "http://crm.example/signin", nil))
			token := csrfInput.FindStringSubmatch(readBody(formRes))
			if token == nil {
				t.Fatalf("no csrf token in the form")
			}
			res, _ := b.post("/signin", signinForm(token[1], adminUser, adminPassword, "/"))
			for _, name := range []string{"crm_csrf", "crm_session"} {
				from := formRes
				if name == "crm_session" {
					from = res
				}
				// Partitioned is not parsed back by net/http: read the header.
				raw := setCookieHeader(from, name)
				c := cookieNamed(from, name)
				if c == nil {
					t.Fatalf("%s: got no cookie, want one", name)
				}
				if c.Secure != tt.wantSecure || c.SameSite != tt.wantSameSite || c.HttpOnly != true {
					t.Errorf("%s: got Secure=%v SameSite=%v HttpOnly=%v, want Secure=%v SameSite=%v HttpOnly=true",
						name, c.Secure, c.SameSite, c.HttpOnly, tt.wantSecure, tt.wantSameSite)
				}
				if got := strings.Contains(raw, "; Partitioned"); got != tt.wantPartitioned {
					t.Errorf("%s: got Partitioned=%v (%q), want %v", name, got, raw, tt.wantPartitioned)
				}
				if strings.Contains(raw, "Domain=") {
					t.Errorf("%s: got %q, want a host-only cookie", name, raw)
				}
			}
		})
	}
}

func readBody(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func setCookieHeader(res *http.Response, name string) string {
	for _, v := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=") {
			return v
		}
	}
	return ""
}

func TestSignOut(t *testing.T) {
	tests := []struct {
		name       string
		csrf       func(good string) string
		wantStatus int
		wantUser   bool // still signed in afterwards
	}{
		{"with csrf", func(g string) string { return g }, http.StatusSeeOther, false},
		{"without csrf", func(string) string { return "" }, http.StatusForbidden, true},
		{"wrong csrf", func(g string) string { return "x" + g }, http.StatusForbidden, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newService(t, nil)
			b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
			token := b.csrf()
			if res, _ := b.post("/signin", signinForm(token, adminUser, adminPassword, "/")); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in: got status %d, want %d", res.StatusCode, http.StatusSeeOther)
			}
			if _, ok := b.userOf(s); !ok {
				t.Fatalf("User after sign-in: got nobody, want %q", adminUser)
			}
			res, _ := b.post("/signin/out", url.Values{"csrf": {tt.csrf(token)}})
			if got := res.StatusCode; got != tt.wantStatus {
				t.Fatalf("status: got %d, want %d", got, tt.wantStatus)
			}
			c := cookieNamed(res, "crm_session")
			if tt.wantStatus == http.StatusSeeOther {
				if got, want := res.Header.Get("Location"), "/signin"; got != want {
					t.Errorf("Location: got %q, want %q", got, want)
				}
				if c == nil || c.MaxAge >= 0 || c.Value != "" {
					t.Errorf("crm_session cookie: got %v, want one deleting it", c)
				}
			} else if c != nil {
				t.Errorf("crm_session cookie: got %v, want none", c)
			}
			if _, ok := b.userOf(s); ok != tt.wantUser {
				t.Errorf("signed in afterwards: got %v, want %v", ok, tt.wantUser)
			}
		})
	}
}

func TestSessionCookieTampering(t *testing.T) {
	s := newService(t, nil)
	b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
	b.post("/signin", signinForm(b.csrf(), adminUser, adminPassword, "/"))
	good := b.cookies["crm_session"]
	if good == nil {
		t.Fatalf("no session cookie after sign-in")
	}
	payload, mac, ok := strings.Cut(good.Value, ".")
	if !ok {
		t.Fatalf("session cookie %q: want <payload>.<mac>", good.Value)
	}
	other := newService(t, func(c *signin.Config) { c.SessionKey = []byte("another key, also of 32 bytes!!!") })

	tests := []struct {
		name  string
		s     *signin.Service
		value string
		want  bool
	}{
		{"as issued", s, good.Value, true},
		{"another user in the payload", s, b64(`{"u":"root","e":4102444800}`) + "." + mac, false},
		{"a later expiry in the payload", s, b64(`{"u":"admin","e":4102444800}`) + "." + mac, false},
		{"payload with a byte changed", s, flipLast(payload) + "." + mac, false},
		{"mac with a byte changed", s, payload + "." + flipLast(mac), false},
		{"no mac", s, payload, false},
		{"empty mac", s, payload + ".", false},
		{"empty", s, "", false},
		{"another deployment's key", other, good.Value, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(&http.Cookie{Name: "crm_session", Value: tt.value})
			user, err := tt.s.User(r)
			if err != nil {
				t.Fatalf("User: %v", err)
			}
			if ok := user != ""; ok != tt.want {
				t.Errorf("User(%q): got (%q, %v), want ok=%v", tt.value, user, ok, tt.want)
			}
		})
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func flipLast(s string) string {
	last := s[len(s)-1]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	return s[:len(s)-1] + string(repl)
}

func TestRequireUser(t *testing.T) {
	s := newService(t, nil)
	b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
	b.post("/signin", signinForm(b.csrf(), adminUser, adminPassword, "/"))
	session := b.cookies["crm_session"]

	tests := []struct {
		name     string
		target   string
		cookie   *http.Cookie
		wantUser string
		wantTo   string // Location; "" for none
	}{
		{"signed in", "/authorize?client_id=c", session, adminUser, ""},
		{"not signed in", "/authorize?client_id=c&state=a b", nil, "", "/signin?next=" + url.QueryEscape("/authorize?client_id=c&state=a%20b")},
		{"not signed in, plain path", "/accounts", nil, "", "/signin?next=%2Faccounts"},
		{"bad cookie", "/x", &http.Cookie{Name: "crm_session", Value: "forged.value"}, "", "/signin?next=%2Fx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://crm.example"+strings.ReplaceAll(tt.target, " ", "%20"), nil)
			if tt.cookie != nil {
				r.AddCookie(tt.cookie)
			}
			w := httptest.NewRecorder()
			user, ok := s.RequireUser(w, r, "/signin")
			if user != tt.wantUser || ok != (tt.wantUser != "") {
				t.Errorf("RequireUser: got (%q, %v), want (%q, %v)", user, ok, tt.wantUser, tt.wantUser != "")
			}
			// The local administrator may use the admin pages.
			if u, admin, ok := s.RequireAdmin(httptest.NewRecorder(), r, "/signin"); u != user || admin != ok || ok != (user != "") {
				t.Errorf("RequireAdmin: got (%q, admin %v, %v), want (%q, admin %v)", u, admin, ok, user, user != "")
			}
			if tt.wantTo == "" {
				if w.Code != http.StatusOK || w.Header().Get("Location") != "" {
					t.Errorf("response: got %d to %q, want nothing written", w.Code, w.Header().Get("Location"))
				}
				return
			}
			if got, want := w.Code, http.StatusSeeOther; got != want {
				t.Errorf("status: got %d, want %d", got, want)
			}
			if got := w.Header().Get("Location"); got != tt.wantTo {
				t.Errorf("Location: got %q, want %q", got, tt.wantTo)
			}
		})
	}
}

func TestSignInLimiter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	l := auth.NewLimiter()
	l.Now = func() time.Time { return now }
	s := newService(t, func(c *signin.Config) { c.Limiter = l })
	h := s.Handler("/signin", auth.ClientAddr)
	b := newBrowser(t, h)
	token := b.csrf()
	for i := range 9 {
		if res, _ := b.post("/signin", signinForm(token, adminUser, "wrong", "/")); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed sign-in #%d: got status %d, want %d", i+1, res.StatusCode, http.StatusUnauthorized)
		}
	}
	other := newBrowser(t, h)
	other.remote = "198.51.100.9:1111"
	otherToken := other.csrf()

	tests := []struct {
		name       string
		b          *browser
		token      string
		advance    time.Duration // before the request, from the previous case
		password   string
		wantStatus int
		wantRetry  string // Retry-After
	}{
		{"10th with the wrong password", b, token, 0, "wrong", http.StatusTooManyRequests, "901"},
		{"then the right password: signed in", b, token, 0, adminPassword, http.StatusSeeOther, ""},
		{"another address", other, otherToken, 0, adminPassword, http.StatusSeeOther, ""},
		{"a minute later, wrong", b, token, time.Minute, "wrong", http.StatusTooManyRequests, "901"},
		{"after the lockout, wrong", b, token, 16 * time.Minute, "wrong", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = now.Add(tt.advance)
			res, body := tt.b.post("/signin", signinForm(tt.token, adminUser, tt.password, "/"))
			if got := res.StatusCode; got != tt.wantStatus {
				t.Fatalf("status: got %d, want %d", got, tt.wantStatus)
			}
			if got := res.Header.Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After: got %q, want %q", got, tt.wantRetry)
			}
			if c := cookieNamed(res, "crm_session"); (c != nil) != (tt.wantStatus == http.StatusSeeOther) {
				t.Errorf("crm_session cookie: got %v, want one only on success", c)
			}
			if tt.wantStatus == http.StatusTooManyRequests && !strings.Contains(body, "Too many failed attempts") {
				t.Errorf("page: got %s, want it to say too many failed attempts", body)
			}
		})
	}
}

// TestSignInLimiterSuccessDoesNotClear: a successful sign-in from an
// address does not wipe the failures counted for it (a guesser sharing the
// address would otherwise never be throttled).
func TestSignInLimiterSuccessDoesNotClear(t *testing.T) {
	l := auth.NewLimiter()
	s := newService(t, func(c *signin.Config) { c.Limiter = l })
	b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
	token := b.csrf()
	for range 9 {
		b.post("/signin", signinForm(token, adminUser, "wrong", "/"))
	}
	if res, _ := b.post("/signin", signinForm(token, adminUser, adminPassword, "/")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("right password after 9 failures: got status %d, want %d", res.StatusCode, http.StatusSeeOther)
	}
	if res, _ := b.post("/signin", signinForm(token, adminUser, "wrong", "/")); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("10th failure after a success: got status %d, want %d", res.StatusCode, http.StatusTooManyRequests)
	}
}

// TestCSRFFailureNotCounted: a request without a valid CSRF token never
// reaches the password check, so it is not a failed sign-in.
func TestCSRFFailureNotCounted(t *testing.T) {
	l := auth.NewLimiter()
	s := newService(t, func(c *signin.Config) { c.Limiter = l })
	b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
	b.csrf()
	for range 20 {
		if res, _ := b.post("/signin", signinForm("bad", adminUser, "wrong", "/")); res.StatusCode != http.StatusForbidden {
			t.Fatalf("status: got %d, want %d", res.StatusCode, http.StatusForbidden)
		}
	}
	if wait := l.Locked("192.0.2.1"); wait != 0 {
		t.Errorf("Locked after CSRF failures: got %v, want 0", wait)
	}
}

// PageHeaders: the one place the CRM's pages get their frame-ancestors
// and caching headers.
func TestPageHeaders(t *testing.T) {
	for _, tt := range []struct{ setting, want string }{
		{"'self' https://*.ccaiplatform.com", "frame-ancestors 'self' https://*.ccaiplatform.com"},
		{"", "frame-ancestors 'none'"},
	} {
		rec := httptest.NewRecorder()
		signin.PageHeaders(http.NotFoundHandler(), tt.setting).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
		h := rec.Header()
		if got := h.Get("Content-Security-Policy"); got != tt.want {
			t.Errorf("setting %q: Content-Security-Policy: got %q, want %q", tt.setting, got, tt.want)
		}
		if h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("setting %q: headers %v", tt.setting, h)
		}
	}
}

package signin

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestNextStaysOnSite: wherever a next parameter comes in (the form
// page, the local sign-in, the Google sign-in), the redirect after
// sign-in goes to a path of this site or to "/". Each value is next as
// decoded from the query or form.
func TestNextStaysOnSite(t *testing.T) {
	tests := []struct {
		name string
		next string
		want string
	}{
		{"/%09/evil.example (a tab browsers strip)", "/\t/evil.example", "/"},
		{"/%0A/evil.example (a newline)", "/\n/evil.example", "/"},
		{"/%0D%0A/evil.example", "/\r\n/evil.example", "/"},
		{"/%7F/evil.example", "/\x7f/evil.example", "/"},
		{"leading tab", "\t//evil.example", "/"},
		{"%09 still encoded", "/%09/evil.example", "/"},
		{`/\evil.example`, `/\evil.example`, "/"},
		{`/%5Cevil.example`, `/%5Cevil.example`, "/"},
		{`backslash later`, `/a\b`, "/"},
		{"//evil.example", "//evil.example", "/"},
		{"///evil.example", "///evil.example", "/"},
		{"https://evil.example", "https://evil.example", "/"},
		{"HTTPS://evil.example", "HTTPS://evil.example", "/"},
		{"javascript:alert(1)", "javascript:alert(1)", "/"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example", "/"},
		{"/%2f/evil.example", "/%2f/evil.example", "/"},
		{"relative", "evil.example", "/"},
		{"empty", "", "/"},
		{"/records/abc?x=1", "/records/abc?x=1", "/records/abc?x=1"},
		{"an authorization request", "/authorize?client_id=c&redirect_uri=https%3A%2F%2Fx.example%2Fcb&state=s", "/authorize?client_id=c&redirect_uri=https%3A%2F%2Fx.example%2Fcb&state=s"},
		{"an escaped slash inside the path", "/records/a%2Fb", "/records/a%2Fb"},
		{"root", "/", "/"},
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s := newGoogleService(t, "a@b.com")
	s.cfg.AdminUsername, s.cfg.AdminPasswordHash = "admin", string(hash)
	h := s.Handler("/signin", func(*http.Request) string { return "test" })
	hiddenNext := regexp.MustCompile(`<input type="hidden" name="next" value="([^"]*)">`)
	hiddenCSRF := regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]*)">`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The form page keeps next for the sign-in.
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/signin?next="+url.QueryEscape(tt.next), nil))
			m := hiddenNext.FindStringSubmatch(w.Body.String())
			if m == nil {
				t.Fatalf("form: no hidden next in %s", w.Body.String())
			}
			if got := html.UnescapeString(m[1]); got != tt.want {
				t.Errorf("form's next: got %q, want %q", got, tt.want)
			}
			csrfCookie := cookieOf(w.Result(), csrfCookie)
			csrf := hiddenCSRF.FindStringSubmatch(w.Body.String())
			if csrfCookie == nil || csrf == nil {
				t.Fatalf("form: no CSRF cookie or token")
			}

			// The local sign-in redirects there.
			form := url.Values{"csrf": {csrf[1]}, "username": {"admin"}, "password": {"pw"}, "next": {tt.next}}
			r := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.AddCookie(csrfCookie)
			w = httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("local sign-in: got status %d, want %d (%s)", w.Code, http.StatusSeeOther, w.Body.String())
			}
			if got := w.Header().Get("Location"); got != tt.want {
				t.Errorf("local sign-in redirects to %q, want %q", got, tt.want)
			}

			// The Google sign-in keeps it for its callback.
			w = httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/signin/google?next="+url.QueryEscape(tt.next), nil))
			c := cookieOf(w.Result(), oidcCookie)
			if c == nil {
				t.Fatalf("Google sign-in: got status %d and no %s cookie", w.Code, oidcCookie)
			}
			var st oidcState
			if err := s.oidc.open(c.Value, &st); err != nil {
				t.Fatalf("%s: %v", oidcCookie, err)
			}
			if st.Next != tt.want {
				t.Errorf("Google sign-in returns to %q, want %q", st.Next, tt.want)
			}
		})
	}
}

func cookieOf(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

package oauthserver_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ory/fosite"
	"github.com/ory/fosite/storage"
	"golang.org/x/crypto/bcrypt"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/oauthserver"
	"example.com/crm/shared/signin"
)

// TestFrameAncestors: every page of the OAuth function (sign-in,
// consent, errors, metadata) may be framed only by the origins set in
// the configuration (CRM_FRAME_ANCESTORS), and the header follows the
// setting.
func TestFrameAncestors(t *testing.T) {
	tests := []struct {
		name    string
		setting string
		want    string
	}{
		{"the default", "'self' https://*.ccaiplatform.com https://*.ujet.co", "frame-ancestors 'self' https://*.ccaiplatform.com https://*.ujet.co"},
		{"another portal", "https://portal.example:8443", "frame-ancestors https://portal.example:8443"},
		{"not set: nobody", "", "frame-ancestors 'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(newServer(t, tt.setting).Handler())
			defer srv.Close()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			authorize := srv.URL + "/authorize?" + url.Values{"client_id": {"ccaip"}, "response_type": {"code"},
				"redirect_uri": {"https://portal.example/cb"}, "state": {"state-123456"}, "scope": {"crm"}}.Encode()

			check := func(what string, res *http.Response, wantStatus int) string {
				t.Helper()
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != wantStatus {
					t.Fatalf("%s: got status %d, want %d (%s)", what, res.StatusCode, wantStatus, body)
				}
				if got := res.Header.Values("Content-Security-Policy"); len(got) != 1 || got[0] != tt.want {
					t.Errorf("%s: Content-Security-Policy: got %q, want %q", what, got, tt.want)
				}
				return string(body)
			}
			get := func(what, u string, wantStatus int) string {
				t.Helper()
				res, err := c.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				return check(what, res, wantStatus)
			}
			post := func(what, u string, form url.Values, wantStatus int) string {
				t.Helper()
				res, err := c.PostForm(u, form)
				if err != nil {
					t.Fatal(err)
				}
				return check(what, res, wantStatus)
			}

			get("authorize, not signed in", authorize, http.StatusSeeOther)
			form := get("sign-in page", srv.URL+"/signin?next="+url.QueryEscape("/authorize"), http.StatusOK)
			csrf := csrfOf(t, form)
			post("wrong password", srv.URL+"/signin", url.Values{"csrf": {csrf}, "username": {"admin"}, "password": {"wrong"}}, http.StatusUnauthorized)
			post("sign-in", srv.URL+"/signin", url.Values{"csrf": {csrf}, "username": {"admin"}, "password": {"pw"}, "next": {"/"}}, http.StatusSeeOther)
			consent := get("consent page", authorize, http.StatusOK)
			if !strings.Contains(consent, "Allow") {
				t.Fatalf("consent page: got %s, want the Allow button", consent)
			}
			get("metadata", srv.URL+"/.well-known/oauth-authorization-server", http.StatusOK)
			get("unknown page", srv.URL+"/nothing-here", http.StatusNotFound)
			post("sign-out", srv.URL+"/signin/out", url.Values{"csrf": {csrfOf(t, consent)}}, http.StatusSeeOther)
		})
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in %s", page)
	}
	return m[1]
}

// newServer is an authorization server on fosite's in-memory storage
// with one client, and the local administrator admin / pw.
func newServer(t *testing.T, frameAncestors string) *oauthserver.Server {
	t.Helper()
	store := storage.NewMemoryStore()
	store.Clients["ccaip"] = oauthserver.NewClients([]oauthserver.Client{{ID: "ccaip", SecretHash: secretHash(t), RedirectURIs: []string{"https://portal.example/cb"}}})["ccaip"].(*fosite.DefaultClient)
	provider, err := oauthserver.NewProvider(oauthserver.Config{SigningKey: []byte("a token signing key of 32 bytes!")}, store)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	si, err := signin.New(signin.Config{SessionKey: []byte("a session cookie key of 32 bytes"), Sessions: signin.NewMemorySessions(),
		AdminUsername: "admin", AdminPasswordHash: string(hash), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return &oauthserver.Server{Provider: provider, Signin: si, Limiter: auth.NewLimiter(), Log: log, FrameAncestors: frameAncestors}
}

// TestWithoutSignin: when sign-in could not be set up, the pages that
// need a user answer 503, and CCAI Platform's /token and /revoke still
// answer as the OAuth server (here: a wrong client is told invalid_client).
func TestWithoutSignin(t *testing.T) {
	s := newServer(t, "")
	s.Signin, s.SigninErr = nil, errors.New("CRM_SESSION_KEY is not set")
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, path := range []string{"/signin", "/signin/google", "/authorize?client_id=ccaip"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET %s: got %d, want 503", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/token", "/revoke"} {
		res, err := http.PostForm(srv.URL+path, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "token": {"x"},
			"client_id": {"ccaip"}, "client_secret": {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "invalid_client") {
			t.Errorf("POST %s: got %d %s, want 401 invalid_client", path, res.StatusCode, body)
		}
	}
}

package signin

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func newGoogleService(t *testing.T, allowed ...string) *Service {
	t.Helper()
	s, err := New(Config{
		SessionKey: testKey, Sessions: NewMemorySessions(),
		Google: GoogleConfig{
			ClientID: "client-1.apps.googleusercontent.com", ClientSecret: "secret",
			AuthURL: "https://accounts.example/auth", TokenURL: "http://127.0.0.1:1/token",
		},
		AllowedUsers: allowed,
		Log:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestCheckClaims(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	const nonce = "n-0123456789"
	valid := func() IDClaims {
		return IDClaims{
			Issuer: "https://accounts.google.com", Audience: audience{"client-1.apps.googleusercontent.com"},
			Expires: now.Add(time.Hour).Unix(), Nonce: nonce,
			Email: "Alice@Example.com", EmailVerified: true, HostedDomain: "example.com",
		}
	}
	allowed := []string{"bob@gmail.com", " Carol@Other.org ", "@example.com"}
	tests := []struct {
		name    string
		edit    func(*IDClaims)
		allowed []string // nil: allowed above
		wantErr string   // "" for none
	}{
		{"valid", func(c *IDClaims) {}, nil, ""},
		{"issuer without scheme", func(c *IDClaims) { c.Issuer = "accounts.google.com" }, nil, ""},
		{"other issuer", func(c *IDClaims) { c.Issuer = "https://evil.example" }, nil, "issuer"},
		{"issuer over http", func(c *IDClaims) { c.Issuer = "http://accounts.google.com" }, nil, "issuer"},
		{"issuer with a path", func(c *IDClaims) { c.Issuer = "https://accounts.google.com/x" }, nil, "issuer"},
		{"no issuer", func(c *IDClaims) { c.Issuer = "" }, nil, "issuer"},
		{"audience among several", func(c *IDClaims) { c.Audience = audience{"other", "client-1.apps.googleusercontent.com"} }, nil, ""},
		{"other audience", func(c *IDClaims) { c.Audience = audience{"client-2.apps.googleusercontent.com"} }, nil, "another client"},
		{"audience prefix", func(c *IDClaims) { c.Audience = audience{"client-1"} }, nil, "another client"},
		{"no audience", func(c *IDClaims) { c.Audience = nil }, nil, "another client"},
		{"expired a second ago", func(c *IDClaims) { c.Expires = now.Unix() - 1 }, nil, "expired"},
		{"expires now", func(c *IDClaims) { c.Expires = now.Unix() }, nil, ""},
		{"no expiry", func(c *IDClaims) { c.Expires = 0 }, nil, "expired"},
		{"nonce mismatch", func(c *IDClaims) { c.Nonce = "n-other" }, nil, "nonce"},
		{"no nonce", func(c *IDClaims) { c.Nonce = "" }, nil, "nonce"},
		{"unverified email", func(c *IDClaims) { c.EmailVerified = false }, nil, "no verified email"},
		{"no email", func(c *IDClaims) { c.Email = "" }, nil, "no verified email"},
		{"allowed address", func(c *IDClaims) { c.Email, c.HostedDomain = "bob@gmail.com", "" }, nil, ""},
		{"allowed address in other case", func(c *IDClaims) { c.Email, c.HostedDomain = "BOB@Gmail.COM", "" }, nil, ""},
		{"allowed entry trimmed and in other case", func(c *IDClaims) { c.Email, c.HostedDomain = "carol@other.org", "other.org" }, nil, ""},
		{"address prefix of an allowed one", func(c *IDClaims) { c.Email, c.HostedDomain = "ob@gmail.com", "" }, nil, "not an allowed user"},
		{"domain entry, Workspace account", func(c *IDClaims) {}, nil, ""},
		{"domain entry, hd in other case", func(c *IDClaims) { c.HostedDomain = "EXAMPLE.COM" }, nil, ""},
		{"domain entry, personal account without hd", func(c *IDClaims) { c.HostedDomain = "" }, nil, "not an allowed user"},
		{"domain entry, other hd", func(c *IDClaims) { c.HostedDomain = "evil.com" }, nil, "not an allowed user"},
		{"domain entry, subdomain address", func(c *IDClaims) { c.Email, c.HostedDomain = "a@sub.example.com", "sub.example.com" }, nil, "not an allowed user"},
		{"domain entry, look-alike domain", func(c *IDClaims) { c.Email, c.HostedDomain = "a@badexample.com", "badexample.com" }, nil, "not an allowed user"},
		{"domain entry, hd of the domain but other address", func(c *IDClaims) { c.Email = "a@gmail.com" }, nil, "not an allowed user"},
		{"not allowed", func(c *IDClaims) { c.Email, c.HostedDomain = "mallory@gmail.com", "" }, nil, "not an allowed user"},
		{"empty allow-list", func(c *IDClaims) {}, []string{}, "not an allowed user"},
		{"empty entries", func(c *IDClaims) {}, []string{"", " ", "@"}, "not an allowed user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := allowed
			if tt.allowed != nil {
				a = tt.allowed
			}
			s := newGoogleService(t, a...)
			s.cfg.Google.AuthURL, s.cfg.Google.TokenURL = "", "" // defaults, as deployed
			c := valid()
			tt.edit(&c)
			err := s.checkClaims(c, nonce, now)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("checkClaims(%+v): got %v, want nil", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("checkClaims(%+v): got %v, want an error containing %q", c, err, tt.wantErr)
			}
		})
	}
}

func token(header, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + ".c2ln"
}

func TestDecodeIDToken(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    IDClaims
		wantErr string // "" for none
	}{
		{"audience string", token(`{"alg":"RS256"}`, `{"iss":"https://accounts.google.com","aud":"c1","exp":100,"nonce":"n","email":"a@b.com","email_verified":true,"hd":"b.com"}`),
			IDClaims{Issuer: "https://accounts.google.com", Audience: audience{"c1"}, Expires: 100, Nonce: "n", Email: "a@b.com", EmailVerified: true, HostedDomain: "b.com"}, ""},
		{"audience array", token(`{}`, `{"aud":["c1","c2"]}`), IDClaims{Audience: audience{"c1", "c2"}}, ""},
		{"empty", "", IDClaims{}, "no ID token"},
		{"two parts", "a.b", IDClaims{}, "no ID token"},
		{"four parts", "a.b.c.d", IDClaims{}, "no ID token"},
		{"payload not base64", "a.!!!.c", IDClaims{}, "payload"},
		{"payload padded base64", "a." + base64.URLEncoding.EncodeToString([]byte(`{"aud":"c12"}`)) + ".c", IDClaims{}, "payload"},
		{"payload not JSON", token(`{}`, `not json`), IDClaims{}, "claims"},
		{"audience a number", token(`{}`, `{"aud":42}`), IDClaims{}, "claims"},
		{"email_verified a string", token(`{}`, `{"email_verified":"true"}`), IDClaims{}, "claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeIDToken(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("decodeIDToken(%q): got (%+v, %v), want an error containing %q", tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeIDToken(%q): got %v, want nil", tt.raw, err)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			if string(gj) != string(wj) {
				t.Errorf("decodeIDToken(%q): got %s, want %s", tt.raw, gj, wj)
			}
		})
	}
}

func TestGoogleStart(t *testing.T) {
	tests := []struct {
		name         string
		target       string
		https        bool
		wantRedirect string
		wantNext     string
	}{
		{"http", "http://crm.example:8080/signin/google?next=/x", false, "http://crm.example:8080/signin/google/callback", "/x"},
		{"behind HTTPS front end", "http://crm.example/signin/google?next=/authorize%3Fa%3D1", true, "https://crm.example/signin/google/callback", "/authorize?a=1"},
		{"open redirect in next", "http://crm.example/signin/google?next=//evil.com", false, "http://crm.example/signin/google/callback", "/"},
		{"no next", "http://crm.example/signin/google", false, "http://crm.example/signin/google/callback", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newGoogleService(t, "a@b.com")
			r := httptest.NewRequest("GET", tt.target, nil)
			if tt.https {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			w := httptest.NewRecorder()
			s.Handler("/signin", nil).ServeHTTP(w, r)
			if got, want := w.Code, http.StatusFound; got != want {
				t.Fatalf("status: got %d, want %d", got, want)
			}
			loc, err := url.Parse(w.Header().Get("Location"))
			if err != nil {
				t.Fatalf("Location: %v", err)
			}
			if got, want := loc.Scheme+"://"+loc.Host+loc.Path, "https://accounts.example/auth"; got != want {
				t.Errorf("redirect endpoint: got %q, want %q", got, want)
			}
			q := loc.Query()
			for k, want := range map[string]string{
				"client_id": "client-1.apps.googleusercontent.com", "redirect_uri": tt.wantRedirect, "response_type": "code",
			} {
				if got := q.Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
			scopes := strings.Fields(q.Get("scope"))
			for _, want := range []string{"openid", "email"} {
				if !strings.Contains(" "+strings.Join(scopes, " ")+" ", " "+want+" ") {
					t.Errorf("scope: got %q, want it to contain %q", q.Get("scope"), want)
				}
			}
			if q.Get("client_secret") != "" || strings.Contains(loc.String(), "secret") {
				t.Errorf("Location: got %q, want no client secret", loc)
			}
			state, nonce := q.Get("state"), q.Get("nonce")
			if len(state) < 20 || len(nonce) < 20 || state == nonce {
				t.Errorf("state, nonce: got %q, %q, want two different random values", state, nonce)
			}

			var c *http.Cookie
			for _, x := range w.Result().Cookies() {
				if x.Name == "crm_oidc" {
					c = x
				}
			}
			if c == nil {
				t.Fatalf("crm_oidc cookie: got none, want one")
			}
			if got, want := c.MaxAge, 600; got != want {
				t.Errorf("crm_oidc Max-Age: got %d, want %d", got, want)
			}
			if c.Secure != tt.https || !c.HttpOnly {
				t.Errorf("crm_oidc: got Secure=%v HttpOnly=%v, want Secure=%v HttpOnly=true", c.Secure, c.HttpOnly, tt.https)
			}
			var st oidcState
			if err := s.oidc.open(c.Value, &st); err != nil {
				t.Fatalf("crm_oidc: %v", err)
			}
			if st.State != state || st.Nonce != nonce || st.Next != tt.wantNext {
				t.Errorf("crm_oidc: got state %q nonce %q next %q, want %q %q %q", st.State, st.Nonce, st.Next, state, nonce, tt.wantNext)
			}
			if d := time.Until(time.Unix(st.Expires, 0)); d < 9*time.Minute || d > 11*time.Minute {
				t.Errorf("crm_oidc expires in %v, want about 10m", d)
			}
		})
	}
}

func TestGoogleDisabled(t *testing.T) {
	s := newGoogleService(t)
	s.cfg.Google.ClientID = ""
	w := httptest.NewRecorder()
	s.Handler("/signin", nil).ServeHTTP(w, httptest.NewRequest("GET", "/signin/google?next=/x", nil))
	if got, want := w.Code, http.StatusNotFound; got != want {
		t.Errorf("status: got %d, want %d", got, want)
	}
	if c := w.Result().Cookies(); len(c) != 0 {
		t.Errorf("cookies: got %v, want none", c)
	}
}

func TestGoogleLinkOnForm(t *testing.T) {
	s := newGoogleService(t, "a@b.com")
	w := httptest.NewRecorder()
	s.Handler("/signin", nil).ServeHTTP(w, httptest.NewRequest("GET", "/signin?next=/authorize%3Fa%3D1%26b%3D2", nil))
	if want := `href="/signin/google?next=%2fauthorize%3fa%3d1%26b%3d2"`; !strings.Contains(w.Body.String(), want) {
		t.Errorf("form: got %s, want it to contain %s", w.Body.String(), want)
	}
}

func TestGoogleCallbackState(t *testing.T) {
	s := newGoogleService(t, "a@b.com")
	seal := func(st oidcState) string {
		v, err := s.oidc.seal(st)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	future := time.Now().Add(5 * time.Minute).Unix()
	good := seal(oidcState{State: "state-0123456789", Nonce: "n", Next: "/", Expires: future})
	tests := []struct {
		name   string
		cookie string // crm_oidc; "" for none
		state  string
	}{
		{"no cookie", "", "state-0123456789"},
		{"no state", good, ""},
		{"other state", good, "state-9876543210"},
		{"expired cookie", seal(oidcState{State: "state-0123456789", Expires: time.Now().Add(-time.Second).Unix()}), "state-0123456789"},
		{"forged cookie", base64.RawURLEncoding.EncodeToString([]byte(`{"s":"x","e":4102444800}`)) + ".bWFj", "x"},
		{"cookie signed for another purpose", func() string {
			v, _ := s.csrf.seal(oidcState{State: "x", Expires: future})
			return v
		}(), "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/signin/google/callback?code=c&state="+url.QueryEscape(tt.state), nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "crm_oidc", Value: tt.cookie})
			}
			w := httptest.NewRecorder()
			s.Handler("/signin", nil).ServeHTTP(w, r)
			if got, want := w.Code, http.StatusBadRequest; got != want {
				t.Fatalf("status: got %d, want %d", got, want)
			}
			if want := "The Google sign-in expired"; !strings.Contains(w.Body.String(), want) {
				t.Errorf("page: got %s, want it to contain %q", w.Body.String(), want)
			}
			for _, c := range w.Result().Cookies() {
				if c.Name == "crm_session" {
					t.Errorf("got a crm_session cookie, want none")
				}
			}
		})
	}
}

// TestGoogleCallbackErrorPageLinks: the error page of the callback offers
// sign-in again, so its links must point at the sign-in pages, not at
// the callback.
func TestGoogleCallbackErrorPageLinks(t *testing.T) {
	s := newGoogleService(t, "a@b.com")
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s.cfg.AdminUsername, s.cfg.AdminPasswordHash = "admin", string(hash)
	w := httptest.NewRecorder()
	s.Handler("/signin", nil).ServeHTTP(w, httptest.NewRequest("GET", "/signin/google/callback?state=x", nil))
	if got, want := w.Code, http.StatusBadRequest; got != want {
		t.Fatalf("status: got %d, want %d", got, want)
	}
	for _, want := range []string{`href="/signin/google?next=`, `<form method="post" action="/signin">`} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("page: got %s, want it to contain %q", w.Body.String(), want)
		}
	}
}

// TestGoogleCallbackCancelled: Google sends the user back with an error
// (consent refused); no code is exchanged.
func TestGoogleCallbackCancelled(t *testing.T) {
	s := newGoogleService(t, "a@b.com")
	v, _ := s.oidc.seal(oidcState{State: "state-0123456789", Nonce: "n", Next: "/", Expires: time.Now().Add(time.Minute).Unix()})
	r := httptest.NewRequest("GET", "/signin/google/callback?error=access_denied&state=state-0123456789", nil)
	r.AddCookie(&http.Cookie{Name: "crm_oidc", Value: v})
	w := httptest.NewRecorder()
	s.Handler("/signin", nil).ServeHTTP(w, r)
	if got, want := w.Code, http.StatusUnauthorized; got != want {
		t.Fatalf("status: got %d, want %d", got, want)
	}
	var cleared bool
	for _, c := range w.Result().Cookies() {
		cleared = cleared || (c.Name == "crm_oidc" && c.MaxAge < 0)
	}
	if !cleared {
		t.Errorf("crm_oidc: got it kept, want it deleted (one use)")
	}
}

func TestExpiredSession(t *testing.T) {
	s := newGoogleService(t, "a@b.com")
	tests := []struct {
		name    string
		payload sessionPayload
		want    bool
	}{
		{"valid", sessionPayload{User: "a@b.com", Via: viaGoogle, Expires: time.Now().Add(time.Minute).Unix()}, true},
		{"expired", sessionPayload{User: "a@b.com", Via: viaGoogle, Expires: time.Now().Add(-2 * time.Second).Unix()}, false},
		{"no expiry", sessionPayload{User: "a@b.com", Via: viaGoogle}, false},
		{"no sign-in method", sessionPayload{User: "a@b.com", Expires: time.Now().Add(time.Minute).Unix()}, false},
		{"unknown sign-in method", sessionPayload{User: "a@b.com", Via: "sso", Expires: time.Now().Add(time.Minute).Unix()}, false},
		{"no user", sessionPayload{Via: viaGoogle, Expires: time.Now().Add(time.Minute).Unix()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := s.session.seal(tt.payload)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: v})
			u, err := s.User(r)
			if err != nil {
				t.Fatalf("User: %v", err)
			}
			if ok := u != ""; ok != tt.want {
				t.Errorf("User(%+v): got ok=%v, want %v", tt.payload, ok, tt.want)
			}
		})
	}
}

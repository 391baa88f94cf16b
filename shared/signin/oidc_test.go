package signin_test

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/storage"
	"golang.org/x/crypto/bcrypt"

	"example.com/crm/shared/signin"
)

// provider is a real OpenID Connect provider (ory/fosite with its own
// in-memory storage) standing where Google stands in a deployment, which
// this machine cannot reach. It signs in whoever claims says, at once.
type provider struct {
	srv    *httptest.Server
	oauth  fosite.OAuth2Provider
	store  *storage.MemoryStore
	claims map[string]any
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{store: storage.NewMemoryStore()}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		switch r.URL.Path {
		case "/auth":
			ar, err := p.oauth.NewAuthorizeRequest(ctx, r)
			if err != nil {
				p.oauth.WriteAuthorizeError(ctx, w, ar, err)
				return
			}
			for _, s := range ar.GetRequestedScopes() {
				ar.GrantScope(s)
			}
			sess := openid.NewDefaultSession()
			sess.Claims.Issuer, sess.Claims.Subject = p.srv.URL, "user-1"
			sess.Claims.Extra = p.claims
			sess.Claims.AuthTime = time.Now().UTC() // the user "just signed in"
			resp, err := p.oauth.NewAuthorizeResponse(ctx, ar, sess)
			if err != nil {
				p.oauth.WriteAuthorizeError(ctx, w, ar, err)
				return
			}
			p.oauth.WriteAuthorizeResponse(ctx, w, ar, resp)
		case "/token":
			ar, err := p.oauth.NewAccessRequest(ctx, r, openid.NewDefaultSession())
			if err != nil {
				p.oauth.WriteAccessError(ctx, w, ar, err)
				return
			}
			resp, err := p.oauth.NewAccessResponse(ctx, ar)
			if err != nil {
				p.oauth.WriteAccessError(ctx, w, ar, err)
				return
			}
			p.oauth.WriteAccessResponse(ctx, w, ar, resp)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	cfg := &fosite.Config{GlobalSecret: []byte("some-cool-secret-that-is-32bytes"), IDTokenIssuer: p.srv.URL, SendDebugMessagesToClients: true}
	p.oauth = compose.ComposeAllEnabled(cfg, p.store, key)
	return p
}

func (p *provider) register(t *testing.T, id, secret, redirect string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	p.store.Clients[id] = &fosite.DefaultClient{ID: id, Secret: hash, RedirectURIs: []string{redirect},
		ResponseTypes: []string{"code"}, GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid", "email", "profile"}}
}

// The whole Google sign-in flow against an OpenID Connect provider:
// redirect with state and nonce, code, code exchange, ID token checks,
// allow-list, session.
func TestGoogleSignInFlow(t *testing.T) {
	prov := newProvider(t)
	hash, _ := bcrypt.GenerateFromPassword([]byte("unused-password"), bcrypt.MinCost)
	svc, err := signin.New(signin.Config{
		SessionKey: []byte("0123456789abcdef0123456789abcdef"), Sessions: signin.NewMemorySessions(), AdminUsername: "admin", AdminPasswordHash: string(hash),
		Google: signin.GoogleConfig{ClientID: "crm-web", ClientSecret: "google-secret-123",
			AuthURL: prov.srv.URL + "/auth", TokenURL: prov.srv.URL + "/token", Issuer: prov.srv.URL},
		AllowedUsers: []string{"@example.com", "boss@gmail.com"},
		AdminUsers:   []string{"Boss@gmail.com", "eve@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	crm := httptest.NewServer(svc.Handler("/signin", func(*http.Request) string { return "test" }))
	defer crm.Close()
	prov.register(t, "crm-web", "google-secret-123", crm.URL+"/signin/google/callback")

	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   string // signed-in user, "" for refused
		admin  bool   // may use the admin pages
	}{
		{"workspace user of an allowed domain", map[string]any{"email": "Ann@Example.com", "email_verified": true, "hd": "example.com"}, "ann@example.com", false},
		{"allowed address, an administrator", map[string]any{"email": "boss@gmail.com", "email_verified": true}, "boss@gmail.com", true},
		{"borrowed address without the domain's hd", map[string]any{"email": "eve@example.com", "email_verified": true}, "", false},
		{"unverified address", map[string]any{"email": "boss@gmail.com", "email_verified": false}, "", false},
		{"other domain", map[string]any{"email": "x@other.com", "email_verified": true, "hd": "other.com"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov.claims = tc.claims
			jar, _ := cookiejar.New(nil)
			var last *http.Response
			client := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
				if r.URL.Path == "/after" {
					return http.ErrUseLastResponse
				}
				return nil
			}}
			resp, err := client.Get(crm.URL + "/signin/google?next=" + url.QueryEscape("/after"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			last = resp
			crmURL, _ := url.Parse(crm.URL)
			req := &http.Request{Header: http.Header{}}
			for _, c := range jar.Cookies(crmURL) {
				req.AddCookie(c)
			}
			user, err := svc.User(req)
			if err != nil {
				t.Fatal(err)
			}
			ok := user != ""
			if tc.want == "" {
				if ok || last.StatusCode != http.StatusForbidden {
					t.Errorf("got user %q (status %d), want refused with 403", user, last.StatusCode)
				}
				return
			}
			if !ok || user != tc.want {
				t.Errorf("got user %q %v (status %d), want %q", user, ok, last.StatusCode, tc.want)
			}
			if _, admin, _ := svc.RequireAdmin(httptest.NewRecorder(), req, "/signin"); admin != tc.admin {
				t.Errorf("%s: admin %v, want %v", user, admin, tc.admin)
			}
			if loc := last.Header.Get("Location"); !strings.HasSuffix(loc, "/after") {
				t.Errorf("redirected to %q, want back to /after", loc)
			}
		})
	}
}

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/portal"
)

// oauthStack starts a deployment whose method is OAuth, with short
// token and code lifetimes so that expiry can be seen; env overrides them.
func oauthStack(t *testing.T, env ...string) portal.Settings {
	t.Helper()
	_, settings := startStack(t, localstack.Options{
		Auth: auth.Config{Method: auth.MethodOAuth},
		Env:  append([]string{"CRM_ACCESS_TOKEN_TTL=3s", "CRM_OAUTH_CODE_TTL=2s"}, env...),
	})
	o := settings.Auth.OAuth
	if settings.Auth.Method != "oauth" || o == nil || o.AuthorizationURL == "" || o.TokenURL == "" || o.ClientID == "" || o.ClientSecret == "" || o.TestLogin == nil {
		t.Fatalf("OAuth settings incomplete: %+v", settings.Auth)
	}
	return settings
}

// code runs the authorization pages and returns the code.
func code(t *testing.T, p *ccaiplayer.Player, extra url.Values) string {
	t.Helper()
	authURL, err := p.AuthorizeURL("", extra)
	if err != nil {
		t.Fatal(err)
	}
	back, err := p.Approve(context.Background(), ccaiplayer.NewBrowser(), authURL, *p.Settings.Auth.OAuth.TestLogin)
	if err != nil {
		t.Fatal(err)
	}
	if want := p.Settings.Auth.OAuth.RedirectURIs[0]; !strings.HasPrefix(back.String(), want+"?") {
		t.Fatalf("redirected to %s, want %s", back, want)
	}
	if got, want := back.Query().Get("state"), p.Settings.Auth.OAuth.State; got != want {
		t.Fatalf("state: got %q, want %q", got, want)
	}
	c := back.Query().Get("code")
	if c == "" {
		t.Fatalf("no code: %s", back)
	}
	return c
}

func wantTokenError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var te *ccaiplayer.TokenError
	if !errors.As(err, &te) || te.Status != status || te.Code != code {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
}

func apiStatus(t *testing.T, p *ccaiplayer.Player, bearer string) int {
	t.Helper()
	req, err := p.NewRequest(context.Background(), "find_account_by_query", ccaiplayer.Vars{"PHONE_NUMBER": "+12025550199"})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Del("Authorization")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The whole OAuth dance as CCAI Platform plays it, then expiry, refresh,
// rotation and revocation.
func TestOAuthDance(t *testing.T) {
	ctx := context.Background()
	p := ccaiplayer.New(oauthStack(t))
	if err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	first := *p.Token
	if first.Access == "" || first.Refresh == "" {
		t.Fatalf("tokens: got %+v, want an access and a refresh token", first)
	}
	if d := time.Until(first.Expiry); d > 4*time.Second || d < time.Second {
		t.Errorf("expires in %s, want about 3s (CRM_ACCESS_TOKEN_TTL)", d)
	}
	// The Generic API with the Bearer token.
	v := ccaiplayer.Vars{"NAME": "OAuth Caller", "PHONE_NUMBER": uniquePhone(t, "1"), "Call_ID": uniqueID(t)}
	acc := call(t, p, "create_account", v, 201)
	if got := apiStatus(t, p, first.Access); got != 404 {
		t.Errorf("find with the token: got %d, want 404 (authenticated, nobody with that number)", got)
	}
	if got := apiStatus(t, p, ""); got != 401 {
		t.Errorf("no token: got %d, want 401", got)
	}
	tampered := first.Access[:len(first.Access)-2] + "xx"
	if got := apiStatus(t, p, tampered); got != 401 {
		t.Errorf("tampered token: got %d, want 401", got)
	}

	// Expiry, then refresh (rotated: the old refresh token stops working).
	time.Sleep(time.Until(first.Expiry) + 1500*time.Millisecond) // the server rounds expiry to the second
	if got := apiStatus(t, p, first.Access); got != 401 {
		t.Errorf("expired token: got %d, want 401", got)
	}
	v["ACCOUNT_ID"] = acc.ID
	call(t, p, "create_record", v, 201) // the player refreshes first, as the platform does
	second := *p.Token
	if second.Access == first.Access || second.Refresh == first.Refresh {
		t.Fatal("refresh gave the same tokens")
	}
	_, err := p.Exchange(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.Refresh}}, false)
	wantTokenError(t, err, 400, "invalid_grant")

	// Revocation (RFC 7009): the access token, then the refresh token.
	if status, err := p.Revoke(ctx, second.Access); err != nil || status != 200 {
		t.Fatalf("revoke: %d %v", status, err)
	}
	if got := apiStatus(t, p, second.Access); got != 401 {
		t.Errorf("revoked token: got %d, want 401", got)
	}
	if status, err := p.Revoke(ctx, second.Refresh); err != nil || status != 200 {
		t.Fatalf("revoke refresh: %d %v", status, err)
	}
	err = p.RefreshToken(ctx)
	wantTokenError(t, err, 400, "invalid_grant")

	// Client secret in the form instead of HTTP Basic.
	tok, err := p.Exchange(ctx, p.CodeForm(code(t, p, nil)), true)
	if err != nil {
		t.Fatalf("client_secret_post: %v", err)
	}
	if got := apiStatus(t, p, tok.Access); got != 404 {
		t.Errorf("token from client_secret_post: got %d, want 404", got)
	}
}

// Each wrong request is refused with the error RFC 6749 gives.
func TestOAuthErrors(t *testing.T) {
	ctx := context.Background()
	settings := oauthStack(t)
	p := ccaiplayer.New(settings)
	o := settings.Auth.OAuth
	b := ccaiplayer.NewBrowser()

	t.Run("wrong redirect URI: not redirected", func(t *testing.T) {
		u, _ := p.AuthorizeURL("", url.Values{"redirect_uri": {"https://attacker.example/cb"}})
		page, err := b.Get(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if page.Location != nil && page.Location.Host == "attacker.example" {
			t.Fatalf("redirected to the unregistered URI %s", page.Location)
		}
		if page.Status != 400 || !strings.Contains(page.Body, "invalid_request") {
			t.Errorf("got %d %q, want 400 invalid_request", page.Status, page.Body)
		}
	})
	t.Run("unknown client: not redirected", func(t *testing.T) {
		u, _ := p.AuthorizeURL("", url.Values{"client_id": {"nobody"}})
		page, err := b.Get(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if page.Location != nil || page.Status != 401 || !strings.Contains(page.Body, "invalid_client") {
			t.Errorf("got %d %v %q, want 401 invalid_client on the page", page.Status, page.Location, page.Body)
		}
	})
	t.Run("missing state", func(t *testing.T) {
		u, _ := p.AuthorizeURL("", nil)
		parsed, _ := url.Parse(u)
		q := parsed.Query()
		q.Del("state")
		parsed.RawQuery = q.Encode()
		page, err := b.Get(ctx, parsed.String())
		if err != nil {
			t.Fatal(err)
		}
		if page.Location == nil || page.Location.Query().Get("error") != "invalid_request" {
			t.Errorf("got %d %v, want a redirect with error=invalid_request", page.Status, page.Location)
		}
	})
	t.Run("administrator denies", func(t *testing.T) {
		u, _ := p.AuthorizeURL("", nil)
		page, err := b.Get(ctx, u) // signed in by the earlier subtests? not yet: sign in
		if err != nil {
			t.Fatal(err)
		}
		if page.Location != nil && page.Location.Path == "/signin" {
			if _, err := p.Approve(ctx, b, u, *o.TestLogin); err != nil { // signs in, approves once
				t.Fatal(err)
			}
			page, _ = b.Get(ctx, u)
		}
		action, fields, err := page.Form()
		if err != nil {
			t.Fatal(err)
		}
		fields.Set("decision", "deny")
		page, err = b.Post(ctx, action, fields)
		if err != nil {
			t.Fatal(err)
		}
		if page.Location == nil || page.Location.Query().Get("error") != "access_denied" || page.Location.Query().Get("state") != o.State {
			t.Errorf("got %v, want error=access_denied with the state", page.Location)
		}
	})
	t.Run("consent without CSRF token", func(t *testing.T) {
		u, _ := p.AuthorizeURL("", nil)
		page, err := b.Post(ctx, u, url.Values{"decision": {"approve"}})
		if err != nil {
			t.Fatal(err)
		}
		if page.Status != 403 || page.Location != nil {
			t.Errorf("got %d %v, want 403", page.Status, page.Location)
		}
	})
	t.Run("sign-in with a wrong password", func(t *testing.T) {
		u, _ := p.AuthorizeURL("", nil)
		_, err := p.Approve(ctx, ccaiplayer.NewBrowser(), u, portal.Login{Username: o.TestLogin.Username, Password: "wrong"})
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("got %v, want the sign-in to answer 401", err)
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		c := code(t, p, nil)
		q := ccaiplayer.New(settings)
		bad := *o
		bad.ClientSecret = "wrong-secret"
		q.Settings.Auth.OAuth = &bad
		_, err := q.Exchange(ctx, q.CodeForm(c), false)
		wantTokenError(t, err, 401, "invalid_client")
		_, err = q.Exchange(ctx, q.CodeForm(c), true)
		wantTokenError(t, err, 401, "invalid_client")
	})
	t.Run("wrong redirect URI at the token endpoint", func(t *testing.T) {
		f := p.CodeForm(code(t, p, nil))
		f.Set("redirect_uri", "http://127.0.0.1:9/other")
		_, err := p.Exchange(ctx, f, false)
		wantTokenError(t, err, 400, "invalid_grant")
	})
	t.Run("reused code revokes its tokens", func(t *testing.T) {
		c := code(t, p, nil)
		tok, err := p.Exchange(ctx, p.CodeForm(c), false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Exchange(ctx, p.CodeForm(c), false)
		wantTokenError(t, err, 400, "invalid_grant")
		if got := apiStatus(t, p, tok.Access); got != 401 {
			t.Errorf("token of a reused code: got %d, want 401", got)
		}
	})
	t.Run("expired code", func(t *testing.T) {
		c := code(t, p, nil)
		time.Sleep(2500 * time.Millisecond) // CRM_OAUTH_CODE_TTL=2s
		_, err := p.Exchange(ctx, p.CodeForm(c), false)
		wantTokenError(t, err, 400, "invalid_grant")
	})
	t.Run("unknown grant type", func(t *testing.T) {
		_, err := p.Exchange(ctx, url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, false)
		wantTokenError(t, err, 400, "unsupported_grant_type")
	})
	t.Run("PKCE", func(t *testing.T) {
		verifier := "a-long-random-verifier-0123456789-0123456789-abcdef"
		sum := sha256.Sum256([]byte(verifier))
		challenge := url.Values{"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
		_, err := p.Exchange(ctx, p.CodeForm(code(t, p, challenge)), false)
		wantTokenError(t, err, 400, "invalid_grant")
		f := p.CodeForm(code(t, p, challenge))
		f.Set("code_verifier", verifier)
		if _, err := p.Exchange(ctx, f, false); err != nil {
			t.Errorf("with the verifier: %v", err)
		}
	})
}

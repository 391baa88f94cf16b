package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/ccaiplayer"
)

// bearerStatuses calls every endpoint that takes the API's authentication
// (the Generic API, the read API, uploads and downloads) with token as
// the Bearer token and returns each one's status.
func bearerStatuses(t *testing.T, p *ccaiplayer.Player, token string, v ccaiplayer.Vars, download string) map[string]int {
	t.Helper()
	saved := p.Token
	defer func() { p.Token = saved }()
	// A far expiry: the player must send this very token, not refresh it.
	p.Token = &ccaiplayer.Token{Access: token, Expiry: time.Now().Add(time.Hour)}
	ctx := context.Background()
	got := map[string]int{}
	for _, ep := range []string{"find_account_by_query", "find_account_by_id", "create_account", "find_record_by_query", "create_record", "update_record", "comment"} {
		res, err := p.Call(ctx, ep, v)
		if err != nil {
			t.Fatalf("%s: %v", ep, err)
		}
		got[ep] = res.Status
	}
	res, _, err := p.Upload(ctx, v, []byte("ID3 a tiny mp3 "+token[len(token)-6:]), "call.mp3")
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	got["upload_file"] = res.Status
	if got["read_api"], err = p.Get(ctx, p.RecordURL(v["RECORD_ID"]), &struct{}{}); err != nil {
		t.Fatal(err)
	}
	resp, _, err := p.Download(ctx, download, "")
	if err != nil {
		t.Fatal(err)
	}
	got["download"] = resp.StatusCode
	return got
}

// Only access tokens authenticate API calls: the refresh token sent as
// Bearer answers 401 everywhere, the access token works, and a revoked or
// expired access token answers 401.
func TestOAuthOnlyAccessTokensAuthenticate(t *testing.T) {
	ctx := context.Background()
	// Access tokens live long enough for a pass over every endpoint.
	p := ccaiplayer.New(oauthStack(t, "CRM_ACCESS_TOKEN_TTL=6s"))
	if err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	v := ccaiplayer.Vars{"NAME": "Token Types", "PHONE_NUMBER": uniquePhone(t, "1"), "Call_ID": uniqueID(t), "COMMENT_BODY": "hello"}
	v["ACCOUNT_ID"] = call(t, p, "create_account", v, 201).ID
	v["RECORD_ID"] = call(t, p, "create_record", v, 201).ID
	_, download, err := p.Upload(ctx, v, []byte("ID3 the file to download"), "call.mp3")
	if err != nil || download == "" {
		t.Fatalf("upload: %v %q", err, download)
	}
	if err := p.RefreshToken(ctx); err != nil {
		t.Fatal(err)
	}
	tok := *p.Token

	for ep, status := range bearerStatuses(t, p, tok.Refresh, v, download) {
		if status != http.StatusUnauthorized {
			t.Errorf("refresh token as Bearer on %s: got %d, want 401", ep, status)
		}
	}
	for ep, status := range bearerStatuses(t, p, tok.Access, v, download) {
		if status == http.StatusUnauthorized || status/100 == 5 {
			t.Errorf("access token on %s: got %d, want it served", ep, status)
		}
	}
	// The refresh token was never spent by those calls: it still refreshes.
	if err := p.RefreshToken(ctx); err != nil {
		t.Fatalf("refresh after the refresh token was tried as Bearer: %v", err)
	}
	fresh := *p.Token
	if status, err := p.Revoke(ctx, fresh.Access); err != nil || status != http.StatusOK {
		t.Fatalf("revoke: %d %v", status, err)
	}
	for ep, status := range bearerStatuses(t, p, fresh.Access, v, download) {
		if status != http.StatusUnauthorized {
			t.Errorf("revoked access token on %s: got %d, want 401", ep, status)
		}
	}
	// An expired one (revoking the access token revoked its whole grant,
	// refresh token included: a new authorization).
	if err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	expiring := *p.Token
	time.Sleep(time.Until(expiring.Expiry) + 1500*time.Millisecond)
	for ep, status := range bearerStatuses(t, p, expiring.Access, v, download) {
		if status != http.StatusUnauthorized {
			t.Errorf("expired access token on %s: got %d, want 401", ep, status)
		}
	}
}

// Two refreshes with the same refresh token at the same moment: exactly
// one gets a new pair, the other invalid_grant, and the winner's tokens
// work. Several rounds, each from the previous winner.
func TestOAuthConcurrentRefresh(t *testing.T) {
	ctx := context.Background()
	// Long-lived access tokens: the emulator resolves the two
	// transactions' lock conflict in about 2.5 s.
	p := ccaiplayer.New(oauthStack(t, "CRM_ACCESS_TOKEN_TTL=1h"))
	if err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	checkMetadata(t, p)
	refresh := p.Token.Refresh
	for round := range 3 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		toks := make([]ccaiplayer.Token, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				toks[i], errs[i] = p.Exchange(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, false)
			}()
		}
		close(start)
		wg.Wait()
		won := -1
		for i, err := range errs {
			if err == nil {
				if won >= 0 {
					t.Fatalf("round %d: both refreshes succeeded", round)
				}
				won = i
				continue
			}
			wantTokenError(t, err, http.StatusBadRequest, "invalid_grant")
		}
		if won < 0 {
			t.Fatalf("round %d: neither refresh succeeded: %v", round, errs)
		}
		if got := apiStatus(t, p, toks[won].Access); got != http.StatusNotFound {
			t.Fatalf("round %d: the winner's access token: got %d, want 404 (served, nobody found)", round, got)
		}
		refresh = toks[won].Refresh
	}
}

// Wrong client secrets at /token and /revoke are throttled from the 10th
// failure on, and the right secret from the same address is still served.
func TestOAuthEndpointsThrottleFailedClients(t *testing.T) {
	ctx := context.Background()
	for _, endpoint := range []string{"token", "revoke"} {
		t.Run(endpoint, func(t *testing.T) {
			settings := oauthStack(t) // a stack of its own: a fresh limiter
			p := ccaiplayer.New(settings)
			if err := p.Connect(ctx); err != nil {
				t.Fatal(err)
			}
			wrong := ccaiplayer.New(settings)
			bad := *settings.Auth.OAuth
			bad.ClientSecret = "a-wrong-client-secret"
			wrong.Settings.Auth.OAuth = &bad
			var statuses []int
			for range 12 {
				var status int
				if endpoint == "token" {
					_, err := wrong.Exchange(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {p.Token.Refresh}}, false)
					te, ok := err.(*ccaiplayer.TokenError)
					if !ok {
						t.Fatalf("wrong secret: got %v, want a token error", err)
					}
					status = te.Status
				} else {
					var err error
					if status, err = wrong.Revoke(ctx, p.Token.Access); err != nil {
						t.Fatal(err)
					}
				}
				statuses = append(statuses, status)
			}
			for i, s := range statuses {
				want := http.StatusUnauthorized
				if i >= 9 { // the 10th failure starts the lockout
					want = http.StatusTooManyRequests
				}
				if s != want {
					t.Errorf("wrong secret #%d: got %d, want %d (all: %v)", i+1, s, want, statuses)
				}
			}
			// The right secret, same address, during the lockout.
			if endpoint == "token" {
				if err := p.RefreshToken(ctx); err != nil {
					t.Errorf("refresh with the right secret during the lockout: %v", err)
				}
			} else if status, err := p.Revoke(ctx, p.Token.Access); err != nil || status != http.StatusOK {
				t.Errorf("revoke with the right secret during the lockout: %d %v", status, err)
			}
		})
	}
}

// checkMetadata reads the RFC 8414 metadata: JSON naming the endpoints of
// the settings file.
func checkMetadata(t *testing.T, p *ccaiplayer.Player) {
	t.Helper()
	o := p.Settings.Auth.OAuth
	u, err := url.Parse(o.TokenURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/token") + "/.well-known/oauth-authorization-server"
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		TokenEndpoint      string `json:"token_endpoint"`
		RevocationEndpoint string `json:"revocation_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
		t.Fatalf("metadata: %d %v", resp.StatusCode, err)
	}
	if m.TokenEndpoint != o.TokenURL || m.RevocationEndpoint != o.RevocationURL {
		t.Errorf("metadata: got %+v, want the settings' %s and %s", m, o.TokenURL, o.RevocationURL)
	}
}

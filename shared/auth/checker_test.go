package auth_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/crm"
)

// Valid credentials are always served; only failures are throttled: 12
// wrong keys from an address (the last ones throttled), then the right key
// from the same address passes.
func TestCheckerLimiter(t *testing.T) {
	const attacker, other = "192.0.2.66:5555", "198.51.100.1:4444"
	cfg := auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{key1}}
	l, clk := newTestLimiter()
	c, err := auth.New(cfg, nil, l)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	check := func(remote, key string) error {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Api-Key", key)
		return c.Check(r)
	}
	for i := range 12 {
		want := crm.Unauthorized
		if i >= l.MaxFailures-1 {
			want = crm.TooManyRequests
		}
		if got := crm.ErrorCode(check(attacker, key2)); got != want {
			t.Fatalf("wrong key #%d: got code %q, want %q", i+1, got, want)
		}
	}
	tests := []struct {
		name    string
		advance time.Duration // before the request, from the previous case
		remote  string
		key     string
		want    crm.Code // "" for success
	}{
		{"right key from the throttled address", 0, attacker, key1, ""},
		{"wrong key from the throttled address", 0, attacker, key2, crm.TooManyRequests},
		{"no key from the throttled address", 0, attacker, "", crm.TooManyRequests},
		{"same host, other port, right key", 0, "192.0.2.66:6666", key1, ""},
		{"same host, other port, wrong key", 0, "192.0.2.66:6666", key2, crm.TooManyRequests},
		{"right key from another address", 0, other, key1, ""},
		{"wrong key from another address", 0, other, key2, crm.Unauthorized},
		{"right key again: successes do not clear the failures", 0, attacker, key1, ""},
		{"still throttled before Lockout", 14 * time.Minute, attacker, key2, crm.TooManyRequests},
		{"the failure just made starts the lockout again", 14 * time.Minute, attacker, key2, crm.TooManyRequests},
		{"a failure after Lockout is a plain failure", 16 * time.Minute, attacker, key2, crm.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.advance(tt.advance)
			err := check(tt.remote, tt.key)
			if got := crm.ErrorCode(err); got != tt.want {
				t.Fatalf("Check from %s: got code %q (%v), want %q", tt.remote, got, err, tt.want)
			}
		})
	}
}

// An IPv6 client is counted by its /64: another address of the same /64
// is throttled too, another /64 is not.
func TestCheckerLimiterIPv6(t *testing.T) {
	cfg := auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{key1}}
	l, _ := newTestLimiter()
	c, err := auth.New(cfg, nil, l)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	check := func(remote, key string) crm.Code {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Api-Key", key)
		return crm.ErrorCode(c.Check(r))
	}
	for i := range l.MaxFailures {
		check(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), key2) // a new address each time
	}
	if got := check("[2001:db8:1:2:aaaa::1]:443", key2); got != crm.TooManyRequests {
		t.Errorf("wrong key from the same /64: got %q, want %q", got, crm.TooManyRequests)
	}
	if got := check("[2001:db8:1:2:aaaa::1]:443", key1); got != "" {
		t.Errorf("right key from the same /64: got %q, want success", got)
	}
	if got := check("[2001:db8:1:3::1]:443", key2); got != crm.Unauthorized {
		t.Errorf("wrong key from another /64: got %q, want %q", got, crm.Unauthorized)
	}
}

func TestCheckerLimiterMessage(t *testing.T) {
	cfg := auth.Config{Method: auth.MethodBasic, BasicUsername: "u", BasicPassword: "p"}
	l, _ := newTestLimiter()
	c, err := auth.New(cfg, nil, l)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	for range l.MaxFailures {
		c.Check(r)
	}
	err = c.Check(r)
	if got, want := crm.ErrorCode(err), crm.TooManyRequests; got != want {
		t.Fatalf("Check: got code %q, want %q", got, want)
	}
	// the lockout is 900 s; the message rounds up
	if got, want := crm.ErrorMessage(err), "try again in 901 seconds"; !strings.Contains(got, want) {
		t.Errorf("message: got %q, want it to contain %q", got, want)
	}
}

// bearerValidator records the tokens it is asked about and answers err.
type bearerValidator struct {
	tokens []string
	err    error
}

func (v *bearerValidator) ValidateBearer(_ context.Context, token string) error {
	v.tokens = append(v.tokens, token)
	return v.err
}

func TestNewOAuth(t *testing.T) {
	cfg := auth.Config{Method: auth.MethodOAuth}
	if c, err := auth.New(cfg, nil, nil); err == nil || c != nil {
		t.Errorf("New(OAuth, nil validator): got (%v, %v), want (nil, error)", c, err)
	}
	c, err := auth.New(cfg, &bearerValidator{}, nil)
	if err != nil {
		t.Fatalf("New(OAuth, validator): got %v, want nil", err)
	}
	if got, want := c.Challenge(), `Bearer realm="crm"`; got != want {
		t.Errorf("Challenge: got %q, want %q", got, want)
	}
}

func TestOAuth(t *testing.T) {
	bad := crm.Errorf(crm.Unauthorized, "unknown token")
	down := crm.Errorf(crm.Unavailable, "store down")
	tests := []struct {
		name       string
		header     string // Authorization; "" for none
		validator  error  // what the validator answers
		wantTokens []string
		want       crm.Code
	}{
		{"valid", "Bearer tok", nil, []string{"tok"}, ""},
		{"scheme in lower case", "bearer tok", nil, []string{"tok"}, ""},
		{"scheme in upper case", "BEARER tok", nil, []string{"tok"}, ""},
		{"token trimmed", "Bearer   tok  ", nil, []string{"tok"}, ""},
		{"rejected by the validator", "Bearer tok", bad, []string{"tok"}, crm.Unauthorized},
		{"validator unavailable", "Bearer tok", down, []string{"tok"}, crm.Unavailable},
		{"basic", "Basic x", nil, nil, crm.Unauthorized},
		{"missing", "", nil, nil, crm.Unauthorized},
		{"empty token", "Bearer ", nil, nil, crm.Unauthorized},
		{"blank token", "Bearer    ", nil, nil, crm.Unauthorized},
		{"scheme only", "Bearer", nil, nil, crm.Unauthorized},
		{"token only", "tok", nil, nil, crm.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &bearerValidator{err: tt.validator}
			c, err := auth.New(auth.Config{Method: auth.MethodOAuth}, v, nil)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			err = c.Check(r)
			if got := crm.ErrorCode(err); got != tt.want {
				t.Errorf("Check: got code %q (%v), want %q", got, err, tt.want)
			}
			if strings.Join(v.tokens, ",") != strings.Join(tt.wantTokens, ",") || len(v.tokens) != len(tt.wantTokens) {
				t.Errorf("validator called with: got %q, want %q", v.tokens, tt.wantTokens)
			}
		})
	}
}

// TestOAuthLimiter: rejected tokens count as failures; a validator that
// could not check (Unavailable) does not lock the client out.
func TestOAuthLimiter(t *testing.T) {
	tests := []struct {
		name      string
		validator error
		want      crm.Code // of the request after MaxFailures
	}{
		{"rejected tokens lock out", crm.Errorf(crm.Unauthorized, "bad"), crm.TooManyRequests},
		{"unavailable does not lock out", crm.Errorf(crm.Unavailable, "down"), crm.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &bearerValidator{err: tt.validator}
			l, _ := newTestLimiter()
			c, err := auth.New(auth.Config{Method: auth.MethodOAuth}, v, l)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer tok")
			for range l.MaxFailures {
				c.Check(r)
			}
			if got := crm.ErrorCode(c.Check(r)); got != tt.want {
				t.Errorf("Check after %d failures: got code %q, want %q", l.MaxFailures, got, tt.want)
			}
		})
	}
}

// tokenValidator accepts only its good token.
type tokenValidator struct{ good string }

func (v tokenValidator) ValidateBearer(_ context.Context, token string) error {
	if token == v.good {
		return nil
	}
	return crm.Errorf(crm.Unauthorized, "expired")
}

// Expired or revoked tokens (after a key rotation, say) are failures and
// are throttled, but never block a valid token from the same address.
func TestOAuthStaleTokensNeverBlockAValidOne(t *testing.T) {
	l, _ := newTestLimiter()
	c, err := auth.New(auth.Config{Method: auth.MethodOAuth}, tokenValidator{good: "fresh"}, l)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	check := func(token string) crm.Code {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		return crm.ErrorCode(c.Check(r))
	}
	for range 12 {
		check("stale")
	}
	if got := check("stale"); got != crm.TooManyRequests {
		t.Errorf("stale token after 12 failures: got %q, want %q", got, crm.TooManyRequests)
	}
	if got := check("fresh"); got != "" {
		t.Errorf("valid token from the same address: got %q, want success", got)
	}
}

// A path secret stands for the credentials: the right one passes without
// any header, a wrong one fails (and counts as a failed attempt), and an
// empty path is checked by the method as before.
func TestCheckerPathSecret(t *testing.T) {
	const secret = "0123456789abcdefghijABCDEFGHIJ-_.~"
	cfg := auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{key1}}
	l := auth.NewLimiter()
	l.MaxFailures = 3
	base, err := auth.New(cfg, nil, l)
	if err != nil {
		t.Fatal(err)
	}
	c := base.WithPathSecret(secret)
	check := func(c *auth.Checker, path, key string) crm.Code {
		r := httptest.NewRequest("POST", path, nil)
		if key != "" {
			r.Header.Set("X-Api-Key", key)
		}
		return crm.ErrorCode(c.Check(r))
	}
	for _, tt := range []struct {
		name, path, key string
		want            crm.Code
	}{
		{"the path secret", "/" + secret, "", ""},
		{"the path secret, trailing slash", "/" + secret + "/", "", ""},
		{"the API key, no path", "/", key1, ""},
		{"nothing", "/", "", crm.Unauthorized},
		{"a wrong path secret with the key", "/" + secret + "x", key1, crm.Unauthorized},
		{"the path secret without its last character", "/" + secret[:len(secret)-1], "", crm.TooManyRequests}, // the third failure
	} {
		if got := check(c, tt.path, tt.key); got != tt.want {
			t.Errorf("%s: code %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := check(base, "/"+secret, ""); got == "" {
		t.Errorf("the checker without a path secret accepted one")
	}
	var none *auth.Checker
	if got := check(none.WithPathSecret(secret), "/", key1); got != crm.Unauthorized {
		t.Errorf("a nil checker with a path secret, the key only: code %q, want unauthorized", got)
	}
	if got := check(none.WithPathSecret(secret), "/"+secret, ""); got != "" {
		t.Errorf("a nil checker with a path secret, the secret: code %q", got)
	}
}

func TestCheckPathSecret(t *testing.T) {
	for secret, ok := range map[string]bool{
		strings.Repeat("a", 32):        true,
		strings.Repeat("a", 31):        false,
		strings.Repeat("a", 32) + "/":  false,
		strings.Repeat("a", 32) + "%2": false,
		strings.Repeat("Z9-_.~", 6):    true,
	} {
		if err := auth.CheckPathSecret(secret); (err == nil) != ok {
			t.Errorf("CheckPathSecret(%q) = %v, want ok %v", secret, err, ok)
		}
	}
}

package config_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/config"
)

const defaultFrameAncestors = "'self' https://*.ccaiplatform.com https://*.ujet.co"

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// minimal is the least configuration Load accepts.
func minimal() map[string]string {
	return map[string]string{
		"GOOGLE_CLOUD_PROJECT": "proj",
		"CRM_AUTH_METHOD":      "custom_header",
		"CRM_API_KEYS":         "0123456789abcdef",
	}
}

func with(env map[string]string, kv ...string) map[string]string {
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want config.Config
	}{
		{
			name: "defaults",
			env:  minimal(),
			want: config.Config{Outcome: defaultOutcome, FrameAncestors: defaultFrameAncestors, AccessTokenTTL: time.Hour, CodeTTL: 10 * time.Minute, UnlinkedAfter: time.Hour, InboundSenders: []string{"no-reply@ccaiplatform.com"}, AdminUsername: "admin", Project: "proj", Database: "(default)", PhoneRegion: "US", RequestTimeout: 4 * time.Second, TransferTimeout: 290 * time.Second,
				Auth: auth.Config{Method: "custom_header", HeaderName: "X-Api-Key", APIKeys: []string{"0123456789abcdef"}}},
		},
		{
			name: "everything set",
			env: with(minimal(), "FIRESTORE_DATABASE", "crm", "CRM_PHONE_REGION", "gb", "CRM_REQUEST_TIMEOUT", "2500ms", "CRM_TRANSFER_TIMEOUT", "20m",
				"CRM_API_KEY_HEADER", "X-Ccaip-Key", "CRM_API_KEYS", " 0123456789abcdef , fedcba9876543210,, "),
			want: config.Config{Outcome: defaultOutcome, FrameAncestors: defaultFrameAncestors, AccessTokenTTL: time.Hour, CodeTTL: 10 * time.Minute, UnlinkedAfter: time.Hour, InboundSenders: []string{"no-reply@ccaiplatform.com"}, AdminUsername: "admin", Project: "proj", Database: "crm", PhoneRegion: "GB", RequestTimeout: 2500 * time.Millisecond, TransferTimeout: 20 * time.Minute,
				Auth: auth.Config{Method: "custom_header", HeaderName: "X-Ccaip-Key", APIKeys: []string{"0123456789abcdef", "fedcba9876543210"}}},
		},
		{
			name: "GCP_PROJECT fallback",
			env:  with(minimal(), "GOOGLE_CLOUD_PROJECT", "", "GCP_PROJECT", "old"),
			want: config.Config{Outcome: defaultOutcome, FrameAncestors: defaultFrameAncestors, AccessTokenTTL: time.Hour, CodeTTL: 10 * time.Minute, UnlinkedAfter: time.Hour, InboundSenders: []string{"no-reply@ccaiplatform.com"}, AdminUsername: "admin", Project: "old", Database: "(default)", PhoneRegion: "US", RequestTimeout: 4 * time.Second, TransferTimeout: 290 * time.Second,
				Auth: auth.Config{Method: "custom_header", HeaderName: "X-Api-Key", APIKeys: []string{"0123456789abcdef"}}},
		},
		{
			name: "blank values take the default",
			env:  with(minimal(), "FIRESTORE_DATABASE", "  ", "CRM_API_KEY_HEADER", "", "CRM_REQUEST_TIMEOUT", " "),
			want: config.Config{Outcome: defaultOutcome, FrameAncestors: defaultFrameAncestors, AccessTokenTTL: time.Hour, CodeTTL: 10 * time.Minute, UnlinkedAfter: time.Hour, InboundSenders: []string{"no-reply@ccaiplatform.com"}, AdminUsername: "admin", Project: "proj", Database: "(default)", PhoneRegion: "US", RequestTimeout: 4 * time.Second, TransferTimeout: 290 * time.Second,
				Auth: auth.Config{Method: "custom_header", HeaderName: "X-Api-Key", APIKeys: []string{"0123456789abcdef"}}},
		},
		{
			name: "basic",
			env: map[string]string{"GOOGLE_CLOUD_PROJECT": "proj", "CRM_AUTH_METHOD": "basic",
				"CRM_BASIC_USERNAME": " ccaip ", "CRM_BASIC_PASSWORD": "pw"},
			want: config.Config{Outcome: defaultOutcome, FrameAncestors: defaultFrameAncestors, AccessTokenTTL: time.Hour, CodeTTL: 10 * time.Minute, UnlinkedAfter: time.Hour, InboundSenders: []string{"no-reply@ccaiplatform.com"}, AdminUsername: "admin", Project: "proj", Database: "(default)", PhoneRegion: "US", RequestTimeout: 4 * time.Second, TransferTimeout: 290 * time.Second,
				Auth: auth.Config{Method: "basic", BasicUsername: "ccaip", BasicPassword: "pw", HeaderName: "X-Api-Key"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := config.Load(lookup(tt.env))
			if err != nil {
				t.Fatalf("Load: got error %v, want none", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load:\ngot  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLoadAllProblemsAtOnce(t *testing.T) {
	env := map[string]string{
		"CRM_PHONE_REGION":    "USA",
		"CRM_REQUEST_TIMEOUT": "soon",
		"CRM_AUTH_METHOD":     "custom_header",
		"CRM_API_KEYS":        "short",
	}
	_, err := config.Load(lookup(env))
	if err == nil {
		t.Fatal("Load: got nil, want errors")
	}
	for _, want := range []string{"GOOGLE_CLOUD_PROJECT", "CRM_PHONE_REGION", "CRM_REQUEST_TIMEOUT", "at least 16 characters"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error %q: want it to mention %q", err, want)
		}
	}
	if u, ok := err.(interface{ Unwrap() []error }); !ok || len(u.Unwrap()) != 4 {
		t.Errorf("Load error: got %T, want errors.Join of 4 problems", err)
	}
}

func TestLoadEmptyEnvironment(t *testing.T) {
	_, err := config.Load(lookup(nil))
	if err == nil {
		t.Fatal("Load: got nil, want errors")
	}
	for _, want := range []string{"GOOGLE_CLOUD_PROJECT", "authentication method"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error %q: want it to mention %q", err, want)
		}
	}
}

func TestLoadTimeout(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1ms", time.Millisecond, true},
		{"1s", time.Second, true},
		{"9.5s", 9500 * time.Millisecond, true},
		{"10s", 10 * time.Second, true},
		{"10.001s", 0, false},
		{"11s", 0, false},
		{"1m", 0, false},
		{"0s", 0, false},
		{"0", 0, false},
		{"-1s", 0, false},
		{"4", 0, false}, // no unit
		{"four seconds", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := config.Load(lookup(with(minimal(), "CRM_REQUEST_TIMEOUT", tt.in)))
			if got := err == nil; got != tt.ok {
				t.Fatalf("Load with CRM_REQUEST_TIMEOUT=%q: got ok=%v (%v), want ok=%v", tt.in, got, err, tt.ok)
			}
			if !tt.ok {
				if !strings.Contains(err.Error(), "CRM_REQUEST_TIMEOUT") {
					t.Errorf("error %q: want it to name CRM_REQUEST_TIMEOUT", err)
				}
				return
			}
			if c.RequestTimeout != tt.want {
				t.Errorf("RequestTimeout: got %v, want %v", c.RequestTimeout, tt.want)
			}
		})
	}
}

// CRM_TRANSFER_TIMEOUT bounds an upload or download: a positive duration
// of at most an hour, the longest request a Cloud Function serves.
func TestLoadTransferTimeout(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 290 * time.Second, true},
		{"1s", time.Second, true},
		{"290s", 290 * time.Second, true},
		{"59m", 59 * time.Minute, true},
		{"1h", time.Hour, true},
		{"1h0m1s", 0, false},
		{"0s", 0, false},
		{"-5s", 0, false},
		{"300", 0, false}, // no unit
		{"five minutes", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := config.Load(lookup(with(minimal(), "CRM_TRANSFER_TIMEOUT", tt.in)))
			if got := err == nil; got != tt.ok {
				t.Fatalf("Load with CRM_TRANSFER_TIMEOUT=%q: got ok=%v (%v), want ok=%v", tt.in, got, err, tt.ok)
			}
			if !tt.ok {
				if !strings.Contains(err.Error(), "CRM_TRANSFER_TIMEOUT") {
					t.Errorf("error %q: want it to name CRM_TRANSFER_TIMEOUT", err)
				}
				return
			}
			if c.TransferTimeout != tt.want {
				t.Errorf("TransferTimeout: got %v, want %v", c.TransferTimeout, tt.want)
			}
		})
	}
}

func TestLoadRegion(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"us", "US", true},
		{" de ", "DE", true},
		{"USA", "", false},
		{"U", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := config.Load(lookup(with(minimal(), "CRM_PHONE_REGION", tt.in)))
			if got := err == nil; got != tt.ok {
				t.Fatalf("got ok=%v (%v), want ok=%v", got, err, tt.ok)
			}
			if tt.ok && c.PhoneRegion != tt.want {
				t.Errorf("PhoneRegion: got %q, want %q", c.PhoneRegion, tt.want)
			}
		})
	}
}

// A two-letter code that is no region passes Load today, and then every
// phone number fails to parse (ccai.PhoneOf keeps it raw, lookup finds
// nothing) without a word in the logs.
func TestLoadUnknownRegion(t *testing.T) {
	for _, region := range []string{"XX", "ZZ", "12"} {
		t.Run(region, func(t *testing.T) {
			if _, err := config.Load(lookup(with(minimal(), "CRM_PHONE_REGION", region))); err == nil {
				t.Errorf("Load with CRM_PHONE_REGION=%q: got nil, want an error", region)
			}
		})
	}
}

func TestLoadSessionKey(t *testing.T) {
	key := strings.Repeat("s", 32)
	tests := []struct {
		name    string
		env     map[string]string
		want    []byte
		wantErr string // "" for none
	}{
		{"not set", minimal(), nil, ""},
		{"32 characters", with(minimal(), "CRM_SESSION_KEY", key), []byte(key), ""},
		{"with OAuth", with(minimal(), "CRM_AUTH_METHOD", "oauth", "CRM_OAUTH_CLIENTS", "[]", "CRM_SIGNING_KEY", strings.Repeat("k", 32), "CRM_SESSION_KEY", key), []byte(key), ""},
		{"31 characters", with(minimal(), "CRM_SESSION_KEY", key[:31]), nil, "CRM_SESSION_KEY must be at least 32 characters"},
		{"the signing key", with(minimal(), "CRM_SIGNING_KEY", key, "CRM_SESSION_KEY", key), nil, "CRM_SESSION_KEY must differ from CRM_SIGNING_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(lookup(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: got %v, want an error containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), key[:31]) {
					t.Errorf("Load error %q: want the key itself left out", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if string(c.SessionKey) != string(tt.want) {
				t.Errorf("SessionKey: got %q, want %q", c.SessionKey, tt.want)
			}
		})
	}
}

// frameAncestorsCases are values of CRM_FRAME_ANCESTORS and what Load
// makes of them.
var frameAncestorsCases = []struct {
	in   string
	want string // "" for an error
}{
	{"", defaultFrameAncestors},
	{"'self'", "'self'"},
	{"'none'", "'none'"},
	{"https://portal.example", "https://portal.example"},
	{"https://*.ccaiplatform.com:443 http://localhost:8080", "https://*.ccaiplatform.com:443 http://localhost:8080"},
	{"https://*.a.example:*", "https://*.a.example:*"},
	{"https://Portal.Example", "https://Portal.Example"},
	{"HTTPS://portal.example", ""}, // the scheme in lower case, as written everywhere
	{"  'self'   https://a.example\t", "'self' https://a.example"},
	{"'self' https://*.ccaiplatform.com;", ""},
	{"'self'; script-src *", ""},
	{"self", ""},
	{"'SELF'", ""},
	{"'none' 'self'", ""},
	{"'self' 'none'", ""},
	{"'unsafe-inline'", ""},
	{"https://portal.example/path", ""},
	{"https://portal.example/", ""},
	{"*", ""},
	{"https:", ""},
	{"https://*", ""},
	{"https://a.*.example", ""},
	{"https://a..example", ""},
	{"https://-a.example", ""},
	{"ftp://a.example", ""},
	{"data:", ""},
	{"https://a.example,https://b.example", ""},
	{"https://a.example:", ""},
	{"https://a.example:80a", ""},
	{"https://user@a.example", ""},
}

func TestLoadFrameAncestors(t *testing.T) {
	for _, tt := range frameAncestorsCases {
		t.Run(tt.in, func(t *testing.T) {
			env := minimal()
			if tt.in != "" {
				env = with(env, "CRM_FRAME_ANCESTORS", tt.in)
			}
			c, err := config.Load(lookup(env))
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), "CRM_FRAME_ANCESTORS") {
					t.Errorf("Load with CRM_FRAME_ANCESTORS=%q: got (%q, %v), want an error naming CRM_FRAME_ANCESTORS", tt.in, c.FrameAncestors, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load with CRM_FRAME_ANCESTORS=%q: %v", tt.in, err)
			}
			if c.FrameAncestors != tt.want {
				t.Errorf("FrameAncestors: got %q, want %q", c.FrameAncestors, tt.want)
			}
		})
	}
}

func TestLoadInboundPathSecret(t *testing.T) {
	secret := strings.Repeat("p", 32)
	for _, tt := range []struct {
		name, value, want, wantErr string
	}{
		{"not set", "", "", ""},
		{"32 characters", secret, secret, ""},
		{"31 characters", secret[:31], "", "CRM_INBOUND_PATH_SECRET must be at least 32 characters"},
		{"a slash", secret + "/x", "", "CRM_INBOUND_PATH_SECRET may hold only"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(lookup(with(minimal(), "CRM_INBOUND_PATH_SECRET", tt.value)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: got %v, want an error containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), secret[:31]) {
					t.Errorf("Load error %q: want the secret itself left out", err)
				}
				return
			}
			if err != nil || c.InboundPathSecret != tt.want {
				t.Errorf("Load: InboundPathSecret %q (%v), want %q", c.InboundPathSecret, err, tt.want)
			}
		})
	}
}

var defaultOutcome = config.Outcome{Delay: 15 * time.Minute, MaxAttempts: 10, SMTPSecurity: "starttls"}

func TestLoadOutcome(t *testing.T) {
	for _, c := range []struct {
		kv []string
		ok bool
	}{
		{[]string{"CRM_OUTCOME_DELAY", "0"}, true},
		{[]string{"CRM_OUTCOME_DELAY", "720h"}, true},
		{[]string{"CRM_OUTCOME_DELAY", "721h"}, false},
		{[]string{"CRM_OUTCOME_DELAY", "-1s"}, false},
		{[]string{"CRM_OUTCOME_DELAY", "soon"}, false},
		{[]string{"CRM_OUTCOME_MAX_ATTEMPTS", "1"}, true},
		{[]string{"CRM_OUTCOME_MAX_ATTEMPTS", "100"}, true},
		{[]string{"CRM_OUTCOME_MAX_ATTEMPTS", "0"}, false},
		{[]string{"CRM_OUTCOME_MAX_ATTEMPTS", "101"}, false},
		{[]string{"CRM_OUTCOME_FROM", "CRM <crm@example.com>"}, true},
		{[]string{"CRM_OUTCOME_FROM", "not an address"}, false},
		{[]string{"CRM_SMTP_ADDR", "smtp.example.com:587", "CRM_OUTCOME_FROM", "crm@example.com"}, true},
		{[]string{"CRM_SMTP_ADDR", "smtp.example.com:587"}, false}, // no From
		{[]string{"CRM_SMTP_ADDR", "smtp.example.com", "CRM_OUTCOME_FROM", "crm@example.com"}, false},
		{[]string{"CRM_SMTP_ADDR", "smtp.example.com:25", "CRM_SMTP_TLS", "none", "CRM_OUTCOME_FROM", "crm@example.com"}, false},
		{[]string{"CRM_SMTP_ADDR", "127.0.0.1:1025", "CRM_SMTP_TLS", "none", "CRM_OUTCOME_FROM", "crm@example.com"}, true},
		{[]string{"CRM_SMTP_ADDR", "smtp.example.com:465", "CRM_SMTP_TLS", "ssl", "CRM_OUTCOME_FROM", "crm@example.com"}, false},
	} {
		_, err := config.Load(lookup(with(minimal(), c.kv...)))
		if (err == nil) != c.ok {
			t.Errorf("Load with %q: %v, want ok %v", c.kv, err, c.ok)
		}
	}
}

func TestLoadTenantOrigin(t *testing.T) {
	for in, ok := range map[string]bool{
		"https://acme.ccaiplatform.com": true, "https://acme.ccaiplatform.com/": true, "http://localhost:8300": true,
		"acme.ccaiplatform.com": false, "https://acme.ccaiplatform.com/agent": false, "javascript:alert(1)": false,
		"https://u@acme.ccaiplatform.com": false, "https://acme.ccaiplatform.com?x": false,
	} {
		c, err := config.Load(lookup(with(minimal(), "CRM_CCAI_TENANT_ORIGIN", in)))
		if (err == nil) != ok {
			t.Errorf("CRM_CCAI_TENANT_ORIGIN %q: %v, want ok %v", in, err, ok)
		}
		if ok && c.TenantOrigin != strings.TrimRight(in, "/") {
			t.Errorf("CRM_CCAI_TENANT_ORIGIN %q read as %q", in, c.TenantOrigin)
		}
	}
}

// The admin pages' settings: administrators are named addresses (never a
// domain), and the function URLs are a JSON object of http(s) URLs.
func TestAdminSettings(t *testing.T) {
	for in, ok := range map[string]bool{
		"": true, "ops@acme.com": true, "ops@acme.com, lead@acme.com": true,
		"@acme.com": false, "Ops <ops@acme.com>": false, "not an address": false,
	} {
		_, err := config.Load(lookup(with(minimal(), "CRM_ADMIN_USERS", in)))
		if (err == nil) != ok {
			t.Errorf("CRM_ADMIN_USERS %q: %v, want ok %v", in, err, ok)
		}
	}
	c, err := config.Load(lookup(with(minimal(), "CRM_ADMIN_USERS", " ops@acme.com ,lead@acme.com")))
	if err != nil || !slices.Equal(c.AdminUsers, []string{"ops@acme.com", "lead@acme.com"}) {
		t.Errorf("CRM_ADMIN_USERS read as %q, %v", c.AdminUsers, err)
	}
	for in, ok := range map[string]bool{"": true, "outcomes@crm.example.com": true, "CRM <outcomes@crm.example.com>": false, "a@b, c@d": false} {
		if _, err := config.Load(lookup(with(minimal(), "CRM_INBOUND_ADDRESS", in))); (err == nil) != ok {
			t.Errorf("CRM_INBOUND_ADDRESS %q: %v, want ok %v", in, err, ok)
		}
	}
	for in, ok := range map[string]bool{
		`{"Pages":"https://us-central1-p.cloudfunctions.net/crm-pages/"}`: true,
		`{"Pages":"http://127.0.0.1:8090"}`:                               true,
		`["https://x"]`:                                                   false,
		`{"Pages":"javascript:alert(1)"}`:                                 false,
		`{"Pages":"https://x?y=1"}`:                                       false,
		`{"Pages":1}`:                                                     false,
	} {
		c, err := config.Load(lookup(with(minimal(), "CRM_FUNCTION_URLS", in)))
		if (err == nil) != ok {
			t.Errorf("CRM_FUNCTION_URLS %s: %v, want ok %v", in, err, ok)
		}
		if ok && strings.HasSuffix(c.FunctionURLs["Pages"], "/") {
			t.Errorf("CRM_FUNCTION_URLS %s: kept the trailing slash: %q", in, c.FunctionURLs["Pages"])
		}
	}
}

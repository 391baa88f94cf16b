package auth_test

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/crm"
)

const (
	key1 = "k1-0123456789abcdef"
	key2 = "k2-fedcba9876543210"
)

func mustNew(t *testing.T, cfg auth.Config) *auth.Checker {
	t.Helper()
	c, err := auth.New(cfg, nil, nil)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return c
}

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestBasic(t *testing.T) {
	c := mustNew(t, auth.Config{Method: auth.MethodBasic, BasicUsername: "ccaip", BasicPassword: "pa:ss word"})
	tests := []struct {
		name   string
		header string // Authorization; "" for none
		ok     bool
	}{
		{"right", basicHeader("ccaip", "pa:ss word"), true},
		{"scheme in lower case", "basic " + base64.StdEncoding.EncodeToString([]byte("ccaip:pa:ss word")), true},
		{"wrong user", basicHeader("ccaiq", "pa:ss word"), false},
		{"user in other case", basicHeader("CCAIP", "pa:ss word"), false},
		{"wrong password", basicHeader("ccaip", "pa:ss wordx"), false},
		{"password prefix", basicHeader("ccaip", "pa:ss"), false},
		{"empty password", basicHeader("ccaip", ""), false},
		{"swapped", basicHeader("pa:ss word", "ccaip"), false},
		{"missing", "", false},
		{"not base64", "Basic !!!not-base64!!!", false},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("ccaippa:ss word")[:5]), false},
		{"bearer", "Bearer " + base64.StdEncoding.EncodeToString([]byte("ccaip:pa:ss word")), false},
		{"scheme only", "Basic", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			err := c.Check(r)
			if got := err == nil; got != tt.ok {
				t.Fatalf("Check: got ok=%v (%v), want ok=%v", got, err, tt.ok)
			}
			if err != nil {
				if code := crm.ErrorCode(err); code != crm.Unauthorized {
					t.Errorf("error code: got %q, want %q", code, crm.Unauthorized)
				}
				if strings.Contains(err.Error(), "pa:ss") || strings.Contains(err.Error(), "ccaip") {
					t.Errorf("error %q repeats credentials", err)
				}
			}
		})
	}
	if got, want := c.Challenge(), `Basic realm="crm", charset="UTF-8"`; got != want {
		t.Errorf("Challenge: got %q, want %q", got, want)
	}
}

func TestCustomHeader(t *testing.T) {
	tests := []struct {
		name       string
		headerName string // configured
		keys       []string
		send       map[string]string
		ok         bool
	}{
		{"right", "X-Api-Key", []string{key1}, map[string]string{"X-Api-Key": key1}, true},
		{"value trimmed", "X-Api-Key", []string{key1}, map[string]string{"X-Api-Key": "  " + key1 + " "}, true},
		{"wrong", "X-Api-Key", []string{key1}, map[string]string{"X-Api-Key": key2}, false},
		{"key prefix", "X-Api-Key", []string{key1}, map[string]string{"X-Api-Key": key1[:16]}, false},
		{"key in other case", "X-Api-Key", []string{key1}, map[string]string{"X-Api-Key": strings.ToUpper(key1)}, false},
		{"missing", "X-Api-Key", []string{key1}, nil, false},
		{"empty", "X-Api-Key", []string{key1}, map[string]string{"X-Api-Key": ""}, false},
		{"in another header", "X-Api-Key", []string{key1}, map[string]string{"Authorization": key1}, false},
		{"rotation: old key", "X-Api-Key", []string{key2, key1}, map[string]string{"X-Api-Key": key1}, true},
		{"rotation: new key", "X-Api-Key", []string{key2, key1}, map[string]string{"X-Api-Key": key2}, true},
		{"rotation: removed key", "X-Api-Key", []string{key2}, map[string]string{"X-Api-Key": key1}, false},
		{"header name sent in upper case", "X-Api-Key", []string{key1}, map[string]string{"X-API-KEY": key1}, true},
		{"header name sent in lower case", "X-Api-Key", []string{key1}, map[string]string{"x-api-key": key1}, true},
		{"header name configured in lower case", "x-api-key", []string{key1}, map[string]string{"X-Api-Key": key1}, true},
		{"other header name", "X-Ccaip-Token", []string{key1}, map[string]string{"X-Ccaip-Token": key1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, auth.Config{Method: auth.MethodCustomHeader, HeaderName: tt.headerName, APIKeys: tt.keys})
			r := httptest.NewRequest("GET", "/", nil)
			for k, v := range tt.send {
				r.Header.Set(k, v)
			}
			err := c.Check(r)
			if got := err == nil; got != tt.ok {
				t.Fatalf("Check: got ok=%v (%v), want ok=%v", got, err, tt.ok)
			}
			if err != nil && crm.ErrorCode(err) != crm.Unauthorized {
				t.Errorf("error code: got %q, want %q", crm.ErrorCode(err), crm.Unauthorized)
			}
			if got := c.Challenge(); got != "" {
				t.Errorf("Challenge: got %q, want \"\"", got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  auth.Config
		want []string // substrings of the error; none for valid
	}{
		{"basic ok", auth.Config{Method: auth.MethodBasic, BasicUsername: "u", BasicPassword: "p"}, nil},
		{"custom ok", auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{key1}}, nil},
		{"key of exactly 16", auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{"0123456789abcdef"}}, nil},
		{"basic without password", auth.Config{Method: auth.MethodBasic, BasicUsername: "u"}, []string{"username and a password"}},
		{"basic without username", auth.Config{Method: auth.MethodBasic, BasicPassword: "p"}, []string{"username and a password"}},
		{"short key", auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{"0123456789abcde"}}, []string{"at least 16 characters"}},
		{"one short key among good ones", auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{key1, "short"}}, []string{"at least 16 characters"}},
		{"no keys, no header: both", auth.Config{Method: auth.MethodCustomHeader}, []string{"header name", "at least one API key"}},
		{"no header name, short key: both", auth.Config{Method: auth.MethodCustomHeader, APIKeys: []string{"x"}}, []string{"header name", "at least 16 characters"}},
		{"unknown method", auth.Config{Method: "saml"}, []string{`unknown authentication method "saml"`}},
		{"empty method", auth.Config{}, []string{`unknown authentication method ""`}},
		{"method in other case", auth.Config{Method: "Basic", BasicUsername: "u", BasicPassword: "p"}, []string{"unknown authentication method"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: got %v, want nil", err)
				}
				if _, err := auth.New(tt.cfg, nil, nil); err != nil {
					t.Errorf("New: got %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: got nil, want an error with %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate: got %q, want it to contain %q", err, w)
				}
			}
			if c, err := auth.New(tt.cfg, nil, nil); err == nil || c != nil {
				t.Errorf("New: got (%v, %v), want (nil, error)", c, err)
			}
		})
	}
}

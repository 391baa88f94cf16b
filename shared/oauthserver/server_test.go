package oauthserver_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ory/fosite"
	"github.com/ory/fosite/storage"
	"golang.org/x/crypto/bcrypt"

	"example.com/crm/shared/oauthserver"
)

func secretHash(t *testing.T) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("client secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("bcrypt: %v", err)
	}
	return string(h)
}

func TestParseClients(t *testing.T) {
	hash := secretHash(t)
	tests := []struct {
		name    string
		json    string
		want    []oauthserver.Client // checked when no error is wanted
		wantErr []string             // substrings of the error; none for valid
	}{
		{"one client",
			`[{"id":"ccaip","secret_hash":"` + hash + `","redirect_uris":["https://x.ccaiplatform.com/cb"]}]`,
			[]oauthserver.Client{{ID: "ccaip", SecretHash: hash, RedirectURIs: []string{"https://x.ccaiplatform.com/cb"}}}, nil},
		{"two clients with scopes",
			`[{"id":"a","secret_hash":"` + hash + `","redirect_uris":["https://a/cb","https://a/cb2"],"scopes":["crm"]},
			  {"id":"b","secret_hash":"` + hash + `","redirect_uris":["https://b/cb"]}]`,
			[]oauthserver.Client{
				{ID: "a", SecretHash: hash, RedirectURIs: []string{"https://a/cb", "https://a/cb2"}, Scopes: []string{"crm"}},
				{ID: "b", SecretHash: hash, RedirectURIs: []string{"https://b/cb"}},
			}, nil},
		{"empty array", `[]`, nil, nil},
		{"every problem at once",
			`[{"secret_hash":"` + hash + `","redirect_uris":["https://a/cb"]},
			  {"id":"plain","secret_hash":"client secret","redirect_uris":["https://a/cb"]},
			  {"id":"nouris","secret_hash":"` + hash + `"}]`,
			nil, []string{"OAuth client 0 has no id", `OAuth client "plain": secret_hash is not a bcrypt hash`, `OAuth client "nouris" has no redirect_uris`}},
		{"one client with every problem", `[{"redirect_uris":[]}]`,
			nil, []string{"OAuth client 0 has no id", `OAuth client "": secret_hash is not a bcrypt hash`, `OAuth client "" has no redirect_uris`}},
		{"malformed JSON", `[{"id":"a",}]`, nil, []string{"OAuth clients:"}},
		{"an object, not an array", `{"id":"a"}`, nil, []string{"OAuth clients:"}},
		{"empty string", ``, nil, []string{"OAuth clients:"}},
		{"wrong type", `[{"id":"a","secret_hash":"` + hash + `","redirect_uris":"https://a/cb"}]`, nil, []string{"OAuth clients:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oauthserver.ParseClients(tt.json)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("ParseClients: got %v, want nil", err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("ParseClients: got %d clients (%+v), want %d", len(got), got, len(tt.want))
				}
				for i := range got {
					g, w := got[i], tt.want[i]
					if g.ID != w.ID || g.SecretHash != w.SecretHash || !slices.Equal(g.RedirectURIs, w.RedirectURIs) || !slices.Equal(g.Scopes, w.Scopes) {
						t.Errorf("client %d: got %+v, want %+v", i, g, w)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseClients: got nil error, want one with %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseClients: got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestNewClients(t *testing.T) {
	hash := secretHash(t)
	cs := oauthserver.NewClients([]oauthserver.Client{
		{ID: "a", SecretHash: hash, RedirectURIs: []string{"https://a/cb"}},
		{ID: "b", SecretHash: hash, RedirectURIs: []string{"https://b/cb", "https://b/cb2"}, Scopes: []string{"crm"}},
	})
	if got, want := len(cs), 2; got != want {
		t.Fatalf("clients: got %d, want %d", got, want)
	}
	tests := []struct {
		id         string
		wantURIs   []string
		wantScopes []string
	}{
		{"a", []string{"https://a/cb"}, []string{"crm", "offline", "offline_access"}},
		{"b", []string{"https://b/cb", "https://b/cb2"}, []string{"crm"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			c, ok := cs.Get(tt.id)
			if !ok {
				t.Fatalf("Get(%q): got nothing, want the client", tt.id)
			}
			if got := c.GetID(); got != tt.id {
				t.Errorf("ID: got %q, want %q", got, tt.id)
			}
			if got := string(c.GetHashedSecret()); got != hash {
				t.Errorf("hashed secret: got %q, want the bcrypt hash %q", got, hash)
			}
			if got := c.GetRedirectURIs(); !slices.Equal(got, tt.wantURIs) {
				t.Errorf("redirect URIs: got %q, want %q", got, tt.wantURIs)
			}
			if got := []string(c.GetScopes()); !slices.Equal(got, tt.wantScopes) {
				t.Errorf("scopes: got %q, want %q", got, tt.wantScopes)
			}
			if got, want := []string(c.GetGrantTypes()), []string{"authorization_code", "refresh_token"}; !slices.Equal(got, want) {
				t.Errorf("grant types: got %q, want %q", got, want)
			}
			if got, want := []string(c.GetResponseTypes()), []string{"code"}; !slices.Equal(got, want) {
				t.Errorf("response types: got %q, want %q", got, want)
			}
			if c.IsPublic() {
				t.Errorf("IsPublic: got true, want false (a confidential client)")
			}
			if err := bcrypt.CompareHashAndPassword(c.GetHashedSecret(), []byte("client secret")); err != nil {
				t.Errorf("hashed secret does not match the secret: %v", err)
			}
		})
	}
	if c, ok := cs.Get("c"); ok || c != nil {
		t.Errorf("Get(%q): got (%v, %v), want (nil, false)", "c", c, ok)
	}
	if got, want := oauthserver.DefaultScopes, []string{"crm", "offline", "offline_access"}; !slices.Equal(got, want) {
		t.Errorf("DefaultScopes: got %q, want %q", got, want)
	}
	var _ fosite.Client = mustClient(t, cs, "a")
}

func mustClient(t *testing.T, cs oauthserver.Clients, id string) fosite.Client {
	t.Helper()
	c, ok := cs.Get(id)
	if !ok {
		t.Fatalf("Get(%q): got nothing", id)
	}
	return c
}

func TestNewProviderKey(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr bool
	}{
		{"no key", nil, true},
		{"31 bytes", []byte(strings.Repeat("k", 31)), true},
		{"32 bytes", []byte(strings.Repeat("k", 32)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := oauthserver.NewProvider(oauthserver.Config{SigningKey: tt.key}, storage.NewMemoryStore())
			if tt.wantErr {
				if err == nil || p != nil || !strings.Contains(err.Error(), "at least 32 bytes") {
					t.Errorf("NewProvider: got (%v, %v), want (nil, an error about the key length)", p, err)
				}
				return
			}
			if err != nil || p == nil {
				t.Errorf("NewProvider: got (%v, %v), want a provider", p, err)
			}
		})
	}
}

package oauthserver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/storage"

	"example.com/crm/shared/crm"
)

// countingStore counts the token reads validation costs.
type countingStore struct {
	*storage.MemoryStore
	reads int
}

func (s *countingStore) GetAccessTokenSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	s.reads++
	return s.MemoryStore.GetAccessTokenSession(ctx, sig, sess)
}

func (s *countingStore) GetRefreshTokenSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	s.reads++
	return s.MemoryStore.GetRefreshTokenSession(ctx, sig, sess)
}

// Only this deployment's access tokens pass; a refresh token, a code, or
// a token with a forged HMAC is refused before any read.
func TestValidatorTokenTypes(t *testing.T) {
	ctx := context.Background()
	key := []byte(strings.Repeat("k", 32))
	store := &countingStore{MemoryStore: storage.NewMemoryStore()}
	p, err := NewProvider(Config{SigningKey: key}, store)
	if err != nil {
		t.Fatal(err)
	}
	v := NewValidator(p, key)

	// Tokens as the token endpoint issues them, with the same strategy.
	strategy := compose.NewOAuth2HMACStrategy(&fosite.Config{GlobalSecret: tokenKey(key), AccessTokenLifespan: time.Hour, RefreshTokenLifespan: time.Hour})
	sess := &fosite.DefaultSession{ExpiresAt: map[fosite.TokenType]time.Time{fosite.AccessToken: time.Now().Add(time.Hour), fosite.RefreshToken: time.Now().Add(time.Hour)}}
	req := &fosite.Request{ID: "grant", RequestedAt: time.Now(), Client: &fosite.DefaultClient{ID: "c"}, Session: sess}
	access, accessSig, _ := strategy.GenerateAccessToken(ctx, req)
	refresh, refreshSig, _ := strategy.GenerateRefreshToken(ctx, req)
	codeTok, _, _ := strategy.GenerateAuthorizeCode(ctx, req)
	if err := store.CreateAccessTokenSession(ctx, accessSig, req); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateRefreshTokenSession(ctx, refreshSig, accessSig, req); err != nil {
		t.Fatal(err)
	}
	otherKey := compose.NewOAuth2HMACStrategy(&fosite.Config{GlobalSecret: tokenKey([]byte(strings.Repeat("o", 32)))})
	foreign, _, _ := otherKey.GenerateAccessToken(ctx, req)

	tests := []struct {
		name      string
		token     string
		wantErr   crm.Code
		wantReads int
	}{
		{"access token", access, "", 1},
		{"refresh token", refresh, crm.Unauthorized, 0},
		{"refresh token relabelled as an access token", "ory_at_" + strings.TrimPrefix(refresh, "ory_rt_"), crm.Unauthorized, 1},
		{"authorization code", codeTok, crm.Unauthorized, 0},
		{"another deployment's access token", foreign, crm.Unauthorized, 0},
		{"garbage", "ory_at_garbage", crm.Unauthorized, 0},
		{"empty", "", crm.Unauthorized, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store.reads = 0
			err := v.ValidateBearer(ctx, tt.token)
			if got := crm.ErrorCode(err); got != tt.wantErr {
				t.Errorf("ValidateBearer: got %q (%v), want %q", got, err, tt.wantErr)
			}
			if store.reads != tt.wantReads {
				t.Errorf("reads: got %d, want %d", store.reads, tt.wantReads)
			}
		})
	}
}

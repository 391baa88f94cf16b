package gcpfirestore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"

	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// oauthStore is the OAuth store on the emulator, with one client.
func oauthStore(t *testing.T) (*gcpfirestore.OAuthStore, func() *fosite.Request) {
	t.Helper()
	client := &fosite.DefaultClient{ID: "ccaip"}
	fs := testenv.Firestore(t)
	o := gcpfirestore.New(fs).OAuth(func(id string) (fosite.Client, bool) { return client, id == client.ID },
		func() fosite.Session { return &fosite.DefaultSession{} })
	grant := func() *fosite.Request {
		r := fosite.NewRequest()
		r.SetID("grant-1")
		r.Client = client
		r.Session = &fosite.DefaultSession{ExpiresAt: map[fosite.TokenType]time.Time{fosite.RefreshToken: time.Now().Add(time.Hour)}}
		return r
	}
	return o, grant
}

// Of many simultaneous rotations with one refresh token, exactly one
// passes; the others find the token spent.
func TestRotateRefreshTokenOnce(t *testing.T) {
	ctx := context.Background()
	o, grant := oauthStore(t)
	if err := o.CreateRefreshTokenSession(ctx, "rt-1", "at-1", grant()); err != nil {
		t.Fatal(err)
	}
	if err := o.CreateAccessTokenSession(ctx, "at-1", grant()); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = o.RotateRefreshToken(ctx, "grant-1", "rt-1")
		}()
	}
	close(start)
	wg.Wait()
	passed := 0
	for i, err := range errs {
		switch {
		case err == nil:
			passed++
		case !errors.Is(err, fosite.ErrInactiveToken):
			t.Errorf("rotation %d: got %v, want nil or fosite.ErrInactiveToken", i, err)
		}
	}
	if passed != 1 {
		t.Fatalf("%d rotations passed, want exactly 1 (%v)", passed, errs)
	}
	if _, err := o.GetAccessTokenSession(ctx, "at-1", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Errorf("the grant's access token after the rotation: got %v, want fosite.ErrNotFound", err)
	}
	if err := o.RotateRefreshToken(ctx, "grant-1", "rt-unknown"); !errors.Is(err, fosite.ErrNotFound) {
		t.Errorf("rotating an unknown token: got %v, want fosite.ErrNotFound", err)
	}
}

// A refresh token used again right after its use is only refused
// (not found: invalid_grant); later it is reuse (inactive: fosite
// revokes the grant).
func TestRefreshTokenReuseGrace(t *testing.T) {
	ctx := context.Background()
	o, grant := oauthStore(t)
	if err := o.CreateRefreshTokenSession(ctx, "rt-1", "at-1", grant()); err != nil {
		t.Fatal(err)
	}
	if _, err := o.GetRefreshTokenSession(ctx, "rt-1", nil); err != nil {
		t.Fatalf("active token: %v", err)
	}
	if err := o.RotateRefreshToken(ctx, "grant-1", "rt-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.GetRefreshTokenSession(ctx, "rt-1", nil); !errors.Is(err, fosite.ErrNotFound) {
		t.Errorf("within the grace: got %v, want fosite.ErrNotFound", err)
	}
	// The same token, used longer ago than the grace.
	if err := o.SetSpentAt(ctx, "rt-1", time.Now().Add(-gcpfirestore.ReuseGrace-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := o.GetRefreshTokenSession(ctx, "rt-1", nil); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Errorf("after the grace: got %v, want fosite.ErrInactiveToken", err)
	}
	// A token switched off by a revocation (never used) is reuse at once.
	if err := o.CreateRefreshTokenSession(ctx, "rt-2", "at-2", grant()); err != nil {
		t.Fatal(err)
	}
	if err := o.RevokeRefreshToken(ctx, "grant-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.GetRefreshTokenSession(ctx, "rt-2", nil); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Errorf("revoked: got %v, want fosite.ErrInactiveToken", err)
	}
}

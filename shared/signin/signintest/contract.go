// Package signintest holds the contract every signin.Sessions store
// keeps: signin's in-memory store and the Firestore store run the same
// cases.
package signintest

import (
	"context"
	"sync"
	"testing"

	"example.com/crm/shared/signin"
)

// TestSessions runs the contract on stores newStore makes (a fresh,
// empty one per call).
func TestSessions(t *testing.T, newStore func(t *testing.T) signin.Sessions) {
	ctx := context.Background()
	gen := func(t *testing.T, s signin.Sessions, user string) int64 {
		t.Helper()
		g, err := s.Generation(ctx, user)
		if err != nil {
			t.Fatalf("Generation(%q): %v", user, err)
		}
		return g
	}
	bump := func(t *testing.T, s signin.Sessions, user string) {
		t.Helper()
		if err := s.Bump(ctx, user); err != nil {
			t.Fatalf("Bump(%q): %v", user, err)
		}
	}

	t.Run("a user never bumped is in generation 0", func(t *testing.T) {
		s := newStore(t)
		if got := gen(t, s, "ann@example.com"); got != 0 {
			t.Errorf("Generation: got %d, want 0", got)
		}
	})
	t.Run("bump moves the user to a new generation, every time", func(t *testing.T) {
		s := newStore(t)
		seen := map[int64]bool{gen(t, s, "ann@example.com"): true}
		for range 3 {
			bump(t, s, "ann@example.com")
			g := gen(t, s, "ann@example.com")
			if seen[g] {
				t.Fatalf("Generation after Bump: got %d again, want a new one", g)
			}
			seen[g] = true
		}
	})
	t.Run("bump changes only that user", func(t *testing.T) {
		s := newStore(t)
		// Names a document id escaping could mix up, and one in
		// another case: users are compared exactly.
		users := []string{"a/b", "a%2Fb", "a%252Fb", "Ann@example.com", "ann@example.com", "admin"}
		before := map[string]int64{}
		for _, u := range users {
			before[u] = gen(t, s, u)
		}
		for i, u := range users {
			bump(t, s, u)
			for j, other := range users {
				changed := gen(t, s, other) != before[other]
				if changed != (j <= i) {
					t.Errorf("after bumping %v: %q changed=%v, want %v", users[:i+1], other, changed, j <= i)
				}
			}
		}
	})
	t.Run("concurrent bumps all count", func(t *testing.T) {
		s := newStore(t)
		const n = 10
		before := gen(t, s, "admin")
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = s.Bump(ctx, "admin") })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("Bump: %v", err)
			}
		}
		if got, want := gen(t, s, "admin"), before+n; got != want {
			t.Errorf("Generation after %d concurrent bumps: got %d, want %d", n, got, want)
		}
	})
	t.Run("a cancelled context is an error, not generation 0", func(t *testing.T) {
		s := newStore(t)
		bump(t, s, "admin")
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if g, err := s.Generation(cancelled, "admin"); err == nil {
			t.Errorf("Generation with a cancelled context: got (%d, nil), want an error", g)
		}
		if err := s.Bump(cancelled, "admin"); err == nil {
			t.Errorf("Bump with a cancelled context: got nil, want an error")
		}
	})
}

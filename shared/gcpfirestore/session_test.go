package gcpfirestore_test

import (
	"context"
	"testing"

	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/signin"
	"example.com/crm/shared/signin/signintest"
	"example.com/crm/shared/testenv"
)

// The Firestore session store keeps the contract of signin.Sessions
// (the same cases as signin's in-memory store).
func TestSessions(t *testing.T) {
	signintest.TestSessions(t, func(t *testing.T) signin.Sessions { return newStore(t).Sessions() })
}

// Reading a generation costs one read (every page view of a signed-in
// user); ending the sessions one write, without a read.
func TestSessionsCost(t *testing.T) {
	testenv.FirestoreHost(t)
	s, err := gcpfirestore.Open(context.Background(), testenv.Project(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sessions := s.Sessions()
	measure := costMeasurer(t)
	measure("generation of a user never bumped", 1, 0, func(ctx context.Context) error {
		_, err := sessions.Generation(ctx, "ann@example.com")
		return err
	})
	measure("bump", 0, 1, func(ctx context.Context) error { return sessions.Bump(ctx, "ann@example.com") })
	measure("generation", 1, 0, func(ctx context.Context) error {
		_, err := sessions.Generation(ctx, "ann@example.com")
		return err
	})
}

package gcpfirestore

import (
	"context"
	"fmt"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// SessionStore keeps each CRM user's session generation
// (signin.Sessions) in a document "signin/user:{user}" with a counter,
// created by the first Bump. Reading it costs one read (once per page
// view of a signed-in user); Bump one write, without a read.
type SessionStore struct {
	client *firestore.Client
}

// Sessions returns the session store on s's database.
func (s *Store) Sessions() *SessionStore { return &SessionStore{client: s.client} }

const signinCol = "signin"

type generationDoc struct {
	Generation int64 `firestore:"generation"`
}

func (s *SessionStore) ref(user string) *firestore.DocumentRef {
	return s.client.Collection(signinCol).Doc("user:" + escapeID(user))
}

// Generation returns user's session generation, 0 when it was never
// bumped.
func (s *SessionStore) Generation(ctx context.Context, user string) (int64, error) {
	snap, err := s.ref(user).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return 0, nil
	}
	if err != nil {
		return 0, storeError("get session generation", err)
	}
	var d generationDoc
	if err := snap.DataTo(&d); err != nil {
		return 0, fmt.Errorf("decode session generation: %w", err)
	}
	return d.Generation, nil
}

// Bump moves user to the next generation, ending every session of user.
// The increment is done by Firestore, so concurrent bumps all count.
func (s *SessionStore) Bump(ctx context.Context, user string) error {
	_, err := s.ref(user).Set(ctx, map[string]any{
		"generation": firestore.Increment(1),
		"updated_at": firestore.ServerTimestamp,
	}, firestore.MergeAll)
	return storeError("end sessions", err)
}

package gcpfirestore

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
)

// SetSpentAt moves the time a refresh token was used (tests of the reuse
// grace).
func (o *OAuthStore) SetSpentAt(ctx context.Context, signature string, t time.Time) error {
	_, err := o.ref(kindRefresh, signature).Update(ctx, []firestore.Update{{Path: "spent_at", Value: t}})
	return err
}

// SetRequestKeysExpiry moves the expires_at of every request key (tests
// of the retry window: as if it had passed).
func (s *Store) SetRequestKeysExpiry(ctx context.Context, t time.Time) error {
	snaps, err := s.client.Collection(requestKeysCol).Documents(ctx).GetAll()
	if err != nil {
		return err
	}
	for _, snap := range snaps {
		if _, err := snap.Ref.Update(ctx, []firestore.Update{{Path: "expires_at", Value: t}}); err != nil {
			return err
		}
	}
	return nil
}

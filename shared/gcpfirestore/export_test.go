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

package gcpfirestore

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"example.com/crm/shared/crm"
)

// requestKeyDoc names the entity that a create with no identity key made.
type requestKeyDoc struct {
	Kind      string    `firestore:"kind"` // "account" or "record"
	Holder    string    `firestore:"holder"`
	CreatedAt time.Time `firestore:"created_at"`
	// ExpiresAt ends the retry window. A TTL policy on it
	// (terraform/firestore.tf) deletes the document some time later;
	// until then an expired key counts as absent.
	ExpiresAt time.Time `firestore:"expires_at"`
}

// requestClaim is what a create found of its request key.
type requestClaim struct {
	ref *firestore.DocumentRef
	// holder is the entity a live key names, "" when there is none.
	holder string
	// expired is the update time of an expired key document, which the
	// create replaces; zero when there is no document.
	expired time.Time
}

// readRequestKey reads the request key key (outside a transaction).
func (s *Store) readRequestKey(ctx context.Context, key string, now time.Time) (requestClaim, error) {
	c := requestClaim{ref: s.client.Collection(requestKeysCol).Doc(escapeID(key))}
	snap, err := c.ref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	var d requestKeyDoc
	if err := snap.DataTo(&d); err != nil {
		return c, fmt.Errorf("decode request key %s: %w", snap.Ref.ID, err)
	}
	if now.Before(d.ExpiresAt) {
		c.holder = d.Holder
	} else {
		c.expired = snap.UpdateTime
	}
	return c, nil
}

// write writes the request key in tx, naming holder for crm.RetryWindow.
// The commit fails (lostRace) if another create wrote the key since it
// was read: AlreadyExists, or FailedPrecondition for an expired key.
func (c requestClaim) write(tx *firestore.Transaction, kind, holder string, now time.Time) error {
	d := requestKeyDoc{Kind: kind, Holder: holder, CreatedAt: now, ExpiresAt: now.Add(crm.RetryWindow)}
	if c.expired.IsZero() {
		return tx.Create(c.ref, d)
	}
	return tx.Update(c.ref, []firestore.Update{
		{Path: "kind", Value: d.Kind}, {Path: "holder", Value: d.Holder},
		{Path: "created_at", Value: d.CreatedAt}, {Path: "expires_at", Value: d.ExpiresAt},
	}, firestore.LastUpdateTime(c.expired))
}

// createOnce creates doc, an entity of kind in collection col that
// carries no identity key, unless its request key names an entity made
// within crm.RetryWindow: then it returns that one's id and created
// false. check, when not nil, runs before a create. The entity and its
// key are committed together, as createWithKeys does: of simultaneous
// identical creates one commits, the others find its key.
func (s *Store) createOnce(ctx context.Context, kind, col, key string, doc any, check func() error, now time.Time) (id string, created bool, err error) {
	for range maxCreateAttempts {
		c, err := s.readRequestKey(ctx, key, now)
		if err != nil {
			return "", false, storeError("create "+kind, err)
		}
		if c.holder != "" {
			return c.holder, false, nil
		}
		if check != nil {
			if err := check(); err != nil {
				return "", false, err
			}
		}
		ref := s.client.Collection(col).NewDoc()
		err = s.createWith(ctx, ref, doc, func(tx *firestore.Transaction) error {
			return c.write(tx, kind, ref.ID, now)
		})
		if lostRace(err) {
			continue // another create won: the next look finds it
		}
		if err != nil {
			return "", false, storeError("create "+kind, err)
		}
		return ref.ID, true, nil
	}
	return "", false, crm.Errorf(crm.Unavailable, "too many simultaneous creates; try again")
}

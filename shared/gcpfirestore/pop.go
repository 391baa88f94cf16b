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

// popsCol holds what each screen pop made: pops/{key} names the account
// and the record that the first opening of the pop created. It never
// expires: the same pop opened again, however late, shows them.
const popsCol = "pops"

type popDoc struct {
	AccountID string    `firestore:"account_id"`
	RecordID  string    `firestore:"record_id"`
	CreatedAt time.Time `firestore:"created_at"`
}

// OpenPop returns the account and record that the screen pop key made,
// making them the first time: account a (the temporary account) unless
// an account already holds one of a's identity keys (then that one, left
// as it is), and record r on it. The account, its identity keys, the
// record and the pop's document are created in one commit that reads
// nothing (as createWithKeys does): of simultaneous openings of the same
// pop one commits, the others find its document. created reports that
// this call made the record. r must name no session. Errors: Invalid (a
// or r fails Validate), Unavailable.
func (s *Store) OpenPop(ctx context.Context, key string, a crm.Account, r crm.Record) (acc crm.Account, rec crm.Record, created bool, err error) {
	if err := a.Validate(); err != nil {
		return crm.Account{}, crm.Record{}, false, err
	}
	if len(r.Keys()) > 0 {
		return crm.Account{}, crm.Record{}, false, crm.Errorf(crm.Invalid, "a screen pop's record names no session")
	}
	now := s.Now()
	a.CreatedAt, a.UpdatedAt = now, now
	r.CreatedAt, r.UpdatedAt = now, now
	if r.Status == "" {
		r.Status = crm.StatusOpen
	}
	popRef := s.client.Collection(popsCol).Doc(escapeID(key))
	keyRefs := make([]*firestore.DocumentRef, 0, len(a.Keys()))
	for _, k := range a.Keys() {
		keyRefs = append(keyRefs, s.keyRef("account", k))
	}
	for range maxCreateAttempts {
		snap, err := popRef.Get(ctx)
		if err == nil {
			var d popDoc
			if err := snap.DataTo(&d); err != nil {
				return crm.Account{}, crm.Record{}, false, fmt.Errorf("decode pop %s: %w", snap.Ref.ID, err)
			}
			rec, err := s.GetRecord(ctx, d.RecordID)
			if err != nil {
				return crm.Account{}, crm.Record{}, false, err
			}
			acc, err := s.GetAccount(ctx, d.AccountID)
			return acc, rec, false, err
		}
		if status.Code(err) != codes.NotFound {
			return crm.Account{}, crm.Record{}, false, storeError("open pop", err)
		}
		holder := ""
		if len(keyRefs) > 0 {
			if holder, err = s.holderOf(ctx, keyRefs); err != nil {
				return crm.Account{}, crm.Record{}, false, storeError("open pop", err)
			}
		}
		acc := a
		var accRef *firestore.DocumentRef
		if holder != "" {
			if acc, err = s.GetAccount(ctx, holder); err != nil {
				return crm.Account{}, crm.Record{}, false, err
			}
		} else {
			accRef = s.client.Collection(accountsCol).NewDoc()
			acc.ID = accRef.ID
		}
		recRef := s.client.Collection(recordsCol).NewDoc()
		rec := r
		rec.ID, rec.AccountID = recRef.ID, acc.ID
		if err := rec.Validate(); err != nil {
			return crm.Account{}, crm.Record{}, false, err
		}
		err = s.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if accRef != nil {
				if err := tx.Create(accRef, toAccountDoc(acc)); err != nil {
					return err
				}
				if err := createKeys(tx, keyRefs, "account", acc.ID, now); err != nil {
					return err
				}
			}
			if err := tx.Create(recRef, toRecordDoc(rec)); err != nil {
				return err
			}
			return tx.Create(popRef, popDoc{AccountID: acc.ID, RecordID: rec.ID, CreatedAt: now})
		}, firestore.MaxAttempts(1))
		if lostRace(err) {
			continue // another opening won: the next look finds it
		}
		if err != nil {
			return crm.Account{}, crm.Record{}, false, storeError("open pop", err)
		}
		return acc, rec, true, nil
	}
	return crm.Account{}, crm.Record{}, false, crm.Errorf(crm.Unavailable, "too many simultaneous openings; try again")
}

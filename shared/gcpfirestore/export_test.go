package gcpfirestore

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"

	"example.com/crm/shared/crm"
)

// SetSpentAt moves the time a refresh token was used (tests of the reuse
// grace).
func (o *OAuthStore) SetSpentAt(ctx context.Context, signature string, t time.Time) error {
	_, err := o.ref(kindRefresh, signature).Update(ctx, []firestore.Update{{Path: "spent_at", Value: t}})
	return err
}

// PutRecords writes records as they are, under their ids, without key
// documents or checks: data written by earlier versions (two records
// holding one session) and large test sets. The first is written before
// the others.
func (s *Store) PutRecords(ctx context.Context, rs ...crm.Record) error {
	return put(ctx, s, recordsCol, len(rs), func(i int) (string, any) { return rs[i].ID, toRecordDoc(rs[i]) })
}

// PutAccounts is PutRecords for accounts.
func (s *Store) PutAccounts(ctx context.Context, as ...crm.Account) error {
	return put(ctx, s, accountsCol, len(as), func(i int) (string, any) { return as[i].ID, toAccountDoc(as[i]) })
}

func put(ctx context.Context, s *Store, col string, n int, doc func(int) (string, any)) error {
	if n == 0 {
		return nil
	}
	id, d := doc(0)
	if _, err := s.client.Collection(col).Doc(id).Set(ctx, d); err != nil {
		return err
	}
	bw := s.client.BulkWriter(ctx)
	var jobs []*firestore.BulkWriterJob
	for i := 1; i < n; i++ {
		id, d := doc(i)
		j, err := bw.Set(s.client.Collection(col).Doc(id), d)
		if err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			return err
		}
	}
	return nil
}

// SetScanPage sets how many documents a query reads per page while the
// test runs, so that a test with a few hundred matches crosses pages.
func SetScanPage(t interface{ Cleanup(func()) }, n int) {
	old := scanPage
	scanPage = n
	t.Cleanup(func() { scanPage = old })
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

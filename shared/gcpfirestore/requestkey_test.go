package gcpfirestore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
)

// createN runs create n times, all at once when concurrent, and returns
// the ids and how many of the calls created.
func createN(t *testing.T, n int, concurrent bool, create func() (string, bool, error)) (ids []string, created int) {
	t.Helper()
	ids = make([]string, n)
	made := make([]bool, n)
	errs := make([]error, n)
	run := func(i int) { ids[i], made[i], errs[i] = create() }
	if concurrent {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() { <-start; run(i) })
		}
		close(start)
		wg.Wait()
	} else {
		for i := range n {
			run(i)
		}
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("create %d got %s, create 0 got %s", i, ids[i], ids[0])
		}
		if made[i] {
			created++
		}
	}
	return ids, created
}

func createAccount(ctx context.Context, s *gcpfirestore.Store, a crm.Account) func() (string, bool, error) {
	return func() (string, bool, error) {
		acc, created, err := s.CreateAccount(ctx, a)
		return acc.ID, created, err
	}
}

func createRecord(ctx context.Context, s *gcpfirestore.Store, r crm.Record) func() (string, bool, error) {
	return func() (string, bool, error) {
		rec, created, err := s.CreateRecord(ctx, r)
		return rec.ID, created, err
	}
}

// An account with only a name and a record without a session have no
// identity key: the request itself is their key, for the retry window.
func TestCreatesWithoutIdentityAreIdempotent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	guest := crm.Account{Name: "Guest", Phones: []crm.Phone{{Raw: "anonymous"}}, Custom: map[string]string{"lang": "en"}}
	ids, created := createN(t, 5, false, createAccount(ctx, s, guest))
	if created != 1 {
		t.Errorf("5 identical account creates: %d created, want 1", created)
	}
	if got, err := s.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByName, Value: "Guest"}, 10); err != nil || len(got) != 1 {
		t.Fatalf("accounts named Guest: got %d (%v), want 1", len(got), err)
	}
	// A different body is another account, itself idempotent.
	other := guest
	other.Custom = map[string]string{"lang": "fr"}
	ids2, created := createN(t, 3, false, createAccount(ctx, s, other))
	if created != 1 || ids2[0] == ids[0] {
		t.Errorf("a different body: got %s (%d created), want a new account", ids2[0], created)
	}

	acc, _, err := s.CreateAccount(ctx, crm.Account{Emails: []string{"owner@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	r := crm.Record{AccountID: acc.ID, Subject: "Refund", Custom: map[string]string{"agent_email": "unassigned"}}
	recIDs, created := createN(t, 5, false, createRecord(ctx, s, r))
	if created != 1 {
		t.Errorf("5 identical record creates: %d created, want 1", created)
	}
	// An update in between is not undone by a late retry.
	if _, err := s.UpdateRecord(ctx, recIDs[0], crm.RecordPatch{Subject: "Refund done", Status: "closed"}); err != nil {
		t.Fatal(err)
	}
	again, created2, err := s.CreateRecord(ctx, r)
	if err != nil || created2 || again.ID != recIDs[0] || again.Subject != "Refund done" || again.Open() {
		t.Errorf("retry after an update: got %+v created=%v err=%v, want the updated record %s", again, created2, err, recIDs[0])
	}
	r2 := r
	r2.Subject = "Card lost"
	rec2, created2, err := s.CreateRecord(ctx, r2)
	if err != nil || !created2 || rec2.ID == recIDs[0] {
		t.Errorf("a different body: got %s created=%v err=%v, want a new record", rec2.ID, created2, err)
	}
	if got, err := s.AccountRecords(ctx, acc.ID); err != nil || len(got) != 2 {
		t.Errorf("records of the account: got %v (%v), want 2", got, err)
	}
	// A record of a missing account is refused and leaves nothing behind.
	for range 2 {
		if _, _, err := s.CreateRecord(ctx, crm.Record{AccountID: "no-such-account", Subject: "x"}); crm.ErrorCode(err) != crm.Invalid {
			t.Fatalf("record of a missing account: got %v, want Invalid", err)
		}
	}
}

func TestConcurrentCreatesWithoutIdentityMakeOne(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ids, created := createN(t, 20, true, createAccount(ctx, s, crm.Account{Name: "Racer"}))
	if created != 1 {
		t.Errorf("20 simultaneous account creates: %d created, want 1", created)
	}
	if got, err := s.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByName, Value: "Racer"}, 50); err != nil || len(got) != 1 {
		t.Fatalf("accounts named Racer: got %d (%v), want 1", len(got), err)
	}
	_, created = createN(t, 20, true, createRecord(ctx, s, crm.Record{AccountID: ids[0], Subject: "Race"}))
	if created != 1 {
		t.Errorf("20 simultaneous record creates: %d created, want 1", created)
	}
	if got, err := s.AccountRecords(ctx, ids[0]); err != nil || len(got) != 1 {
		t.Errorf("records: got %v (%v), want 1", got, err)
	}
}

// A retry within the window finds the first entity; after it, the same
// request is a new one.
func TestRequestKeyLastsTheRetryWindow(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := t0
	s.Now = func() time.Time { return clock }
	a := crm.Account{Name: "Window"}
	first, _, err := s.CreateAccount(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, later := range []time.Duration{time.Hour, 24 * time.Hour, crm.RetryWindow - time.Second} {
		clock = t0.Add(later)
		if got, created, err := s.CreateAccount(ctx, a); err != nil || created || got.ID != first.ID {
			t.Errorf("%v later: got %s created=%v err=%v, want %s", later, got.ID, created, err, first.ID)
		}
	}
	// Past the window, even before Firestore's TTL deletes the key.
	clock = t0.Add(crm.RetryWindow)
	second, created, err := s.CreateAccount(ctx, a)
	if err != nil || !created || second.ID == first.ID {
		t.Fatalf("after the window: got %s created=%v err=%v, want a new account", second.ID, created, err)
	}
	clock = clock.Add(time.Hour)
	if got, created, err := s.CreateAccount(ctx, a); err != nil || created || got.ID != second.ID {
		t.Errorf("a retry of the new one: got %s created=%v err=%v, want %s", got.ID, created, err, second.ID)
	}
}

// A key whose expires_at has passed counts as absent: simultaneous
// identical creates then make one new entity.
func TestExpiredRequestKeyCreatesAnew(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	acc, _, err := s.CreateAccount(ctx, crm.Account{Name: "Expiring"})
	if err != nil {
		t.Fatal(err)
	}
	r := crm.Record{AccountID: acc.ID, Subject: "Expiring"}
	rec, _, err := s.CreateRecord(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetRequestKeysExpiry(ctx, s.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	ids, created := createN(t, 20, true, createAccount(ctx, s, crm.Account{Name: "Expiring"}))
	if created != 1 || ids[0] == acc.ID {
		t.Errorf("account after expiry: got %s (%d created), want one new account", ids[0], created)
	}
	recIDs, created := createN(t, 20, true, createRecord(ctx, s, r))
	if created != 1 || recIDs[0] == rec.ID {
		t.Errorf("record after expiry: got %s (%d created), want one new record", recIDs[0], created)
	}
	// The new entities hold the key for a new window.
	if got, created, err := s.CreateAccount(ctx, crm.Account{Name: "Expiring"}); err != nil || created || got.ID != ids[0] {
		t.Errorf("retry: got %s created=%v err=%v, want %s", got.ID, created, err, ids[0])
	}
}

// Comments need no request key: their id is a hash of record, session
// and body, so simultaneous identical comments store one.
func TestConcurrentIdenticalCommentsMakeOne(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	acc, _, _ := s.CreateAccount(ctx, crm.Account{Emails: []string{"cc@example.com"}})
	rec, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "5"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []crm.Comment{{Body: "Chat started", SessionKey: "chat:5"}, {Body: "No session"}} {
		_, created := createN(t, 20, true, func() (string, bool, error) {
			com, created, err := s.AddComment(ctx, rec.ID, c)
			return com.ID, created, err
		})
		if created != 1 {
			t.Errorf("%q: %d created, want 1", c.Body, created)
		}
	}
	if got, err := s.Comments(ctx, rec.ID); err != nil || len(got) != 2 {
		t.Errorf("got %d comments (%v), want 2", len(got), err)
	}
}

package gcpfirestore_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/firestore"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/agentpop/journaltest"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// countDocs counts the documents of a top-level collection.
func countDocs(t *testing.T, c *firestore.Client, col string) int {
	t.Helper()
	n := 0
	for path := range testenv.Dump(t, c) {
		_, path, _ = strings.Cut(path, "/documents/")
		if rest, ok := strings.CutPrefix(path, col+"/"); ok && !strings.Contains(rest, "/") {
			n++
		}
	}
	return n
}

// Eight simultaneous openings of one pop make one account and one record,
// with the account's phone key; every opening returns them.
func TestOpenPopOnceConcurrently(t *testing.T) {
	ctx := context.Background()
	c := testenv.Firestore(t)
	s := gcpfirestore.New(c)
	a := crm.Account{Name: "Temporary account", Phones: []crm.Phone{usPhone(t, "(415) 555-0134")}, Custom: map[string]string{"temporary": "true"}}
	r := crm.Record{Subject: "Screen pop"}
	type result struct {
		acc     crm.Account
		rec     crm.Record
		created bool
		err     error
	}
	results := make([]result, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			acc, rec, created, err := s.OpenPop(ctx, "open:k1", a, r)
			results[i] = result{acc, rec, created, err}
		})
	}
	wg.Wait()
	made := 0
	for i, res := range results {
		if res.err != nil {
			t.Fatalf("opening %d: %v", i, res.err)
		}
		if res.created {
			made++
		}
		if res.acc.ID != results[0].acc.ID || res.rec.ID != results[0].rec.ID {
			t.Errorf("opening %d: account %s record %s, want %s %s", i, res.acc.ID, res.rec.ID, results[0].acc.ID, results[0].rec.ID)
		}
		if res.rec.AccountID != res.acc.ID {
			t.Errorf("opening %d: record's account %s, want %s", i, res.rec.AccountID, res.acc.ID)
		}
	}
	if made != 1 {
		t.Errorf("%d openings say they made the record, want 1", made)
	}
	if n := countDocs(t, c, "accounts"); n != 1 {
		t.Errorf("%d accounts, want 1", n)
	}
	if n := countDocs(t, c, "records"); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
	held, err := s.AccountsByKey(ctx, []string{crm.PhoneKey("+14155550134")})
	if err != nil {
		t.Fatal(err)
	}
	if held[crm.PhoneKey("+14155550134")].ID != results[0].acc.ID {
		t.Errorf("phone key held by %+v, want the temporary account", held)
	}
	// opened again later: the same, nothing made
	acc, rec, created, err := s.OpenPop(ctx, "open:k1", a, r)
	if err != nil || created || acc.ID != results[0].acc.ID || rec.ID != results[0].rec.ID {
		t.Errorf("again: %s %s created %v err %v", acc.ID, rec.ID, created, err)
	}
}

// An account that holds the pop's phone number gets the record; no
// account is made. Another pop key makes another record.
func TestOpenPopPhoneHeld(t *testing.T) {
	ctx := context.Background()
	c := testenv.Firestore(t)
	s := gcpfirestore.New(c)
	held, _, err := s.CreateAccount(ctx, crm.Account{Name: "Ann", Phones: []crm.Phone{usPhone(t, "4155550134")}})
	if err != nil {
		t.Fatal(err)
	}
	a := crm.Account{Name: "Temporary account", Phones: []crm.Phone{usPhone(t, "+1 415 555 0134")}}
	acc, rec, created, err := s.OpenPop(ctx, "open:k2", a, crm.Record{Subject: "Screen pop"})
	if err != nil || !created {
		t.Fatalf("created %v err %v", created, err)
	}
	if acc.ID != held.ID || rec.AccountID != held.ID || acc.Name != "Ann" {
		t.Errorf("account %+v record's %s, want %s", acc, rec.AccountID, held.ID)
	}
	if _, rec2, _, err := s.OpenPop(ctx, "open:k3", a, crm.Record{Subject: "Screen pop"}); err != nil || rec2.ID == rec.ID {
		t.Errorf("another pop: record %s (first %s), err %v", rec2.ID, rec.ID, err)
	}
	if n := countDocs(t, c, "accounts"); n != 1 {
		t.Errorf("%d accounts, want 1", n)
	}
	if _, _, _, err := s.OpenPop(ctx, "open:k4", a, crm.Record{Subject: "x", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}}}); crm.ErrorCode(err) != crm.Invalid {
		t.Errorf("record with a session: %v, want Invalid", err)
	}
}

// The Firestore journal keeps the contract of agentpop.Journal (the same
// cases as the in-memory journal).
func TestJournal(t *testing.T) {
	journaltest.TestJournal(t, func(t *testing.T) agentpop.Journal { return newStore(t).Journal() })
}

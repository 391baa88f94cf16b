package gcpfirestore_test

import (
	"context"
	"testing"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// What a screen pop and a journaled event cost: the first opening of a
// pop reads the pop document and the phone key and writes the account,
// its key, the record and the pop document; opening it again reads the
// pop document, the record and the account. An event journaled with its
// record is two writes.
func TestPopCost(t *testing.T) {
	testenv.FirestoreHost(t)
	s, err := gcpfirestore.Open(context.Background(), testenv.Project(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	measure := func(name string, wantReads, wantWrites int64, fn func(ctx context.Context) error) {
		t.Helper()
		ctx, c := dbcost.WithCounter(context.Background())
		if err := fn(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Reads() != wantReads || c.Writes() != wantWrites {
			t.Errorf("%s: got %d reads and %d writes, want %d and %d", name, c.Reads(), c.Writes(), wantReads, wantWrites)
		}
	}
	a := crm.Account{Name: "Temporary account", Phones: []crm.Phone{usPhone(t, "4155550134")}}
	open := func(ctx context.Context) error {
		_, _, _, err := s.OpenPop(ctx, "open:cost", a, crm.Record{Subject: "Screen pop"})
		return err
	}
	measure("first opening", 2, 4, open)
	measure("opening again", 3, 0, open)
	measure("event with its record", 0, 2, func(ctx context.Context) error {
		return s.Journal().Add(ctx, agentpop.Entry{Session: "call:1", Type: "New_Call", RecordID: "r1"})
	})
}

package gcpfirestore_test

import (
	"context"
	"testing"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
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
	measure := costMeasurer(t)
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

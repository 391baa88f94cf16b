package gcpfirestore_test

import (
	"context"
	"testing"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// The operations a store call costs, as Firestore bills them: they are
// what a request costs, so a change that adds reads shows here.
func TestOperationCounts(t *testing.T) {
	testenv.FirestoreHost(t)
	s, err := gcpfirestore.Open(context.Background(), testenv.Project(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := crm.Account{Name: "Cost", Phones: []crm.Phone{{Raw: "+12223334444", E164: "+12223334444"}}, Emails: []string{"cost@example.com"}}
	measure := costMeasurer(t)
	var acc crm.Account
	measure("create a new account (2 keys)", 2, 3, func(ctx context.Context) (err error) {
		acc, _, err = s.CreateAccount(ctx, a)
		return err
	})
	measure("create it again", 3, 0, func(ctx context.Context) error {
		_, _, err := s.CreateAccount(ctx, a)
		return err
	})
	measure("find by phone", 1, 0, func(ctx context.Context) error {
		_, err := s.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByPhone, Value: "+12223334444"}, 50)
		return err
	})
	measure("find by phone, nothing", 1, 0, func(ctx context.Context) error {
		_, err := s.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByPhone, Value: "+15550000000"}, 50)
		return err
	})
	var rec crm.Record
	measure("create a record (1 session)", 2, 2, func(ctx context.Context) (err error) {
		rec, _, err = s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}}})
		return err
	})
	anon := crm.Account{Name: "Cost anonymous"}
	measure("create an account with no identity (its request key)", 1, 2, func(ctx context.Context) error {
		_, _, err := s.CreateAccount(ctx, anon)
		return err
	})
	measure("create it again", 2, 0, func(ctx context.Context) error {
		_, _, err := s.CreateAccount(ctx, anon)
		return err
	})
	measure("create a record with no session (its request key)", 2, 2, func(ctx context.Context) error {
		_, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: "Cost"})
		return err
	})
	att := crm.Attachment{ID: "a1", RecordID: rec.ID, Filename: "call-1.mp3", SHA256: "ab", Size: 3, Source: crm.SourceStorage, Bucket: "b", Object: "call-1.mp3"}
	measure("attach a file", 1, 2, func(ctx context.Context) error {
		_, _, err := s.AddAttachment(ctx, att, true)
		return err
	})
	measure("attach the same version again (replace): nothing written", 2, 0, func(ctx context.Context) error {
		_, _, err := s.AddAttachment(ctx, att, true)
		return err
	})
	newer := att
	newer.SHA256, newer.Size = "cd", 4
	measure("attach a newer version (replace)", 2, 2, func(ctx context.Context) error {
		_, _, err := s.AddAttachment(ctx, newer, true)
		return err
	})
	measure("comment", 1, 2, func(ctx context.Context) error {
		_, _, err := s.AddComment(ctx, rec.ID, crm.Comment{Body: "hi"})
		return err
	})
}

// costMeasurer returns measure(name, wantReads, wantWrites, fn): it runs
// fn with a dbcost counter and checks the document reads and writes it
// cost.
func costMeasurer(t *testing.T) func(name string, wantReads, wantWrites int64, fn func(ctx context.Context) error) {
	return func(name string, wantReads, wantWrites int64, fn func(ctx context.Context) error) {
		t.Helper()
		ctx, c := dbcost.WithCounter(context.Background())
		if err := fn(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Reads() != wantReads || c.Writes() != wantWrites {
			t.Errorf("%s: got %d reads and %d writes, want %d and %d", name, c.Reads(), c.Writes(), wantReads, wantWrites)
		}
	}
}

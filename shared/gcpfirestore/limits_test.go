package gcpfirestore_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

func customFields(prefix string, n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("%s%d", prefix, i)] = "v"
	}
	return m
}

// refusedUnchanged checks that err is Invalid naming want and that the
// database is as it was.
func refusedUnchanged(t *testing.T, err error, want string, before, after map[string]map[string]any) {
	t.Helper()
	if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), want) {
		t.Errorf("got error %v, want Invalid naming %s", err, want)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the refused write changed the database")
	}
}

// Limits hold for what is stored, not only for each request: requests
// that each stay within the limits but together would pass them are
// refused (Invalid), and change nothing.
func TestLimitsOfTheStoredEntity(t *testing.T) {
	ctx := context.Background()
	client := testenv.Firestore(t)
	s := gcpfirestore.New(client)

	acc, _, err := s.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}, Custom: customFields("a", 60)})
	if err != nil {
		t.Fatal(err)
	}
	before := testenv.Dump(t, client)
	_, _, err = s.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}, Custom: customFields("b", 60)})
	refusedUnchanged(t, err, "custom fields", before, testenv.Dump(t, client))

	var emails []string
	for i := range crm.MaxIdentities {
		emails = append(emails, fmt.Sprintf("e%d@example.com", i))
	}
	_, _, err = s.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}, Emails: emails})
	if err != nil {
		t.Fatalf("%d emails: %v", crm.MaxIdentities, err)
	}
	before = testenv.Dump(t, client)
	_, _, err = s.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}, Emails: []string{"one-more@example.com"}})
	refusedUnchanged(t, err, "emails", before, testenv.Dump(t, client))

	rec, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "c0"}}, Custom: customFields("a", 60)})
	if err != nil {
		t.Fatal(err)
	}
	before = testenv.Dump(t, client)
	_, err = s.UpdateRecord(ctx, rec.ID, crm.RecordPatch{Custom: customFields("b", 60)})
	refusedUnchanged(t, err, "custom fields", before, testenv.Dump(t, client))
	_, _, err = s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "c0"}}, Custom: customFields("b", 60)})
	refusedUnchanged(t, err, "custom fields", before, testenv.Dump(t, client))

	for i := 1; i < crm.MaxSessions; i += 50 {
		var p crm.RecordPatch
		for j := i; j < min(i+50, crm.MaxSessions); j++ {
			p.Sessions = append(p.Sessions, crm.Session{Kind: crm.SessionCall, ID: fmt.Sprintf("c%d", j)})
		}
		if _, err := s.UpdateRecord(ctx, rec.ID, p); err != nil {
			t.Fatalf("sessions up to %d: %v", crm.MaxSessions, err)
		}
	}
	before = testenv.Dump(t, client)
	_, err = s.UpdateRecord(ctx, rec.ID, crm.RecordPatch{Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "one-more"}}})
	refusedUnchanged(t, err, "sessions", before, testenv.Dump(t, client))
}

// Every write refuses a field over its limit before touching the
// database.
func TestWritesValidate(t *testing.T) {
	ctx := context.Background()
	client := testenv.Firestore(t)
	s := gcpfirestore.New(client)
	acc, _, err := s.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 100000)
	before := testenv.Dump(t, client)
	_, _, err = s.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}, Phones: []crm.Phone{{Raw: long, Digits: long}}})
	refusedUnchanged(t, err, `"phone"`, before, testenv.Dump(t, client))
	_, _, err = s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: long}}})
	refusedUnchanged(t, err, `"call_id"`, before, testenv.Dump(t, client))
	_, err = s.UpdateRecord(ctx, rec.ID, crm.RecordPatch{Subject: long})
	refusedUnchanged(t, err, `"subject"`, before, testenv.Dump(t, client))
	_, _, err = s.AddComment(ctx, rec.ID, crm.Comment{Body: long})
	refusedUnchanged(t, err, `"comment"`, before, testenv.Dump(t, client))
}

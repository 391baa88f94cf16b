package gcpfirestore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/phone"
	"example.com/crm/shared/testenv"
)

func newStore(t *testing.T) *gcpfirestore.Store {
	return gcpfirestore.New(testenv.Firestore(t))
}

func usPhone(t *testing.T, raw string) crm.Phone {
	t.Helper()
	n, err := phone.Parse(raw, "US")
	if err != nil {
		t.Fatalf("phone.Parse(%q): %v", raw, err)
	}
	return crm.Phone{Raw: n.Raw, E164: n.E164}
}

func TestCreateAccountIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := crm.Account{Name: "James Bond", Phones: []crm.Phone{usPhone(t, "+1 222 333 4444")}, Emails: []string{"james@example.com"}}
	first, created, err := s.CreateAccount(ctx, a)
	if err != nil || !created {
		t.Fatalf("first create: created=%v err=%v", created, err)
	}
	// The same phone in another format, with nothing new: the same account, unchanged.
	again, created, err := s.CreateAccount(ctx, crm.Account{Phones: []crm.Phone{usPhone(t, "(222) 333-4444")}})
	if err != nil || created {
		t.Fatalf("second create: created=%v err=%v", created, err)
	}
	if again.ID != first.ID {
		t.Fatalf("got account %s, want %s", again.ID, first.ID)
	}
	if !again.UpdatedAt.Equal(first.UpdatedAt) {
		t.Errorf("a repeated create changed updated_at: %v -> %v", first.UpdatedAt, again.UpdatedAt)
	}
	// Same email, a new phone: the phone is added to that account.
	merged, created, err := s.CreateAccount(ctx, crm.Account{Emails: []string{"james@example.com"}, Phones: []crm.Phone{usPhone(t, "+1 555 010 9999")}})
	if err != nil || created || merged.ID != first.ID {
		t.Fatalf("create by email: id=%s created=%v err=%v, want id %s", merged.ID, created, err, first.ID)
	}
	if len(merged.Phones) != 2 {
		t.Errorf("got phones %v, want both numbers", merged.Phones)
	}
	// The added phone now finds the account too.
	got, err := s.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByPhone, Value: "+15550109999"}, 10)
	if err != nil || len(got) != 1 || got[0].ID != first.ID {
		t.Fatalf("find by added phone: %v %v", got, err)
	}
}

func TestConcurrentIdenticalCreatesMakeOneAccount(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const n = 20
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			a, _, err := s.CreateAccount(ctx, crm.Account{Name: "Racer", Phones: []crm.Phone{usPhone(t, "2223334444")}, Emails: []string{"racer@example.com"}})
			ids[i], errs[i] = a.ID, err
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("create %d got account %s, create 0 got %s", i, ids[i], ids[0])
		}
	}
	for _, c := range []crm.AccountCondition{
		{Field: crm.AccountByPhone, Value: "+12223334444"},
		{Field: crm.AccountByEmail, Value: "racer@example.com"},
	} {
		got, err := s.FindAccounts(ctx, c, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Errorf("%v: got %d accounts, want 1", c, len(got))
		}
	}
}

func TestFindAccountsByEveryField(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	uk := crm.Phone{Raw: "+44 20 7946 0958", E164: "+442079460958"}
	a, _, err := s.CreateAccount(ctx, crm.Account{Name: "Eve M", Phones: []crm.Phone{uk}, Emails: []string{"eve@example.co.uk"},
		CustomUserIDs: []string{"eve-1"}, Custom: map[string]string{"tier": "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []crm.AccountCondition{
		{Field: crm.AccountByID, Value: a.ID},
		{Field: crm.AccountByPhone, Value: "+442079460958"},
		{Field: crm.AccountByPhoneTail, Value: "2079460958"},
		{Field: crm.AccountByPhoneTail, Value: "7946095" + "8"},
		{Field: crm.AccountByEmail, Value: "eve@example.co.uk"},
		{Field: crm.AccountByCustomUserID, Value: "eve-1"},
		{Field: crm.AccountByName, Value: "Eve M"},
		{Field: crm.AccountByCustom, Key: "tier", Value: "gold"},
	} {
		got, err := s.FindAccounts(ctx, c, 10)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("%v: got %v, want account %s", c, got, a.ID)
		}
	}
	for _, c := range []crm.AccountCondition{
		{Field: crm.AccountByID, Value: "nope"},
		{Field: crm.AccountByID, Value: "a/b"},
		{Field: crm.AccountByPhone, Value: "+12223334444"},
		{Field: crm.AccountByPhoneTail, Value: "9999999"},
		{Field: crm.AccountByCustom, Key: "tier", Value: "silver"},
	} {
		got, err := s.FindAccounts(ctx, c, 10)
		if err != nil || len(got) != 0 {
			t.Errorf("%v: got %v %v, want nothing", c, got, err)
		}
	}
	if _, err := s.GetAccount(ctx, "missing"); crm.ErrorCode(err) != crm.NotFound {
		t.Errorf("GetAccount(missing): got %v, want NotFound", err)
	}
}

func TestRecordsAreIdempotentPerSession(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	acc, _, err := s.CreateAccount(ctx, crm.Account{Emails: []string{"r@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateRecord(ctx, crm.Record{AccountID: "no-such-account", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "9"}}}); crm.ErrorCode(err) != crm.Invalid {
		t.Fatalf("record of a missing account: got %v, want Invalid", err)
	}
	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: "Call", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1418"}}})
			if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
			ids[i] = r.ID
		})
	}
	wg.Wait()
	for i := range n {
		if ids[i] != ids[0] {
			t.Fatalf("create %d got record %s, create 0 got %s", i, ids[i], ids[0])
		}
	}
	got, err := s.FindRecords(ctx, crm.RecordFilter{SessionKey: "call:1418"}, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("find by session: %v %v, want one record", got, err)
	}
	// An update in between is not undone by a late retry of the create.
	if _, err := s.UpdateRecord(ctx, ids[0], crm.RecordPatch{Subject: "Refund", Status: "Closed", Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "77"}}}); err != nil {
		t.Fatal(err)
	}
	r, created, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: "Call", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1418"}}})
	if err != nil || created || r.Subject != "Refund" || r.Status != "closed" {
		t.Fatalf("late retry: got %+v created=%v err=%v", r, created, err)
	}
	// The session added by the update now names the record too.
	r2, created, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "77"}}})
	if err != nil || created || r2.ID != ids[0] {
		t.Fatalf("create for the updated session: got %s created=%v err=%v, want %s", r2.ID, created, err, ids[0])
	}
}

func TestFindRecordsByAccount(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	acc, _, err := s.CreateAccount(ctx, crm.Account{Emails: []string{"f@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		r, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: fmt.Sprint(i), Sessions: []crm.Session{{Kind: crm.SessionCall, ID: fmt.Sprint(100 + i)}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if _, err := s.UpdateRecord(ctx, ids[2], crm.RecordPatch{Status: "resolved"}); err != nil {
		t.Fatal(err)
	}
	open, err := s.FindRecords(ctx, crm.RecordFilter{AccountID: acc.ID, OpenOnly: true}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 || open[0].ID != ids[1] || open[1].ID != ids[0] {
		t.Errorf("open records: got %v, want [%s %s]", recordIDs(open), ids[1], ids[0])
	}
	all, err := s.AccountRecords(ctx, acc.ID)
	if err != nil || len(all) != 3 || all[0].ID != ids[2] || all[0].Status != "resolved" || all[0].Subject != "2" || all[0].UpdatedAt.IsZero() {
		t.Errorf("AccountRecords: got %+v %v, want 3 with %s first, resolved", all, err, ids[2])
	}
	if _, err := s.UpdateRecord(ctx, "missing", crm.RecordPatch{Subject: "x"}); crm.ErrorCode(err) != crm.NotFound {
		t.Errorf("update missing: got %v, want NotFound", err)
	}
}

func recordIDs(rs []crm.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestCommentsAreStoredOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	acc, _, _ := s.CreateAccount(ctx, crm.Account{Emails: []string{"c@example.com"}})
	rec, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID})
	if err != nil {
		t.Fatal(err)
	}
	c := crm.Comment{Body: "Call started", SessionKey: "call:1"}
	first, created, err := s.AddComment(ctx, rec.ID, c)
	if err != nil || !created {
		t.Fatalf("first comment: %v %v", created, err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			again, created, err := s.AddComment(ctx, rec.ID, c)
			if err != nil || created || again.ID != first.ID {
				t.Errorf("repeat: got %s created=%v err=%v", again.ID, created, err)
			}
		})
	}
	wg.Wait()
	// Another session, same words: a second comment.
	if _, created, err := s.AddComment(ctx, rec.ID, crm.Comment{Body: "Call started", SessionKey: "call:2"}); err != nil || !created {
		t.Fatalf("other session: %v %v", created, err)
	}
	// Two users writing the same words on the agent pages: two comments,
	// each with its author.
	for _, author := range []string{"ann@example.com", "bob@example.com", "ann@example.com"} {
		if _, _, err := s.AddComment(ctx, rec.ID, crm.Comment{Body: "Called back", Author: author}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Comments(ctx, rec.ID)
	if err != nil || len(got) != 4 {
		t.Fatalf("got %d comments (%v), want 4", len(got), err)
	}
	if got[2].Author != "ann@example.com" || got[3].Author != "bob@example.com" || got[0].Author != "" {
		t.Errorf("authors: %q %q %q, want none, ann, bob", got[0].Author, got[2].Author, got[3].Author)
	}
	if _, _, err := s.AddComment(ctx, "missing", c); crm.ErrorCode(err) != crm.NotFound {
		t.Errorf("comment on a missing record: got %v, want NotFound", err)
	}
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	testenv.FirestoreHost(t)
	t.Setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1") // nothing listens there
	s, err := gcpfirestore.Open(context.Background(), testenv.Project(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, _, err = s.CreateAccount(ctx, crm.Account{Emails: []string{"x@example.com"}})
	if crm.ErrorCode(err) != crm.Unavailable {
		t.Fatalf("got %v, want Unavailable (a 400 that CCAI Platform retries)", err)
	}
}

// A session belongs to one record: an update or a create that would give
// a record a session another record holds is refused (Conflict, naming
// the holder) and stores nothing.
func TestSessionBelongsToOneRecord(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	acc, _, err := s.CreateAccount(ctx, crm.Account{Emails: []string{"owner@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	callX := crm.Session{Kind: crm.SessionCall, ID: "1418"}
	callY := crm.Session{Kind: crm.SessionCall, ID: "2000"}
	a, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: "A", Sessions: []crm.Session{callX}})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: "B", Sessions: []crm.Session{callY}})
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func(want crm.Record) {
		t.Helper()
		got, err := s.GetRecord(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != want.Subject || !got.UpdatedAt.Equal(want.UpdatedAt) || len(got.Sessions) != len(want.Sessions) || got.Sessions[0].Key() != want.Sessions[0].Key() {
			t.Errorf("record %s changed: got %+v, want %+v", want.ID, got, want)
		}
	}
	for _, tc := range []struct {
		name string
		try  func() error
	}{
		{"update adding a held session", func() error {
			_, err := s.UpdateRecord(ctx, b.ID, crm.RecordPatch{Subject: "B changed", Sessions: []crm.Session{callX}})
			return err
		}},
		{"update adding a free and a held session", func() error {
			_, err := s.UpdateRecord(ctx, b.ID, crm.RecordPatch{Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "5"}, callX}})
			return err
		}},
		{"create with sessions of two records", func() error {
			_, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: "C", Sessions: []crm.Session{callY, callX}})
			return err
		}},
	} {
		err := tc.try()
		if crm.ErrorCode(err) != crm.Conflict || !strings.Contains(crm.ErrorMessage(err), a.ID) {
			t.Errorf("%s: got %v, want Conflict naming record %s", tc.name, err, a.ID)
		}
		unchanged(a)
		unchanged(b)
	}
	// The free session of the refused update was not claimed either.
	if r, created, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "5"}}}); err != nil || !created {
		t.Errorf("chat 5 after the refused update: got %s created=%v err=%v, want a new record", r.ID, created, err)
	}
	got, err := s.FindRecords(ctx, crm.RecordFilter{SessionKey: callX.Key()}, 10)
	if err != nil || len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("records of call 1418: got %v %v, want only %s", recordIDs(got), err, a.ID)
	}
	// Its own session again, or a repeated create, is no conflict.
	if _, err := s.UpdateRecord(ctx, a.ID, crm.RecordPatch{Sessions: []crm.Session{callX}}); err != nil {
		t.Errorf("update with its own session: %v", err)
	}
	if r, created, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{callX}}); err != nil || created || r.ID != a.ID {
		t.Errorf("create again: got %s created=%v err=%v, want %s", r.ID, created, err, a.ID)
	}
}

package agentpop_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

const base = "https://pages.example.run.app"

func newService(t *testing.T) (*agentpop.Service, *gcpfirestore.Store) {
	t.Helper()
	s := gcpfirestore.New(testenv.Firestore(t))
	checker, err := agentpop.NewChecker(base, "http://127.0.0.1:8080/pages")
	if err != nil {
		t.Fatal(err)
	}
	return &agentpop.Service{Accounts: s, Records: s, Pops: s, Journal: s.Journal(), Region: "US", CRM: checker, RecordURL: recordURL}, s
}

func recordURL(id string) string { return base + "/records/" + id }

func mustAccount(t *testing.T, s *gcpfirestore.Store, a crm.Account) crm.Account {
	t.Helper()
	acc, _, err := s.CreateAccount(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func mustRecord(t *testing.T, s *gcpfirestore.Store, r crm.Record) crm.Record {
	t.Helper()
	rec, _, err := s.CreateRecord(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func phoneOf(e164 string) crm.Phone { return crm.Phone{Raw: e164, E164: e164} }

func TestParsePop(t *testing.T) {
	p, err := agentpop.ParsePop(url.Values{"ani": {" +14155550134 "}, "channel": {"voice_call"}, "type": {"IVR_Call"}, "menu_path": {"Orders/Order info"}})
	if err != nil || p.ANI != "+14155550134" || p.Channel != "voice_call" || p.Type != "IVR_Call" || p.MenuPath != "Orders/Order info" || p.Email != "" {
		t.Errorf("ParsePop = %+v, %v", p, err)
	}
	// the unencoded "+" of the template: a space once decoded
	q, _ := url.ParseQuery("ani=+447911123456&email=bob+tag@example.com&channel=voice_call")
	if p, err := agentpop.ParsePop(q); err != nil || p.ANI != "+447911123456" || p.Email != "bob+tag@example.com" {
		t.Errorf("ParsePop(%v) = %+v, %v", q, p, err)
	}
	q, _ = url.ParseQuery("account_id=&phone=+447911123456")
	if p, err := agentpop.ParseOpen(q); err != nil || p.Phone != "+447911123456" {
		t.Errorf("ParseOpen(%v) = %+v, %v", q, p, err)
	}
	for name, q := range map[string]url.Values{
		"nothing":   {},
		"empty ani": {"ani": {""}, "channel": {"chat"}},
		"too long":  {"ani": {strings.Repeat("1", agentpop.MaxParam+1)}},
		"long menu": {"cuid": {"u1"}, "menu_path": {strings.Repeat("x", agentpop.MaxParam+1)}},
	} {
		if _, err := agentpop.ParsePop(q); crm.ErrorCode(err) != crm.Invalid {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
}

// One match, several (most recently updated first, with records), none
// (a draft account with what the URL carried).
func TestLookup(t *testing.T) {
	ctx := context.Background()
	svc, s := newService(t)
	ann := mustAccount(t, s, crm.Account{Name: "Ann", Phones: []crm.Phone{phoneOf("+14155550134")}})
	rec := mustRecord(t, s, crm.Record{AccountID: ann.ID, Subject: "Order 12"})
	bob := mustAccount(t, s, crm.Account{Name: "Bob", Emails: []string{"bob@example.com"}, CustomUserIDs: []string{"u-bob"}})

	one, err := svc.Lookup(ctx, agentpop.PopParams{ANI: "(415) 555-0134", Channel: "voice_call"})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Matches) != 1 || one.Matches[0].Account.ID != ann.ID || len(one.Matches[0].Records) != 1 || one.Matches[0].Records[0].ID != rec.ID {
		t.Errorf("by ani: %+v", one.Matches)
	}
	several, err := svc.Lookup(ctx, agentpop.PopParams{ANI: "+14155550134", Email: "BOB@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(several.Matches) != 2 || several.Matches[0].Account.ID != bob.ID || several.Matches[1].Account.ID != ann.ID {
		t.Errorf("by ani or email: %+v (want Bob, then Ann)", several.Matches)
	}
	byCUID, err := svc.Lookup(ctx, agentpop.PopParams{CUID: "u-bob"})
	if err != nil || len(byCUID.Matches) != 1 || byCUID.Matches[0].Account.ID != bob.ID {
		t.Errorf("by cuid: %+v %v", byCUID.Matches, err)
	}
	none, err := svc.Lookup(ctx, agentpop.PopParams{ANI: "4155550199", Email: "Carol@Example.com", CUID: "u-carol"})
	if err != nil {
		t.Fatal(err)
	}
	if len(none.Matches) != 0 {
		t.Errorf("none: %+v", none.Matches)
	}
	d := none.Draft
	if len(d.Phones) != 1 || d.Phones[0].E164 != "+14155550199" || len(d.Emails) != 1 || d.Emails[0] != "carol@example.com" ||
		len(d.CustomUserIDs) != 1 || d.CustomUserIDs[0] != "u-carol" || d.ID != "" || none.Params.ANI != "4155550199" {
		t.Errorf("draft: %+v", d)
	}
	if _, err := svc.Lookup(ctx, agentpop.PopParams{Email: "not an address"}); crm.ErrorCode(err) != crm.Invalid {
		t.Errorf("bad email: %v, want Invalid", err)
	}
}

func TestParseOpen(t *testing.T) {
	if p, err := agentpop.ParseOpen(url.Values{"account_id": {"a1"}}); err != nil || p.AccountID != "a1" || p.Phone != "" {
		t.Errorf("account only: %+v %v", p, err)
	}
	for name, q := range map[string]url.Values{
		"nothing":  {"account_id": {""}, "phone": {" "}},
		"too long": {"phone": {strings.Repeat("1", agentpop.MaxParam+1)}},
	} {
		if _, err := agentpop.ParseOpen(q); crm.ErrorCode(err) != crm.Invalid {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
}

// Found by id, else by phone; not found: a temporary account with the
// phone number and a record, made once.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	svc, s := newService(t)
	ann := mustAccount(t, s, crm.Account{Name: "Ann", Phones: []crm.Phone{phoneOf("+14155550134")}})
	rec := mustRecord(t, s, crm.Record{AccountID: ann.ID, Subject: "Order 12"})

	got, err := svc.Open(ctx, agentpop.OpenParams{AccountID: ann.ID, Phone: "+19999999999"})
	if err != nil || got.Account.ID != ann.ID || got.Temporary || got.Record != nil || len(got.Records) != 1 || got.Records[0].ID != rec.ID {
		t.Errorf("by id: %+v %v", got, err)
	}
	got, err = svc.Open(ctx, agentpop.OpenParams{AccountID: "unknown", Phone: "415-555-0134"})
	if err != nil || got.Account.ID != ann.ID || got.Temporary {
		t.Errorf("by phone: %+v %v", got, err)
	}
	first, err := svc.Open(ctx, agentpop.OpenParams{AccountID: "ccaip-77", Phone: "4155550199"})
	if err != nil {
		t.Fatal(err)
	}
	if !first.Temporary || !first.Created || first.Record == nil || first.Record.AccountID != first.Account.ID ||
		first.Account.Custom[agentpop.PopAccountIDField] != "ccaip-77" || len(first.Account.Phones) != 1 || first.Account.Phones[0].E164 != "+14155550199" {
		t.Fatalf("not found: %+v", first)
	}
	again, err := svc.Open(ctx, agentpop.OpenParams{AccountID: "ccaip-77", Phone: "4155550199"})
	if err != nil || again.Account.ID != first.Account.ID {
		t.Fatalf("again: %+v %v", again, err)
	}
	// the temporary account holds the number now: found by phone
	if !again.Temporary || again.Created || len(again.Records) != 1 || again.Record == nil || again.Record.ID != first.Record.ID {
		t.Errorf("again: %+v", again)
	}
	// no phone, or none that is a number: the pop key alone keeps it one
	for _, p := range []agentpop.OpenParams{{AccountID: "a/b", Phone: "anonymous"}, {Phone: "anonymous"}} {
		o1, err1 := svc.Open(ctx, p)
		o2, err2 := svc.Open(ctx, p)
		if err1 != nil || err2 != nil || !o1.Created || o2.Created || o1.Account.ID != o2.Account.ID || o2.Record == nil || o1.Record.ID != o2.Record.ID {
			t.Errorf("%+v twice: %+v %v / %+v %v", p, o1, err1, o2, err2)
		}
	}
	noPhone1, err := svc.Open(ctx, agentpop.OpenParams{AccountID: "ccaip-88"})
	if err != nil {
		t.Fatal(err)
	}
	noPhone2, err := svc.Open(ctx, agentpop.OpenParams{AccountID: "ccaip-88"})
	if err != nil || noPhone2.Account.ID != noPhone1.Account.ID || noPhone2.Record.ID != noPhone1.Record.ID || noPhone2.Created {
		t.Errorf("no phone, twice: %+v / %+v %v", noPhone1, noPhone2, err)
	}
}

// Eight simultaneous openings of a pop whose contact is not found make one
// temporary account and one record.
func TestOpenConcurrently(t *testing.T) {
	ctx := context.Background()
	svc, s := newService(t)
	for _, p := range []agentpop.OpenParams{{AccountID: "ccaip-9", Phone: "+1 415 555 0111"}, {AccountID: "ccaip-10"}} {
		got := make([]agentpop.Opened, 8)
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() { got[i], errs[i] = svc.Open(ctx, p) })
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil {
				t.Fatalf("%+v opening %d: %v", p, i, errs[i])
			}
			if got[i].Account.ID != got[0].Account.ID || got[i].Record == nil || got[i].Record.ID != got[0].Record.ID {
				t.Errorf("%+v opening %d: %+v, want account %s", p, i, got[i], got[0].Account.ID)
			}
		}
		recs, err := s.AccountRecords(ctx, got[0].Account.ID)
		if err != nil || len(recs) != 1 {
			t.Errorf("%+v: %d records, want 1 (%v)", p, len(recs), err)
		}
	}
	found, err := s.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByName, Value: "Temporary account"}, 10)
	if err != nil || len(found) != 2 {
		t.Errorf("%d temporary accounts, want 2 (%v)", len(found), err)
	}
}

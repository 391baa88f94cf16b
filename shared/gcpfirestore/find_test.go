package gcpfirestore_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore/apiv1/firestorepb"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/lookup"
	"example.com/crm/shared/query"
)

// matches is how many records or accounts each search of the finds tests
// matches: more than any page or limit of the store, so that an answer
// taken from the first documents Firestore returns would be wrong.
const matches = 150

var findT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func minutes(m int) time.Time { return findT0.Add(time.Duration(m) * time.Minute) }

// Every record search finds the record it must, whatever the number of
// matches: the winner is written first, under the id that Firestore lists
// last, and 149 other matching records are written after it.
func TestRecordFindsReadEveryMatch(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	gcpfirestore.SetScanPage(t, 64) // the matches span pages
	call := func(id string) []crm.Session { return []crm.Session{{Kind: crm.SessionCall, ID: id}} }
	tests := []struct {
		name   string
		search string
		winner crm.Record
		other  func(i int) crm.Record // updated after the winner
	}{
		{"custom field: the open record before newer closed ones", "(tier:equals:gold-1)",
			crm.Record{AccountID: "acc-1", Status: "open", Custom: map[string]string{"tier": "gold-1"}},
			func(int) crm.Record {
				return crm.Record{AccountID: "acc-1", Status: "closed", Custom: map[string]string{"tier": "gold-1"}}
			}},
		{"session and account (records written before a session belonged to one record)", "(call_id:equals:71) and (account_id:equals:acc-2a)",
			crm.Record{AccountID: "acc-2a", Status: "open", Sessions: call("71")},
			func(int) crm.Record { return crm.Record{AccountID: "acc-2b", Status: "open", Sessions: call("71")} }},
		{"session, open only", "(call_id:equals:72) and (status:equals:open)",
			crm.Record{AccountID: "acc-3", Status: "open", Sessions: call("72")},
			func(int) crm.Record { return crm.Record{AccountID: "acc-3", Status: "closed", Sessions: call("72")} }},
		{"account, closed only", "(account_id:equals:acc-4) and (status:equals:closed)",
			crm.Record{AccountID: "acc-4", Status: "resolved"},
			func(int) crm.Record { return crm.Record{AccountID: "acc-4", Status: "open"} }},
		{"account, any status: the open record before newer closed ones", "(account_id:equals:acc-5) and (status:equals:any)",
			crm.Record{AccountID: "acc-5", Status: "open"},
			func(int) crm.Record { return crm.Record{AccountID: "acc-5", Status: "closed"} }},
		{"account and custom field", "(account_id:equals:acc-6) and (tier:equals:gold-6)",
			crm.Record{AccountID: "acc-6", Status: "open", Custom: map[string]string{"tier": "gold-6"}},
			func(int) crm.Record {
				return crm.Record{AccountID: "acc-6", Status: "open", Custom: map[string]string{"tier": "silver"}}
			}},
		{"account, a literal status", "(account_id:equals:acc-7) and (status:equals:pending)",
			crm.Record{AccountID: "acc-7", Status: "pending"},
			func(int) crm.Record { return crm.Record{AccountID: "acc-7", Status: "open"} }},
		{"account, open by default", "(account_id:equals:acc-8)",
			crm.Record{AccountID: "acc-8", Status: "open"},
			func(int) crm.Record { return crm.Record{AccountID: "acc-8", Status: "closed"} }},
	}
	for n, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := make([]crm.Record, 0, matches)
			w := tt.winner
			w.ID, w.CreatedAt, w.UpdatedAt = fmt.Sprintf("zz-%d-winner", n), minutes(0), minutes(0)
			rs = append(rs, w)
			for i := 1; i < matches; i++ {
				r := tt.other(i)
				r.ID, r.CreatedAt, r.UpdatedAt = fmt.Sprintf("r%d-%03d", n, i), minutes(i), minutes(i)
				rs = append(rs, r)
			}
			if err := s.PutRecords(ctx, rs...); err != nil {
				t.Fatal(err)
			}
			e, err := query.Parse(tt.search)
			if err != nil {
				t.Fatal(err)
			}
			found, err := lookup.Records(ctx, s, e)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := lookup.BestRecord(found); got.ID != w.ID {
				t.Errorf("%s: got record %q (of %d found), want %q", tt.search, got.ID, len(found), w.ID)
			}
		})
	}
}

// Every account search finds the most recently updated match, whatever
// the number of matches: it is written first, under the id that Firestore
// lists last.
func TestAccountFindsReadEveryMatch(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	gcpfirestore.SetScanPage(t, 64) // the matches span pages
	tests := []struct {
		name    string
		search  string
		account crm.Account // every match
	}{
		{"name", "(name:equals:Twin Name)", crm.Account{Name: "Twin Name"}},
		{"phone pattern", "(phone:equals:*303*555*0101)", crm.Account{Phones: []crm.Phone{{Raw: "+13035550101", E164: "+13035550101"}}}},
		{"custom field", "(tier:equals:platinum)", crm.Account{Custom: map[string]string{"tier": "platinum"}}},
	}
	for n, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := make([]crm.Account, 0, matches)
			w := tt.account
			w.ID, w.CreatedAt, w.UpdatedAt = fmt.Sprintf("zz-%d-winner", n), minutes(0), minutes(matches)
			as = append(as, w)
			for i := 1; i < matches; i++ {
				a := tt.account
				a.ID, a.CreatedAt, a.UpdatedAt = fmt.Sprintf("a%d-%03d", n, i), minutes(i), minutes(i)
				as = append(as, a)
			}
			if err := s.PutAccounts(ctx, as...); err != nil {
				t.Fatal(err)
			}
			e, err := query.Parse(tt.search)
			if err != nil {
				t.Fatal(err)
			}
			found, err := lookup.Accounts(ctx, s, e, "US")
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := lookup.MostRecent(found); got.ID != w.ID {
				t.Errorf("%s: got account %q (of %d found), want %q", tt.search, got.ID, len(found), w.ID)
			}
		})
	}
}

// A find of exact identities (an E.164 phone number, an email, a custom
// user id) reads their identity keys in one batch, never a query; a
// search pattern is one query, sent alongside.
func TestExactIdentitiesAreOneBatchedRead(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	rpcs := map[string]int{}
	s := wireStore(t, func(m any) {
		mu.Lock()
		defer mu.Unlock()
		switch m.(type) {
		case *firestorepb.RunQueryRequest:
			rpcs["query"]++
		case *firestorepb.BatchGetDocumentsRequest:
			rpcs["batch get"]++
		case *firestorepb.GetDocumentRequest:
			rpcs["get"]++
		}
	})
	known, _, err := s.CreateAccount(ctx, crm.Account{Phones: []crm.Phone{usPhone(t, "+12025550111")}, Emails: []string{"known@example.com"}, CustomUserIDs: []string{"known-1"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		search string
		want   string // account id, "" for none
		rpcs   map[string]int
	}{
		{"known by phone", "(phone:equals:+12025550111) or (email:equals:nobody@example.com) or (custom_user_id:equals:nobody)", known.ID,
			map[string]int{"batch get": 2}}, // the keys, then their holder
		{"known by email", "(phone:equals:+1 202 555 0199) or (email:equals:Known@Example.com) or (custom_user_id:equals:nobody)", known.ID,
			map[string]int{"batch get": 2}},
		{"known by custom user id", "(email:equals:nobody@example.com) or (custom_user_id:equals:known-1)", known.ID,
			map[string]int{"batch get": 2}},
		{"unknown caller", "(phone:equals:+12025550199) or (email:equals:nobody@example.com) or (custom_user_id:equals:nobody)", "",
			map[string]int{"batch get": 1}},
		{"unknown caller, phone as a search pattern", "(phone:equals:*202*555*0199) or (email:equals:nobody@example.com) or (custom_user_id:equals:nobody)", "",
			map[string]int{"batch get": 1, "query": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := query.Parse(tt.search)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			clear(rpcs)
			mu.Unlock()
			found, err := lookup.Accounts(ctx, s, e, "US")
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := lookup.MostRecent(found); got.ID != tt.want {
				t.Errorf("got account %q, want %q", got.ID, tt.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if !maps.Equal(rpcs, tt.rpcs) {
				t.Errorf("requests to Firestore: got %v, want %v", rpcs, tt.rpcs)
			}
		})
	}
}

// An E.164 number finds the account holding it, else one holding the
// same number stored without a known country; never another country's
// number that ends with the same digits.
func TestE164FindsItsNumberOnly(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	uk, _, err := s.CreateAccount(ctx, crm.Account{Name: "UK", Phones: []crm.Phone{{Raw: "+44 303 555 0101", E164: "+443035550101"}}})
	if err != nil {
		t.Fatal(err)
	}
	// "020 7946 0958" sent to a US deployment: its country is unknown
	local, _, err := s.CreateAccount(ctx, crm.Account{Name: "Local", Phones: []crm.Phone{{Raw: "020 7946 0958", Digits: "2079460958"}}})
	if err != nil {
		t.Fatal(err)
	}
	for search, want := range map[string]string{
		"+44 303 555 0101":    uk.ID,
		"+1 303 555 0101":     "", // a US number, not the UK one
		"+44 20 7946 0958":    local.ID,
		"*303*555*0101":       uk.ID, // a pattern matches the trailing digits of any number
		"020 7946 0958":       local.ID,
		"+1 (202) 555-0000":   "",
		"+81 3 5555 0101":     "",
		"0044 303 555 0101":   uk.ID,
		"+44 (0)303 555 0101": uk.ID,
	} {
		found, err := lookup.Accounts(ctx, s, query.Term{Field: "phone", Op: "equals", Value: search}, "US")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := lookup.MostRecent(found); got.ID != want {
			t.Errorf("%s: got account %q, want %q", search, got.ID, want)
		}
	}
}

// Only a search by account is limited to open records by default: a
// record found by its sessions is found closed too, however the search
// nests them.
func TestNestedSessionSearchFindsClosedRecords(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	closed := crm.Record{ID: "closed-91", AccountID: "acc-9", Status: "closed", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "91"}}, UpdatedAt: findT0}
	if err := s.PutRecords(ctx, closed); err != nil {
		t.Fatal(err)
	}
	e, err := query.Parse("((call_id:equals:91) or (chat_id:equals:92)) and ((call_id:equals:91) or (call_id:equals:93))")
	if err != nil {
		t.Fatal(err)
	}
	found, err := lookup.Records(ctx, s, e)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := lookup.BestRecord(found); got.ID != closed.ID {
		t.Errorf("got %q, want %q", got.ID, closed.ID)
	}
}

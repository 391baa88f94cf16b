package findrecord_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/functions/findrecord"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/query"
)

// params sets kv pairs in order (the order of the parameters matters).
var params = ccai.NewParams

func TestTiers(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		// query.String of each tier, in order. Plain parameters give
		// terms on their canonical key (ccai.Canon): "call_id" is "callid".
		want []string
	}{
		{"account", []string{"account_id", "a1"}, []string{"(accountid:equals:a1)"}},
		{"account alias", []string{"contactId", "a1"}, []string{"(contactid:equals:a1)"}},
		{"call", []string{"call_id", "1418"}, []string{"(callid:equals:1418)"}},
		{"session before account, whatever the order",
			[]string{"account_id", "a1", "call_id", "1418"},
			[]string{"(callid:equals:1418)", "(accountid:equals:a1)"}},
		{"call and chat in one tier",
			[]string{"call_id", "1418", "chat_id", "77", "session_id", "s"},
			[]string{"(callid:equals:1418) or (chatid:equals:77) or (sessionid:equals:s)"}},
		{"id before session",
			[]string{"call_id", "1418", "record_id", "r1"},
			[]string{"(recordid:equals:r1)", "(callid:equals:1418)"}},
		{"expression first",
			[]string{"account_id", "a1", "id", "r1", "q", "(account_id:equals:a1) and (status:equals:open)"},
			[]string{"(account_id:equals:a1) and (status:equals:open)", "(id:equals:r1)", "(accountid:equals:a1)"}},
		{"status applies to every tier",
			[]string{"status", "closed", "account_id", "a1", "call_id", "9"},
			[]string{"(callid:equals:9) and (status:equals:closed)", "(accountid:equals:a1) and (status:equals:closed)"}},
		{"two sessions and status",
			[]string{"call_id", "1", "chat_id", "2", "state", "any"},
			[]string{"((callid:equals:1) or (chatid:equals:2)) and (state:equals:any)"}},
		{"other parameters ignored", []string{"lang", "en", "queue", "Sales", "account_id", "a1"}, []string{"(accountid:equals:a1)"}},
		{"first account only", []string{"account_id", "a1", "customer_id", "a2"}, []string{"(accountid:equals:a1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tiers, err := findrecord.Tiers(params(tt.params...))
			if err != nil {
				t.Fatalf("Tiers: got error %v, want %q", err, tt.want)
			}
			var got []string
			for _, e := range tiers {
				got = append(got, query.String(e))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Tiers:\ngot  %q\nwant %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("tier %d:\ngot  %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestTiersInvalid(t *testing.T) {
	tests := []struct {
		name   string
		params []string
	}{
		{"no criteria", nil},
		{"only other parameters", []string{"lang", "en"}},
		{"status alone", []string{"status", "open"}},
		{"empty ids", []string{"account_id", "", "call_id", " "}},
		{"malformed q", []string{"account_id", "a1", "q", "(account_id:equals:a1"}},
		{"malformed q: unknown operator", []string{"q", "(account_id:contains:a1) and (status:equals:open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tiers, err := findrecord.Tiers(params(tt.params...))
			if got := crm.ErrorCode(err); got != crm.Invalid {
				t.Errorf("Tiers: got (%v, %v), want an Invalid error", tiers, err)
			}
		})
	}
}

// orTerms returns n terms joined with "or", on fields named prefix0, prefix1, ...
func orTerms(prefix string, n int) string {
	terms := make([]string, n)
	for i := range terms {
		terms[i] = fmt.Sprintf("(%s%d:equals:x)", prefix, i)
	}
	return strings.Join(terms, " or ")
}

// Each term is a store query: the terms of all the tiers together are
// capped, not only those of one expression.
func TestTiersTermCap(t *testing.T) {
	half := query.MaxTerms / 2
	if _, err := findrecord.Tiers(params("q", orTerms("a", half), "criteria", orTerms("b", query.MaxTerms-half))); err != nil {
		t.Errorf("Tiers of %d terms: got error %v, want none", query.MaxTerms, err)
	}
	want := fmt.Sprintf("more than %d terms", query.MaxTerms)
	for name, p := range map[string]*ccai.Params{
		"one expression": params("q", orTerms("a", query.MaxTerms+1)),
		"two parameters": params("q", orTerms("a", half), "criteria", orTerms("b", query.MaxTerms-half+1)),
		"and a call id":  params("q", orTerms("a", half), "criteria", orTerms("b", query.MaxTerms-half), "call_id", "1418"),
		"and a status":   params("q", orTerms("a", half), "criteria", orTerms("b", query.MaxTerms-half), "status", "open"),
	} {
		t.Run(name, func(t *testing.T) {
			tiers, err := findrecord.Tiers(p)
			if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), want) {
				t.Errorf("Tiers: got (%v, %v), want an Invalid error naming %q", tiers, err, want)
			}
		})
	}
}

// Of two account ids, the first received is searched, whatever the
// request's form and every time (the parameters keep their order).
func TestTiersFirstAccountReceived(t *testing.T) {
	for _, tt := range []struct{ name, target, contentType, body, want string }{
		{"query a1 first", "/records/search?account_id=a1&customer_id=a2", "", "", "(accountid:equals:a1)"},
		{"query a2 first", "/records/search?customer_id=a2&account_id=a1", "", "", "(customerid:equals:a2)"},
		{"JSON a1 first", "/records/search", "application/json", `{"account_id":"a1","contact_id":"a2"}`, "(accountid:equals:a1)"},
		{"JSON a2 first", "/records/search", "application/json", `{"contact_id":"a2","account_id":"a1"}`, "(contactid:equals:a2)"},
		{"form a2 first", "/records/search", "application/x-www-form-urlencoded", "contact_id=a2&account_id=a1", "(contactid:equals:a2)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for range 100 {
				var body io.Reader
				if tt.body != "" {
					body = strings.NewReader(tt.body)
				}
				r := httptest.NewRequest("POST", tt.target, body)
				if tt.contentType != "" {
					r.Header.Set("Content-Type", tt.contentType)
				}
				p, err := ccai.DecodeParams(r, ccai.DefaultMaxBody)
				if err != nil {
					t.Fatal(err)
				}
				tiers, err := findrecord.Tiers(&p)
				if err != nil {
					t.Fatal(err)
				}
				if len(tiers) != 1 || query.String(tiers[0]) != tt.want {
					t.Fatalf("Tiers: got %v, want [%s]", tiers, tt.want)
				}
			}
		})
	}
}

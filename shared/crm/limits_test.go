package crm_test

import (
	"fmt"
	"strings"
	"testing"

	"example.com/crm/shared/crm"
)

// limitCase is one stored field: set puts a value into an entity, whose
// Validate error must name field.
type limitCase struct {
	field string
	limit int
	set   func(v string) interface{ Validate() error }
}

func limitCases() []limitCase {
	account := func(f func(a *crm.Account, v string)) func(string) interface{ Validate() error } {
		return func(v string) interface{ Validate() error } {
			a := crm.Account{Name: "n"}
			f(&a, v)
			return a
		}
	}
	record := func(f func(r *crm.Record, v string)) func(string) interface{ Validate() error } {
		return func(v string) interface{ Validate() error } {
			r := crm.Record{AccountID: "a1"}
			f(&r, v)
			return r
		}
	}
	patch := func(f func(p *crm.RecordPatch, v string)) func(string) interface{ Validate() error } {
		return func(v string) interface{ Validate() error } {
			var p crm.RecordPatch
			f(&p, v)
			return p
		}
	}
	comment := func(f func(c *crm.Comment, v string)) func(string) interface{ Validate() error } {
		return func(v string) interface{ Validate() error } {
			c := crm.Comment{Body: "b"}
			f(&c, v)
			return c
		}
	}
	return []limitCase{
		{"name", crm.MaxName, account(func(a *crm.Account, v string) { a.Name = v })},
		{"first_name", crm.MaxName, account(func(a *crm.Account, v string) { a.FirstName = v })},
		{"last_name", crm.MaxName, account(func(a *crm.Account, v string) { a.LastName = v })},
		{"phone", crm.MaxPhone, account(func(a *crm.Account, v string) { a.Phones = []crm.Phone{{Raw: "+12223334444"}, {Raw: v}} })},
		{"email", crm.MaxEmail, account(func(a *crm.Account, v string) { a.Emails = []string{"a@b.co", v} })},
		{"custom_user_id", crm.MaxCustomUserID, account(func(a *crm.Account, v string) { a.CustomUserIDs = []string{v} })},
		{"custom field \"lang\"", crm.MaxCustomValue, account(func(a *crm.Account, v string) { a.Custom = map[string]string{"lang": v} })},
		{"custom field name", crm.MaxCustomKey, account(func(a *crm.Account, v string) { a.Custom = map[string]string{v: "x"} })},

		{"subject", crm.MaxSubject, record(func(r *crm.Record, v string) { r.Subject = v })},
		{"description", crm.MaxDescription, record(func(r *crm.Record, v string) { r.Description = v })},
		{"status", crm.MaxStatus, record(func(r *crm.Record, v string) { r.Status = v })},
		{"call_id", crm.MaxSessionID, record(func(r *crm.Record, v string) { r.Sessions = []crm.Session{{Kind: crm.SessionCall, ID: v}} })},
		{"chat_id", crm.MaxSessionID, record(func(r *crm.Record, v string) { r.Sessions = []crm.Session{{Kind: crm.SessionChat, ID: v}} })},
		{"session_id", crm.MaxSessionID, record(func(r *crm.Record, v string) { r.Sessions = []crm.Session{{Kind: crm.SessionAny, ID: v}} })},
		{"custom field \"queue\"", crm.MaxCustomValue, record(func(r *crm.Record, v string) { r.Custom = map[string]string{"queue": v} })},
		{"custom field name", crm.MaxCustomKey, record(func(r *crm.Record, v string) { r.Custom = map[string]string{v: "x"} })},

		{"subject", crm.MaxSubject, patch(func(p *crm.RecordPatch, v string) { p.Subject = v })},
		{"description", crm.MaxDescription, patch(func(p *crm.RecordPatch, v string) { p.Description = v })},
		{"status", crm.MaxStatus, patch(func(p *crm.RecordPatch, v string) { p.Status = v })},
		{"call_id", crm.MaxSessionID, patch(func(p *crm.RecordPatch, v string) { p.Sessions = []crm.Session{{Kind: crm.SessionCall, ID: v}} })},
		{"custom field \"queue\"", crm.MaxCustomValue, patch(func(p *crm.RecordPatch, v string) { p.Custom = map[string]string{"queue": v} })},
		{"custom field name", crm.MaxCustomKey, patch(func(p *crm.RecordPatch, v string) { p.Custom = map[string]string{v: "x"} })},

		{"comment", crm.MaxCommentBody, comment(func(c *crm.Comment, v string) { c.Body = v })},
		{"call_id", crm.MaxSessionID, comment(func(c *crm.Comment, v string) { c.SessionKey = crm.Session{Kind: crm.SessionCall, ID: v}.Key() })},
	}
}

// Every stored field takes a value up to its limit and refuses one byte
// more, or a value that is not UTF-8, with an Invalid error naming it.
func TestValidateLimits(t *testing.T) {
	for _, tc := range limitCases() {
		name := fmt.Sprintf("%T/%s", tc.set("x"), tc.field)
		t.Run(name, func(t *testing.T) {
			// "é" is two bytes: limits count bytes of UTF-8.
			at := strings.Repeat("é", tc.limit/2) + strings.Repeat("x", tc.limit%2)
			if err := tc.set(at).Validate(); err != nil {
				t.Errorf("value of %d bytes (the limit): got error %v, want none", len(at), err)
			}
			for what, v := range map[string]string{
				"over the limit": at + "x",
				"not UTF-8":      "ab\xffc",
			} {
				err := tc.set(v).Validate()
				if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), tc.field) {
					t.Errorf("%s: got error %v, want an Invalid one naming %s", what, err, tc.field)
				}
			}
			if want := fmt.Sprint(tc.limit); !strings.Contains(crm.ErrorMessage(tc.set(at+"x").Validate()), want) {
				t.Errorf("over the limit: message %q does not give the limit %s", crm.ErrorMessage(tc.set(at+"x").Validate()), want)
			}
		})
	}
}

// Lists are bounded too: custom fields, an account's phones, emails and
// custom user ids, a record's sessions.
func TestValidateCounts(t *testing.T) {
	custom := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("k%d", i)] = "v"
		}
		return m
	}
	strs := func(n int, f string) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf(f, i))
		}
		return out
	}
	phones := func(n int) []crm.Phone {
		var out []crm.Phone
		for _, s := range strs(n, "+1222333%04d") {
			out = append(out, crm.Phone{Raw: s, E164: s})
		}
		return out
	}
	sessions := func(n int) []crm.Session {
		var out []crm.Session
		for _, s := range strs(n, "%d") {
			out = append(out, crm.Session{Kind: crm.SessionCall, ID: s})
		}
		return out
	}
	tests := []struct {
		what  string // named by the error
		limit int
		make  func(n int) interface{ Validate() error }
	}{
		{"custom fields", crm.MaxCustomFields, func(n int) interface{ Validate() error } { return crm.Account{Custom: custom(n)} }},
		{"custom fields", crm.MaxCustomFields, func(n int) interface{ Validate() error } { return crm.Record{Custom: custom(n)} }},
		{"custom fields", crm.MaxCustomFields, func(n int) interface{ Validate() error } { return crm.RecordPatch{Custom: custom(n)} }},
		{"phone numbers", crm.MaxIdentities, func(n int) interface{ Validate() error } { return crm.Account{Phones: phones(n)} }},
		{"emails", crm.MaxIdentities, func(n int) interface{ Validate() error } { return crm.Account{Emails: strs(n, "a%d@b.co")} }},
		{"custom user ids", crm.MaxIdentities, func(n int) interface{ Validate() error } { return crm.Account{CustomUserIDs: strs(n, "u%d")} }},
		{"sessions", crm.MaxSessions, func(n int) interface{ Validate() error } { return crm.Record{Sessions: sessions(n)} }},
		{"sessions", crm.MaxSessions, func(n int) interface{ Validate() error } { return crm.RecordPatch{Sessions: sessions(n)} }},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T/%s", tt.make(0), tt.what), func(t *testing.T) {
			if err := tt.make(tt.limit).Validate(); err != nil {
				t.Errorf("%d %s (the limit): got error %v, want none", tt.limit, tt.what, err)
			}
			err := tt.make(tt.limit + 1).Validate()
			if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), tt.what) || !strings.Contains(crm.ErrorMessage(err), fmt.Sprint(tt.limit)) {
				t.Errorf("%d %s: got error %v, want an Invalid one naming %s and %d", tt.limit+1, tt.what, err, tt.what, tt.limit)
			}
		})
	}
}

// An error message never repeats a huge value: it names the field.
func TestValidateMessageShort(t *testing.T) {
	err := crm.Account{Custom: map[string]string{strings.Repeat("k", 10000): "v"}}.Validate()
	if n := len(crm.ErrorMessage(err)); err == nil || n > 300 {
		t.Errorf("got a message of %d bytes (%v), want an error of at most 300", n, err)
	}
}

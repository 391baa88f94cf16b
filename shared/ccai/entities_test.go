package ccai_test

import (
	"reflect"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// paramsFrom sets kv pairs in order.
func paramsFrom(kv ...string) *ccai.Params {
	var p ccai.Params
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	return &p
}

func TestAccountFromParams(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		want   crm.Account
	}{
		{
			name:   "all fields",
			params: []string{"name", "James Bond", "first_name", "James", "last_name", "Bond", "phone", "+1 222 333 4444", "email", "James.Bond@MI6.gov.uk", "custom_user_id", "cu-7"},
			want: crm.Account{Name: "James Bond", FirstName: "James", LastName: "Bond",
				Phones: []crm.Phone{{Raw: "+1 222 333 4444", E164: "+12223334444"}}, Emails: []string{"james.bond@mi6.gov.uk"}, CustomUserIDs: []string{"cu-7"}},
		},
		{
			name:   "last name -- dropped",
			params: []string{"name", "James --", "first_name", "James", "last_name", "--", "phone", "+12223334444"},
			want:   crm.Account{Name: "James", FirstName: "James", Phones: []crm.Phone{{Raw: "+12223334444", E164: "+12223334444"}}},
		},
		{
			name:   "name of only -- dropped",
			params: []string{"name", "--", "last_name", "--", "email", "a@b.co"},
			want:   crm.Account{Emails: []string{"a@b.co"}},
		},
		{
			name:   "several phones, all formats, deduped",
			params: []string{"phone", "+1 222 333 4444", "mobile", "(222) 333-4444", "telephone", "+44 20 7946 0958", "ani", "*222*333*4444"},
			want: crm.Account{Phones: []crm.Phone{
				{Raw: "+1 222 333 4444", E164: "+12223334444"},
				{Raw: "+44 20 7946 0958", E164: "+442079460958"},
			}},
		},
		{
			name:   "junk phone kept raw without E164",
			params: []string{"phone", "anonymous", "first_name", "Ann"},
			want:   crm.Account{FirstName: "Ann", Phones: []crm.Phone{{Raw: "anonymous"}}},
		},
		{
			name:   "junk phone alone names the caller",
			params: []string{"phone", "12"},
			want:   crm.Account{Phones: []crm.Phone{{Raw: "12"}}},
		},
		{
			name:   "unknown keys into Custom lower-cased, id never custom",
			params: []string{"email", "a@b.co", "UJET_ID", "u-1", "Lang", "en", "id", "client-chosen", "Id", "other"},
			want:   crm.Account{Emails: []string{"a@b.co"}, Custom: map[string]string{"ujet_id": "u-1", "lang": "en"}},
		},
		{
			name:   "aliases",
			params: []string{"full_name", "M", "given_name", "Eve", "surname", "Moneypenny", "e_mail", "m@x.io", "cuid", "c1"},
			want:   crm.Account{Name: "M", FirstName: "Eve", LastName: "Moneypenny", Emails: []string{"m@x.io"}, CustomUserIDs: []string{"c1"}},
		},
		{
			name:   "two emails deduped",
			params: []string{"email", "A@b.co", "mail", "a@B.CO"},
			want:   crm.Account{Emails: []string{"a@b.co"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ccai.AccountFromParams(paramsFrom(tt.params...), "US")
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAccountFromParamsInvalid(t *testing.T) {
	tests := []struct {
		name   string
		params []string
	}{
		{"invalid email", []string{"name", "x", "email", "not-an-address"}},
		{"email with display name", []string{"name", "x", "email", "James <j@b.co>"}},
		{"two at signs", []string{"name", "x", "email", "a@b@c.co"}},
		{"nobody named", []string{"lang", "en", "ujet_id", "u1"}},
		{"only -- names", []string{"name", "--", "last_name", "--"}},
		{"nothing", nil},
		{"value too long", []string{"name", strings.Repeat("x", 64<<10+1)}},
		{"value not UTF-8", []string{"name", "James \xff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ccai.AccountFromParams(paramsFrom(tt.params...), "US")
			if got := crm.ErrorCode(err); got != crm.Invalid {
				t.Errorf("error code: got %q (%v), want %q", got, err, crm.Invalid)
			}
		})
	}
}

func TestPhoneOf(t *testing.T) {
	tests := []struct {
		raw, region string
		want        crm.Phone
	}{
		{"+1 222 333 4444", "US", crm.Phone{Raw: "+1 222 333 4444", E164: "+12223334444"}},
		{"2223334444", "US", crm.Phone{Raw: "2223334444", E164: "+12223334444"}},
		{"*222*333*4444", "US", crm.Phone{Raw: "2223334444", E164: "+12223334444"}},
		{"020 7946 0958", "GB", crm.Phone{Raw: "020 7946 0958", E164: "+442079460958"}},
		{"call me", "US", crm.Phone{Raw: "call me"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			if got := ccai.PhoneOf(tt.raw, tt.region); got != tt.want {
				t.Errorf("PhoneOf(%q, %q): got %+v, want %+v", tt.raw, tt.region, got, tt.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{" James.Bond@MI6.gov.uk ", "james.bond@mi6.gov.uk", true},
		{"a+tag@b.co", "a+tag@b.co", true},
		{"", "", false},
		{"no-at", "", false},
		{"<a@b.co>", "", false},
		{"a@b.co, c@d.co", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ccai.NormalizeEmail(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("NormalizeEmail(%q): got %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && crm.ErrorCode(err) != crm.Invalid {
				t.Errorf("error code: got %q, want %q", crm.ErrorCode(err), crm.Invalid)
			}
		})
	}
}

func TestRecordPatchFromParams(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		want   crm.RecordPatch
	}{
		{
			name:   "fields, sessions and custom",
			params: []string{"subject", "Order 7", "description", "Where is it?", "status", "Open", "call_id", "1418", "chat_id", "77", "session_id", "s9", "queue", "Sales", "Agent_Email", "a@x.io"},
			want: crm.RecordPatch{Subject: "Order 7", Description: "Where is it?", Status: "Open",
				Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1418"}, {Kind: crm.SessionChat, ID: "77"}, {Kind: crm.SessionAny, ID: "s9"}},
				Custom:   map[string]string{"queue": "Sales", "agent_email": "a@x.io"}},
		},
		{
			name:   "aliases",
			params: []string{"ticket_subject", "S", "ticket_description", "D", "state", "closed", "callId", "1"},
			want:   crm.RecordPatch{Subject: "S", Description: "D", Status: "closed", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}}},
		},
		{
			name:   "HTML description when there is no plain one",
			params: []string{"ticket_description_html", "<p>D</p>"},
			want:   crm.RecordPatch{Description: "<p>D</p>"},
		},
		{
			name:   "plain description wins over HTML, HTML not custom",
			params: []string{"description_html", "<p>H</p>", "description", "P"},
			want:   crm.RecordPatch{Description: "P"},
		},
		{
			name:   "ids never custom",
			params: []string{"id", "r1", "record_id", "r1", "ticket_id", "r1", "rating", "5"},
			want:   crm.RecordPatch{Custom: map[string]string{"rating": "5"}},
		},
		{
			name:   "empty",
			params: nil,
			want:   crm.RecordPatch{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ccai.RecordPatchFromParams(paramsFrom(tt.params...))
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRecordPatchFromParamsInvalid(t *testing.T) {
	_, err := ccai.RecordPatchFromParams(paramsFrom("description", strings.Repeat("x", crm.MaxDescription+1)))
	if got := crm.ErrorCode(err); got != crm.Invalid {
		t.Errorf("64 KiB + 1 description: got code %q, want %q", got, crm.Invalid)
	}
	_, err = ccai.RecordPatchFromParams(paramsFrom("description", strings.Repeat("x", crm.MaxDescription)))
	if err != nil {
		t.Errorf("64 KiB description: got %v, want no error", err)
	}
}

func TestSessionsFromParams(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		want   []crm.Session
	}{
		{"call", []string{"call_id", "1418"}, []crm.Session{{Kind: crm.SessionCall, ID: "1418"}}},
		{"chat with alias spelling", []string{"Chat_ID", "77"}, []crm.Session{{Kind: crm.SessionChat, ID: "77"}}},
		{"all three, call first", []string{"session_id", "s", "chat_id", "c", "call_id", "k"},
			[]crm.Session{{Kind: crm.SessionCall, ID: "k"}, {Kind: crm.SessionChat, ID: "c"}, {Kind: crm.SessionAny, ID: "s"}}},
		{"email session", []string{"Email_ID", "1418"}, []crm.Session{{Kind: crm.SessionEmail, ID: "1418"}}},
		{"every kind, call first", []string{"email_id", "e", "session_id", "s", "chat_id", "c", "call_id", "k"},
			[]crm.Session{{Kind: crm.SessionCall, ID: "k"}, {Kind: crm.SessionChat, ID: "c"}, {Kind: crm.SessionEmail, ID: "e"}, {Kind: crm.SessionAny, ID: "s"}}},
		{"empty ids are none", []string{"call_id", "", "chat_id", " ", "email_id", ""}, nil},
		{"none", []string{"subject", "x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ccai.SessionsFromParams(paramsFrom(tt.params...)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIs(t *testing.T) {
	tests := []struct {
		field   string
		aliases [][]string
		want    bool
	}{
		{"contactId", [][]string{ccai.AccountIDFields}, true},
		{"Call_ID", [][]string{ccai.CallIDFields}, true},
		{"PhoneNumber", [][]string{ccai.EmailFields, ccai.PhoneFields}, true},
		{"phones", [][]string{ccai.PhoneFields}, false},
		{"record", [][]string{ccai.AccountIDFields}, false},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			if got := ccai.Is(tt.field, tt.aliases...); got != tt.want {
				t.Errorf("Is(%q): got %v, want %v", tt.field, got, tt.want)
			}
		})
	}
}

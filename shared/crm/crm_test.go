package crm_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"example.com/crm/shared/crm"
)

func TestAccountKeys(t *testing.T) {
	tests := []struct {
		name string
		a    crm.Account
		want []string
	}{
		{"none", crm.Account{Name: "James"}, nil},
		{"phones with E.164 only", crm.Account{Phones: []crm.Phone{{Raw: "+1 222 333 4444", E164: "+12223334444"}, {Raw: "anonymous"}}},
			[]string{"phone:+12223334444"}},
		{"all kinds in order", crm.Account{
			CustomUserIDs: []string{"c1"}, Emails: []string{"a@b.co"},
			Phones: []crm.Phone{{E164: "+12223334444"}, {E164: "+442079460958"}}},
			[]string{"phone:+12223334444", "phone:+442079460958", "email:a@b.co", "cuid:c1"}},
		{"deduped", crm.Account{
			Phones: []crm.Phone{{Raw: "+1 222 333 4444", E164: "+12223334444"}, {Raw: "2223334444", E164: "+12223334444"}},
			Emails: []string{"a@b.co", "a@b.co"}},
			[]string{"phone:+12223334444", "email:a@b.co"}},
		{"same value, different kinds", crm.Account{Emails: []string{"x"}, CustomUserIDs: []string{"x"}},
			[]string{"email:x", "cuid:x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Keys(); !slices.Equal(got, tt.want) {
				t.Errorf("Keys: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAccountKeysDoesNotAlias(t *testing.T) {
	a := crm.Account{Emails: []string{"a@b.co", "a@b.co", "c@d.co"}}
	_ = a.Keys()
	if want := []string{"a@b.co", "a@b.co", "c@d.co"}; !slices.Equal(a.Emails, want) {
		t.Errorf("Keys changed Emails: got %q, want %q", a.Emails, want)
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct {
		a    crm.Account
		want string
	}{
		{crm.Account{Name: "007", FirstName: "James", LastName: "Bond"}, "007"},
		{crm.Account{FirstName: "James", LastName: "Bond"}, "James Bond"},
		{crm.Account{FirstName: "James"}, "James"},
		{crm.Account{LastName: "Bond"}, "Bond"},
		{crm.Account{}, ""},
	}
	for _, tt := range tests {
		if got := tt.a.DisplayName(); got != tt.want {
			t.Errorf("DisplayName(%+v): got %q, want %q", tt.a, got, tt.want)
		}
	}
}

func TestAccountMerge(t *testing.T) {
	tests := []struct {
		name        string
		a, b        crm.Account
		want        crm.Account
		wantChanged bool
	}{
		{
			name: "adds what a lacks",
			a:    crm.Account{ID: "a1", Name: "James Bond", Phones: []crm.Phone{{Raw: "+1 222 333 4444", E164: "+12223334444"}}},
			b: crm.Account{ID: "other", Name: "Someone Else", FirstName: "James",
				Phones: []crm.Phone{{Raw: "2223334444", E164: "+12223334444"}, {Raw: "+442079460958", E164: "+442079460958"}},
				Emails: []string{"a@b.co"}, CustomUserIDs: []string{"c1"}, Custom: map[string]string{"lang": "en"}},
			want: crm.Account{ID: "a1", Name: "James Bond", FirstName: "James",
				Phones: []crm.Phone{{Raw: "+1 222 333 4444", E164: "+12223334444"}, {Raw: "+442079460958", E164: "+442079460958"}},
				Emails: []string{"a@b.co"}, CustomUserIDs: []string{"c1"}, Custom: map[string]string{"lang": "en"}},
			wantChanged: true,
		},
		{
			name:        "never overwrites",
			a:           crm.Account{Name: "A", FirstName: "F", LastName: "L", Custom: map[string]string{"lang": "en"}},
			b:           crm.Account{Name: "B", FirstName: "G", LastName: "M", Custom: map[string]string{"lang": "fr"}},
			want:        crm.Account{Name: "A", FirstName: "F", LastName: "L", Custom: map[string]string{"lang": "en"}},
			wantChanged: false,
		},
		{
			name:        "same again changes nothing",
			a:           crm.Account{Emails: []string{"a@b.co"}, CustomUserIDs: []string{"c1"}, Phones: []crm.Phone{{Raw: "x"}}},
			b:           crm.Account{Emails: []string{"a@b.co"}, CustomUserIDs: []string{"c1"}, Phones: []crm.Phone{{Raw: "x"}}},
			want:        crm.Account{Emails: []string{"a@b.co"}, CustomUserIDs: []string{"c1"}, Phones: []crm.Phone{{Raw: "x"}}},
			wantChanged: false,
		},
		{
			name:        "raw phones compared raw",
			a:           crm.Account{Phones: []crm.Phone{{Raw: "anonymous"}}},
			b:           crm.Account{Phones: []crm.Phone{{Raw: "restricted"}}},
			want:        crm.Account{Phones: []crm.Phone{{Raw: "anonymous"}, {Raw: "restricted"}}},
			wantChanged: true,
		},
		{
			name:        "raw phone never equals a parsed one",
			a:           crm.Account{Phones: []crm.Phone{{Raw: "+12223334444", E164: "+12223334444"}}},
			b:           crm.Account{Phones: []crm.Phone{{Raw: "+12223334444"}}},
			want:        crm.Account{Phones: []crm.Phone{{Raw: "+12223334444", E164: "+12223334444"}, {Raw: "+12223334444"}}},
			wantChanged: true,
		},
		{
			name:        "empty b",
			a:           crm.Account{Name: "A"},
			b:           crm.Account{},
			want:        crm.Account{Name: "A"},
			wantChanged: false,
		},
		{
			name:        "into empty a (dedupes b)",
			a:           crm.Account{},
			b:           crm.Account{Emails: []string{"a@b.co", "a@b.co"}, CustomUserIDs: []string{"c", "c"}},
			want:        crm.Account{Emails: []string{"a@b.co"}, CustomUserIDs: []string{"c"}},
			wantChanged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.a
			changed := a.Merge(tt.b)
			if changed != tt.wantChanged {
				t.Errorf("Merge changed: got %v, want %v", changed, tt.wantChanged)
			}
			if !reflect.DeepEqual(a, tt.want) {
				t.Errorf("after Merge:\ngot  %+v\nwant %+v", a, tt.want)
			}
			if again := a.Merge(tt.b); again {
				t.Errorf("second Merge of the same account: got changed=true, want false")
			}
		})
	}
}

func TestRecordApply(t *testing.T) {
	base := func() crm.Record {
		return crm.Record{ID: "r1", AccountID: "a1", Subject: "S", Description: "D", Status: "open",
			Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}}, Custom: map[string]string{"queue": "Sales"}}
	}
	tests := []struct {
		name        string
		patch       crm.RecordPatch
		want        crm.Record
		wantChanged bool
	}{
		{"empty patch changes nothing", crm.RecordPatch{}, base(), false},
		{"empty custom value changes nothing", crm.RecordPatch{Custom: map[string]string{"queue": ""}}, base(), false},
		{"same values change nothing", crm.RecordPatch{Subject: "S", Status: "OPEN", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}},
			Custom: map[string]string{"queue": "Sales"}}, base(), false},
		{"fields", crm.RecordPatch{Subject: "S2", Description: "D2", Status: "Closed"},
			func() crm.Record { r := base(); r.Subject, r.Description, r.Status = "S2", "D2", "closed"; return r }(), true},
		{"new session appended, same kind other id", crm.RecordPatch{Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "2"}, {Kind: crm.SessionChat, ID: "1"}}},
			func() crm.Record {
				r := base()
				r.Sessions = append(r.Sessions, crm.Session{Kind: crm.SessionCall, ID: "2"}, crm.Session{Kind: crm.SessionChat, ID: "1"})
				return r
			}(), true},
		{"custom set and overwritten", crm.RecordPatch{Custom: map[string]string{"queue": "Support", "rating": "5"}},
			func() crm.Record {
				r := base()
				r.Custom = map[string]string{"queue": "Support", "rating": "5"}
				return r
			}(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			if got := r.Apply(tt.patch); got != tt.wantChanged {
				t.Errorf("Apply changed: got %v, want %v", got, tt.wantChanged)
			}
			if !reflect.DeepEqual(r, tt.want) {
				t.Errorf("after Apply:\ngot  %+v\nwant %+v", r, tt.want)
			}
			if again := r.Apply(tt.patch); again {
				t.Errorf("second Apply: got changed=true, want false")
			}
		})
	}
}

func TestRecordApplyNilCustom(t *testing.T) {
	var r crm.Record
	if !r.Apply(crm.RecordPatch{Custom: map[string]string{"k": "v"}}) {
		t.Fatal("Apply: got changed=false, want true")
	}
	if got := r.Custom["k"]; got != "v" {
		t.Errorf("Custom[k]: got %q, want %q", got, "v")
	}
}

func TestIsClosedStatus(t *testing.T) {
	tests := []struct {
		status string
		closed bool
	}{
		{"closed", true}, {" Closed ", true}, {"RESOLVED", true}, {"solved", true}, {"done", true},
		{"completed", true}, {"canceled", true}, {"cancelled", true}, {"finished", true},
		{"open", false}, {"", false}, {"pending", false}, {"new", false}, {"in progress", false},
		{"not closed", false}, {"closed-ish", false},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			if got := crm.IsClosedStatus(tt.status); got != tt.closed {
				t.Errorf("IsClosedStatus(%q): got %v, want %v", tt.status, got, tt.closed)
			}
			if got := (crm.Record{Status: tt.status}).Open(); got == tt.closed {
				t.Errorf("Record{Status: %q}.Open(): got %v, want %v", tt.status, got, !tt.closed)
			}
		})
	}
}

func TestRecordKeysAndHasSession(t *testing.T) {
	r := crm.Record{Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}, {Kind: crm.SessionChat, ID: "1"}, {Kind: crm.SessionCall, ID: "1"}}}
	if got, want := r.Keys(), []string{"call:1", "chat:1"}; !slices.Equal(got, want) {
		t.Errorf("Keys: got %q, want %q", got, want)
	}
	for key, want := range map[string]bool{"call:1": true, "chat:1": true, "session:1": false, "call:2": false} {
		if got := r.HasSession(key); got != want {
			t.Errorf("HasSession(%q): got %v, want %v", key, got, want)
		}
	}
}

func TestCommentID(t *testing.T) {
	id := crm.CommentID("r1", "call:1", "hello", "")
	if len(id) != 24 {
		t.Errorf("CommentID length: got %d (%q), want 24 hex digits", len(id), id)
	}
	if again := crm.CommentID("r1", "call:1", "hello", ""); again != id {
		t.Errorf("CommentID not stable: got %q then %q", id, again)
	}
	// Pinned: a stored comment's id must not change between versions.
	if want := "35e3dd3d89a8779251c9dca3"; id != want {
		t.Errorf("CommentID: got %q, want %q", id, want)
	}
	others := []struct{ record, session, body, author string }{
		{"r2", "call:1", "hello", ""},
		{"r1", "call:2", "hello", ""},
		{"r1", "", "hello", ""},
		{"r1", "call:1", "hello ", ""},
		{"r1", "call:1", "Hello", ""},
		// the separator keeps the parts apart
		{"r1call:1", "", "hello", ""},
		{"r1", "call:1hello", "", ""},
		{"r1", "call:", "1hello", ""},
		// two users writing the same words
		{"r1", "call:1", "hello", "ann@example.com"},
		{"r1", "call:1", "hello", "bob@example.com"},
	}
	seen := map[string]string{id: "r1|call:1|hello|"}
	for _, o := range others {
		got := crm.CommentID(o.record, o.session, o.body, o.author)
		name := fmt.Sprintf("%s|%s|%s|%s", o.record, o.session, o.body, o.author)
		if prev, dup := seen[got]; dup {
			t.Errorf("CommentID(%s) = CommentID(%s) = %q, want different ids", name, prev, got)
		}
		seen[got] = name
	}
}

func TestLooksLikeHTML(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{"<p>Hello</p>", true},
		{"Hello<br>world", true},
		{"Hello<br/>world", true},
		{"Hello<br />world", true},
		{"<B>bold</B>", true},
		{`<a href="https://x.io">link</a>`, true},
		{"<h1>Title", true},
		{"</div>", true},
		{"Tom &amp; Jerry", true},
		{"5 &lt; 6", true},
		{"non&nbsp;breaking", true},
		{"&#169; 2024", true},
		{"plain text", false},
		{"", false},
		{"5 < 6 and 7 > 3", false},
		{"I <3 you", false},
		{"x<y", false},
		{"AT&T rocks", false},
		{"Tom & Jerry", false},
		{"James Bond <james@mi6.gov.uk>", false},
		{"<<>>", false},
		{"&copy without semicolon", false},
		{"call <+1 222 333 4444>", false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			if got := crm.LooksLikeHTML(tt.body); got != tt.want {
				t.Errorf("LooksLikeHTML(%q): got %v, want %v", tt.body, got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cause := errors.New("rpc error: code = Unavailable")
	e := &crm.Error{Code: crm.Unavailable, Message: "store unavailable", Err: cause}
	wrapped := fmt.Errorf("get account a1: %w", e)
	tests := []struct {
		name     string
		err      error
		wantCode crm.Code
		wantMsg  string
	}{
		{"nil", nil, "", "internal error"},
		{"crm error", crm.Errorf(crm.NotFound, "account %s not found", "a1"), crm.NotFound, "account a1 not found"},
		{"wrapped", wrapped, crm.Unavailable, "store unavailable"},
		{"plain", errors.New("boom"), crm.Internal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := crm.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode: got %q, want %q", got, tt.wantCode)
			}
			if tt.err == nil {
				return
			}
			if got := crm.ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage: got %q, want %q", got, tt.wantMsg)
			}
		})
	}
	if !errors.Is(wrapped, cause) {
		t.Errorf("errors.Is(wrapped, cause): got false, want true")
	}
	if got, want := e.Error(), "unavailable: store unavailable: rpc error: code = Unavailable"; got != want {
		t.Errorf("Error(): got %q, want %q", got, want)
	}
}

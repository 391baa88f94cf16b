package ccai_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// jsonOf renders v as an endpoint answers it (ccai.WriteJSON).
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	rec := httptest.NewRecorder()
	ccai.WriteJSON(rec, 200, v)
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("WriteJSON wrote invalid JSON %q", rec.Body)
	}
	return strings.TrimSuffix(rec.Body.String(), "\n")
}

func TestAccountJSON(t *testing.T) {
	ts := time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		a    crm.Account
		want string
	}{
		{
			name: "empty lists are arrays, not null",
			a:    crm.Account{ID: "a1", Name: "X"},
			want: `{"id":"a1","name":"X","first_name":"","last_name":"","phones":[],"emails":[],"created_at":"","updated_at":""}`,
		},
		{
			name: "phones in E.164, raw ones apart, first of each list",
			a: crm.Account{ID: "a1", FirstName: "James", LastName: "Bond",
				Phones:        []crm.Phone{{Raw: "anonymous"}, {Raw: "+1 222 333 4444", E164: "+12223334444"}, {Raw: "020", E164: "+442079460958"}},
				Emails:        []string{"a@b.co", "c@d.co"},
				CustomUserIDs: []string{"u1"}, Custom: map[string]string{"lang": "en"},
				CreatedAt: ts, UpdatedAt: ts.Add(time.Second)},
			want: `{"id":"a1","name":"James Bond","first_name":"James","last_name":"Bond","phone":"+12223334444",` +
				`"phones":["+12223334444","+442079460958"],"phones_raw":["anonymous"],"email":"a@b.co","emails":["a@b.co","c@d.co"],` +
				`"custom_user_id":"u1","custom_user_ids":["u1"],"custom":{"lang":"en"},` +
				`"created_at":"2025-03-01T11:00:00Z","updated_at":"2025-03-01T11:00:01Z"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jsonOf(t, ccai.Account(tt.a)); got != tt.want {
				t.Errorf("Account JSON:\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRecordJSON(t *testing.T) {
	ts := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		r    crm.Record
		want string
	}{
		{
			name: "empty sessions are an array",
			r:    crm.Record{ID: "r1", AccountID: "a1", Status: "open"},
			want: `{"id":"r1","account_id":"a1","subject":"","description":"","status":"open","open":true,"sessions":[],"created_at":"","updated_at":""}`,
		},
		{
			name: "closed with sessions",
			r: crm.Record{ID: "r1", AccountID: "a1", Subject: "S", Status: "resolved",
				Sessions:  []crm.Session{{Kind: crm.SessionCall, ID: "1418", Status: "finished", MetadataUpdatedAt: ts}, {Kind: crm.SessionChat, ID: "7"}},
				UpdatedAt: ts},
			want: `{"id":"r1","account_id":"a1","subject":"S","description":"","status":"resolved","open":false,` +
				`"sessions":[{"kind":"call","id":"1418","status":"finished","metadata_updated_at":"2025-03-01T12:00:00Z"},{"kind":"chat","id":"7"}],` +
				`"created_at":"","updated_at":"2025-03-01T12:00:00Z"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jsonOf(t, ccai.Record(tt.r)); got != tt.want {
				t.Errorf("Record JSON:\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCommentJSON(t *testing.T) {
	c := crm.Comment{ID: "c1", Body: "<p>x</p>", HTML: true, SessionKey: "call:1"}
	want := `{"id":"c1","record_id":"r1","body":"<p>x</p>","html":true,"session":"call:1","created_at":""}`
	if got := jsonOf(t, ccai.Comment("r1", c)); got != want {
		t.Errorf("Comment JSON:\ngot  %s\nwant %s", got, want)
	}
	c.Author = "ann@example.com" // written on the agent pages
	want = `{"id":"c1","record_id":"r1","body":"<p>x</p>","html":true,"session":"call:1","author":"ann@example.com","created_at":""}`
	if got := jsonOf(t, ccai.Comment("r1", c)); got != want {
		t.Errorf("Comment JSON with an author:\ngot  %s\nwant %s", got, want)
	}
}

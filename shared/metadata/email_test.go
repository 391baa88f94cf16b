package metadata_test

import (
	"testing"

	"example.com/crm/shared/metadata"
	"example.com/crm/shared/testenv"
)

// An email session is its own kind: told by email_type or a session type
// "Email ...", never taken for a call or a chat.
func TestParseEmailSession(t *testing.T) {
	for _, hint := range []string{"", "email"} {
		f, err := metadata.Parse(testenv.EmailSessionMetadata(t, "1418", ""), hint)
		if err != nil {
			t.Fatalf("hint %q: %v", hint, err)
		}
		s := f.Summary
		if s.Kind != "email" || s.ID != "1418" || s.Type != "Email Inbound" || s.Status != "finished" || !s.Ended {
			t.Errorf("hint %q: got kind %q id %q type %q status %q ended %v", hint, s.Kind, s.ID, s.Type, s.Status, s.Ended)
		}
		if s.DurationSeconds != 1522 || s.WaitSeconds != 209 || s.QueuePath != "billing_email" || s.EndUser.Email != "writer@example.com" || s.Agent.Name != "Jane Smith" {
			t.Errorf("hint %q: got %+v", hint, s)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{`{"id": 1, "email_type": "Email Inbound"}`, "email"},
		{`{"id": 1, "session_type": "email inbound"}`, "email"},
		{`{"id": 1, "session_type_v2": "Email Outbound"}`, "email"},
		{`{"id": 1, "email_duration": 12}`, "email"},
		{`{"id": 1, "email": "a@b.c", "chat_type": "Messaging Inbound (Web Chat)"}`, "chat"},
		{`{"id": 1, "email": "a@b.c"}`, ""},
	} {
		f, err := metadata.Parse([]byte(tt.in), "")
		if err != nil || f.Summary.Kind != tt.want {
			t.Errorf("Parse(%s): kind %q %v, want %q", tt.in, f.Summary.Kind, err, tt.want)
		}
	}
}

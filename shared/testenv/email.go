package testenv

import (
	_ "embed"
	"encoding/json"
	"testing"
)

// emailSession is a session metadata file of an email session. CCAI
// Platform documents no sample of one: this file follows the shape of the
// real chat fixture (chat-135.json) with the email channel's names
// (email_type, session_type "Email Inbound", email_duration).
//
//go:embed testdata/email-session.json
var emailSession []byte

// EmailSessionMetadata returns the metadata file of email session id,
// written by the end user from address (the fixture's own when "").
func EmailSessionMetadata(t testing.TB, id, address string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(emailSession, &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = json.Number(id)
	if address != "" {
		m["email"] = address
		m["end_user"].(map[string]any)["identifier"] = address
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

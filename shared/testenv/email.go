package testenv

import (
	"encoding/json"
	"testing"
)

// EmailSessionMetadata returns the metadata file of email session id,
// written by the end user from address (the fixture's own when ""), made
// from testdata/metadata/email-session.json.
func EmailSessionMetadata(t testing.TB, id, address string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(Fixture(t, "metadata/email-session.json"), &m); err != nil {
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

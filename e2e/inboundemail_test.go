package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/testenv"
)

// A session outcome email posted to the deployed InboundEmail function
// with the Generic API's key: the chat's record gets the metadata and the
// transcript with source email.
func TestInboundEmailEndpoint(t *testing.T) {
	p := newPlayer(t)
	key := p.Settings.Auth.CustomHeader[0]
	id := uniqueID(t)
	meta := regexp.MustCompile(`"id": 135,`).ReplaceAll(testenv.Fixture(t, "metadata/chat-135.json"), []byte(`"id": `+id+`,`))
	msg := "From: no-reply@ccaiplatform.com\r\nTo: crm@example.com\r\nSubject: Chat " + id + "\r\nMessage-ID: <" + id + "@ccaiplatform.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + string(meta) +
		"\r\n--b1\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=chat.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte("Agent: Hello\n")) + "\r\n--b1--\r\n"
	post := func(apiKey string) int {
		t.Helper()
		return postEmail(t, stack.URLs["InboundEmail"], key.Key, apiKey, msg)
	}
	if status := post(""); status != http.StatusUnauthorized {
		t.Errorf("without credentials: got %d, want 401", status)
	}
	if status := post(key.Value); status != http.StatusAccepted {
		t.Fatalf("got %d, want 202", status)
	}
	r := record(t, p, findChat(t, p, id))
	if len(r.Attachments) != 2 {
		t.Errorf("attachments %+v, want the transcript and the metadata file", r.Attachments)
	}
	for _, a := range r.Attachments {
		if a.Source != "email" {
			t.Errorf("attachment %+v, want source email", a)
		}
	}
	if len(r.Sessions) != 1 || r.Sessions[0].Summary == nil {
		t.Errorf("sessions %+v, want chat %s with its summary", r.Sessions, id)
	}
}

// The portal settings file names the address to type and the inbound
// URL with the path secret: an email posted there without any header is
// accepted.
func TestInboundEmailPathSecret(t *testing.T) {
	p := newPlayer(t)
	e := p.Settings.SessionOutcomeEmail
	if e == nil || !e.Enabled || e.Address != "outcome@crm.localhost" || !strings.HasPrefix(e.InboundURL, stack.URLs["InboundEmail"]+"/") {
		t.Fatalf("session_outcome_email %+v, want enabled with outcome@crm.localhost and the InboundEmail URL with its path secret", e)
	}
	id := uniqueID(t)
	meta := regexp.MustCompile(`"id": 135,`).ReplaceAll(testenv.Fixture(t, "metadata/chat-135.json"), []byte(`"id": `+id+`,`))
	msg := "From: no-reply@ccaiplatform.com\r\nTo: outcome@crm.localhost\r\nSubject: Chat " + id + "\r\nMessage-ID: <" + id + "@ccaiplatform.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + string(meta)
	if status := postEmail(t, e.InboundURL+"x", "", "", msg); status != http.StatusUnauthorized {
		t.Errorf("a wrong path secret: got %d, want 401", status)
	}
	if status := postEmail(t, e.InboundURL, "", "", msg); status != http.StatusAccepted {
		t.Fatalf("with the path secret: got %d, want 202", status)
	}
	if r := record(t, p, findChat(t, p, id)); len(r.Sessions) != 1 || r.Sessions[0].Summary == nil {
		t.Errorf("sessions %+v, want chat %s with its summary", r.Sessions, id)
	}
}

// postEmail posts a raw message to url, with header: value when value is
// not empty, and returns the status.
func postEmail(t *testing.T, url, header, value, msg string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(msg)))
	req.Header.Set("Content-Type", "message/rfc822")
	if value != "" {
		req.Header.Set(header, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	t.Logf("%d %s", resp.StatusCode, b)
	return resp.StatusCode
}

// findChat returns the id of the record of chat id.
func findChat(t *testing.T, p *ccaiplayer.Player, id string) string {
	t.Helper()
	key := p.Settings.Auth.CustomHeader[0]
	req, _ := http.NewRequest("GET", stack.URLs["FindRecordByQuery"]+"/records/search?chat_id="+id, nil)
	req.Header.Set(key.Key, key.Value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var found struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&found); err != nil || resp.StatusCode != 200 {
		t.Fatalf("find the record of chat %s: %d %v", id, resp.StatusCode, err)
	}
	return found.ID
}

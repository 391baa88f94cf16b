package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"

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
		req, _ := http.NewRequest("POST", stack.URLs["InboundEmail"], bytes.NewReader([]byte(msg)))
		req.Header.Set("Content-Type", "message/rfc822")
		if apiKey != "" {
			req.Header.Set(key.Key, apiKey)
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
	if status := post(""); status != http.StatusUnauthorized {
		t.Errorf("without credentials: got %d, want 401", status)
	}
	if status := post(key.Value); status != http.StatusAccepted {
		t.Fatalf("got %d, want 202", status)
	}
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
	r := record(t, p, found.ID)
	if len(r.Attachments) != 1 || r.Attachments[0].Source != "email" {
		t.Errorf("attachments %+v, want the transcript with source email", r.Attachments)
	}
	if len(r.Sessions) != 1 || r.Sessions[0].Summary == nil {
		t.Errorf("sessions %+v, want chat %s with its summary", r.Sessions, id)
	}
}

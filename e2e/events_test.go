package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"example.com/crm/shared/ccai"
)

// subscribe makes a pull subscription to the CRM's events topic on the
// Pub/Sub emulator and returns a function that pulls what arrived.
func subscribe(t *testing.T) func() []map[string]any {
	t.Helper()
	sub := fmt.Sprintf("http://%s/v1/projects/%s/subscriptions/e2e-%s", stack.PubSubHost, stack.Project, uniqueID(t))
	body := fmt.Sprintf(`{"topic":"projects/%s/topics/%s"}`, stack.Project, stack.EventsTopic)
	req, _ := http.NewRequest(http.MethodPut, sub, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("subscription: %v %v", err, resp)
	}
	resp.Body.Close()
	return func() []map[string]any {
		resp, err := http.Post(sub+":pull", "application/json", bytes.NewBufferString(`{"maxMessages":100,"returnImmediately":true}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			ReceivedMessages []struct {
				AckID   string `json:"ackId"`
				Message struct {
					Data       string            `json:"data"`
					Attributes map[string]string `json:"attributes"`
				} `json:"message"`
			} `json:"receivedMessages"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		var events []map[string]any
		var acks []string
		for _, m := range out.ReceivedMessages {
			b, _ := base64.StdEncoding.DecodeString(m.Message.Data)
			var e map[string]any
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("event is not JSON: %s", b)
			}
			if e["type"] != m.Message.Attributes["type"] {
				t.Errorf("attribute type %q, body type %v", m.Message.Attributes["type"], e["type"])
			}
			events = append(events, e)
			acks = append(acks, m.AckID)
		}
		if len(acks) > 0 {
			ab, _ := json.Marshal(map[string]any{"ackIds": acks})
			r, err := http.Post(sub+":acknowledge", "application/json", bytes.NewReader(ab))
			if err == nil {
				r.Body.Close()
			}
		}
		return events
	}
}

// A session's end is published once, however often its metadata
// arrives; every attachment added is published; messages carry ids, not
// contents.
func TestEvents(t *testing.T) {
	pull := subscribe(t)
	p := newPlayer(t)
	callID, phone := uniqueID(t), uniquePhone(t, "1")
	put(t, "ujet-voice-recordings/call-"+callID+".mp3", "audio/mpeg", []byte("ID3 audio "+callID))
	meta := metadataFile(t, callID, "finished", "2026-03-23T13:16:58.000-07:00", phone, "")
	put(t, "ujet-metadata/call-"+callID+".json", "application/json", meta)
	recordID := recordOfCall(t, p, callID)
	waitRecord(t, p, recordID, func(r ccai.RecordDetailJSON) bool { return len(r.Attachments) == 2 })
	put(t, "ujet-metadata/call-"+callID+".json", "application/json", meta) // the same version again
	time.Sleep(1500 * time.Millisecond)
	var ended, added int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && (ended < 1 || added < 1); time.Sleep(200 * time.Millisecond) {
		for _, e := range pull() {
			if e["record_id"] != recordID {
				continue
			}
			switch e["type"] {
			case "session.ended":
				ended++
				if e["session_id"] != callID || e["session_kind"] != "call" || e["status"] != "finished" {
					t.Errorf("session.ended: %v", e)
				}
			case "attachment.added":
				added++
				if e["attachment_id"] == "" || e["data"] != nil {
					t.Errorf("attachment.added: %v", e)
				}
			}
		}
	}
	time.Sleep(500 * time.Millisecond)
	for _, e := range pull() {
		if e["record_id"] == recordID && e["type"] == "session.ended" {
			ended++
		}
	}
	if ended != 1 {
		t.Errorf("session.ended published %d times, want once", ended)
	}
	if added < 1 {
		t.Errorf("attachment.added: got %d, want the recording's", added)
	}
}

package testenv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// Topic creates topic in project on the Pub/Sub emulator with a pull
// subscription, and returns a function that waits for that long, then
// returns (and acknowledges) the events that arrived: each message's JSON
// body. The emulator's REST API is used, so that the test reads what any
// subscriber would.
func Topic(t testing.TB, pubsubHost, project, topic string) func(wait time.Duration) []map[string]any {
	t.Helper()
	base := fmt.Sprintf("http://%s/v1/projects/%s", pubsubHost, project)
	do := func(method, url, body string) []byte {
		req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusConflict {
			t.Fatalf("pubsub emulator: %s %s: %d %s", method, url, resp.StatusCode, b.String())
		}
		return b.Bytes()
	}
	do(http.MethodPut, base+"/topics/"+topic, "{}")
	sub := base + "/subscriptions/" + topic + "-test"
	do(http.MethodPut, sub, fmt.Sprintf(`{"topic":"projects/%s/topics/%s"}`, project, topic))
	return func(wait time.Duration) []map[string]any {
		t.Helper()
		var events []map[string]any
		for deadline := time.Now().Add(wait); ; time.Sleep(100 * time.Millisecond) {
			var out struct {
				ReceivedMessages []struct {
					AckID   string `json:"ackId"`
					Message struct {
						Data string `json:"data"`
					} `json:"message"`
				} `json:"receivedMessages"`
			}
			if err := json.Unmarshal(do(http.MethodPost, sub+":pull", `{"maxMessages":100,"returnImmediately":true}`), &out); err != nil {
				t.Fatal(err)
			}
			var acks []string
			for _, m := range out.ReceivedMessages {
				b, _ := base64.StdEncoding.DecodeString(m.Message.Data)
				var e map[string]any
				if err := json.Unmarshal(b, &e); err != nil {
					t.Fatalf("event is not JSON: %s", b)
				}
				events = append(events, e)
				acks = append(acks, m.AckID)
			}
			if len(acks) > 0 {
				b, _ := json.Marshal(map[string]any{"ackIds": acks})
				do(http.MethodPost, sub+":acknowledge", string(b))
			}
			if time.Now().After(deadline) {
				return events
			}
		}
	}
}

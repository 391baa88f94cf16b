package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/outcome"
	"example.com/crm/shared/testenv"
)

// The CRM's own outcome emails, end to end: the settings put over HTTP,
// sessions reported by storage, email and record update, the local Cloud
// Tasks server delaying the send, OutcomeSend sending through mailpit.
// Each case has its own queue (and address), so that cases and the other
// tests' sessions do not mix.
func TestOutcomeEmails(t *testing.T) {
	p := newPlayer(t)
	key := p.Settings.Auth.CustomHeader[0]
	run := uniqueID(t)
	queue := func(name string) (menuID, address string) {
		return run + name, "team-" + name + "-" + run + "@example.com"
	}
	qFinished, toFinished := queue("1")
	qAbandoned, toAbandoned := queue("2")
	qDown, toDown := queue("3")
	qFailing, toFailing := queue("4")
	settings := map[string]any{"global": map[string]any{"enabled": false, "address": ""}, "queues": map[string]any{
		qFinished:  map[string]any{"enabled": true, "address": toFinished},
		qAbandoned: map[string]any{"enabled": true, "address": toAbandoned},
		qDown:      map[string]any{"enabled": true, "address": toDown},
		qFailing:   map[string]any{"enabled": true, "address": toFailing},
	}}
	body, _ := json.Marshal(settings)
	if status := apiJSON(t, http.MethodPut, stack.URLs["OutcomeSettings"], string(body)); status != http.StatusOK {
		t.Fatalf("PUT outcome settings: %d", status)
	}

	t.Run("finished session reported three times", func(t *testing.T) {
		id := uniqueID(t)
		ended := time.Now() // no later than the metadata's ends_at
		meta := chatMetadata(t, id, "finished", qFinished)
		transcript := []byte("Agent: Hello, how can I help?\nCustomer: Where is my order " + id + "?\n")
		// 1. External storage: the transcript and the metadata file.
		put(t, "ujet-chat-transcripts/chat-"+id+".txt", "text/plain", transcript)
		put(t, "ujet-metadata/chat-"+id+".json", "application/json", meta)
		recordID := waitChat(t, id)
		// 2. CCAI Platform's own outcome email, with the same metadata.
		msg := "From: no-reply@ccaiplatform.com\r\nTo: outcome@crm.localhost\r\nSubject: Chat " + id + "\r\nMessage-ID: <" + id + "@ccaiplatform.com>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + string(meta) +
			"\r\n--b1\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=chat.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString(transcript) + "\r\n--b1--\r\n"
		if status := postEmail(t, stack.URLs["InboundEmail"], key.Key, key.Value, msg); status != http.StatusAccepted {
			t.Fatalf("inbound email: %d", status)
		}
		// 3. The record update that says the chat finished.
		if status := updateRecord(t, recordID, `{"status": "finished", "chat_id": "`+id+`"}`); status != http.StatusOK {
			t.Fatalf("update record: %d", status)
		}

		got := waitMail(t, toFinished, 1, 30*time.Second)
		late := time.Since(ended)
		// The session ended (ends_at) just before it was reported: the
		// email waits for the delay after the end, never less.
		if late < localstack.DefaultOutcomeDelay {
			t.Errorf("email received %s after the session ended, before the delay %s", late, localstack.DefaultOutcomeDelay)
		}
		quiet(t, toFinished, 1)
		t.Logf("email received %s after the session ended (delay %s)", late.Round(10*time.Millisecond), localstack.DefaultOutcomeDelay)
		env, err := enmime.ReadEnvelope(bytes.NewReader(got[0]))
		if err != nil {
			t.Fatal(err)
		}
		if to := env.GetHeader("To"); !strings.Contains(to, toFinished) {
			t.Errorf("To %q, want %s", to, toFinished)
		}
		if s := env.GetHeader("Subject"); !strings.Contains(s, "chat "+id) || !strings.Contains(s, "queue E2E "+qFinished) {
			t.Errorf("Subject %q, want the chat and its queue", s)
		}
		if !strings.Contains(env.Text, "finished") || !strings.Contains(env.Text, recordID) {
			t.Errorf("body %q, want the session summary and the record", env.Text)
		}
		files := map[string][]byte{}
		for _, a := range env.Attachments {
			files[a.FileName] = a.Content
		}
		var sent, want any
		if err := json.Unmarshal(files["chat-"+id+".json"], &sent); err != nil {
			t.Errorf("metadata attachment: %v (attachments %v)", err, keys(files))
		}
		json.Unmarshal(meta, &want)
		if !jsonEqual(t, sent, want) {
			t.Errorf("metadata attachment differs from the session's metadata")
		}
		if !bytes.Equal(files["chat-"+id+".txt"], transcript) {
			t.Errorf("transcript attachment %q, want %q", files["chat-"+id+".txt"], transcript)
		}

		// A redelivered task (Cloud Tasks delivers at least once) sends
		// nothing new.
		task := outcome.Task{RecordID: recordID, Session: "chat:" + id}
		res, err := http.Post(stack.URLs["OutcomeSend"], "application/json", bytes.NewReader(task.Body()))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"already_sent"`) {
			t.Errorf("redelivered task: %d %s, want 200 already_sent", res.StatusCode, b)
		}
		quiet(t, toFinished, 1)
	})

	t.Run("abandoned session sends nothing", func(t *testing.T) {
		id := uniqueID(t)
		put(t, "ujet-metadata/chat-"+id+".json", "application/json", chatMetadata(t, id, "abandoned", qAbandoned))
		recordID := waitChat(t, id)
		if status := updateRecord(t, recordID, `{"status": "abandoned", "chat_id": "`+id+`"}`); status != http.StatusOK {
			t.Fatalf("update record: %d", status)
		}
		time.Sleep(localstack.DefaultOutcomeDelay + 2*time.Second)
		quiet(t, toAbandoned, 0)
	})

	t.Run("SMTP down then up", func(t *testing.T) {
		id := uniqueID(t)
		stack.StopMail()
		put(t, "ujet-metadata/chat-"+id+".json", "application/json", chatMetadata(t, id, "finished", qDown))
		waitChat(t, id)
		// The first attempt (at the delay) and a retry fail.
		time.Sleep(localstack.DefaultOutcomeDelay + localstack.DefaultOutcomeRetry + 500*time.Millisecond)
		if err := stack.StartMail(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitMail(t, toDown, 1, 30*time.Second)
		quiet(t, toDown, 1)
		st := sendState(t, "chat:"+id, toDown)
		if st.State != outcome.StateSent || st.Attempts < 2 || st.LastError == "" {
			t.Errorf("send state %+v, want sent after failed attempts", st)
		}
	})

	t.Run("failing until the retry limit is recorded on the record", func(t *testing.T) {
		id := uniqueID(t)
		stack.StopMail()
		defer func() {
			if err := stack.StartMail(context.Background()); err != nil {
				t.Fatal(err)
			}
		}()
		put(t, "ujet-metadata/chat-"+id+".json", "application/json", chatMetadata(t, id, "finished", qFailing))
		recordID := waitChat(t, id)
		r := waitRecord(t, newPlayer(t), recordID, func(r ccai.RecordDetailJSON) bool {
			for _, c := range r.Comments {
				if strings.Contains(c.Body, toFailing) && strings.Contains(c.Body, "not sent") {
					return true
				}
			}
			return false
		})
		st := sendState(t, "chat:"+id, toFailing)
		if st.State != outcome.StateFailed || st.Attempts != localstack.DefaultOutcomeMaxAttempts {
			t.Errorf("send state %+v, want failed after %d attempts", st, localstack.DefaultOutcomeMaxAttempts)
		}
		t.Logf("recorded: %s", r.Comments[len(r.Comments)-1].Body)
	})
}

// sendState reads the sent state of the outcome email of session to to.
func sendState(t *testing.T, session, to string) outcome.SendState {
	t.Helper()
	store, err := gcpfirestore.Open(context.Background(), stack.Project, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	st, err := store.SendState(context.Background(), outcome.EmailID(session, to))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// chatMetadata is the real chat fixture made into chat id's metadata with
// status, in the queue menuID (its menu path), ended now.
func chatMetadata(t *testing.T, id, status, menuID string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(testenv.Fixture(t, "metadata/chat-135.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = json.Number(id)
	m["status"] = status
	m["ends_at"] = time.Now().UTC().Format(time.RFC3339Nano)
	m["menu_path"] = map[string]any{"name": "E2E " + menuID, "materialized_path": "900/" + menuID, "items_count": 2}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitChat waits until a record holds chat id, and returns it.
func waitChat(t *testing.T, id string) string {
	t.Helper()
	key := newPlayer(t).Settings.Auth.CustomHeader[0]
	for deadline := time.Now().Add(storageWait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequest("GET", stack.URLs["FindRecordByQuery"]+"/records/search?chat_id="+id, nil)
		req.Header.Set(key.Key, key.Value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var found struct{ ID string }
		json.NewDecoder(resp.Body).Decode(&found)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && found.ID != "" {
			return found.ID
		}
	}
	t.Fatalf("no record for chat %s\n%s", id, storageEvents(id))
	return ""
}

func updateRecord(t *testing.T, recordID, body string) int {
	t.Helper()
	return apiJSON(t, http.MethodPatch, stack.URLs["UpdateRecord"]+"/records/"+recordID, body)
}

// apiJSON sends a JSON body with the Generic API's key and returns the
// status.
func apiJSON(t *testing.T, method, url, body string) int {
	t.Helper()
	key := newPlayer(t).Settings.Auth.CustomHeader[0]
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(key.Key, key.Value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// mailTo returns the raw messages mailpit holds for to.
func mailTo(t *testing.T, to string) [][]byte {
	t.Helper()
	ctx := context.Background()
	list, err := stack.Mail.Messages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range list {
		for _, a := range m.To {
			if strings.EqualFold(a.Address, to) {
				raw, err := stack.Mail.Raw(ctx, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, raw)
			}
		}
	}
	return out
}

// waitMail waits until mailpit holds n messages for to.
func waitMail(t *testing.T, to string, n int, within time.Duration) [][]byte {
	t.Helper()
	var got [][]byte
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = mailTo(t, to); len(got) >= n {
			return got
		}
	}
	t.Fatalf("%d messages to %s after %s, want %d", len(got), to, within, n)
	return nil
}

// quiet checks that mailpit holds exactly n messages for to, and still
// does a few seconds later (time for a duplicate to arrive).
func quiet(t *testing.T, to string, n int) {
	t.Helper()
	time.Sleep(2 * time.Second)
	if got := mailTo(t, to); len(got) != n {
		t.Errorf("%d messages to %s, want %d", len(got), to, n)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

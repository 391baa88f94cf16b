package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

// A notification the real StorageObject keeps failing (here its
// configuration is broken, so every push answers an error) is not
// dropped: after the push subscription's last attempt it waits on the
// dead-letter subscription, and once the configuration is fixed
// scripts/backfill -dead-letters processes it: the session's record
// exists, with its metadata file.
func TestStorageDeadLetterReplay(t *testing.T) {
	s, _ := startStack(t, localstack.Options{
		Auth: auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{"e2e-key-0123456789abcdef"}},
		Env:  []string{"CRM_REQUEST_TIMEOUT=1h"}, // refused at start: every function is unconfigured
		// dead-lettered after 5 failed deliveries, about 5 s
		TriggerMaxDeliveryAttempts: localstack.MinTriggerMaxDeliveryAttempts,
	})
	ctx := context.Background()
	id := uniqueID(t)
	name := "ujet-metadata/call-" + id + ".json"
	c, err := localstack.NewStorageClient(ctx, s.GCSHost)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := c.Bucket(s.CCAIBucket).Object(name).NewWriter(ctx)
	w.ContentType = "application/json"
	w.Write(metadataFile(t, id, "finished", "2026-12-03T10:00:00.000Z", uniquePhone(t, "1"), ""))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	waitDeadLetter(t, s.PubSubHost, s.Trigger.DeadLetters, name, 60*time.Second)

	cmd := exec.Command("go", "run", "./cmd/backfill", "-dead-letters", s.Trigger.DeadLetters)
	cmd.Dir = testenv.ModuleRoot(t)
	cmd.Env = append(os.Environ(), "GOOGLE_CLOUD_PROJECT="+s.Project, "CRM_CCAI_BUCKET="+s.CCAIBucket, "CRM_CCAI_FOLDER_PATH=",
		"CRM_EVENTS_TOPIC=", "FIRESTORE_EMULATOR_HOST="+s.FirestoreHost, "PUBSUB_EMULATOR_HOST="+s.PubSubHost, "STORAGE_EMULATOR_HOST="+s.GCSHost)
	out, err := cmd.CombinedOutput()
	// Tests running meanwhile write into other buckets, whose
	// notifications share the topic: this stack's function failed them
	// too, and the replay skips them.
	replayed := err == nil && strings.Contains(string(out), "dead letters: processed 1, ") && strings.Contains(string(out), "failed 0")
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, " skipped: ") && !strings.Contains(line, " skipped: another bucket: ") {
			replayed = false
		}
	}
	if !replayed {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	store, err := gcpfirestore.Open(ctx, s.Project, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec, err := store.RecordOfSession(ctx, "call:"+id)
	if err != nil || rec == "" {
		t.Fatalf("record of call %s: %q %v, want the one its metadata made", id, rec, err)
	}
	if atts, err := store.Attachments(ctx, rec); err != nil || len(atts) != 1 || atts[0].Object != name {
		t.Errorf("attachments: %+v %v, want the metadata file", atts, err)
	}
}

// waitDeadLetter waits until subscription holds the notification of
// object, and gives it back (unacknowledged) for the replay.
func waitDeadLetter(t *testing.T, pubsubHost, subscription, object string, within time.Duration) {
	t.Helper()
	post := func(verb string, body any) []byte {
		b, _ := json.Marshal(body)
		resp, err := http.Post(fmt.Sprintf("http://%s/v1/%s:%s", pubsubHost, subscription, verb), "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		out.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %s", verb, subscription, resp.StatusCode, out.String())
		}
		return out.Bytes()
	}
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		var got struct {
			ReceivedMessages []struct {
				AckID   string `json:"ackId"`
				Message struct {
					Attributes map[string]string `json:"attributes"`
				} `json:"message"`
			} `json:"receivedMessages"`
		}
		json.Unmarshal(post("pull", map[string]any{"maxMessages": 10, "returnImmediately": true}), &got)
		var ids []string
		found := false
		for _, m := range got.ReceivedMessages {
			ids = append(ids, m.AckID)
			found = found || m.Message.Attributes["objectId"] == object
		}
		if len(ids) > 0 {
			post("modifyAckDeadline", map[string]any{"ackIds": ids, "ackDeadlineSeconds": 0})
		}
		if found {
			return
		}
	}
	t.Fatalf("no dead letter of %s within %s", object, within)
}

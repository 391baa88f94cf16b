package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/testenv"
)

// push is one push request the stand-in function received.
type push struct {
	Path    string
	Message struct {
		Data       []byte            `json:"data"`
		Attributes map[string]string `json:"attributes"`
		MessageID  string            `json:"messageId"`
	} `json:"message"`
	Subscription string `json:"subscription"`
}

// The trigger pushes the bucket's notifications to the function's URL (a
// path naming the topic) as Pub/Sub push requests; a message the function
// keeps failing is delivered MinTriggerMaxDeliveryAttempts times, then kept
// on the dead-letter subscription with its attributes and data. Stop
// deletes what the trigger made.
func TestStorageTrigger(t *testing.T) {
	emu := testenv.All(t)
	ctx := context.Background()
	project := testenv.Project()
	bucket := project + "-trigger"
	if err := CreateBucket(ctx, emu.GCS, project, bucket); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	pushes := map[string][]push{} // by object name
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p push
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("push body %s: %v", body, err)
		}
		if p.Message.Attributes["bucketId"] != bucket { // other tests' buckets share the topic
			w.WriteHeader(http.StatusNoContent)
			return
		}
		p.Path = r.URL.Path
		name := p.Message.Attributes["objectId"]
		mu.Lock()
		pushes[name] = append(pushes[name], p)
		mu.Unlock()
		if strings.HasPrefix(name, "fail/") {
			http.Error(w, "failing", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer fn.Close()
	eventsProject, topic, _ := strings.Cut(emu.GCSEvents, "/")
	tr, err := StartStorageTrigger(ctx, emu.PubSub, eventsProject, topic, fn.URL, MinTriggerMaxDeliveryAttempts, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Stop()

	c, err := NewStorageClient(ctx, emu.GCS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, name := range []string{"ok/call-1.mp3", "fail/call-2.mp3"} {
		w := c.Bucket(bucket).Object(name).NewWriter(ctx)
		w.ContentType = "audio/mpeg"
		io.WriteString(w, "ID3 audio")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}

	dead := pullAll(t, emu.PubSub, tr.DeadLetters, 30*time.Second)
	var ok []push
	for deadline := time.Now().Add(StorageEventWithin); ; time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		ok = pushes["ok/call-1.mp3"]
		mu.Unlock()
		if len(ok) > 0 || time.Now().After(deadline) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// Pub/Sub delivers at least once: a second push is no fault.
	if len(ok) == 0 {
		t.Fatal("the good object was never pushed")
	}
	if want := "/projects/" + eventsProject + "/topics/" + topic; ok[0].Path != want {
		t.Errorf("pushed to %s, want %s", ok[0].Path, want)
	}
	if ok[0].Subscription != tr.Subscription || ok[0].Message.Attributes["eventType"] != "OBJECT_FINALIZE" {
		t.Errorf("push: %+v", ok[0])
	}
	var obj struct{ Bucket, Name, Size string }
	if err := json.Unmarshal(ok[0].Message.Data, &obj); err != nil || obj.Bucket != bucket || obj.Name != "ok/call-1.mp3" || obj.Size != "9" {
		t.Errorf("data %s: %+v %v", ok[0].Message.Data, obj, err)
	}
	if n := len(pushes["fail/call-2.mp3"]); n != MinTriggerMaxDeliveryAttempts {
		t.Errorf("failing object pushed %d times, want %d", n, MinTriggerMaxDeliveryAttempts)
	}
	if len(dead) != 1 || dead[0].Attributes["objectId"] != "fail/call-2.mp3" || dead[0].Attributes["eventType"] != "OBJECT_FINALIZE" ||
		!bytes.Contains(dead[0].Data, []byte(`"name":"fail/call-2.mp3"`)) {
		t.Fatalf("dead letters: %+v, want the failing object's notification", dead)
	}

	tr.Stop()
	for _, name := range []string{tr.Subscription, tr.DeadLetters, tr.DeadLetterTopic} {
		if status, _, err := pubsubDo(ctx, http.MethodGet, emu.PubSub, name, nil); err != nil || status != http.StatusNotFound {
			t.Errorf("GET %s after Stop: %d %v, want 404", name, status, err)
		}
	}
}

type pulled struct {
	Data       []byte            `json:"data"`
	Attributes map[string]string `json:"attributes"`
}

// pullAll pulls (and acknowledges) subscription's messages until one has
// arrived and a second passed without more, or within.
func pullAll(t *testing.T, addr, subscription string, within time.Duration) []pulled {
	t.Helper()
	var got []pulled
	var last time.Time
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		status, body, err := pubsubDo(context.Background(), http.MethodPost, addr, subscription+":pull", []byte(`{"maxMessages":100,"returnImmediately":true}`))
		if err != nil || status != http.StatusOK {
			t.Fatalf("pull %s: %d %v %s", subscription, status, err, body)
		}
		var out struct {
			ReceivedMessages []struct {
				AckID   string `json:"ackId"`
				Message pulled `json:"message"`
			} `json:"receivedMessages"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		var acks []string
		for _, m := range out.ReceivedMessages {
			got, acks = append(got, m.Message), append(acks, m.AckID)
		}
		if len(acks) > 0 {
			b, _ := json.Marshal(map[string]any{"ackIds": acks})
			pubsubDo(context.Background(), http.MethodPost, addr, subscription+":acknowledge", b)
			last = time.Now()
		}
		if len(got) > 0 && time.Since(last) > time.Second {
			break
		}
	}
	return got
}

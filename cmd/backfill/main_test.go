package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"example.com/crm/functions/storageobject"
	"example.com/crm/shared/gcppubsub"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

// Backfill of a bucket that already holds files: a recording whose
// session only the metadata file makes known, that metadata file, and a
// foreign file. A second run changes nothing and links what waited.
func TestBackfill(t *testing.T) {
	emu := testenv.All(t)
	ctx := context.Background()
	project := testenv.Project()
	bucket := project + "-backfill"
	if err := localstack.CreateBucket(ctx, emu.GCS, project, bucket); err != nil {
		t.Fatal(err)
	}
	c, err := localstack.NewStorageClient(ctx, emu.GCS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	meta := metadataWithoutTicket(t)
	for name, data := range map[string][]byte{
		"ccaip/ujet-voice-recordings/call-1418.mp3": []byte("ID3 audio"),
		"ccaip/ujet-metadata/call-1418.json":        meta,
		"ccaip/notes/todo.txt":                      []byte("x"),
		"elsewhere/ujet-metadata/call-9.json":       meta, // outside the folder path: not listed
	} {
		w := c.Bucket(bucket).Object(name).NewWriter(ctx)
		w.Write(data)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOOGLE_CLOUD_PROJECT", project)
	t.Setenv("CRM_CCAI_BUCKET", bucket)
	t.Setenv("CRM_CCAI_FOLDER_PATH", "/ccaip/")
	t.Setenv("CRM_EVENTS_TOPIC", "")
	var out bytes.Buffer
	first, err := run(ctx, &out, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[ingest.Outcome]int{ingest.Waiting: 1, ingest.Linked: 1, ingest.Unrecognised: 1}
	if !equal(first, want) {
		t.Errorf("first run: got %v, want %v", first, want)
	}
	if !strings.Contains(out.String(), "3/3") {
		t.Errorf("no progress bar in %q", out.String())
	}
	second, err := run(ctx, &bytes.Buffer{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := (map[ingest.Outcome]int{ingest.Linked: 2, ingest.Unrecognised: 1}); !equal(second, want) {
		t.Errorf("second run: got %v, want %v", second, want)
	}
	wantOneRecordWithTwoFiles(t, project)
}

// metadataWithoutTicket is call 1418's metadata file without its
// out_ticket_id: a session only the metadata file makes known.
func metadataWithoutTicket(t *testing.T) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(testenv.Fixture(t, "metadata/call-1418.json"), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "out_ticket_id")
	meta, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return meta
}

// wantOneRecordWithTwoFiles checks that project's Firestore holds one
// record, the one the metadata file made, with two attachments: the
// recording and the metadata file, once each.
func wantOneRecordWithTwoFiles(t *testing.T, project string) {
	t.Helper()
	ctx := context.Background()
	fs, err := firestore.NewClient(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	recs, err := fs.Collection("records").Documents(ctx).GetAll()
	if err != nil || len(recs) != 1 {
		t.Fatalf("records: %d %v, want the one the metadata file made", len(recs), err)
	}
	atts, err := recs[0].Ref.Collection("attachments").Documents(ctx).GetAll()
	if err != nil || len(atts) != 2 {
		t.Errorf("attachments: %d %v, want the recording and the metadata file once each", len(atts), err)
	}
}

func equal(a, b map[ingest.Outcome]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// Storage notifications the function kept failing (here: it was down)
// end on the trigger's dead-letter subscription, as in the cloud; once the
// fault is fixed, the replay processes them through the ingest path and
// acknowledges only what succeeded: a recording that fails again stays
// for the next run, which links it; then nothing is left.
func TestReplayDeadLetters(t *testing.T) {
	emu := testenv.All(t)
	ctx := context.Background()
	project := testenv.Project()
	bucket := project + "-dead"
	if err := localstack.CreateBucket(ctx, emu.GCS, project, bucket); err != nil {
		t.Fatal(err)
	}
	const recording, metadataFile = "ccaip/ujet-voice-recordings/call-1418.mp3", "ccaip/ujet-metadata/call-1418.json"
	var mu sync.Mutex
	attempts := map[string]int{}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var push struct {
			Message struct {
				Attributes map[string]string `json:"attributes"`
			} `json:"message"`
		}
		json.NewDecoder(r.Body).Decode(&push)
		if a := push.Message.Attributes; a["bucketId"] == bucket {
			mu.Lock()
			attempts[a["objectId"]]++
			mu.Unlock()
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent) // other tests' buckets: skipped, as the function does
	}))
	defer down.Close()
	eventsProject, topic, _ := strings.Cut(emu.GCSEvents, "/")
	tr, err := localstack.StartStorageTrigger(ctx, emu.PubSub, eventsProject, topic, down.URL, localstack.MinTriggerMaxDeliveryAttempts, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Stop()

	c, err := localstack.NewStorageClient(ctx, emu.GCS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	meta := metadataWithoutTicket(t)
	for _, f := range []struct {
		name string
		data []byte
	}{{recording, []byte("ID3 audio")}, {metadataFile, meta}} {
		w := c.Bucket(bucket).Object(f.name).NewWriter(ctx)
		w.Write(f.data)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		mu.Lock()
		done := attempts[recording] >= localstack.MinTriggerMaxDeliveryAttempts && attempts[metadataFile] >= localstack.MinTriggerMaxDeliveryAttempts
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries: %v, want %d of each", attempts, localstack.MinTriggerMaxDeliveryAttempts)
		}
	}

	// A dead letter with nothing to process (another event type) is
	// acknowledged too.
	foreign, _ := json.Marshal(map[string]any{"messages": []any{map[string]any{
		"attributes": map[string]string{"eventType": "OBJECT_DELETE", "bucketId": bucket, "objectId": recording}}}})
	resp, err := http.Post("http://"+emu.PubSub+"/v1/"+tr.DeadLetterTopic+":publish", "application/json", bytes.NewReader(foreign))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("publish: %v %v", resp, err)
	}
	resp.Body.Close()

	// The fault is fixed, but the recording fails once more.
	t.Setenv("GOOGLE_CLOUD_PROJECT", project)
	t.Setenv("CRM_CCAI_BUCKET", bucket)
	t.Setenv("CRM_CCAI_FOLDER_PATH", "ccaip")
	t.Setenv("CRM_EVENTS_TOPIC", "")
	var out bytes.Buffer
	_, objects, closeAll, err := open(ctx, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	sub, err := gcppubsub.OpenSubscription(ctx, project, tr.DeadLetters)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	decode := storageobject.Handler{Bucket: bucket}.FromNotification
	first, err := replay(ctx, &out, sub, failing{objects, recording}, decode)
	if err != nil {
		t.Fatal(err)
	}
	if first.Outcomes[ingest.Linked] != 1 || first.processed() != 1 || first.Failed != 1 || first.Skipped != 1 {
		t.Errorf("first replay: %+v, want the metadata file linked, the recording failed, the deletion skipped\n%s", first, out.String())
	}
	second, err := runDeadLetters(ctx, &out, tr.DeadLetters)
	if err != nil {
		t.Fatal(err)
	}
	if second.Outcomes[ingest.Linked] != 1 || second.processed() != 1 || second.Failed != 0 || second.Skipped != 0 {
		t.Errorf("second replay: %+v, want the recording linked\n%s", second, out.String())
	}
	third, err := runDeadLetters(ctx, &out, tr.DeadLetters)
	if err != nil || third.processed()+third.Failed+third.Skipped != 0 {
		t.Errorf("third replay: %+v %v, want nothing left", third, err)
	}
	wantOneRecordWithTwoFiles(t, project)
}

// failing fails the processing of one object.
type failing struct {
	ingest.Objects
	name string
}

func (f failing) Process(ctx context.Context, obj ingest.Object) (ingest.Outcome, error) {
	if obj.Name == f.name {
		return "", errors.New("still failing")
	}
	return f.Objects.Process(ctx, obj)
}

package storageobject_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"example.com/crm/functions/storageobject"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

// name is chat 135's metadata file, which chatMetadataInBucket writes.
const name = "ujet-metadata/chat-135.json"

// chatMetadataInBucket makes a CCAI bucket on the emulator holding chat
// 135's metadata file (name), and opens the stores the handler uses.
func chatMetadataInBucket(t *testing.T) (project, bucket string, blobs *gcpstorage.Store, store *gcpfirestore.Store) {
	t.Helper()
	emu := testenv.All(t)
	ctx := context.Background()
	project = testenv.Project()
	bucket = project + "-ccai"
	if err := localstack.CreateBucket(ctx, emu.GCS, project, bucket); err != nil {
		t.Fatal(err)
	}
	blobs, err := gcpstorage.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	store, err = gcpfirestore.Open(ctx, project, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	c, err := localstack.NewStorageClient(ctx, emu.GCS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := c.Bucket(bucket).Object(name).NewWriter(ctx)
	w.ContentType = "application/json"
	w.Write(testenv.Fixture(t, "metadata/chat-135.json"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return project, bucket, blobs, store
}

// wantRecordOfChat135 checks that chat 135's metadata file made its
// session's record and is attached to it.
func wantRecordOfChat135(t *testing.T, store *gcpfirestore.Store) {
	t.Helper()
	ctx := context.Background()
	id, err := store.RecordOfSession(ctx, "chat:135")
	if err != nil || id == "" {
		t.Fatalf("record of chat:135: %q %v, want the one its metadata made", id, err)
	}
	if atts, err := store.Attachments(ctx, id); err != nil || len(atts) != 1 || atts[0].Object != name {
		t.Errorf("attachments: %+v %v, want the metadata file", atts, err)
	}
}

// The handler decodes the storage event and hands its object to the
// ingest service (whose rules shared/ingest tests): a metadata file makes
// its session's record; an event without an object is acknowledged and
// stores nothing.
func TestHandleEvent(t *testing.T) {
	ctx := context.Background()
	_, bucket, blobs, store := chatMetadataInBucket(t)
	h := storageobject.Handler{Objects: ingest.Objects{Blobs: blobs,
		Ingest: ingest.Service{Store: store, PhoneRegion: "US", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}}
	send := func(data any) error {
		e := event.New()
		e.SetID("1")
		e.SetType("google.cloud.storage.object.v1.finalized")
		e.SetSource("//storage.googleapis.com/projects/_/buckets/" + bucket)
		if err := e.SetData(event.ApplicationJSON, data); err != nil {
			t.Fatal(err)
		}
		return h.HandleEvent(ctx, e)
	}
	if err := send(map[string]string{"kind": "storage#object"}); err != nil {
		t.Errorf("event without an object: %v, want acknowledged", err)
	}
	if id, err := store.RecordOfSession(ctx, "chat:135"); err != nil || id != "" {
		t.Fatalf("record of chat:135 before its event: %q %v", id, err)
	}
	if err := send(json.RawMessage(`{"bucket": "` + bucket + `", "name": "` + name + `", "size": "10", "contentType": "application/json"}`)); err != nil {
		t.Fatal(err)
	}
	wantRecordOfChat135(t, store)
}

// Through the bucket's Pub/Sub notifications (the push subscription of
// terraform/storage_events.tf and of the local stack), the functions
// framework hands the handler a Pub/Sub CloudEvent whose message is the
// Cloud Storage notification: the object it carries is processed like a
// storage event's. Other event types, other buckets and messages without
// an object are acknowledged (nil) and store nothing.
func TestHandleNotification(t *testing.T) {
	ctx := context.Background()
	project, bucket, blobs, store := chatMetadataInBucket(t)
	logs := &testenv.Logs{}
	h := storageobject.Handler{Bucket: bucket, Objects: ingest.Objects{Blobs: blobs,
		Ingest: ingest.Service{Store: store, PhoneRegion: "US", Log: slog.New(slog.NewTextHandler(logs, nil))}}}
	object := `{"kind":"storage#object","bucket":"` + bucket + `","name":"` + name + `","size":"10","contentType":"application/json","generation":"7"}`
	send := func(attrs map[string]string, data string) error {
		t.Helper()
		e := event.New()
		e.SetID("42")
		e.SetType("google.cloud.pubsub.topic.v1.messagePublished")
		e.SetSource("//pubsub.googleapis.com/projects/" + project + "/topics/ccai-objects")
		// As functions-framework-go builds it from a push request.
		msg := map[string]any{"message": map[string]any{"@type": "type.googleapis.com/google.pubusb.v1.PubsubMessage",
			"data": []byte(data), "attributes": attrs, "messageId": "42", "publishTime": "2026-12-03T10:00:00Z"}}
		if err := e.SetData(event.ApplicationJSON, msg); err != nil {
			t.Fatal(err)
		}
		return h.HandleEvent(ctx, e)
	}
	attrs := func(eventType, bkt string) map[string]string {
		return map[string]string{"eventType": eventType, "bucketId": bkt, "objectId": name,
			"objectGeneration": "7", "payloadFormat": "JSON_API_V1", "eventTime": "2026-12-03T10:00:00Z"}
	}
	for _, skip := range []struct {
		attrs map[string]string
		data  string
	}{
		{attrs("OBJECT_DELETE", bucket), object},
		{attrs("OBJECT_FINALIZE", "another-bucket"), strings.Replace(object, bucket, "another-bucket", 1)},
		{attrs("OBJECT_FINALIZE", bucket), "not json"},
		{attrs("OBJECT_FINALIZE", bucket), `{"kind":"storage#object"}`},
		{nil, ""},
	} {
		if err := send(skip.attrs, skip.data); err != nil {
			t.Errorf("%v %q: %v, want acknowledged", skip.attrs, skip.data, err)
		}
	}
	if id, err := store.RecordOfSession(ctx, "chat:135"); err != nil || id != "" {
		t.Fatalf("record of chat:135 after notifications to skip: %q %v", id, err)
	}
	if n := strings.Count(logs.String(), "storage event skipped"); n != 5 {
		t.Errorf("%d skips logged, want 5:\n%s", n, logs.String())
	}
	if err := send(attrs("OBJECT_FINALIZE", bucket), object); err != nil {
		t.Fatal(err)
	}
	wantRecordOfChat135(t, store)
}

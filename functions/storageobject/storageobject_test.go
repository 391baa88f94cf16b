package storageobject_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"example.com/crm/functions/storageobject"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

// The handler decodes the storage event and hands its object to the
// ingest service (whose rules shared/ingest tests): a metadata file makes
// its session's record; an event without an object is acknowledged and
// stores nothing.
func TestHandleEvent(t *testing.T) {
	emu := testenv.All(t)
	ctx := context.Background()
	project := testenv.Project()
	bucket := project + "-ccai"
	if err := localstack.CreateBucket(ctx, emu.GCS, project, bucket); err != nil {
		t.Fatal(err)
	}
	blobs, err := gcpstorage.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	store, err := gcpfirestore.Open(ctx, project, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, err := localstack.NewStorageClient(ctx, emu.GCS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const name = "ujet-metadata/chat-135.json"
	w := c.Bucket(bucket).Object(name).NewWriter(ctx)
	w.ContentType = "application/json"
	w.Write(testenv.Fixture(t, "metadata/chat-135.json"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
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
	id, err := store.RecordOfSession(ctx, "chat:135")
	if err != nil || id == "" {
		t.Fatalf("record of chat:135: %q %v, want the one its metadata made", id, err)
	}
	if atts, err := store.Attachments(ctx, id); err != nil || len(atts) != 1 || atts[0].Object != name {
		t.Errorf("attachments: %+v %v, want the metadata file", atts, err)
	}
}

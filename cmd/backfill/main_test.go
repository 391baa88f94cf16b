package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"cloud.google.com/go/firestore"

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
	meta := testenv.Fixture(t, "metadata/call-1418.json")
	var m map[string]any
	json.Unmarshal(meta, &m)
	delete(m, "out_ticket_id")
	meta, _ = json.Marshal(m)
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
	fs, err := firestore.NewClient(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	recs, err := fs.Collection("records").Documents(ctx).GetAll()
	if err != nil || len(recs) != 1 {
		t.Fatalf("records: %d %v, want 1", len(recs), err)
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

package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/testenv"
)

// objEnv is the service's storage objects on the Firestore, Pub/Sub and
// Cloud Storage emulators, with a bucket CCAI Platform writes into.
type objEnv struct {
	env
	bucket string
	h      ingest.Objects
}

func newObjEnv(t *testing.T) *objEnv {
	t.Helper()
	e := &objEnv{env: newEnv(t)}
	ctx := context.Background()
	e.bucket = e.project + "-ccai"
	if err := localstack.CreateBucket(ctx, e.emu.GCS, e.project, e.bucket); err != nil {
		t.Fatal(err)
	}
	blobs, err := gcpstorage.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	e.h = ingest.Objects{Blobs: blobs, Ingest: e.svc}
	return e
}

// put writes name into the bucket as CCAI Platform does and returns the
// object as the storage event describes it.
func (e *objEnv) put(t *testing.T, name, contentType string, data []byte) ingest.Object {
	t.Helper()
	ctx := context.Background()
	c, err := localstack.NewStorageClient(ctx, e.emu.GCS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := c.Bucket(e.bucket).Object(name).NewWriter(ctx)
	w.ContentType = contentType
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return ingest.Object{Bucket: e.bucket, Name: name, Size: strconv.Itoa(len(data)), ContentType: contentType}
}

// process hands obj to the service and checks the outcome.
func (e *objEnv) process(t *testing.T, obj ingest.Object, want ingest.Outcome) {
	t.Helper()
	got, err := e.h.Process(context.Background(), obj)
	if err != nil || got != want {
		t.Fatalf("Process(%s): got %q %v, want %q", obj.Name, got, err, want)
	}
}

func (e *objEnv) attachments(t *testing.T, recordID string) []crm.Attachment {
	t.Helper()
	atts, err := e.store.Attachments(context.Background(), recordID)
	if err != nil {
		t.Fatal(err)
	}
	return atts
}

func (e *objEnv) recordID(t *testing.T, key string) string {
	t.Helper()
	id, err := e.store.RecordOfSession(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Call, chat and email ids are separate sequences: an email transcript
// never lands on the call or chat of the same number; it waits for the
// record of its email session, which its metadata file (named without a
// kind) makes.
func TestEmailTranscriptWaitsForItsEmailSession(t *testing.T) {
	e := newObjEnv(t)
	call := e.record(t, crm.Session{Kind: crm.SessionCall, ID: "1418"})
	chat := e.record(t, crm.Session{Kind: crm.SessionChat, ID: "1418"})
	session := e.record(t, crm.Session{Kind: crm.SessionAny, ID: "1418"})
	pdf := e.put(t, "ccaip/emails/email-1418.pdf", "application/pdf", []byte("%PDF-1.7 email 1418"))
	e.process(t, pdf, ingest.Waiting)
	for _, id := range []string{call.ID, chat.ID, session.ID} {
		if atts := e.attachments(t, id); len(atts) != 0 {
			t.Errorf("record %s got %d attachments from email-1418.pdf, want none", id, len(atts))
		}
	}
	if id := e.recordID(t, "email:1418"); id != "" {
		t.Fatalf("a record holds email:1418 before its metadata: %s", id)
	}

	meta := e.put(t, "ccaip/metadata/metadata-1418.json", "application/json", testenv.EmailSessionMetadata(t, "1418", ""))
	e.process(t, meta, ingest.Linked)
	emailRec := e.recordID(t, "email:1418")
	if emailRec == "" || emailRec == call.ID || emailRec == chat.ID || emailRec == session.ID {
		t.Fatalf("record of email:1418: %q (call %s, chat %s, session %s)", emailRec, call.ID, chat.ID, session.ID)
	}
	kinds := map[string]string{}
	for _, a := range e.attachments(t, emailRec) {
		kinds[a.Kind] = a.SessionKey
	}
	if len(kinds) != 2 || kinds["email_transcript"] != "email:1418" || kinds["session_metadata"] != "email:1418" {
		t.Errorf("attachments of the email session's record: %v, want the transcript and the metadata of email:1418", kinds)
	}
	rec, err := e.store.GetRecord(context.Background(), emailRec)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Sessions) != 1 || rec.Sessions[0].Kind != crm.SessionEmail || rec.Sessions[0].Status != "finished" {
		t.Errorf("sessions: %+v", rec.Sessions)
	}
	for _, id := range []string{call.ID, chat.ID, session.ID} {
		if atts := e.attachments(t, id); len(atts) != 0 {
			t.Errorf("record %s got %d attachments, want none", id, len(atts))
		}
	}

	// The same transcript again, now that its record exists: linked there
	// at once, still one attachment.
	e.process(t, pdf, ingest.Linked)
	if atts := e.attachments(t, emailRec); len(atts) != 2 {
		t.Errorf("after the transcript again: %d attachments, want 2", len(atts))
	}
}

// callMetadata is the real call fixture as call 1418's metadata, with no
// out_ticket_id (the CRM never saw the call).
func callMetadata(t *testing.T) []byte {
	t.Helper()
	b := testenv.Fixture(t, "metadata/call-1418.json")
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "out_ticket_id")
	delete(m["end_user"].(map[string]any), "out_contact_id")
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Storage events: a file that waited is linked by the metadata file that
// makes its record, a file arriving after the record is linked at once;
// each attachment is published once, however often its object arrives.
func TestStorageEventsPublishOncePerAttachment(t *testing.T) {
	e := newObjEnv(t)
	recording := e.put(t, "ujet-voice-recordings/call-1418.mp3", "audio/mpeg", []byte("ID3 call 1418"))
	e.process(t, recording, ingest.Waiting)
	meta := e.put(t, "ujet-metadata/call-1418.json", "application/json", callMetadata(t))
	e.process(t, meta, ingest.Linked)
	photo := e.put(t, "ujet-media/call-1418-photo-1.jpg", "image/jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0})
	e.process(t, photo, ingest.Linked)
	for _, obj := range []ingest.Object{recording, meta, photo} {
		e.process(t, obj, ingest.Linked) // each again
	}
	recordID := e.recordID(t, "call:1418")
	atts := e.attachments(t, recordID)
	if len(atts) != 3 {
		t.Fatalf("attachments: %d, want the recording, the metadata file and the photo", len(atts))
	}
	added := map[string]int{}
	for _, ev := range e.pull(time.Second) {
		if ev["type"] == "attachment.added" && ev["record_id"] == recordID {
			added[ev["attachment_id"].(string)]++
		}
	}
	for _, a := range atts {
		if added[a.ID] != 1 {
			t.Errorf("attachment.added of %s (%s): %d, want 1", a.Object, a.ID, added[a.ID])
		}
	}
}

// A metadata file larger than metadata.MaxFileSize is left alone
// (Malformed): no record is made for its session. One of exactly that
// size is applied.
func TestMetadataFileSizeLimit(t *testing.T) {
	e := newObjEnv(t)
	// padded reads as call 1418's metadata with id, and its size is n
	// bytes: JSON allows white space after the object.
	padded := func(id string, n int) []byte {
		var m map[string]any
		if err := json.Unmarshal(callMetadata(t), &m); err != nil {
			t.Fatal(err)
		}
		m["id"] = json.Number(id)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
	}
	over := e.put(t, "ujet-metadata/call-91.json", "application/json", padded("91", metadata.MaxFileSize+1))
	e.process(t, over, ingest.Malformed)
	if id := e.recordID(t, "call:91"); id != "" {
		t.Errorf("a metadata file over the limit made record %s", id)
	}
	at := e.put(t, "ujet-metadata/call-92.json", "application/json", padded("92", metadata.MaxFileSize))
	e.process(t, at, ingest.Linked)
	if id := e.recordID(t, "call:92"); id == "" {
		t.Error("a metadata file of exactly the limit made no record")
	}
}

package storageobject_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/crm/functions/storageobject"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcppubsub"
	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

// env is the storage handler on the Firestore and Cloud Storage emulators,
// with a bucket CCAI Platform writes into.
type env struct {
	emu     testenv.Emulators
	project string
	bucket  string
	store   *gcpfirestore.Store
	blobs   *gcpstorage.Store
	h       storageobject.Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
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
	t.Cleanup(func() { blobs.Close() })
	store, err := gcpfirestore.Open(ctx, project, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{emu: emu, project: project, bucket: bucket, store: store, blobs: blobs}
	e.h = storageobject.Handler{Store: store, Blobs: blobs, PhoneRegion: "US", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return e
}

// put writes name into the bucket as CCAI Platform does and returns the
// object as the storage event describes it.
func (e *env) put(t *testing.T, name, contentType string, data []byte) storageobject.Object {
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
	return storageobject.Object{Bucket: e.bucket, Name: name, Size: strconv.Itoa(len(data)), ContentType: contentType}
}

// process hands obj to the handler and checks the outcome.
func (e *env) process(t *testing.T, obj storageobject.Object, want storageobject.Outcome) {
	t.Helper()
	got, err := e.h.Process(context.Background(), obj)
	if err != nil || got != want {
		t.Fatalf("Process(%s): got %q %v, want %q", obj.Name, got, err, want)
	}
}

// record creates a record holding sessions for a new account.
func (e *env) record(t *testing.T, sessions ...crm.Session) crm.Record {
	t.Helper()
	ctx := context.Background()
	acc, _, err := e.store.CreateAccount(ctx, crm.Account{Name: "Caller " + sessions[0].Key()})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := e.store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (e *env) attachments(t *testing.T, recordID string) []crm.Attachment {
	t.Helper()
	atts, err := e.store.Attachments(context.Background(), recordID)
	if err != nil {
		t.Fatal(err)
	}
	return atts
}

func (e *env) recordOf(t *testing.T, key string) string {
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
	e := newEnv(t)
	call := e.record(t, crm.Session{Kind: crm.SessionCall, ID: "1418"})
	chat := e.record(t, crm.Session{Kind: crm.SessionChat, ID: "1418"})
	session := e.record(t, crm.Session{Kind: crm.SessionAny, ID: "1418"})
	pdf := e.put(t, "ccaip/emails/email-1418.pdf", "application/pdf", []byte("%PDF-1.7 email 1418"))
	e.process(t, pdf, storageobject.Waiting)
	for _, id := range []string{call.ID, chat.ID, session.ID} {
		if atts := e.attachments(t, id); len(atts) != 0 {
			t.Errorf("record %s got %d attachments from email-1418.pdf, want none", id, len(atts))
		}
	}
	if id := e.recordOf(t, "email:1418"); id != "" {
		t.Fatalf("a record holds email:1418 before its metadata: %s", id)
	}

	meta := e.put(t, "ccaip/metadata/metadata-1418.json", "application/json", testenv.EmailSessionMetadata(t, "1418", ""))
	e.process(t, meta, storageobject.Linked)
	emailRec := e.recordOf(t, "email:1418")
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
	e.process(t, pdf, storageobject.Linked)
	if atts := e.attachments(t, emailRec); len(atts) != 2 {
		t.Errorf("after the transcript again: %d attachments, want 2", len(atts))
	}
}

// events publishes the handler's events on a topic of the Pub/Sub
// emulator and returns what a subscriber of that topic receives.
func (e *env) events(t *testing.T) func(time.Duration) []map[string]any {
	t.Helper()
	pull := testenv.Topic(t, e.emu.PubSub, e.project, "crm-events")
	pub, err := gcppubsub.Open(context.Background(), e.project, "crm-events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	e.h.Events = pub
	return pull
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
	e := newEnv(t)
	pull := e.events(t)
	recording := e.put(t, "ujet-voice-recordings/call-1418.mp3", "audio/mpeg", []byte("ID3 call 1418"))
	e.process(t, recording, storageobject.Waiting)
	meta := e.put(t, "ujet-metadata/call-1418.json", "application/json", callMetadata(t))
	e.process(t, meta, storageobject.Linked)
	photo := e.put(t, "ujet-media/call-1418-photo-1.jpg", "image/jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0})
	e.process(t, photo, storageobject.Linked)
	for _, obj := range []storageobject.Object{recording, meta, photo} {
		e.process(t, obj, storageobject.Linked) // each again
	}
	recordID := e.recordOf(t, "call:1418")
	atts := e.attachments(t, recordID)
	if len(atts) != 3 {
		t.Fatalf("attachments: %d, want the recording, the metadata file and the photo", len(atts))
	}
	added := map[string]int{}
	for _, ev := range pull(time.Second) {
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

// Sessions whose end user the metadata does not identify (no phone,
// email or account) each get an account of their own; the same session's
// metadata arriving again finds the same one.
func TestUnidentifiedCallersAreNotMerged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	accountOf := func(id int, name string) string {
		var m map[string]any
		if err := json.Unmarshal(callMetadata(t), &m); err != nil {
			t.Fatal(err)
		}
		m["id"] = id
		delete(m, "participants") // where the caller's number is
		b, _ := json.Marshal(m)
		e.process(t, e.put(t, name, "application/json", b), storageobject.Linked)
		rec, err := e.store.GetRecord(ctx, e.recordOf(t, "call:"+strconv.Itoa(id)))
		if err != nil {
			t.Fatal(err)
		}
		return rec.AccountID
	}
	first := accountOf(9001, "ujet-metadata/call-9001.json")
	second := accountOf(9002, "ujet-metadata/call-9002.json")
	if first == second {
		t.Errorf("calls 9001 and 9002 of unidentified callers share account %s", first)
	}
	if again := accountOf(9001, "ujet-metadata/call-9001.json"); again != first {
		t.Errorf("call 9001's metadata again: account %s, want %s", again, first)
	}
}

// Metadata the CRM cannot store (an end user's name over its limit) is
// acknowledged as malformed, not retried for a day.
func TestMetadataOverALimitIsNotRetried(t *testing.T) {
	e := newEnv(t)
	var m map[string]any
	if err := json.Unmarshal(callMetadata(t), &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = 9003
	m["end_user"].(map[string]any)["name"] = strings.Repeat("n", crm.MaxName+1)
	b, _ := json.Marshal(m)
	e.process(t, e.put(t, "ujet-metadata/call-9003.json", "application/json", b), storageobject.Malformed)
}

// A session belongs to one record: metadata naming another record
// (out_ticket_id) than the one holding its session goes to the holder,
// and the named record is not given the session.
func TestMetadataNamingAnotherRecordGoesToTheHolder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	holder := e.record(t, crm.Session{Kind: crm.SessionCall, ID: "9100"})
	other := e.record(t, crm.Session{Kind: crm.SessionCall, ID: "9101"})
	var m map[string]any
	if err := json.Unmarshal(callMetadata(t), &m); err != nil {
		t.Fatal(err)
	}
	m["id"], m["out_ticket_id"] = 9100, other.ID
	b, _ := json.Marshal(m)
	e.process(t, e.put(t, "ujet-metadata/call-9100.json", "application/json", b), storageobject.Linked)
	got, err := e.store.GetRecord(ctx, holder.ID)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(got.Sessions, func(s crm.Session) bool { return s.Key() == "call:9100" }); i < 0 || got.Sessions[i].MetadataUpdatedAt.IsZero() {
		t.Errorf("holder's session: got %+v, want the metadata applied", got.Sessions)
	}
	if o, _ := e.store.GetRecord(ctx, other.ID); o.HasSession("call:9100") {
		t.Errorf("the record named by out_ticket_id was given the session: %+v", o.Sessions)
	}
}

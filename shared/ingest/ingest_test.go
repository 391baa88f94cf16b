package ingest_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcppubsub"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/testenv"
)

// env is the service on the Firestore and Pub/Sub emulators; added
// returns the attachment.added events published, by attachment id.
type env struct {
	emu     testenv.Emulators
	project string
	store   *gcpfirestore.Store
	svc     ingest.Service
	pull    func(time.Duration) []map[string]any
}

func newEnv(t *testing.T) env {
	t.Helper()
	emu := testenv.All(t)
	ctx := context.Background()
	project := testenv.Project()
	pull := testenv.Topic(t, emu.PubSub, project, "crm-events")
	pub, err := gcppubsub.Open(ctx, project, "crm-events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	store, err := gcpfirestore.Open(ctx, project, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return env{emu: emu, project: project, store: store, pull: pull, svc: ingest.Service{Store: store, Events: pub, PhoneRegion: "US", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
}

func (e env) added(t *testing.T, wait time.Duration) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, ev := range e.pull(wait) {
		if ev["type"] == "attachment.added" {
			got[ev["attachment_id"].(string)]++
		}
	}
	return got
}

func file(object string) crm.Attachment {
	return crm.Attachment{Filename: object, ContentType: "audio/mpeg", Size: 3, SHA256: "ab", Kind: "call_recording",
		Source: crm.SourceStorage, Bucket: "ccai", Object: object}
}

// Waiting files are linked once each, with one attachment.added each,
// however many triggers (create record, update record, a storage event)
// link them at the same time; a file arriving again adds nothing.
func TestLinkWaitingPublishesOncePerFile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys := []string{"call:7"}
	for _, object := range []string{"ujet-voice-recordings/call-7.mp3", "ujet-media/call-7-photo-1.jpg"} {
		if out, err := e.svc.File(ctx, crm.SourceStorage, file(object), keys); err != nil || out != ingest.Waiting {
			t.Fatalf("File(%s) before any record: %v %v, want waiting", object, out, err)
		}
	}
	if got := e.added(t, 0); len(got) != 0 {
		t.Errorf("events while the files wait: %v", got)
	}
	acc, _, err := e.store.CreateAccount(ctx, crm.Account{Name: "Seven"})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := e.store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "7"}}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := e.svc.LinkWaiting(ctx, rec); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	atts, err := e.store.Attachments(ctx, rec.ID)
	if err != nil || len(atts) != 2 {
		t.Fatalf("attachments: %d %v, want 2", len(atts), err)
	}
	if waiting, err := e.store.Waiting(ctx, "call:7"); err != nil || len(waiting) != 0 {
		t.Errorf("still waiting: %d %v", len(waiting), err)
	}
	if out, err := e.svc.File(ctx, crm.SourceStorage, file("ujet-voice-recordings/call-7.mp3"), keys); err != nil || out != ingest.Linked {
		t.Errorf("File again: %v %v, want linked", out, err)
	}
	got := e.added(t, time.Second)
	for _, a := range atts {
		if got[a.ID] != 1 || a.SessionKey != "call:7" {
			t.Errorf("attachment %s (%s): %d events, want 1", a.ID, a.Object, got[a.ID])
		}
	}
	if len(got) != 2 {
		t.Errorf("events: %v, want one per attachment", got)
	}
}

// A file whose record exists is linked at once, with its event.
func TestLinkFileToExistingRecord(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acc, _, err := e.store.CreateAccount(ctx, crm.Account{Name: "Eight"})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := e.store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "8"}}})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := e.svc.File(ctx, crm.SourceStorage, file("ujet-chat-transcripts/chat-8.txt"), []string{"chat:8"}); err != nil || out != ingest.Linked {
		t.Fatalf("File: %v %v", out, err)
	}
	atts, err := e.store.Attachments(ctx, rec.ID)
	if err != nil || len(atts) != 1 {
		t.Fatalf("attachments: %d %v", len(atts), err)
	}
	if got := e.added(t, time.Second); len(got) != 1 || got[atts[0].ID] != 1 {
		t.Errorf("events: %v, want one for %s", got, atts[0].ID)
	}
}

// The same version of a file linked again changes nothing (the record's
// updated_at and the attachment's time included); a newer version of the
// object (another content under the same name) replaces it.
func TestSameFileAgainChangesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acc, _, err := e.store.CreateAccount(ctx, crm.Account{Name: "Nine"})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := e.store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "9"}}})
	if err != nil {
		t.Fatal(err)
	}
	state := func() (crm.Record, []crm.Attachment) {
		t.Helper()
		r, err := e.store.GetRecord(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		atts, err := e.store.Attachments(ctx, rec.ID)
		if err != nil || len(atts) != 1 {
			t.Fatalf("attachments %+v (%v), want 1", atts, err)
		}
		return r, atts
	}
	f := file("ujet-chat-transcripts/chat-9.txt")
	if out, err := e.svc.File(ctx, crm.SourceStorage, f, []string{"chat:9"}); err != nil || out != ingest.Linked {
		t.Fatalf("File: %v %v", out, err)
	}
	r1, a1 := state()
	time.Sleep(10 * time.Millisecond) // a write now would show in the times
	if out, err := e.svc.File(ctx, crm.SourceStorage, f, []string{"chat:9"}); err != nil || out != ingest.Linked {
		t.Fatalf("File again: %v %v", out, err)
	}
	if r2, a2 := state(); !r2.UpdatedAt.Equal(r1.UpdatedAt) || a2[0] != a1[0] {
		t.Errorf("the same file again changed the record (updated_at %v, was %v) or its attachment (%+v, was %+v)", r2.UpdatedAt, r1.UpdatedAt, a2[0], a1[0])
	}
	newer := f
	newer.SHA256, newer.Size = "cd", 4
	if _, err := e.svc.File(ctx, crm.SourceStorage, newer, []string{"chat:9"}); err != nil {
		t.Fatal(err)
	}
	if r3, a3 := state(); a3[0].SHA256 != "cd" || a3[0].Size != 4 || !r3.UpdatedAt.After(r1.UpdatedAt) {
		t.Errorf("a newer version of the object: attachment %+v, record updated_at %v (was %v); want it replaced", a3[0], r3.UpdatedAt, r1.UpdatedAt)
	}
	if got := e.added(t, time.Second); len(got) != 1 {
		t.Errorf("events: %v, want one attachment.added", got)
	}
}

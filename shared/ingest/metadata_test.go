package ingest_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/testenv"
)

// callMeta is call id's metadata: the real call fixture (callMetadata,
// no out_ticket_id) changed by edit.
func callMeta(t *testing.T, id int, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(callMetadata(t), &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = id
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// apply applies metadata arrived from storage and checks the outcome.
func (e env) apply(t *testing.T, m ingest.Metadata, want ingest.Outcome) {
	t.Helper()
	if m.Source == "" {
		m.Source = crm.SourceStorage
	}
	if got, err := e.svc.ApplyMetadata(context.Background(), m); err != nil || got != want {
		t.Fatalf("ApplyMetadata: got %q %v, want %q", got, err, want)
	}
}

func (e env) recordOf(t *testing.T, key string) crm.Record {
	t.Helper()
	ctx := context.Background()
	id, err := e.store.RecordOfSession(ctx, key)
	if err != nil || id == "" {
		t.Fatalf("record of %s: %q %v", key, id, err)
	}
	rec, err := e.store.GetRecord(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (e env) record(t *testing.T, sessions ...crm.Session) crm.Record {
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

func session(rec crm.Record, key string) (crm.Session, bool) {
	i := slices.IndexFunc(rec.Sessions, func(s crm.Session) bool { return s.Key() == key })
	if i < 0 {
		return crm.Session{}, false
	}
	return rec.Sessions[i], true
}

// The record CCAI Platform names (out_ticket_id) gets the session and its
// metadata; no other record is made.
func TestMetadataGoesToTheRecordNamed(t *testing.T) {
	e := newEnv(t)
	named := e.record(t, crm.Session{Kind: crm.SessionCall, ID: "9201"})
	e.apply(t, ingest.Metadata{Raw: callMeta(t, 9200, func(m map[string]any) { m["out_ticket_id"] = named.ID })}, ingest.Linked)
	rec := e.recordOf(t, "call:9200")
	if rec.ID != named.ID {
		t.Fatalf("record of call:9200: %s, want the one named, %s", rec.ID, named.ID)
	}
	if s, _ := session(rec, "call:9200"); s.MetadataUpdatedAt.IsZero() || s.Status != "finished" {
		t.Errorf("session: %+v, want the metadata applied", s)
	}
}

// A session belongs to one record: metadata naming another record
// (out_ticket_id) than the one holding its session goes to the holder,
// and the named record is not given the session.
func TestMetadataNamingAnotherRecordGoesToTheHolder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	holder := e.record(t, crm.Session{Kind: crm.SessionCall, ID: "9100"})
	other := e.record(t, crm.Session{Kind: crm.SessionCall, ID: "9101"})
	e.apply(t, ingest.Metadata{Raw: callMeta(t, 9100, func(m map[string]any) { m["out_ticket_id"] = other.ID })}, ingest.Linked)
	got, err := e.store.GetRecord(ctx, holder.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := session(got, "call:9100"); !ok || s.MetadataUpdatedAt.IsZero() {
		t.Errorf("holder's session: got %+v, want the metadata applied", got.Sessions)
	}
	if o, _ := e.store.GetRecord(ctx, other.ID); o.HasSession("call:9100") {
		t.Errorf("the record named by out_ticket_id was given the session: %+v", o.Sessions)
	}
}

// A session the CRM never saw gets a record, for the account of its end
// user's number, found or created as the Generic API does: two calls of
// the same number are one account.
func TestMetadataOfAnUnknownSessionMakesItsRecordAndAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.apply(t, ingest.Metadata{Raw: callMeta(t, 9300, nil)}, ingest.Linked)
	e.apply(t, ingest.Metadata{Raw: callMeta(t, 9301, nil)}, ingest.Linked)
	first, second := e.recordOf(t, "call:9300"), e.recordOf(t, "call:9301")
	if first.ID == second.ID {
		t.Fatalf("calls 9300 and 9301 share record %s", first.ID)
	}
	if first.Subject != "Call 9300 (Voice Inbound (IVR))" || first.Status != crm.StatusOpen || first.Custom["source"] != "session_metadata" {
		t.Errorf("new record: subject %q status %q custom %v", first.Subject, first.Status, first.Custom)
	}
	if first.AccountID != second.AccountID {
		t.Errorf("the same caller's calls have accounts %s and %s", first.AccountID, second.AccountID)
	}
	acc, err := e.store.GetAccount(ctx, first.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Phones) != 1 || acc.Phones[0].E164 != "+15550100100" || acc.Custom["first_session"] != "" {
		t.Errorf("account: phones %+v custom %v, want the caller's number", acc.Phones, acc.Custom)
	}
}

// Sessions whose end user the metadata does not identify (no phone,
// email or account) each get an account of their own (first_session);
// the same session's metadata arriving again finds the same one.
func TestUnidentifiedCallersAreNotMerged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	accountOf := func(id int) crm.Account {
		e.apply(t, ingest.Metadata{Raw: callMeta(t, id, func(m map[string]any) {
			delete(m, "participants") // where the caller's number is
		})}, ingest.Linked)
		acc, err := e.store.GetAccount(ctx, e.recordOf(t, "call:"+strconv.Itoa(id)).AccountID)
		if err != nil {
			t.Fatal(err)
		}
		return acc
	}
	first, second := accountOf(9001), accountOf(9002)
	if first.ID == second.ID {
		t.Errorf("calls 9001 and 9002 of unidentified callers share account %s", first.ID)
	}
	if first.Custom["first_session"] != "call:9001" || second.Custom["first_session"] != "call:9002" {
		t.Errorf("first_session: %q and %q", first.Custom["first_session"], second.Custom["first_session"])
	}
	if again := accountOf(9001); again.ID != first.ID {
		t.Errorf("call 9001's metadata again: account %s, want %s", again.ID, first.ID)
	}
}

// Metadata the CRM cannot store (an end user's name over its limit), or
// that does not parse, is Malformed with no error (not retried) and
// stores nothing.
func TestMalformedMetadataIsNotRetried(t *testing.T) {
	e := newEnv(t)
	for name, raw := range map[string][]byte{
		"name over its limit": callMeta(t, 9003, func(m map[string]any) {
			m["end_user"].(map[string]any)["name"] = strings.Repeat("n", crm.MaxName+1)
		}),
		"not JSON":   []byte("{"),
		"no session": []byte(`{"status": "finished"}`),
	} {
		t.Run(name, func(t *testing.T) { e.apply(t, ingest.Metadata{Raw: raw}, ingest.Malformed) })
	}
	if id, err := e.store.RecordOfSession(context.Background(), "call:9003"); err != nil || id != "" {
		t.Errorf("record of call:9003: %q %v, want none", id, err)
	}
}

// A newer version replaces an older one (and the metadata attachment);
// an older version arriving later changes nothing.
func TestOlderMetadataChangesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	version := func(updatedAt, status, sha string) ingest.Metadata {
		return ingest.Metadata{
			Raw: callMeta(t, 9400, func(m map[string]any) { m["updated_at"], m["status"] = updatedAt, status }),
			File: &crm.Attachment{Filename: "call-9400.json", ContentType: "application/json", Size: 2, SHA256: sha,
				Kind: "session_metadata", Bucket: "ccai", Object: "ujet-metadata/call-9400.json"},
		}
	}
	e.apply(t, version("2026-03-23T13:10:00.000-07:00", "in_progress", "aa"), ingest.Linked)
	e.apply(t, version("2026-03-23T13:16:58.000-07:00", "finished", "bb"), ingest.Linked)
	e.apply(t, version("2026-03-23T13:12:00.000-07:00", "in_progress", "cc"), ingest.Linked)
	rec := e.recordOf(t, "call:9400")
	s, _ := session(rec, "call:9400")
	if s.Status != "finished" || !s.MetadataUpdatedAt.Equal(time.Date(2026, 3, 23, 20, 16, 58, 0, time.UTC)) {
		t.Errorf("session: status %q version %v, want the newest (finished, 20:16:58Z)", s.Status, s.MetadataUpdatedAt)
	}
	atts, err := e.store.Attachments(ctx, rec.ID)
	if err != nil || len(atts) != 1 || atts[0].SHA256 != "bb" || atts[0].Source != crm.SourceStorage {
		t.Errorf("attachments: %+v %v, want the newest version's file only", atts, err)
	}
}

// session.ended goes out once, however many deliveries of the ended
// session's metadata (versions, retries, simultaneous ones) arrive.
func TestSessionEndedOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.apply(t, ingest.Metadata{Raw: callMeta(t, 9500, func(m map[string]any) { m["status"], m["updated_at"] = "in_progress", "2026-03-23T13:10:00Z" })}, ingest.Linked)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if out, err := e.svc.ApplyMetadata(ctx, ingest.Metadata{Raw: callMeta(t, 9500, nil), Source: crm.SourceStorage}); err != nil || out != ingest.Linked {
				t.Errorf("ApplyMetadata: %q %v", out, err)
			}
		})
	}
	wg.Wait()
	e.apply(t, ingest.Metadata{Raw: callMeta(t, 9500, nil)}, ingest.Linked)
	ended := 0
	for _, ev := range e.pull(time.Second) {
		if ev["type"] == "session.ended" {
			ended++
			if ev["session_id"] != "9500" || ev["status"] != "finished" || ev["record_id"] != e.recordOf(t, "call:9500").ID {
				t.Errorf("session.ended: %v", ev)
			}
		}
	}
	if ended != 1 {
		t.Errorf("session.ended events: %d, want 1", ended)
	}
}

// Metadata from an email keeps its source: its file and the transcript
// that came with it are attachments with source email on the email
// session's record, once each however often the email arrives.
func TestMetadataFromEmailKeepsItsSource(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := ingest.Metadata{
		Raw: testenv.EmailSessionMetadata(t, "9600", ""), Source: crm.SourceEmail,
		File: &crm.Attachment{Filename: "metadata.json", ContentType: "application/json", Size: 2, SHA256: "aa",
			Kind: "session_metadata", Bucket: "mail", Object: "9600/metadata.json"},
		Files: []crm.Attachment{{Filename: "transcript.txt", ContentType: "text/plain", Size: 2, SHA256: "bb",
			Kind: "chat_transcript", Bucket: "mail", Object: "9600/transcript.txt"}},
	}
	e.apply(t, m, ingest.Linked)
	e.apply(t, m, ingest.Linked)
	rec := e.recordOf(t, "email:9600")
	atts, err := e.store.Attachments(ctx, rec.ID)
	if err != nil || len(atts) != 2 {
		t.Fatalf("attachments: %d %v, want the metadata and the transcript", len(atts), err)
	}
	for _, a := range atts {
		if a.Source != crm.SourceEmail || a.SessionKey != "email:9600" {
			t.Errorf("attachment %s: source %q session %q, want email, email:9600", a.Filename, a.Source, a.SessionKey)
		}
	}
}

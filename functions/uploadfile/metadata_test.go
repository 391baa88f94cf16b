package uploadfile_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/testenv"
)

// A session metadata file uploaded through the Generic API (one of the
// files CCAI Platform can attach) is applied as one from external storage
// is: the record's session gets its summary, and the file is the
// session's one metadata attachment, however often and however it is
// sent (multipart with its storage name, base64 with a call id or alone
// to the record holding the session). A JSON
// file that is not metadata, or metadata of a session the upload does not
// name, is attached as it is, and makes no record; metadata of a new
// session the upload names goes to the upload's record.
func TestUploadedSessionMetadata(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	meta := testenv.Fixture(t, "metadata/call-1418.json") // call 1418: the env's record holds it
	wantID := crm.MetadataAttachmentID(e.record, "call:1418")

	ct, body := multipartBody(t, "application/json", "call-1418.json", meta)
	status, got := e.postAgain(t, ct, body)
	if status != http.StatusCreated || got.ID != wantID || got.RecordID != e.record {
		t.Fatalf("first upload: %d %+v, want 201 with attachment %s", status, got, wantID)
	}
	rec, err := e.store.GetRecord(ctx, e.record)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Sessions) != 1 || rec.Sessions[0].Status != "finished" || rec.Sessions[0].MetadataUpdatedAt.IsZero() || len(rec.Sessions[0].Summary) == 0 {
		t.Errorf("session after the upload: %+v, want the metadata's summary", rec.Sessions)
	}
	for _, again := range []struct {
		name     string
		ct       string
		body     []byte
		wantCode int
	}{
		{"the same upload again", ct, body, http.StatusOK},
		{"base64 with the call id", "application/json", base64Body(meta), http.StatusOK},
		// the record holds the session
		{"base64 alone", "application/json", []byte(`{"file":"` + base64.StdEncoding.EncodeToString(meta) + `"}`), http.StatusOK},
	} {
		status, got := e.postAgain(t, again.ct, again.body)
		if status != again.wantCode || got.ID != wantID {
			t.Errorf("%s: %d %+v, want %d with attachment %s", again.name, status, got, again.wantCode, wantID)
		}
	}
	atts, err := e.store.Attachments(ctx, e.record)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 || atts[0].ID != wantID || atts[0].Kind != "session_metadata" || atts[0].Source != crm.SourceAPI || atts[0].SessionKey != "call:1418" {
		t.Fatalf("attachments: %+v, want the session's metadata file once", atts)
	}

	// Not metadata, or another session's that the upload does not name:
	// plain attachments.
	var other map[string]any
	if err := json.Unmarshal(meta, &other); err != nil {
		t.Fatal(err)
	}
	other["id"] = 7_777_001
	delete(other, "out_ticket_id")
	otherMeta, _ := json.Marshal(other)
	for _, f := range []struct{ name, filename string }{
		{`{"messages":[{"from":"end_user","text":"hi"}]}`, "chat.json"},
		{string(otherMeta), "notes.json"},
	} {
		ct, body := multipartBody(t, "application/json", f.filename, []byte(f.name))
		status, got := e.postAgain(t, ct, body)
		if status != http.StatusCreated || got.ID == "" || got.ID == wantID {
			t.Errorf("%s: %d %+v, want a plain attachment", f.filename, status, got)
		}
	}
	if id, err := e.store.RecordOfSession(ctx, "call:7777001"); err != nil || id != "" {
		t.Errorf("metadata the upload does not name made record %q (%v)", id, err)
	}
	if atts, _ := e.store.Attachments(ctx, e.record); len(atts) != 3 {
		t.Errorf("%d attachments, want the metadata file and the two others", len(atts))
	}

	// The record it was sent to is the session's, whatever record its
	// out_ticket_id names (here none that exists): no record is made.
	other["id"], other["out_ticket_id"] = 7_777_002, "no-such-record"
	named, _ := json.Marshal(other)
	ct, body = multipartBody(t, "application/json", "call-7777002.json", named)
	if status, got := e.postAgain(t, ct, body); status != http.StatusCreated || got.ID != crm.MetadataAttachmentID(e.record, "call:7777002") {
		t.Errorf("metadata of a new session named by the upload: %d %+v, want the session's metadata attachment", status, got)
	}
	if id, err := e.store.RecordOfSession(ctx, "call:7777002"); err != nil || id != e.record {
		t.Errorf("record of call 7777002: %q (%v), want the upload's %s", id, err, e.record)
	}
}

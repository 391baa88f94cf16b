package inboundemail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"cloud.google.com/go/firestore"

	"example.com/crm/functions/inboundemail"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

type env struct {
	srv   *httptest.Server
	store *gcpfirestore.Store
	db    *firestore.Client
}

func newEnv(t *testing.T) env {
	t.Helper()
	emu := testenv.All(t)
	ctx := context.Background()
	project := testenv.Project()
	bucket := project + "-attachments"
	if err := localstack.CreateBucket(ctx, emu.GCS, project, bucket); err != nil {
		t.Fatal(err)
	}
	blobs, err := gcpstorage.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	db := testenv.Firestore(t)
	store := gcpfirestore.New(db)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := inboundemail.Handler{Ingest: &ingest.Service{Store: store, Log: log}, Blobs: blobs, Bucket: bucket,
		Senders: []string{"no-reply@ccaiplatform.com"}, Log: log}
	srv := httptest.NewServer(inboundemail.New(ccai.Options{Log: log}, h))
	t.Cleanup(srv.Close)
	return env{srv: srv, store: store, db: db}
}

// rawMessage is a session outcome email as CCAI Platform sends it: the
// metadata JSON as the text body, the transcript as a base64 TXT
// attachment.
func rawMessage(from string, metadata []byte, transcript string) []byte {
	var b strings.Builder
	b.WriteString("From: CCAI Platform <" + from + ">\r\nTo: crm@example.com\r\nSubject: Session 135 outcome\r\n")
	b.WriteString("Message-ID: <outcome-135@ccaiplatform.com>\r\nDate: Tue, 09 Sep 2025 21:06:23 +0000\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	b.WriteString("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.Write(metadata)
	b.WriteString("\r\n--b1\r\nContent-Type: text/plain; name=\"chat-135.txt\"\r\nContent-Disposition: attachment; filename=\"chat-135.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString([]byte(transcript)))
	b.WriteString("\r\n--b1--\r\n")
	return []byte(b.String())
}

func (e env) post(t *testing.T, contentType string, body []byte) int {
	t.Helper()
	resp, err := http.Post(e.srv.URL+"/", contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	t.Logf("%d %s", resp.StatusCode, b)
	return resp.StatusCode
}

func TestInboundEmail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const transcript = "Agent: Hello\nCustomer: Hi\n"
	msg := rawMessage("no-reply@ccaiplatform.com", testenv.Fixture(t, "metadata/chat-135.json"), transcript)

	if got := e.post(t, "message/rfc822", msg); got != http.StatusAccepted {
		t.Fatalf("first delivery: status %d, want 202", got)
	}
	recID, err := e.store.RecordOfSession(ctx, "chat:135")
	if err != nil || recID == "" {
		t.Fatalf("no record of chat 135 (%q, %v)", recID, err)
	}
	rec, err := e.store.GetRecord(ctx, recID)
	if err != nil {
		t.Fatal(err)
	}
	var applied bool
	for _, s := range rec.Sessions {
		if s.Kind == crm.SessionChat && s.ID == "135" && !s.MetadataUpdatedAt.IsZero() {
			applied = true
		}
	}
	if !applied {
		t.Errorf("record %+v: metadata of chat 135 not applied", rec.Sessions)
	}
	atts, err := e.store.Attachments(ctx, recID)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 || atts[0].Source != crm.SourceEmail || atts[0].Filename != "chat-135.txt" || atts[0].Size != int64(len(transcript)) {
		t.Fatalf("attachments %+v, want the transcript with source email", atts)
	}

	before := testenv.Dump(t, e.db)
	if got := e.post(t, "message/rfc822", msg); got/100 != 2 {
		t.Fatalf("second delivery: status %d, want 2xx", got)
	}
	// Nothing new: the same documents, the same one attachment. (ingest
	// links a file with replace, so the attachment is rewritten in place.)
	after := testenv.Dump(t, e.db)
	if len(after) != len(before) {
		t.Errorf("the same email delivered twice: %d documents, were %d", len(after), len(before))
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			t.Errorf("the same email delivered twice made %s", path)
		}
	}
	again, err := e.store.Attachments(ctx, recID)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || again[0].ID != atts[0].ID || again[0].SHA256 != atts[0].SHA256 {
		t.Errorf("attachments after the second delivery %+v, want only %+v", again, atts[0])
	}
}

func TestInboundEmailRefused(t *testing.T) {
	e := newEnv(t)
	meta := testenv.Fixture(t, "metadata/chat-135.json")
	for _, tt := range []struct {
		name, contentType string
		body              []byte
		want              int
	}{
		{"wrong sender", "message/rfc822", rawMessage("someone@example.com", meta, "x"), http.StatusForbidden},
		{"garbage", "message/rfc822", []byte("\x00\x01 not a message at all"), 0},
		{"no metadata", "message/rfc822", rawMessage("no-reply@ccaiplatform.com", []byte("hello"), "x"), 0},
		{"wrong type", "application/json", meta, http.StatusUnsupportedMediaType},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := testenv.Dump(t, e.db)
			got := e.post(t, tt.contentType, tt.body)
			if tt.want != 0 && got != tt.want || got/100 != 4 {
				t.Errorf("status %d, want %d (a 4xx)", got, tt.want)
			}
			if after := testenv.Dump(t, e.db); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused email changed what is stored")
			}
		})
	}
}

// The SendGrid Inbound Parse form in raw mode (the whole message in the
// "email" field) is applied like a raw message.
func TestInboundEmailSendGridRaw(t *testing.T) {
	e := newEnv(t)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("from", "no-reply@ccaiplatform.com")
	_ = w.WriteField("email", string(rawMessage("no-reply@ccaiplatform.com", testenv.Fixture(t, "metadata/chat-135.json"), "Agent: Hi\n")))
	_ = w.Close()
	if got := e.post(t, w.FormDataContentType(), body.Bytes()); got != http.StatusAccepted {
		t.Fatalf("status %d, want 202", got)
	}
	recID, err := e.store.RecordOfSession(context.Background(), "chat:135")
	if err != nil || recID == "" {
		t.Fatalf("no record of chat 135 (%q, %v)", recID, err)
	}
	atts, err := e.store.Attachments(context.Background(), recID)
	if err != nil || len(atts) != 1 || atts[0].Source != crm.SourceEmail {
		t.Errorf("attachments %+v (%v), want the transcript with source email", atts, err)
	}
}

package inboundemail_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"example.com/crm/functions/inboundemail"
	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcppubsub"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/logging"
	"example.com/crm/shared/objectname"
	"example.com/crm/shared/testenv"
	"example.com/crm/shared/testenv/testbucket"
)

const (
	apiKeyHeader = "X-Api-Key"
	apiKey       = "inbound-test-api-key-0123456789"
	pathSecret   = "inbound-path-secret-0123456789abcdefghij"
)

type env struct {
	srv    *httptest.Server
	store  *gcpfirestore.Store
	db     *firestore.Client
	gcs    string
	bucket string
	pull   func(time.Duration) []map[string]any
	logs   *testenv.Logs
}

// newEnv serves the function on the emulators with the Generic API's
// custom header authentication, the path secret, and a failed-attempt
// limiter (nil: the default one).
func newEnv(t *testing.T, limiter *auth.Limiter) env {
	t.Helper()
	ctx := context.Background()
	b := testbucket.New(t, "-attachments")
	emu, project, bucket, blobs := b.Emulators, b.Project, b.Name, b.Blobs
	pull := testenv.Topic(t, emu.PubSub, project, "crm-events")
	pub, err := gcppubsub.Open(ctx, project, "crm-events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	// Opened, the store counts its operations into each request's log line.
	store, err := gcpfirestore.Open(ctx, project, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	db, err := firestore.NewClient(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &testenv.Logs{}
	log := logging.New(logs, project)
	if limiter == nil {
		limiter = auth.NewLimiter()
	}
	checker, err := auth.New(auth.Config{Method: auth.MethodCustomHeader, HeaderName: apiKeyHeader, APIKeys: []string{apiKey}}, nil, limiter)
	if err != nil {
		t.Fatal(err)
	}
	h := inboundemail.Handler{Ingest: &ingest.Service{Store: store, Events: pub, Log: log}, Blobs: blobs, Bucket: bucket,
		Senders: []string{"no-reply@ccaiplatform.com"}, PathSecret: pathSecret, Log: log}
	srv := httptest.NewServer(inboundemail.New(ccai.Options{Auth: checker, Log: log}, h))
	t.Cleanup(srv.Close)
	return env{srv: srv, store: store, db: db, gcs: emu.GCS, bucket: bucket, pull: pull, logs: logs}
}

// email is a session outcome email as CCAI Platform sends it: the
// metadata JSON as the body, the transcript as a TXT attachment.
type email struct {
	From      string // no-reply@ccaiplatform.com when empty
	MessageID string // outcome@ccaiplatform.com when empty
	Meta      []byte // the body, in Charset
	HTML      bool   // the body is only an HTML part (the JSON in a <pre>)
	Charset   string // utf-8 when empty
	Encoding  string // the body's transfer encoding: "" (8bit), "quoted-printable" or "base64"
	// Transcript, when not nil, is attached as chat-135.txt in
	// TranscriptEncoding (base64 when empty).
	Transcript         []byte
	TranscriptEncoding string
}

func encode(b []byte, encoding string) string {
	switch encoding {
	case "base64":
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 76 {
			out.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		out.WriteString(s)
		return out.String()
	case "quoted-printable":
		var out bytes.Buffer
		w := quotedprintable.NewWriter(&out)
		w.Binary = true // the bytes as they are: line breaks too
		w.Write(b)
		w.Close()
		return out.String()
	}
	return string(b)
}

func (m email) raw() []byte {
	from, id, charset := m.From, m.MessageID, m.Charset
	if from == "" {
		from = "no-reply@ccaiplatform.com"
	}
	if id == "" {
		id = "outcome@ccaiplatform.com"
	}
	if charset == "" {
		charset = "utf-8"
	}
	var b strings.Builder
	b.WriteString("From: CCAI Platform <" + from + ">\r\nTo: outcome@crm.example.com\r\nSubject: Session outcome\r\n")
	b.WriteString("Message-ID: <" + id + ">\r\nDate: Tue, 09 Sep 2025 21:06:23 +0000\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	body, bodyType := m.Meta, "text/plain"
	if m.HTML {
		body, bodyType = []byte("<html><body><p>Session outcome</p><pre>"+html.EscapeString(string(m.Meta))+"</pre></body></html>"), "text/html"
	}
	b.WriteString("--b1\r\nContent-Type: " + bodyType + "; charset=" + charset + "\r\n")
	if m.Encoding != "" {
		b.WriteString("Content-Transfer-Encoding: " + m.Encoding + "\r\n")
	}
	b.WriteString("\r\n" + encode(body, m.Encoding) + "\r\n")
	if m.Transcript != nil {
		enc := m.TranscriptEncoding
		if enc == "" {
			enc = "base64"
		}
		b.WriteString("--b1\r\nContent-Type: text/plain; name=\"chat-135.txt\"\r\nContent-Disposition: attachment; filename=\"chat-135.txt\"\r\n")
		b.WriteString("Content-Transfer-Encoding: " + enc + "\r\n\r\n" + encode(m.Transcript, enc) + "\r\n")
	}
	b.WriteString("--b1--\r\n")
	return []byte(b.String())
}

// rawMessage is the usual email: the chat's metadata and its transcript.
func rawMessage(from string, metadata []byte, transcript string) []byte {
	return email{From: from, Meta: metadata, Transcript: []byte(transcript)}.raw()
}

// do posts body to path with the API key (when key is not "") and
// returns the status and the answer.
func (e env) do(t *testing.T, path, key, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set(apiKeyHeader, key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 300 {
		b = b[:300]
	}
	t.Logf("%d %s", resp.StatusCode, b)
	return resp.StatusCode, string(b)
}

// post posts with the API key.
func (e env) post(t *testing.T, contentType string, body []byte) int {
	t.Helper()
	status, _ := e.do(t, "/", apiKey, contentType, body)
	return status
}

// objects returns the SHA-256 of every object in the attachments bucket,
// by name.
func (e env) objects(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	c, err := localstack.NewStorageClient(ctx, e.gcs)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out := map[string]string{}
	it := c.Bucket(e.bucket).Objects(ctx, nil)
	for {
		a, err := it.Next()
		if err == iterator.Done {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Bucket(e.bucket).Object(a.Name).NewReader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, err = io.Copy(h, r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[a.Name] = hex.EncodeToString(h.Sum(nil))
	}
}

// read returns an object's bytes.
func (e env) read(t *testing.T, name string) []byte {
	t.Helper()
	ctx := context.Background()
	c, err := localstack.NewStorageClient(ctx, e.gcs)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Bucket(e.bucket).Object(name).NewReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// record returns the record of session key and its attachments by kind.
func (e env) record(t *testing.T, key string) (crm.Record, map[string]crm.Attachment) {
	t.Helper()
	ctx := context.Background()
	id, err := e.store.RecordOfSession(ctx, key)
	if err != nil || id == "" {
		t.Fatalf("no record of %s (%q, %v)", key, id, err)
	}
	rec, err := e.store.GetRecord(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	atts, err := e.store.Attachments(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]crm.Attachment{}
	for _, a := range atts {
		if _, dup := byKind[a.Kind]; dup {
			t.Errorf("two attachments of kind %q: %+v", a.Kind, atts)
		}
		byKind[a.Kind] = a
	}
	return rec, byKind
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkApplied checks that session key's record has its metadata, the
// email's metadata JSON as its metadata file (the same bytes in the
// bucket), and the transcript (when not nil) with source email.
func (e env) checkApplied(t *testing.T, key string, metaJSON, transcript []byte) crm.Record {
	t.Helper()
	rec, atts := e.record(t, key)
	applied := false
	for _, s := range rec.Sessions {
		if s.Key() == key && !s.MetadataUpdatedAt.IsZero() {
			applied = true
		}
	}
	if !applied {
		t.Errorf("record %+v: metadata of %s not applied", rec.Sessions, key)
	}
	want := 1
	if transcript != nil {
		want = 2
		tr, ok := atts[string(objectname.Transcript)]
		if !ok || tr.Source != crm.SourceEmail || tr.Filename != "chat-135.txt" || tr.SHA256 != sum(transcript) || tr.Size != int64(len(transcript)) {
			t.Errorf("transcript attachment %+v (%v), want chat-135.txt with source email and SHA-256 %s", tr, ok, sum(transcript))
		} else if got := sum(e.read(t, tr.Object)); got != sum(transcript) {
			t.Errorf("stored transcript: SHA-256 %s, want %s", got, sum(transcript))
		}
	}
	if len(atts) != want {
		t.Errorf("attachments %+v, want %d", atts, want)
	}
	m, ok := atts[string(objectname.Metadata)]
	if !ok || m.Source != crm.SourceEmail || m.SessionKey != key || m.SHA256 != sum(metaJSON) || m.ContentType != "application/json" {
		t.Errorf("metadata attachment %+v (%v), want the email's JSON (SHA-256 %s) with source email", m, ok, sum(metaJSON))
	} else if got := e.read(t, m.Object); !bytes.Equal(got, metaJSON) {
		t.Errorf("stored metadata file %q, want the email's JSON", got)
	}
	return rec
}

func TestInboundEmail(t *testing.T) {
	e := newEnv(t, nil)
	const transcript = "Agent: Hello\nCustomer: Hi\n"
	meta := testenv.Fixture(t, "metadata/chat-135.json")
	if got := e.post(t, "message/rfc822", rawMessage("no-reply@ccaiplatform.com", meta, transcript)); got != http.StatusAccepted {
		t.Fatalf("status %d, want 202", got)
	}
	e.checkApplied(t, "chat:135", meta, []byte(transcript))
}

// Both metadata fixtures, with and without a transcript, in every body
// encoding CCAI Platform's mail may take: each lands on its session's
// record with the metadata file and the transcript byte for byte.
func TestInboundEmailBodies(t *testing.T) {
	transcript := []byte("Agent: Hello, how can I help?\nCustomer: Where is my order? It's late — again.\n")
	latin1 := func(b []byte) []byte { // "José Müller" in ISO-8859-1
		return bytes.ReplaceAll(b, []byte("Jane Smith"), []byte("Jos\xe9 M\xfcller"))
	}
	for _, fixture := range []struct{ file, key string }{{"metadata/chat-135.json", "chat:135"}, {"metadata/call-1418.json", "call:1418"}} {
		meta := testenv.Fixture(t, fixture.file)
		for _, tt := range []struct {
			name  string
			m     email
			want  []byte // the metadata JSON as stored (UTF-8)
			name2 string
		}{
			{name: "8bit", m: email{Meta: meta}},
			{name: "quoted-printable", m: email{Meta: meta, Encoding: "quoted-printable"}},
			{name: "base64", m: email{Meta: meta, Encoding: "base64"}},
			{name: "HTML only", m: email{Meta: meta, HTML: true, Encoding: "quoted-printable"}},
			{name: "Latin-1", m: email{Meta: latin1(meta), Charset: "iso-8859-1", Encoding: "quoted-printable"},
				want: bytes.ReplaceAll(meta, []byte("Jane Smith"), []byte("José Müller")), name2: "José Müller"},
		} {
			for _, withTranscript := range []bool{true, false} {
				name := fmt.Sprintf("%s/%s/transcript=%v", fixture.key, tt.name, withTranscript)
				t.Run(name, func(t *testing.T) {
					e := newEnv(t, nil)
					m := tt.m
					if withTranscript {
						m.Transcript = transcript
						if tt.name == "quoted-printable" {
							m.TranscriptEncoding = "quoted-printable"
						}
					}
					if got := e.post(t, "message/rfc822", m.raw()); got != http.StatusAccepted {
						t.Fatalf("status %d, want 202", got)
					}
					want := tt.want
					if want == nil {
						want = meta
					}
					var tr []byte
					if withTranscript {
						tr = transcript
					}
					rec := e.checkApplied(t, fixture.key, want, tr)
					if tt.name2 != "" && !strings.Contains(fmt.Sprint(rec.Sessions), tt.name2) {
						t.Errorf("sessions %v do not name %q", rec.Sessions, tt.name2)
					}
				})
			}
		}
	}
}

// The same email delivered again (the same Message-ID, or another
// Message-ID with the same session and updated_at) changes nothing: the
// same documents (updated_at and created_at included), the same objects,
// no second event.
func TestInboundEmailTwiceChangesNothing(t *testing.T) {
	e := newEnv(t, nil)
	m := email{Meta: testenv.Fixture(t, "metadata/chat-135.json"), Transcript: []byte("Agent: Hello\n")}
	if got := e.post(t, "message/rfc822", m.raw()); got != http.StatusAccepted {
		t.Fatalf("first delivery: status %d, want 202", got)
	}
	first := map[string]int{}
	for _, ev := range e.pull(2 * time.Second) {
		first[fmt.Sprint(ev["type"])]++
	}
	if first["attachment.added"] != 2 || first["session.ended"] != 1 {
		t.Errorf("events of the first delivery %v, want 2 attachment.added and 1 session.ended", first)
	}
	before, objects := testenv.Dump(t, e.db), e.objects(t)
	again := m
	again.MessageID = "another-id@ccaiplatform.com"
	for _, body := range [][]byte{m.raw(), again.raw()} {
		if got := e.post(t, "message/rfc822", body); got/100 != 2 {
			t.Fatalf("again: status %d, want 2xx", got)
		}
	}
	if after := testenv.Dump(t, e.db); !reflect.DeepEqual(before, after) {
		for path, doc := range after {
			if !reflect.DeepEqual(before[path], doc) {
				t.Errorf("the same email again changed %s:\n was %v\n now %v", path, before[path], doc)
			}
		}
	}
	if after := e.objects(t); !reflect.DeepEqual(objects, after) {
		t.Errorf("the same email again changed the bucket: was %v, now %v", objects, after)
	}
	if evs := e.pull(2 * time.Second); len(evs) != 0 {
		t.Errorf("the same email again published %v", evs)
	}
}

// Metadata the CRM refuses (an end user's name over its limit) answers
// 422 and leaves nothing: no document, no object in the bucket.
func TestInboundEmailRefusedMetadataStoresNothing(t *testing.T) {
	e := newEnv(t, nil)
	meta := bytes.Replace(testenv.Fixture(t, "metadata/chat-135.json"), []byte(`"end_user": {`),
		[]byte(`"end_user": {"name": "`+strings.Repeat("n", crm.MaxName+1)+`",`), 1)
	before := testenv.Dump(t, e.db)
	if got := e.post(t, "message/rfc822", email{Meta: meta, Transcript: []byte("Agent: Hello\n")}.raw()); got != http.StatusUnprocessableEntity {
		t.Errorf("status %d, want 422", got)
	}
	if after := testenv.Dump(t, e.db); !reflect.DeepEqual(before, after) {
		t.Errorf("refused metadata changed the database: %v", after)
	}
	if objs := e.objects(t); len(objs) != 0 {
		t.Errorf("refused metadata left objects in the bucket: %v", objs)
	}
}

// A 10 MiB transcript is accepted and stored intact.
func TestInboundEmailLargeAttachment(t *testing.T) {
	e := newEnv(t, nil)
	big := make([]byte, 10<<20)
	for i := range big {
		big[i] = "abcdefghijklmnopqrstuvwxyz\n"[i*7%27]
	}
	meta := testenv.Fixture(t, "metadata/chat-135.json")
	if got := e.post(t, "message/rfc822", email{Meta: meta, Transcript: big}.raw()); got != http.StatusAccepted {
		t.Fatalf("status %d, want 202", got)
	}
	e.checkApplied(t, "chat:135", meta, big)
}

// Refused emails answer a 4xx and store nothing; a sender not allowed is
// logged.
func TestInboundEmailRefused(t *testing.T) {
	e := newEnv(t, nil)
	meta := testenv.Fixture(t, "metadata/chat-135.json")
	for _, tt := range []struct {
		name, contentType string
		body              []byte
		want              int
	}{
		{"wrong sender", "message/rfc822", rawMessage("someone@example.com", meta, "x"), http.StatusForbidden},
		{"garbage", "message/rfc822", []byte("\x00\x01 not a message at all"), 0},
		{"garbage multipart", "message/rfc822", []byte("From: no-reply@ccaiplatform.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\x00\xff{\"id\""), 0},
		{"garbage form", "multipart/form-data; boundary=zz", []byte("--zz\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{"), 0},
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
			if objs := e.objects(t); len(objs) != 0 {
				t.Errorf("a refused email left objects in the bucket: %v", objs)
			}
		})
	}
	if !strings.Contains(e.logs.String(), "someone@example.com") {
		t.Errorf("the refused sender is not logged:\n%s", e.logs.String())
	}
}

// Without credentials, or with wrong ones, an email answers 401 and is not
// stored; the path secret stands for the credentials, and a wrong one
// counts as a failed attempt like a wrong key.
func TestInboundEmailAuthentication(t *testing.T) {
	limiter := auth.NewLimiter()
	limiter.MaxFailures = 4
	e := newEnv(t, limiter)
	msg := rawMessage("no-reply@ccaiplatform.com", testenv.Fixture(t, "metadata/chat-135.json"), "Agent: Hi\n")
	for _, tt := range []struct{ name, path, key string }{
		{"no credentials", "/", ""},
		{"wrong key", "/", "wrong-api-key-0123456789"},
		{"wrong path secret", "/" + strings.Repeat("x", len(pathSecret)), ""},
	} {
		if got, _ := e.do(t, tt.path, tt.key, "message/rfc822", msg); got != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tt.name, got)
		}
	}
	if objs := e.objects(t); len(objs) != 0 {
		t.Errorf("unauthenticated emails left objects: %v", objs)
	}
	if docs := testenv.Dump(t, e.db); len(docs) != 0 {
		t.Errorf("unauthenticated emails left documents: %v", docs)
	}
	// The right path secret, no header.
	if got, _ := e.do(t, "/"+pathSecret, "", "message/rfc822", msg); got != http.StatusAccepted {
		t.Fatalf("with the path secret: status %d, want 202", got)
	}
	e.record(t, "chat:135")
	// The fourth failure, a wrong path secret again: throttled.
	if got, _ := e.do(t, "/"+pathSecret+"x", "", "message/rfc822", msg); got != http.StatusTooManyRequests {
		t.Errorf("the fourth failed attempt: status %d, want 429", got)
	}
	// Valid credentials are still served.
	if got, _ := e.do(t, "/", apiKey, "message/rfc822", msg); got/100 != 2 {
		t.Errorf("with the API key after failures: status %d, want 2xx", got)
	}
	if strings.Contains(e.logs.String(), pathSecret) {
		t.Errorf("the path secret is in the logs")
	}
}

// The SendGrid Inbound Parse form in raw mode (the whole message in the
// "email" field) is applied like a raw message.
func TestInboundEmailSendGridRaw(t *testing.T) {
	e := newEnv(t, nil)
	meta := testenv.Fixture(t, "metadata/chat-135.json")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("from", "no-reply@ccaiplatform.com")
	_ = w.WriteField("email", string(rawMessage("no-reply@ccaiplatform.com", meta, "Agent: Hi\n")))
	_ = w.Close()
	if got := e.post(t, w.FormDataContentType(), body.Bytes()); got != http.StatusAccepted {
		t.Fatalf("status %d, want 202", got)
	}
	e.checkApplied(t, "chat:135", meta, []byte("Agent: Hi\n"))
}

// The SendGrid Inbound Parse form in parsed mode: the fields and the
// files attachment1…, in the charsets the form names.
func TestInboundEmailSendGridParsed(t *testing.T) {
	e := newEnv(t, nil)
	meta := testenv.Fixture(t, "metadata/call-1418.json")
	transcript := []byte("Agent: Hello\n")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("from", "CCAI Platform <no-reply@ccaiplatform.com>")
	_ = w.WriteField("to", "outcome@crm.example.com")
	_ = w.WriteField("subject", "Call 1418")
	_ = w.WriteField("headers", "Message-ID: <call-1418@ccaiplatform.com>\nDate: Mon, 23 Mar 2026 20:17:00 +0000\n")
	_ = w.WriteField("text", string(bytes.ReplaceAll(meta, []byte("Jane Smith"), []byte("Jos\xe9 M\xfcller"))))
	_ = w.WriteField("charsets", `{"from":"UTF-8","to":"UTF-8","subject":"UTF-8","text":"iso-8859-1"}`)
	_ = w.WriteField("attachments", "1")
	_ = w.WriteField("attachment-info", `{"attachment1":{"filename":"chat-135.txt","name":"chat-135.txt","type":"text/plain"}}`)
	f, _ := w.CreateFormFile("attachment1", "chat-135.txt")
	f.Write(transcript)
	_ = w.Close()
	if got := e.post(t, w.FormDataContentType(), body.Bytes()); got != http.StatusAccepted {
		t.Fatalf("status %d, want 202", got)
	}
	e.checkApplied(t, "call:1418", bytes.ReplaceAll(meta, []byte("Jane Smith"), []byte("José Müller")), transcript)
}

// The Firestore operations one email costs, from the request's log line
// (shared/dbcost): an email of a session the CRM never saw, the same email
// again, and an email of a session whose record the Generic API made.
func TestInboundEmailOperations(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	meta := testenv.Fixture(t, "metadata/chat-135.json")
	acc, _, err := e.store.CreateAccount(ctx, crm.Account{Name: "Known"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionChat, ID: "777"}}}); err != nil {
		t.Fatal(err)
	}
	known := email{MessageID: "chat-777@ccaiplatform.com", Meta: bytes.Replace(meta, []byte(`"id": 135,`), []byte(`"id": 777,`), 1), Transcript: []byte("Agent: Hi\n")}
	cost := func(msg []byte) dbcost.LogLine {
		t.Helper()
		if status := e.post(t, "message/rfc822", msg); status != http.StatusAccepted {
			t.Fatalf("status %d, want 202", status)
		}
		var last dbcost.LogLine
		for _, line := range strings.Split(e.logs.String(), "\n") {
			if l, ok := dbcost.ParseLogLine([]byte(line)); ok && l.Message == "request" && l.Endpoint == "InboundEmail" {
				last = l
			}
		}
		return last
	}
	msg := rawMessage("no-reply@ccaiplatform.com", meta, "Agent: Hi\n")
	got := []dbcost.LogLine{cost(msg), cost(msg), cost(known.raw())}
	t.Logf("Firestore operations per email: a session the CRM never saw %d reads, %d writes; the same email again %d reads, %d writes; "+
		"a session whose record exists %d reads, %d writes", got[0].Reads, got[0].Writes, got[1].Reads, got[1].Writes, got[2].Reads, got[2].Writes)
	// A change that adds operations shows here.
	for i, want := range [][2]int64{{9, 10}, {6, 0}, {7, 6}} {
		if got[i].Reads != want[0] || got[i].Writes != want[1] {
			t.Errorf("email %d: %d reads and %d writes, want %d and %d", i+1, got[i].Reads, got[i].Writes, want[0], want[1])
		}
	}
}

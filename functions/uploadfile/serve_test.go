package uploadfile_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"testing"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"example.com/crm/functions/uploadfile"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/testenv"
	"example.com/crm/shared/testenv/testbucket"
)

// env is the upload function on the Firestore and Cloud Storage
// emulators, with one record to attach files to.
type env struct {
	srv    *httptest.Server
	store  *gcpfirestore.Store
	blobs  *gcpstorage.Store
	bucket string
	record string
}

func newEnv(t *testing.T) env {
	t.Helper()
	return newEnvWith(t, ccai.Options{}, uploadfile.Handler{})
}

// newEnvWith is newEnv with options o and the handler's settings h
// (its stores and bucket are filled in).
func newEnvWith(t *testing.T, o ccai.Options, h uploadfile.Handler) env {
	t.Helper()
	ctx := context.Background()
	b := testbucket.New(t, "-attachments")
	bucket, blobs := b.Name, b.Blobs
	store := gcpfirestore.New(testenv.Firestore(t))
	acc, _, err := store.CreateAccount(ctx, crm.Account{Name: "Uploader", Emails: []string{"uploader@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1418"}}})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	o.Log = log
	h.Records, h.Attachments, h.Blobs, h.Bucket, h.Log = store, store, blobs, bucket, log
	h.Ingest = &ingest.Service{Store: store, Log: log}
	srv := httptest.NewServer(uploadfile.New(o, h))
	t.Cleanup(srv.Close)
	return env{srv: srv, store: store, blobs: blobs, bucket: bucket, record: rec.ID}
}

// post uploads body and returns the answer's status, headers and JSON.
func (e env) post(t *testing.T, contentType string, body []byte) (*http.Response, uploadfile.UploadJSON) {
	t.Helper()
	resp, err := http.Post(e.srv.URL+"/records/"+e.record+"/attachments", contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out uploadfile.UploadJSON
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("upload answer %s: %v", b, err)
		}
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: got %d %s, want 201", resp.StatusCode, b)
	}
	return resp, out
}

func base64Body(data []byte) []byte {
	return []byte(`{"file":"` + base64.StdEncoding.EncodeToString(data) + `","call_id":"1418"}`)
}

// multipartBody is a form with one file part of the given part type ("":
// none) and name.
func multipartBody(t *testing.T, partType, filename string, data []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	hd := textproto.MIMEHeader{}
	hd.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": filename}))
	if partType != "" {
		hd.Set("Content-Type", partType)
	}
	w, err := mw.CreatePart(hd)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// get downloads url with method and an optional Range.
func get(t *testing.T, method, url, rng string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// checkServed checks the headers every download carries, and how it is
// served: its type and disposition.
func checkServed(t *testing.T, what string, resp *http.Response, wantType, wantDisposition, wantName string) {
	t.Helper()
	if got := resp.Header.Get("Content-Type"); got != wantType {
		t.Errorf("%s: Content-Type %q, want %q", what, got, wantType)
	}
	disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	if err != nil || disp != wantDisposition || params["filename"] != wantName {
		t.Errorf("%s: Content-Disposition %q, want %s with filename %q", what, resp.Header.Get("Content-Disposition"), wantDisposition, wantName)
	}
	checkProtected(t, what, resp)
}

// checkProtected checks the headers that keep a browser from running
// what a download answer holds.
func checkProtected(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != "sandbox; default-src 'none'" {
		t.Errorf("%s: Content-Security-Policy %q, want sandbox; default-src 'none'", what, got)
	}
}

// Active content (HTML, SVG, XML), whether sniffed from the bytes,
// declared by a multipart part or implied by the file name, is stored
// and downloaded as application/octet-stream, as an attachment.
func TestActiveContentDownloadsAsAttachment(t *testing.T) {
	e := newEnv(t)
	html := []byte("<html><script>alert(document.domain)</script></html>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>`)
	for _, tc := range []struct {
		name, partType, filename string
		data                     []byte
		wantName                 string
	}{
		{"base64 HTML", "", "", html, "call-1418.bin"},
		{"base64 SVG", "", "", svg, "call-1418.bin"},
		{"base64 XML", "", "", []byte(`<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>`), "call-1418.bin"},
		{"part declared text/html", "text/html", "notes", []byte("plain words"), "notes"},
		{"part declared SVG", "image/svg+xml", "picture", svg, "picture"},
		{"part declared XHTML", "application/xhtml+xml", "page", []byte("plain words"), "page"},
		{".html name", "", "page.html", []byte("plain words"), "page.html"},
		{".svg name, declared octet-stream", "application/octet-stream", "image.svg", []byte("plain words"), "image.svg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := append([]byte(tc.name+" "), tc.data...) // one attachment each
			if tc.filename == "" {
				data = append(append([]byte{}, tc.data...), " <!-- "+tc.name+" -->"...)
			}
			ct, body := "application/json", base64Body(data)
			if tc.filename != "" {
				ct, body = multipartBody(t, tc.partType, tc.filename, data)
			}
			resp, up := e.post(t, ct, body)
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("the JSON answer: X-Content-Type-Options %q, want nosniff", got)
			}
			if up.ContentType != "application/octet-stream" {
				t.Errorf("stored type %q, want application/octet-stream", up.ContentType)
			}
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				resp, got := get(t, method, up.URL, "")
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: got %d, want 200", method, resp.StatusCode)
				}
				checkServed(t, method, resp, "application/octet-stream", "attachment", tc.wantName)
				if method == http.MethodGet && !bytes.Equal(got, data) {
					t.Errorf("GET: the bytes changed")
				}
			}
		})
	}
}

// The rule applies when a file is downloaded, so files stored before it
// (or stored with whatever type an object's metadata declared) are
// served by it too.
func TestStoredTypeServedByTheRule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		stored, wantType, wantDisposition string
	}{
		{"text/html; charset=utf-8", "application/octet-stream", "attachment"},
		{"image/svg+xml", "application/octet-stream", "attachment"},
		{"text/xml", "application/octet-stream", "attachment"},
		{"", "application/octet-stream", "attachment"},
		{"text/plain", "text/plain; charset=utf-8", "inline"},
		{"application/json; charset=utf-8", "application/json", "inline"},
		{"audio/mpeg", "audio/mpeg", "inline"},
	} {
		t.Run(tc.stored, func(t *testing.T) {
			data := []byte("<html><script>alert(1)</script></html> " + tc.stored)
			tmp, err := e.blobs.Upload(ctx, e.bucket, bytes.NewReader(data), tc.stored, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			kept, err := e.blobs.Keep(ctx, tmp, "records/"+e.record+"/"+tmp.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			a, _, err := e.store.AddAttachment(ctx, crm.Attachment{ID: crm.AttachmentID(e.record, kept.SHA256), RecordID: e.record,
				Filename: "old.file", ContentType: tc.stored, Size: kept.Size, SHA256: kept.SHA256, Source: crm.SourceAPI,
				Bucket: kept.Bucket, Object: kept.Name}, false)
			if err != nil {
				t.Fatal(err)
			}
			resp, got := get(t, http.MethodGet, ccai.DownloadURL(e.srv.URL, e.record, a.ID), "")
			if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
				t.Fatalf("got %d, %d bytes", resp.StatusCode, len(got))
			}
			checkServed(t, "GET", resp, tc.wantType, tc.wantDisposition, "old.file")
		})
	}
}

// A recording plays inline and seeks: GET, HEAD and Range answers (200,
// 206, 416) all carry the same protective headers.
func TestRecordingInlineWithRange(t *testing.T) {
	e := newEnv(t)
	data := append([]byte("ID3\x04\x00"), bytes.Repeat([]byte{0x55}, 4000)...)
	_, up := e.post(t, "application/json", base64Body(data))
	if up.ContentType != "audio/mpeg" || up.Filename != "call-1418.mp3" {
		t.Fatalf("upload: type %q, name %q", up.ContentType, up.Filename)
	}
	for _, tc := range []struct {
		method, rng string
		want        int
		body        []byte
	}{
		{http.MethodGet, "", 200, data},
		{http.MethodHead, "", 200, nil},
		{http.MethodGet, "bytes=100-199", 206, data[100:200]},
		{http.MethodHead, "bytes=100-199", 206, nil},
		{http.MethodGet, "bytes=-10", 206, data[len(data)-10:]},
	} {
		resp, got := get(t, tc.method, up.URL, tc.rng)
		what := tc.method + " " + tc.rng
		if resp.StatusCode != tc.want || !bytes.Equal(got, tc.body) {
			t.Errorf("%s: got %d, %d bytes; want %d, %d bytes", what, resp.StatusCode, len(got), tc.want, len(tc.body))
		}
		checkServed(t, what, resp, "audio/mpeg", "inline", "call-1418.mp3")
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp, _ := get(t, method, up.URL, "bytes=99999-")
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("%s past the end: got %d, want 416", method, resp.StatusCode)
		}
		checkProtected(t, method+" past the end", resp)
	}
}

// A file name cannot add headers or parameters to the download answer.
func TestFilenameStaysOneParameter(t *testing.T) {
	e := newEnv(t)
	name := "a\"; filename=evil.html\r\nX-Injected: 1.mp3"
	// mime.FormatMediaType encodes the name (RFC 2231), carrying the
	// quote and the line break to the server.
	ct, body := multipartBody(t, "audio/mpeg", name, []byte("ID3 name test"))
	_, up := e.post(t, ct, body)
	if up.Filename != name {
		t.Fatalf("stored name %q, want %q", up.Filename, name)
	}
	resp, _ := get(t, http.MethodGet, up.URL, "")
	if resp.Header.Get("X-Injected") != "" {
		t.Errorf("a header was injected: %v", resp.Header)
	}
	checkServed(t, "GET", resp, "audio/mpeg", "inline", name)
}

// A multipart body that turns out bad after its file part was streamed
// (here: too many fields after it) answers 422 and leaves no temporary
// object behind.
func TestBadBodyAfterFilePartLeavesNothing(t *testing.T) {
	e := newEnv(t)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", "call.mp3")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte("ID3 a recording streamed before the fields"))
	for i := range ccai.MaxParams + 1 {
		w.WriteField("k"+strconv.Itoa(i), "v")
	}
	w.Close()
	resp, err := http.Post(e.srv.URL+"/records/"+e.record+"/attachments", w.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status: got %d, want 422", resp.StatusCode)
	}
	e.checkNoObjects(t)
}

// checkNoObjects fails the test if the bucket holds any object.
func (e env) checkNoObjects(t *testing.T) {
	t.Helper()
	client, err := storage.NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	it := client.Bucket(e.bucket).Objects(context.Background(), nil)
	for {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("object left in the bucket: %s", o.Name)
	}
}

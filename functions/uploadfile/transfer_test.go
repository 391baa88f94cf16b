package uploadfile_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"example.com/crm/functions/uploadfile"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// requestTimeout stands for the Generic API's deadline (4 s when
// deployed), short here so that a slow transfer outlives it quickly.
const requestTimeout = 300 * time.Millisecond

// stall is how long the slow client pauses mid-transfer: well past
// requestTimeout.
const stall = 4 * requestTimeout

// A download read slowly, past the request deadline, arrives whole: file
// transfers have a deadline of their own.
func TestSlowDownloadOutlivesRequestTimeout(t *testing.T) {
	e := newEnvWith(t, ccai.Options{Timeout: requestTimeout}, uploadfile.Handler{TransferTimeout: time.Minute})
	data := make([]byte, 20<<20) // more than the sockets buffer between the two ends
	rand.Read(data)
	copy(data, "ID3")
	// Stored directly: a fast upload of that size takes longer than
	// requestTimeout too.
	ctx := context.Background()
	tmp, err := e.blobs.Upload(ctx, e.bucket, bytes.NewReader(data), "audio/mpeg", int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	kept, err := e.blobs.Keep(ctx, tmp, "records/"+e.record+"/"+tmp.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := e.store.AddAttachment(ctx, crm.Attachment{ID: crm.AttachmentID(e.record, kept.SHA256), RecordID: e.record,
		Filename: "call.mp3", ContentType: "audio/mpeg", Size: kept.Size, SHA256: kept.SHA256, Source: crm.SourceAPI,
		Bucket: kept.Bucket, Object: kept.Name}, false)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(ccai.DownloadURL(e.srv.URL, e.record, a.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download: got %d, want 200", resp.StatusCode)
	}
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	time.Sleep(stall) // a reader at a throttled pace
	rest, err := io.ReadAll(resp.Body)
	if got := append(head, rest...); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("download read slowly: %v, %d of %d bytes, equal %v", err, len(got), len(data), bytes.Equal(got, data))
	}
}

// An upload sent slowly, past the request deadline, is stored whole, as
// a multipart form and as base64 in JSON.
func TestSlowUploadOutlivesRequestTimeout(t *testing.T) {
	e := newEnvWith(t, ccai.Options{Timeout: requestTimeout}, uploadfile.Handler{TransferTimeout: time.Minute})
	data := make([]byte, 4<<20)
	rand.Read(data)
	copy(data, "ID3")
	multipartType, multipart := multipartBody(t, "audio/mpeg", "call.mp3", data)
	for _, tc := range []struct {
		name, contentType string
		body              []byte
	}{
		{"multipart", multipartType, multipart},
		{"base64", "application/json", []byte(`{"file":"` + base64.StdEncoding.EncodeToString(data) + `"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				half := len(tc.body) / 2
				pw.Write(tc.body[:half])
				time.Sleep(stall) // a sender at a throttled pace
				pw.Write(tc.body[half:])
				pw.Close()
			}()
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/records/"+e.record+"/attachments", pr)
			req.Header.Set("Content-Type", tc.contentType)
			req.ContentLength = int64(len(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var up uploadfile.UploadJSON
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode/100 != 2 || json.Unmarshal(b, &up) != nil {
				t.Fatalf("slow upload: got %d %s, want 201 or 200", resp.StatusCode, b)
			}
			_, got := get(t, http.MethodGet, up.URL, "")
			if !bytes.Equal(got, data) {
				t.Errorf("stored %d bytes, want the %d sent", len(got), len(data))
			}
		})
	}
}

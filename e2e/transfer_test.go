package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stall is a pause of a slow client mid-transfer: longer than the
// Generic API's request deadline (CRM_REQUEST_TIMEOUT, 4 s).
const stall = 5 * time.Second

// File transfers have their own deadline: a 20 MiB download read slowly
// and an upload sent slowly, each lasting past the request deadline,
// arrive whole.
func TestSlowTransfersOutliveRequestTimeout(t *testing.T) {
	p := newPlayer(t)
	key := p.Settings.Auth.CustomHeader[0]
	t.Run("download", func(t *testing.T) {
		t.Parallel()
		v := newRecord(t, p)
		data := randomBytes(t, 20<<20) // more than the sockets buffer between the two ends
		res, link, err := p.Upload(context.Background(), v, data, "call-"+v["Call_ID"]+".mp3")
		if err != nil || res.Status != 201 {
			t.Fatalf("upload: %v %d %s", err, res.Status, res.Body)
		}
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set(key.Key, key.Value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		head := make([]byte, 1<<20)
		if _, err := io.ReadFull(resp.Body, head); err != nil {
			t.Fatalf("download: %d %v", resp.StatusCode, err)
		}
		time.Sleep(stall) // a reader at a throttled pace
		rest, err := io.ReadAll(resp.Body)
		if got := append(head, rest...); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("download read slowly: %v, %d of %d bytes, equal %v", err, len(got), len(data), bytes.Equal(got, data))
		}
	})
	t.Run("upload", func(t *testing.T) {
		t.Parallel()
		v := newRecord(t, p)
		data := randomBytes(t, 2<<20)
		body := []byte(`{"file":"` + base64.StdEncoding.EncodeToString(data) + `"}`)
		pr, pw := io.Pipe()
		go func() {
			pw.Write(body[:len(body)/2])
			time.Sleep(stall) // a sender at a throttled pace
			pw.Write(body[len(body)/2:])
			pw.Close()
		}()
		url := strings.ReplaceAll(p.Settings.Endpoints.UploadFile.URL, "{RECORD_ID}", v["RECORD_ID"])
		req, _ := http.NewRequest(http.MethodPost, url, pr)
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(key.Key, key.Value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ URL string }
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &out) != nil {
			t.Fatalf("slow upload: got %d %s, want 201", resp.StatusCode, b)
		}
		_, stored, err := p.Download(context.Background(), out.URL, "")
		if err != nil || !bytes.Equal(stored, data) {
			t.Errorf("stored file: %v, %d bytes, want the %d sent", err, len(stored), len(data))
		}
	})
}

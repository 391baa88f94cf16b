package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/ccaiplayer"
)

// newRecord makes an account and a record for uploads.
func newRecord(t *testing.T, p *ccaiplayer.Player) ccaiplayer.Vars {
	t.Helper()
	v := ccaiplayer.Vars{"NAME": "Uploader", "PHONE_NUMBER": uniquePhone(t, "1"), "Call_ID": uniqueID(t)}
	v["ACCOUNT_ID"] = call(t, p, "create_account", v, 201).ID
	v["RECORD_ID"] = call(t, p, "create_record", v, 201).ID
	return v
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	copy(b, "ID3") // an mp3, by its first bytes
	return b
}

// Uploads in every form the portal offers, in both response modes, reach
// the record byte for byte; the same file twice is one attachment.
func TestUploadForms(t *testing.T) {
	type form struct {
		upload, format, container, containerName, attachment string
	}
	for _, f := range []form{
		{"base64", "property", "", "", "id"},
		{"base64", "container", "map", "upload", "url"},
		{"base64", "container", "array", "files", "id"},
		{"multipart", "property", "", "", "id"},
		{"multipart", "property", "", "", "url"},
	} {
		t.Run(f.upload+"/"+f.format+f.container+"/"+f.attachment, func(t *testing.T) {
			p := newPlayer(t)
			ep := p.Endpoint("upload_file")
			ep.UploadType, ep.RequestDataFormat, ep.ContainerType, ep.ContainerName = f.upload, f.format, f.container, f.containerName
			ep.AttachmentType = f.attachment
			if f.attachment == "url" {
				ep.AttachmentURLLocation, ep.AttachmentIDLocation, ep.AttachmentBuilderURL = "url", "", ""
			}
			v := newRecord(t, p)
			data := randomBytes(t, 300_000)
			res, link, err := p.Upload(context.Background(), v, data, "call-"+v["Call_ID"]+".mp3")
			if err != nil || res.Status != 201 {
				t.Fatalf("upload: %v %d %s", err, res.Status, res.Body)
			}
			resp, body, err := p.Download(context.Background(), link, "")
			if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, data) {
				t.Fatalf("download %s: %v %v, %d bytes", link, err, resp.StatusCode, len(body))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "audio/mpeg" {
				t.Errorf("content type: got %q, want audio/mpeg", ct)
			}
			again, link2, err := p.Upload(context.Background(), v, data, "call-"+v["Call_ID"]+".mp3")
			if err != nil || again.Status != 200 || link2 != link {
				t.Errorf("same file again: %v %d %s, link %s vs %s", err, again.Status, again.Body, link2, link)
			}
			r := record(t, p, v["RECORD_ID"])
			if len(r.Attachments) != 1 {
				t.Fatalf("attachments: got %d, want 1", len(r.Attachments))
			}
			a := r.Attachments[0]
			sum := sha256.Sum256(data)
			if a.Size != int64(len(data)) || a.SHA256 != hex.EncodeToString(sum[:]) || a.Source != "api" || a.DownloadURL != link {
				t.Errorf("attachment: got %+v", a)
			}
			if f.upload == "base64" && a.Filename != "call-"+v["Call_ID"]+".mp3" {
				t.Errorf("a base64 upload is named after its session: got %q", a.Filename)
			}
		})
	}
}

// A 20 MiB recording, exact to the byte, and seeking in it.
// A session metadata file CCAI Platform uploads through the Generic API
// (in either upload form) gives the record's session its summary, and is
// the session's one metadata attachment however often it comes.
func TestUploadSessionMetadata(t *testing.T) {
	inEachUploadForm(t, func(t *testing.T, p *ccaiplayer.Player, v ccaiplayer.Vars) {
		meta := metadataFile(t, v["Call_ID"], "finished", "2026-03-23T13:16:58.000-07:00", v["PHONE_NUMBER"], v["RECORD_ID"])
		var first string
		for i, want := range []int{201, 200} {
			res, link, err := p.Upload(context.Background(), v, meta, "call-"+v["Call_ID"]+".json")
			if err != nil || res.Status != want || (i > 0 && link != first) {
				t.Fatalf("upload %d: %v %d %s (link %s), want %d", i+1, err, res.Status, res.Body, link, want)
			}
			first = link
		}
		resp, body, err := p.Download(context.Background(), first, "")
		if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, meta) {
			t.Fatalf("download %s: %v %v", first, err, resp.StatusCode)
		}
		r := record(t, p, v["RECORD_ID"])
		if len(r.Sessions) != 1 || r.Sessions[0].Status != "finished" || !strings.HasPrefix(r.Sessions[0].MetadataUpdatedAt, "2026-03-23T20:16:58") {
			t.Errorf("sessions: %+v, want call %s with the metadata's status and time", r.Sessions, v["Call_ID"])
		}
		if len(r.Attachments) != 1 || r.Attachments[0].Kind != "session_metadata" || r.Attachments[0].Source != "api" || r.Attachments[0].DownloadURL != first {
			t.Errorf("attachments: %+v, want the metadata file once", r.Attachments)
		}
	})
}

// inEachUploadForm runs test in a subtest per upload form of the portal
// (multipart, base64), with a player set to it and a new record (newRecord).
func inEachUploadForm(t *testing.T, test func(t *testing.T, p *ccaiplayer.Player, v ccaiplayer.Vars)) {
	for _, form := range []string{"multipart", "base64"} {
		t.Run(form, func(t *testing.T) {
			p := newPlayer(t)
			p.Endpoint("upload_file").UploadType = form
			test(t, p, newRecord(t, p))
		})
	}
}

func TestLargeUploadAndRange(t *testing.T) {
	inEachUploadForm(t, func(t *testing.T, p *ccaiplayer.Player, v ccaiplayer.Vars) {
		data := randomBytes(t, 20<<20)
		res, link, err := p.Upload(context.Background(), v, data, "call-"+v["Call_ID"]+".mp3")
		if err != nil || res.Status != 201 {
			t.Fatalf("upload: %v %d %s", err, res.Status, res.Body)
		}
		resp, body, err := p.Download(context.Background(), link, "")
		if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Fatalf("download: %v %v, %d bytes", err, resp.StatusCode, len(body))
		}
		for _, tc := range []struct {
			rng        string
			from, to   int
			wantStatus int
		}{
			{"bytes=1000-1999", 1000, 2000, 206},
			{"bytes=-500", len(data) - 500, len(data), 206},
			{"bytes=20971000-", 20971000, len(data), 206},
		} {
			resp, body, err := p.Download(context.Background(), link, tc.rng)
			if err != nil || resp.StatusCode != tc.wantStatus || !bytes.Equal(body, data[tc.from:tc.to]) {
				t.Errorf("%s: %v %v, %d bytes", tc.rng, err, resp.StatusCode, len(body))
			}
			if cr := resp.Header.Get("Content-Range"); !strings.HasPrefix(cr, "bytes ") {
				t.Errorf("%s: Content-Range %q", tc.rng, cr)
			}
		}
		resp, _, _ = p.Download(context.Background(), link, "bytes=99999999-")
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("range past the end: got %d, want 416", resp.StatusCode)
		}
	})
}

// Bad uploads get a clear 4xx and leave nothing behind.
func TestBadUploads(t *testing.T) {
	p := newPlayer(t)
	v := newRecord(t, p)
	ep := p.Settings.Endpoints.UploadFile
	url := strings.ReplaceAll(ep.URL, "{RECORD_ID}", v["RECORD_ID"])
	key := p.Settings.Auth.CustomHeader[0]
	big := randomBytes(t, 33<<20)
	for _, tc := range []struct {
		name, url, contentType string
		body                   []byte
		want                   int
	}{
		{"bad base64", url, "application/json", []byte(`{"file":"not*base64!!"}`), 422},
		{"empty JSON", url, "application/json", []byte(`{"call_id":"1"}`), 422},
		{"wrong content type", url, "application/xml", []byte(`<file/>`), 415},
		{"multipart without a file part", url, "multipart/form-data; boundary=XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"call_id\"\r\n\r\n1\r\n--XX--\r\n"), 422},
		{"multipart without a boundary", url, "multipart/form-data", []byte("x"), 422},
		{"unknown record", strings.ReplaceAll(ep.URL, "{RECORD_ID}", "nope"), "application/json", []byte(`{"file":"SUQzBAA="}`), 404},
		{"no record id", strings.ReplaceAll(ep.URL, "{RECORD_ID}", ""), "application/json", []byte(`{"file":"SUQzBAA="}`), 422},
		{"too large", url, "application/octet-stream", big, 413},
		{"too many JSON values", url, "application/json", []byte(`{"file":"SUQzBAA="` + strings.Repeat(`,"f":1`, ccai.MaxParams) + `}`), 422},
		{"too many multipart fields", url, "multipart/form-data; boundary=XX", []byte(strings.Repeat("--XX\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n1\r\n", ccai.MaxParams+1) +
			"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n\r\nID3\r\n--XX--\r\n"), 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, tc.url, bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set(key.Key, key.Value)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if r := record(t, p, v["RECORD_ID"]); len(r.Attachments) != 0 {
		t.Errorf("bad uploads left attachments: %+v", r.Attachments)
	}
}

// rawUpload posts a body to the record's upload URL with the API's
// authentication and returns the answer and its download link.
func rawUpload(t *testing.T, p *ccaiplayer.Player, recordID, contentType string, body []byte) (*http.Response, string) {
	t.Helper()
	u := strings.ReplaceAll(p.Settings.Endpoints.UploadFile.URL, "{RECORD_ID}", recordID)
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	key := p.Settings.Auth.CustomHeader[0]
	req.Header.Set(key.Key, key.Value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ URL string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	return resp, out.URL
}

// checkDownload checks how a download is served: its type, disposition
// and file name, and the headers that keep a browser from running it.
func checkDownload(t *testing.T, resp *http.Response, wantType, wantDisposition, wantName string) {
	t.Helper()
	if got := resp.Header.Get("Content-Type"); got != wantType {
		t.Errorf("Content-Type %q, want %q", got, wantType)
	}
	disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	if err != nil || disp != wantDisposition || params["filename"] != wantName {
		t.Errorf("Content-Disposition %q, want %s with filename %q", resp.Header.Get("Content-Disposition"), wantDisposition, wantName)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != "sandbox; default-src 'none'" {
		t.Errorf("Content-Security-Policy %q, want sandbox; default-src 'none'", got)
	}
}

// Uploads that a browser would run (HTML, SVG with a script, a part
// declared text/html, a .html name) download as attachments of type
// application/octet-stream.
func TestDownloadActiveContentAsAttachment(t *testing.T) {
	html := []byte("<html><script>alert(document.domain)</script></html>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>`)
	for _, tc := range []struct {
		name, upload, filename string
		data                   []byte
	}{
		{"base64 HTML", "base64", "", html},
		{"base64 SVG", "base64", "", svg},
		{"html name", "multipart", "page.html", []byte("plain words")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlayer(t)
			p.Endpoint("upload_file").UploadType = tc.upload
			v := newRecord(t, p)
			res, link, err := p.Upload(context.Background(), v, tc.data, tc.filename)
			if err != nil || res.Status != 201 {
				t.Fatalf("upload: %v %d %s", err, res.Status, res.Body)
			}
			resp, body, err := p.Download(context.Background(), link, "")
			if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, tc.data) {
				t.Fatalf("download: %v %d", err, resp.StatusCode)
			}
			name := tc.filename
			if name == "" {
				name = "call-" + v["Call_ID"] + ".bin"
			}
			checkDownload(t, resp, "application/octet-stream", "attachment", name)
		})
	}
	t.Run("part declared text/html", func(t *testing.T) {
		p := newPlayer(t)
		v := newRecord(t, p)
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		hd := textproto.MIMEHeader{}
		hd.Set("Content-Disposition", `form-data; name="file"; filename="notes"`)
		hd.Set("Content-Type", "text/html")
		w, _ := mw.CreatePart(hd)
		w.Write([]byte("plain words"))
		mw.Close()
		answer, link := rawUpload(t, p, v["RECORD_ID"], mw.FormDataContentType(), b.Bytes())
		if got := answer.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("the upload's JSON answer: X-Content-Type-Options %q, want nosniff", got)
		}
		resp, body, err := p.Download(context.Background(), link, "")
		if err != nil || resp.StatusCode != 200 || string(body) != "plain words" {
			t.Fatalf("download: %v %d", err, resp.StatusCode)
		}
		checkDownload(t, resp, "application/octet-stream", "attachment", "notes")
	})
}

// A recording still plays inline and seeks.
func TestDownloadRecordingInlineWithRange(t *testing.T) {
	p := newPlayer(t)
	v := newRecord(t, p)
	data := randomBytes(t, 10_000)
	res, link, err := p.Upload(context.Background(), v, data, "call-"+v["Call_ID"]+".mp3")
	if err != nil || res.Status != 201 {
		t.Fatalf("upload: %v %d %s", err, res.Status, res.Body)
	}
	resp, body, err := p.Download(context.Background(), link, "bytes=0-99")
	if err != nil || resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[:100]) {
		t.Fatalf("range: %v %d, %d bytes", err, resp.StatusCode, len(body))
	}
	checkDownload(t, resp, "audio/mpeg", "inline", "call-"+v["Call_ID"]+".mp3")
}

// A file CCAI Platform's bucket declares text/html (its metadata is
// whatever the writer key set) downloads as an attachment too.
func TestDownloadStorageObjectDeclaredHTML(t *testing.T) {
	p := newPlayer(t)
	v := newRecord(t, p)
	data := []byte("<html><script>alert(document.domain)</script></html>")
	put(t, "ujet-voice-recordings/call-"+v["Call_ID"]+".mp3", "text/html", data)
	r := waitRecord(t, p, v["RECORD_ID"], func(r ccai.RecordDetailJSON) bool { return len(r.Attachments) == 1 })
	if got := r.Attachments[0].ContentType; got != "application/octet-stream" {
		t.Errorf("listed type %q, want application/octet-stream", got)
	}
	resp, body, err := p.Download(context.Background(), r.Attachments[0].DownloadURL, "")
	if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("download: %v %d", err, resp.StatusCode)
	}
	checkDownload(t, resp, "application/octet-stream", "attachment", "call-"+v["Call_ID"]+".mp3")
}

// Every JSON answer, success or error, tells browsers not to sniff it.
func TestJSONAnswersNosniff(t *testing.T) {
	p := newPlayer(t)
	v := newRecord(t, p)
	key := p.Settings.Auth.CustomHeader[0]
	for _, u := range []string{p.RecordURL(v["RECORD_ID"]), p.RecordURL("no-such-record")} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set(key.Key, key.Value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s (%d): X-Content-Type-Options %q, want nosniff", u, resp.StatusCode, got)
		}
	}
}

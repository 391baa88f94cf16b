package uploadfile_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"example.com/crm/functions/uploadfile"
	"example.com/crm/shared/ccai"
)

// Every form of base64 upload the README promises reaches the bucket
// byte for byte: property and container forms, file field names, data
// URLs, the URL alphabet, padding or none, line breaks and escaped
// slashes, a file under an unknown name, numbers, booleans and nulls
// beside it, and files from 1 byte to beyond what is read in one piece.
func TestBase64Forms(t *testing.T) {
	e := newEnv(t)
	for _, size := range []int{1, 2, 3, 2000, 300 << 10} {
		data := make([]byte, size)
		rand.Read(data)
		data[0] = 0xFF // a "/" or "_" in the first characters of the text
		std, url := base64.StdEncoding.EncodeToString(data), base64.URLEncoding.EncodeToString(data)
		lines := func(s, br string) string { // MIME-style lines of 76
			var b strings.Builder
			for len(s) > 76 {
				b.WriteString(s[:76] + br)
				s = s[76:]
			}
			return b.String() + s
		}
		forms := map[string]string{
			"property":              `{"file":"` + std + `","call_id":"1418"}`,
			"file_data":             `{"FILE_DATA":"` + std + `","call_id":"1418"}`,
			"container map":         `{"upload":{"fileData":"` + std + `","call_id":"1418"}}`,
			"container array":       `{"files":[{"content":"` + std + `","call_id":1418,"final":true,"agent":null}]}`,
			"deeper containers":     `{"a":{"b":[{"attachment":"` + std + `"}]}}`,
			"pretty":                "{\n  \"call_id\" : \"1418\" ,\n  \"file\" :\t\"" + std + "\"\r\n}\n",
			"data URL":              `{"file":"data:application/octet-stream;base64,` + std + `"}`,
			"data URL, escaped /":   `{"file":"data:application\/octet-stream;base64,` + std + `"}`,
			"URL alphabet":          `{"file":"` + url + `"}`,
			"URL alphabet, no pad":  `{"file":"` + strings.TrimRight(url, "=") + `"}`,
			"no padding":            `{"file":"` + strings.TrimRight(std, "=") + `"}`,
			"line breaks":           `{"file":"` + lines(std, `\n`) + `"}`,
			"CRLF line breaks":      `{"file":"` + lines(std, `\r\n`) + `"}`,
			"escaped slashes":       `{"file":"` + strings.ReplaceAll(std, "/", `\/`) + `"}`,
			"other strings, before": `{"note":"a \"quoted\" \u00e9 note","file":"` + std + `"}`,
		}
		if len(std) > 1<<10 { // a long base64 string under an unknown name is the file
			forms["unknown name"] = `{"call_id":"1418","payload":"` + std + `","other":"QUJD"}`
			forms["unknown name, shorter base64 beside"] = `{"short":"` + std[:1100] + `","payload":"` + std + `"}`
		}
		for name, body := range forms {
			t.Run(fmt.Sprintf("%s/%dB", name, size), func(t *testing.T) {
				for _, ct := range []string{"application/json", "text/plain"} {
					_, up := e.postAgain(t, ct, []byte(body))
					resp, got := get(t, http.MethodGet, up.URL, "")
					if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
						t.Fatalf("%s: download got %d, %d bytes; want 200, the %d bytes sent", ct, resp.StatusCode, len(got), len(data))
					}
				}
			})
		}
	}
}

// postAgain uploads body, which may have been uploaded before (200 or
// 201), and returns the status and the answer.
func (e env) postAgain(t *testing.T, contentType string, body []byte) (int, uploadfile.UploadJSON) {
	t.Helper()
	resp, err := http.Post(e.srv.URL+"/records/"+e.record+"/attachments", contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out uploadfile.UploadJSON
	if resp.StatusCode/100 != 2 || json.Unmarshal(b, &out) != nil {
		t.Fatalf("upload: got %d %s, want 201 or 200", resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// Bad base64 bodies get 422 and leave no attachment.
func TestBase64BadBodies(t *testing.T) {
	e := newEnv(t)
	big := base64.StdEncoding.EncodeToString(make([]byte, 300<<10))
	for name, body := range map[string]string{
		"not base64":                `{"file":"not*base64!!"}`,
		"not base64, late":          `{"file":"` + big[:200<<10] + `*` + big[200<<10:] + `"}`,
		"padding inside":            `{"file":"QQ==QUJD"}`,
		"one character too many":    `{"file":"QUJDR"}`,
		"empty file":                `{"file":""}`,
		"no file":                   `{"call_id":"1418"}`,
		"not an object":             `["QUJD"]`,
		"empty body":                ``,
		"truncated":                 `{"file":"` + big,
		"truncated after the file":  `{"file":"` + big + `","call_id":`,
		"garbage after":             `{"file":"QUJD"} x`,
		"array of scalars":          `{"files":["QUJD"]}`,
		"control character":         "{\"file\":\"QU\x01JD\"}",
		"too many values":           `{"file":"` + big + `"` + strings.Repeat(`,"f":1`, ccai.MaxParams) + `}`,
		"too many values in arrays": `{"file":"QUJD","x":[` + strings.Repeat(`[],`, ccai.MaxParams) + `[]]}`,
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := http.Post(e.srv.URL+"/records/"+e.record+"/attachments", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("got %d %s, want 422", resp.StatusCode, b)
			}
		})
	}
	e.checkNoObjects(t)
}

// A base64 upload is decoded while it is read: the memory it allocates
// stays under the file's size (a body held whole would take more than
// the file alone, base64 adding a third).
func TestBase64UploadAllocatesLessThanTheFile(t *testing.T) {
	e := newEnv(t)
	data := make([]byte, 16<<20)
	rand.Read(data)
	body := []byte(`{"call_id":"1418","file":"` + base64.StdEncoding.EncodeToString(data) + `"}`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e.post(t, "application/json", body)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got >= uint64(len(data)) {
		t.Errorf("a %d MiB base64 upload allocated %.1f MiB, want less than the file", len(data)>>20, float64(got)/(1<<20))
	} else {
		t.Logf("a %d MiB base64 upload allocated %.1f MiB", len(data)>>20, float64(got)/(1<<20))
	}
}

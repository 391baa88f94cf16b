package uploadfile

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// BenchmarkMultipart32MiBTinyParts reads multipart bodies of tiny form
// fields (no file part) up to the upload limit: distinct names, one name
// repeated, and parts without a name. The time per byte must stay flat.
func BenchmarkMultipart32MiBTinyParts(b *testing.B) {
	for _, names := range []string{"distinct", "same", "unnamed"} {
		for _, size := range []int{1 << 20, 4 << 20, MaxUpload} {
			b.Run(fmt.Sprintf("%s/%dMiB", names, size>>20), func(b *testing.B) {
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				for i := 0; buf.Len() < size-200; i++ {
					name := map[string]string{"distinct": fmt.Sprintf("k%d", i), "same": "k", "unnamed": ""}[names]
					if err := w.WriteField(name, "1"); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				body := buf.Bytes()
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					var p ccai.Params
					_, err := Handler{}.readMultipart(context.Background(), bytes.NewReader(body), w.Boundary(), &p)
					if err != nil && crm.ErrorCode(err) != crm.Invalid {
						b.Fatalf("readMultipart: %v", err)
					}
				}
			})
		}
	}
}

// BenchmarkJSONBody32MiBTinyKeys reads base64-upload JSON bodies of the
// largest size made of tiny keys (property form) or of empty objects in
// an array container: no file, only parameters.
func BenchmarkJSONBody32MiBTinyKeys(b *testing.B) {
	shapes := map[string]func(w *bytes.Buffer, i int){
		"keys":          func(w *bytes.Buffer, i int) { fmt.Fprintf(w, `"k%d":1`, i) },
		"empty-objects": func(w *bytes.Buffer, i int) { w.WriteString("{}") },
	}
	for _, name := range []string{"keys", "empty-objects"} {
		for _, size := range []int{1 << 20, 4 << 20, MaxUpload} {
			b.Run(fmt.Sprintf("%s/%dMiB", name, size>>20), func(b *testing.B) {
				var buf bytes.Buffer
				if name == "keys" {
					buf.WriteString("{")
				} else {
					buf.WriteString(`{"record":[`)
				}
				for i := 0; buf.Len() < size-16; i++ {
					if i > 0 {
						buf.WriteString(",")
					}
					shapes[name](&buf, i)
				}
				if name == "keys" {
					buf.WriteString("}")
				} else {
					buf.WriteString("]}")
				}
				body := buf.Bytes()
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					var p ccai.Params
					_, _, err := jsonBody(bytes.NewReader(body), &p, discardSink{})
					if err != nil && crm.ErrorCode(err) != crm.Invalid {
						b.Fatalf("jsonBody: %v", err)
					}
				}
			})
		}
	}
}

// BenchmarkJSONBodyBase64File decodes the largest base64 file (23 MiB)
// from its JSON body: the bytes allocated per body stay a few buffers,
// not the file's size.
func BenchmarkJSONBodyBase64File(b *testing.B) {
	data := make([]byte, 23<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	body := []byte(`{"call_id":"1418","file":"` + base64.StdEncoding.EncodeToString(data) + `"}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var p ccai.Params
		file, found, err := jsonBody(bytes.NewReader(body), &p, discardSink{})
		if err != nil || !found || file.Size != int64(len(data)) {
			b.Fatalf("jsonBody: %v, found %v, %d bytes", err, found, file.Size)
		}
	}
}

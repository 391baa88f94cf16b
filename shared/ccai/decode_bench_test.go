package ccai_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// tinyKeysBody returns a body of about size bytes in the given form,
// made of as many distinct one-character-value keys as fit.
func tinyKeysBody(b *testing.B, form string, size int) (contentType, body string) {
	b.Helper()
	var buf bytes.Buffer
	switch form {
	case "json":
		buf.WriteString("{")
		for i := 0; buf.Len() < size-16; i++ {
			if i > 0 {
				buf.WriteString(",")
			}
			fmt.Fprintf(&buf, `"k%d":1`, i)
		}
		buf.WriteString("}")
		return "application/json", buf.String()
	case "json-array-container":
		buf.WriteString("[")
		for i := 0; buf.Len() < size-16; i++ {
			if i > 0 {
				buf.WriteString(",")
			}
			fmt.Fprintf(&buf, `{"k%d":1}`, i)
		}
		buf.WriteString("]")
		return "application/json", buf.String()
	case "form":
		for i := 0; buf.Len() < size-16; i++ {
			if i > 0 {
				buf.WriteString("&")
			}
			fmt.Fprintf(&buf, "k%d=1", i)
		}
		return "application/x-www-form-urlencoded", buf.String()
	case "multipart":
		w := multipart.NewWriter(&buf)
		for i := 0; buf.Len() < size-200; i++ {
			if err := w.WriteField(fmt.Sprintf("k%d", i), "1"); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		return w.FormDataContentType(), buf.String()
	}
	b.Fatalf("unknown form %q", form)
	return "", ""
}

// BenchmarkDecode1MiBTinyKeys decodes bodies of distinct tiny keys, in
// every form, at growing sizes: the time per byte must stay flat.
func BenchmarkDecode1MiBTinyKeys(b *testing.B) {
	for _, form := range []string{"json", "json-array-container", "form", "multipart"} {
		for _, size := range []int{64 << 10, 256 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%dKiB", form, size>>10), func(b *testing.B) {
				ct, body := tinyKeysBody(b, form, size)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					r := httptest.NewRequest("POST", "/records", strings.NewReader(body))
					r.Header.Set("Content-Type", ct)
					_, err := ccai.DecodeParams(r, ccai.DefaultMaxBody)
					if err != nil && crm.ErrorCode(err) != crm.Invalid {
						b.Fatalf("DecodeParams: %v", err)
					}
				}
			})
		}
	}
}

// BenchmarkDecodeAtCap decodes the largest bodies accepted: MaxParams
// parameters of about 1 KiB each, in every form.
func BenchmarkDecodeAtCap(b *testing.B) {
	value := strings.Repeat("v", 1000)
	for _, form := range []string{"json", "json-container-map", "json-array-container", "form"} {
		b.Run(form, func(b *testing.B) {
			var buf bytes.Buffer
			for i := range ccai.MaxParams {
				sep := ","
				if form == "form" {
					sep = "&"
				}
				if i > 0 {
					buf.WriteString(sep)
				}
				switch form {
				case "form":
					fmt.Fprintf(&buf, "k%d=%s", i, value)
				case "json-array-container":
					fmt.Fprintf(&buf, `{"k%d":"%s"}`, i, value)
				default:
					fmt.Fprintf(&buf, `"k%d":"%s"`, i, value)
				}
			}
			ct, body := "application/json", buf.String()
			switch form {
			case "form":
				ct = "application/x-www-form-urlencoded"
			case "json":
				body = "{" + body + "}"
			case "json-container-map":
				body = `{"record":{` + body + "}}"
			case "json-array-container":
				body = `{"record":[` + body + "]}"
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/records", strings.NewReader(body))
				r.Header.Set("Content-Type", ct)
				p, err := ccai.DecodeParams(r, ccai.DefaultMaxBody)
				if err != nil || p.Len() != ccai.MaxParams {
					b.Fatalf("DecodeParams: %d parameters, error %v", p.Len(), err)
				}
			}
		})
	}
}

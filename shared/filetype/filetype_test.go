package filetype_test

import (
	"mime"
	"net/http"
	"testing"

	"example.com/crm/shared/filetype"
)

func TestServe(t *testing.T) {
	for _, tc := range []struct {
		stored, want string
		inline       bool
	}{
		{"audio/mpeg", "audio/mpeg", true},
		{"audio/wav", "audio/wav", true},
		{"AUDIO/MPEG; foo=bar", "audio/mpeg", true},
		{"video/mp4", "video/mp4", true},
		{"video/webm", "video/webm", true},
		{"image/png", "image/png", true},
		{"image/jpeg", "image/jpeg", true},
		{"image/gif", "image/gif", true},
		{"image/webp", "image/webp", true},
		{"application/pdf", "application/pdf", true},
		{"text/plain", "text/plain; charset=utf-8", true},
		{"text/plain; charset=iso-8859-1", "text/plain; charset=utf-8", true},
		{"application/json; charset=utf-8", "application/json", true},
		{"text/html", filetype.Download, false},
		{"text/html; charset=utf-8", filetype.Download, false},
		{"TEXT/HTML", filetype.Download, false},
		{"image/svg+xml", filetype.Download, false},
		{"text/xml", filetype.Download, false},
		{"application/xml", filetype.Download, false},
		{"application/xhtml+xml", filetype.Download, false},
		{"audio/x-foo+xml", filetype.Download, false},
		{"video/html", filetype.Download, false},
		{"text/javascript", filetype.Download, false},
		{"application/javascript", filetype.Download, false},
		{"text/css", filetype.Download, false},
		{"text/csv", filetype.Download, false},
		{"image/bmp", filetype.Download, false},
		{"application/zip", filetype.Download, false},
		{"application/octet-stream", filetype.Download, false},
		{"", filetype.Download, false},
		{"not a type", filetype.Download, false},
		{"text/plain;;", filetype.Download, false},
	} {
		got, inline := filetype.Serve(tc.stored)
		if got != tc.want || inline != tc.inline {
			t.Errorf("Serve(%q) = %q, %v; want %q, %v", tc.stored, got, inline, tc.want, tc.inline)
		}
		if n := filetype.Normalize(tc.stored); n != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.stored, n, tc.want)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name, head, want string
	}{
		{"id3 mp3", "ID3\x04\x00", "audio/mpeg"},
		{"frame mp3", "\xFF\xFB\x90\x00", "audio/mpeg"},
		{"wav", "RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"},
		{"mp4", "\x00\x00\x00\x18ftypmp42", "video/mp4"},
		{"png", "\x89PNG\r\n\x1a\n", "image/png"},
		{"pdf", "%PDF-1.7", "application/pdf"},
		{"json", `{"a":1}`, "application/json"},
		{"json array after spaces", "  [1]", "application/json"},
		{"text", "Agent: hello", "text/plain; charset=utf-8"},
		{"html", "<html><script>alert(1)</script>", "text/html; charset=utf-8"},
		{"svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, filetype.Download},
		{"svg after a BOM and spaces", "\xEF\xBB\xBF \n<svg onload=alert(1)>", filetype.Download},
		{"xml", `<?xml version="1.0"?><a/>`, "text/xml; charset=utf-8"},
	} {
		if got := filetype.Sniff([]byte(tc.head), ""); got != tc.want {
			t.Errorf("%s: Sniff = %q, want %q", tc.name, got, tc.want)
		}
	}
	// The name's extension comes first.
	if got := filetype.Sniff([]byte("plain words"), "page.HTML"); got != "text/html; charset=utf-8" {
		t.Errorf("Sniff by name: got %q", got)
	}
	// Whatever Sniff says, active content is never stored as such.
	for _, head := range []string{"<html><script>", "<svg><script>", "<?xml version='1.0'?>"} {
		if got := filetype.Normalize(filetype.Sniff([]byte(head), "")); got != filetype.Download {
			t.Errorf("Normalize(Sniff(%q)) = %q, want %s", head, got, filetype.Download)
		}
	}
}

func TestSetHeaders(t *testing.T) {
	for _, tc := range []struct {
		stored, name, wantType, wantDisposition string
	}{
		{"audio/mpeg", "call-1418.mp3", "audio/mpeg", "inline"},
		{"text/html", "page.html", filetype.Download, "attachment"},
		{"audio/mpeg", "a\"; filename=evil.html\r\nX-Injected: 1", "audio/mpeg", "inline"},
		{"text/plain", "ünïcode \"quoted\".txt", "text/plain; charset=utf-8", "inline"},
	} {
		h := http.Header{}
		filetype.SetHeaders(h, tc.stored, tc.name)
		if got := h.Get("Content-Type"); got != tc.wantType {
			t.Errorf("%q: Content-Type %q, want %q", tc.name, got, tc.wantType)
		}
		d, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if err != nil || d != tc.wantDisposition || len(params) != 1 || params["filename"] != tc.name {
			t.Errorf("%q: Content-Disposition %q (%v), want %s with only the filename", tc.name, h.Get("Content-Disposition"), err, tc.wantDisposition)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" {
			t.Errorf("%q: protective headers missing: %v", tc.name, h)
		}
		for _, v := range h.Values("Content-Disposition") {
			for _, c := range v {
				if c < ' ' || c > '~' {
					t.Errorf("%q: Content-Disposition holds %q", tc.name, c)
				}
			}
		}
	}
}

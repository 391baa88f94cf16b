// Package filetype decides how a stored file is served, the one place of
// that rule: a browser shows a file inline only when its type cannot run
// anything (audio, video, PNG, JPEG, GIF, WebP, PDF, plain text, JSON);
// anything else, HTML, SVG, XML and unknown types included, is served as
// application/octet-stream, as an attachment. Uploads store the type the
// rule gives, and downloads apply it again, so files stored before it or
// with whatever type an object's metadata declared are safe too.
package filetype

import (
	"bytes"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Download is the type of every file not served inline.
const Download = "application/octet-stream"

// inline lists the types served inline, as they are served.
var inline = map[string]string{
	"image/png":        "image/png",
	"image/jpeg":       "image/jpeg",
	"image/gif":        "image/gif",
	"image/webp":       "image/webp",
	"application/pdf":  "application/pdf",
	"text/plain":       "text/plain; charset=utf-8",
	"application/json": "application/json",
}

// Serve returns the type a file whose stored or declared type is ct is
// served with, and whether it is served inline.
func Serve(ct string) (contentType string, isInline bool) {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return Download, false
	}
	if t, ok := inline[mt]; ok {
		return t, true
	}
	// Media types carry no parameters worth keeping; a subtype naming
	// markup (such as "+xml") is never media.
	if kind, sub, _ := strings.Cut(mt, "/"); (kind == "audio" || kind == "video") && !strings.Contains(sub, "xml") && !strings.Contains(sub, "html") {
		return mt, true
	}
	return Download, false
}

// Normalize returns the type to store for a file declared ct: the type
// it will be served with.
func Normalize(ct string) string {
	t, _ := Serve(ct)
	return t
}

// SetHeaders sets on h how a file of stored type ct named filename is
// served: its type, its disposition with the name (encoded, so that no
// character of a name can add a parameter or a header), and Protect's
// headers.
func SetHeaders(h http.Header, ct, filename string) {
	t, isInline := Serve(ct)
	disposition := "attachment"
	if isInline {
		disposition = "inline"
	}
	h.Set("Content-Type", t)
	if d := mime.FormatMediaType(disposition, map[string]string{"filename": filename}); d != "" {
		h.Set("Content-Disposition", d)
	} else {
		h.Set("Content-Disposition", disposition)
	}
	Protect(h)
}

// Protect sets the headers every download answer carries (errors of a
// download too): browsers take the type as given, and run nothing from
// it nor load anything for it.
func Protect(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
}

// Sniff derives the type of an uploaded file from its name's extension,
// else from its first bytes (base64 uploads carry neither name nor
// type), with the audio and video formats CCAI Platform sends. Text that
// begins with markup ("<svg", "<html", "<?xml") is not plain text.
func Sniff(head []byte, name string) string {
	if ext := path.Ext(name); ext != "" {
		if t := mime.TypeByExtension(strings.ToLower(ext)); t != "" {
			return t
		}
	}
	switch {
	case len(head) >= 3 && string(head[:3]) == "ID3", len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		return "audio/mpeg"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return "audio/wav"
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return "video/mp4"
	}
	t := http.DetectContentType(head)
	if !strings.HasPrefix(t, "text/plain") {
		return t
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n\f")
	switch {
	case len(text) > 0 && text[0] == '<':
		return Download
	case len(text) > 0 && (text[0] == '{' || text[0] == '['):
		return "application/json"
	}
	return t
}

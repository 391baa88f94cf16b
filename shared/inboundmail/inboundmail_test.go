package inboundmail

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"testing"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/testenv"
	"golang.org/x/text/encoding/charmap"
)

// part is one MIME part of a test message.
type part struct {
	contentType string // with its parameters
	encoding    string // Content-Transfer-Encoding: "quoted-printable", "base64" or "" (8bit)
	filename    string // set: an attachment
	body        []byte
}

// encode writes body in the transfer encoding, as a mail client does.
func encode(t testing.TB, w io.Writer, cte string, body []byte) {
	t.Helper()
	switch cte {
	case "quoted-printable":
		qw := quotedprintable.NewWriter(w)
		if _, err := qw.Write(body); err != nil {
			t.Fatal(err)
		}
		if err := qw.Close(); err != nil {
			t.Fatal(err)
		}
	case "base64":
		s := base64.StdEncoding.EncodeToString(body)
		for len(s) > 76 {
			io.WriteString(w, s[:76]+"\r\n")
			s = s[76:]
		}
		io.WriteString(w, s+"\r\n")
	default:
		w.Write(body)
	}
}

func partHeader(p part) textproto.MIMEHeader {
	h := textproto.MIMEHeader{"Content-Type": {p.contentType}}
	if p.encoding != "" {
		h.Set("Content-Transfer-Encoding", p.encoding)
	}
	if p.filename != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": p.filename}))
	}
	return h
}

// rawMail builds an RFC 5322 message: the body parts in a multipart/mixed
// (alternative: in a multipart/alternative, then the attachments), or the one
// body part alone.
func rawMail(t testing.TB, subject string, alternative []part, attachments ...part) []byte {
	t.Helper()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "From: CCAI Platform <No-Reply@CCAIPlatform.com>\r\n")
	fmt.Fprintf(&buf, "To: crm@example.com, Other <Other@Example.com>\r\n")
	fmt.Fprintf(&buf, "Subject: %s\r\n", subject)
	fmt.Fprintf(&buf, "Message-ID: <abc.123@mail.ccaiplatform.com>\r\n")
	fmt.Fprintf(&buf, "Date: Tue, 24 Mar 2026 16:46:15 +0000\r\n")
	fmt.Fprintf(&buf, "MIME-Version: 1.0\r\n")
	if len(alternative) == 1 && len(attachments) == 0 {
		p := alternative[0]
		for k, v := range partHeader(p) {
			fmt.Fprintf(&buf, "%s: %s\r\n", k, v[0])
		}
		buf.WriteString("\r\n")
		encode(t, &buf, p.encoding, p.body)
		return buf.Bytes()
	}
	mixed := multipart.NewWriter(&buf)
	fmt.Fprintf(&buf, "Content-Type: multipart/mixed; boundary=%s\r\n\r\n", mixed.Boundary())
	altBuf := &bytes.Buffer{}
	alt := multipart.NewWriter(altBuf)
	for _, p := range alternative {
		w, err := alt.CreatePart(partHeader(p))
		if err != nil {
			t.Fatal(err)
		}
		encode(t, w, p.encoding, p.body)
	}
	alt.Close()
	w, err := mixed.CreatePart(textproto.MIMEHeader{"Content-Type": {"multipart/alternative; boundary=" + alt.Boundary()}})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(altBuf.Bytes())
	for _, p := range attachments {
		w, err := mixed.CreatePart(partHeader(p))
		if err != nil {
			t.Fatal(err)
		}
		encode(t, w, p.encoding, p.body)
	}
	mixed.Close()
	return buf.Bytes()
}

// compactJSON is b without insignificant white space, for comparing.
func compactJSON(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return buf.String()
}

func parseRawOK(t *testing.T, msg []byte) *Message {
	t.Helper()
	m, err := Parse("message/rfc822", bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, msg)
	}
	return m
}

var transcript = []byte("Customer: Hello\nAgent: Hi, how can I help?\nCustomer: My order 42 is late.\n")

func TestRawFixtures(t *testing.T) {
	for _, tc := range []struct {
		fixture, kind, id, encoding string
	}{
		{"metadata/call-1418.json", "call", "1418", ""},
		{"metadata/chat-135.json", "chat", "135", "quoted-printable"},
		{"metadata/email-session.json", "email", "", "base64"},
	} {
		js := testenv.Fixture(t, tc.fixture)
		for _, withTranscript := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/transcript=%v", tc.fixture, withTranscript), func(t *testing.T) {
				var att []part
				if withTranscript {
					att = append(att, part{"text/plain; charset=utf-8", "base64", "chat-135.txt", transcript})
				}
				msg := rawMail(t, "Session outcome", []part{{"text/plain; charset=utf-8", tc.encoding, "", js}}, att...)
				m := parseRawOK(t, msg)
				if m.From != "no-reply@ccaiplatform.com" {
					t.Errorf("From = %q", m.From)
				}
				if strings.Join(m.To, ",") != "crm@example.com,other@example.com" {
					t.Errorf("To = %q", m.To)
				}
				if m.Subject != "Session outcome" || m.MessageID != "abc.123@mail.ccaiplatform.com" {
					t.Errorf("Subject %q, MessageID %q", m.Subject, m.MessageID)
				}
				if m.Date.IsZero() || m.Date.UTC().Format("2006-01-02T15:04:05") != "2026-03-24T16:46:15" {
					t.Errorf("Date = %v", m.Date)
				}
				if compactJSON(t, m.Metadata) != compactJSON(t, js) {
					t.Errorf("Metadata differs from the fixture:\n%s", m.Metadata)
				}
				s := m.Session.Summary
				if s.Kind != tc.kind || (tc.id != "" && s.ID != tc.id) || s.UpdatedAt.IsZero() {
					t.Errorf("session %s %s updated %v", s.Kind, s.ID, s.UpdatedAt)
				}
				if !withTranscript {
					if len(m.Attachments) != 0 {
						t.Errorf("attachments: %d", len(m.Attachments))
					}
					return
				}
				if len(m.Attachments) != 1 {
					t.Fatalf("attachments: %d, want 1", len(m.Attachments))
				}
				a := m.Attachments[0]
				if a.Name != "chat-135.txt" || a.ContentType != "text/plain" || !bytes.Equal(a.Data, transcript) {
					t.Errorf("attachment %q %q %q", a.Name, a.ContentType, a.Data)
				}
			})
		}
	}
}

// The usual shape: multipart/alternative with a quoted-printable text part
// and an HTML part, the transcript quoted-printable.
func TestAlternativeQuotedPrintable(t *testing.T) {
	js := testenv.Fixture(t, "metadata/chat-135.json")
	htmlBody := []byte("<html><body><p>Session outcome</p><pre>" + html.EscapeString(string(js)) + "</pre></body></html>")
	msg := rawMail(t, "Chat 135",
		[]part{
			{"text/plain; charset=utf-8", "quoted-printable", "", append([]byte("Session outcome:\n\n"), js...)},
			{"text/html; charset=utf-8", "quoted-printable", "", htmlBody},
		},
		part{"text/plain", "quoted-printable", "transcript.txt", transcript},
	)
	if !bytes.Contains(msg, []byte("=\r\n")) && !bytes.Contains(msg, []byte("=3D")) {
		t.Log("note: no soft line break or escape in the quoted-printable body")
	}
	m := parseRawOK(t, msg)
	if compactJSON(t, m.Metadata) != compactJSON(t, js) {
		t.Errorf("Metadata:\n%s", m.Metadata)
	}
	// Quoted-printable text has CRLF line breaks (RFC 2045 canonical form).
	if len(m.Attachments) != 1 || !bytes.Equal(bytes.ReplaceAll(m.Attachments[0].Data, []byte("\r\n"), []byte("\n")), transcript) {
		t.Errorf("attachments %+v", m.Attachments)
	}
}

// JSON only in an HTML part: escaped in a <pre>, or as paragraphs.
func TestHTMLOnly(t *testing.T) {
	js := testenv.Fixture(t, "metadata/call-1418.json")
	var paragraphs strings.Builder
	for line := range strings.Lines(string(js)) {
		paragraphs.WriteString("<div>" + html.EscapeString(strings.TrimRight(line, "\n")) + "<br></div>")
	}
	for name, body := range map[string]string{
		"pre":        "<!DOCTYPE html><html><head><style>p{color:red}</style></head><body><h1>Call 1418</h1><pre>" + html.EscapeString(string(js)) + "</pre></body></html>",
		"paragraphs": "<html><body><p>Outcome</p>" + paragraphs.String() + "</body></html>",
		"unescaped":  "<html><body>" + string(js) + "</body></html>",
	} {
		t.Run(name, func(t *testing.T) {
			for _, cte := range []string{"quoted-printable", "base64"} {
				msg := rawMail(t, "Call 1418", []part{{"text/html; charset=utf-8", cte, "", []byte(body)}})
				m := parseRawOK(t, msg)
				if compactJSON(t, m.Metadata) != compactJSON(t, js) {
					t.Errorf("%s: Metadata:\n%s", cte, m.Metadata)
				}
				if m.Session.Summary.Kind != "call" || m.Session.Summary.ID != "1418" {
					t.Errorf("%s: session %+v", cte, m.Session.Summary)
				}
			}
		})
	}
}

func TestBase64BodyAndAttachments(t *testing.T) {
	js := testenv.Fixture(t, "metadata/chat-135.json")
	pdf := []byte("%PDF-1.4\n\x00\x01\x02\xff binary")
	msg := rawMail(t, "Chat 135",
		[]part{{"text/plain; charset=utf-8", "base64", "", js}},
		part{"text/plain; charset=utf-8", "", "chat-135.txt", transcript}, // 8bit
		part{"application/pdf", "base64", "email.pdf", pdf},
	)
	m := parseRawOK(t, msg)
	if compactJSON(t, m.Metadata) != compactJSON(t, js) {
		t.Errorf("Metadata:\n%s", m.Metadata)
	}
	if len(m.Attachments) != 2 || !bytes.Equal(m.Attachments[0].Data, transcript) ||
		!bytes.Equal(m.Attachments[1].Data, pdf) || m.Attachments[1].ContentType != "application/pdf" {
		t.Errorf("attachments %+v", m.Attachments)
	}
}

var latin1 = charmap.ISO8859_1.NewEncoder()

func TestLatin1(t *testing.T) {
	jsUTF8 := `{"id": 77, "chat_type": "Messaging Inbound (Web Chat)", "status": "finished", "updated_at": "2026-03-24T09:31:15.000-07:00", "note": "café crème"}`
	jsLatin1, err := latin1.String(jsUTF8)
	if err != nil {
		t.Fatal(err)
	}
	subjLatin1, _ := latin1.String("Séance 77 terminée")
	subject := mime.QEncoding.Encode("iso-8859-1", subjLatin1)
	for _, cte := range []string{"quoted-printable", "base64", ""} {
		msg := rawMail(t, subject, []part{{"text/plain; charset=iso-8859-1", cte, "", []byte(jsLatin1)}})
		if bytes.Contains(msg, []byte("é")) {
			t.Fatal("test message holds UTF-8")
		}
		m := parseRawOK(t, msg)
		if m.Subject != "Séance 77 terminée" {
			t.Errorf("%q: Subject = %q", cte, m.Subject)
		}
		if compactJSON(t, m.Metadata) != compactJSON(t, []byte(jsUTF8)) {
			t.Errorf("%q: Metadata = %s", cte, m.Metadata)
		}
		if m.Session.Raw["note"] != "café crème" {
			t.Errorf("%q: note = %q", cte, m.Session.Raw["note"])
		}
	}
}

// sendGridForm builds the webhook's multipart/form-data body.
func sendGridForm(t testing.TB, fields [][2]string, files ...part) (contentType string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="attachment%d"; filename=%q`, i+1, f.filename))
		h.Set("Content-Type", f.contentType)
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(f.body)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func TestSendGridRaw(t *testing.T) {
	js := testenv.Fixture(t, "metadata/chat-135.json")
	msg := rawMail(t, "Chat 135", []part{{"text/plain; charset=utf-8", "quoted-printable", "", js}},
		part{"text/plain", "base64", "chat-135.txt", transcript})
	ct, body := sendGridForm(t, [][2]string{
		{"dkim", "{@ccaiplatform.com : pass}"},
		{"envelope", `{"to":["crm@example.com"],"from":"no-reply@ccaiplatform.com"}`},
		{"email", string(msg)},
		{"SPF", "pass"},
	})
	m, err := Parse(ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "no-reply@ccaiplatform.com" || m.MessageID != "abc.123@mail.ccaiplatform.com" ||
		compactJSON(t, m.Metadata) != compactJSON(t, js) || len(m.Attachments) != 1 || !bytes.Equal(m.Attachments[0].Data, transcript) {
		t.Errorf("got %+v", m)
	}
}

func TestSendGridParsed(t *testing.T) {
	js := testenv.Fixture(t, "metadata/call-1418.json")
	text, _ := latin1.String("Résumé de la session\n\n" + string(js))
	ct, body := sendGridForm(t, [][2]string{
		{"headers", "Received: by mx.sendgrid.net\nFrom: CCAI Platform <No-Reply@ccaiplatform.com>\nMessage-ID: <Outcome-1418@mail.ccaiplatform.com>\nDate: Tue, 24 Mar 2026 16:46:15 +0000\nSubject: Call 1418\n"},
		{"from", "CCAI Platform <No-Reply@ccaiplatform.com>"},
		{"to", "crm@example.com"},
		{"subject", "Appel 1418 terminé"},
		{"text", text},
		{"html", "<pre>" + html.EscapeString(string(js)) + "</pre>"},
		{"charsets", `{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"iso-8859-1"}`},
		{"attachments", "1"},
		{"attachment-info", `{"attachment1":{"filename":"call-1418.txt","name":"call-1418.txt","type":"text/plain"}}`},
	}, part{contentType: "application/octet-stream", filename: "upload.bin", body: transcript})
	m, err := Parse(ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "no-reply@ccaiplatform.com" || m.Subject != "Appel 1418 terminé" || m.MessageID != "Outcome-1418@mail.ccaiplatform.com" ||
		m.Date.IsZero() || strings.Join(m.To, ",") != "crm@example.com" {
		t.Errorf("got From %q Subject %q MessageID %q Date %v To %q", m.From, m.Subject, m.MessageID, m.Date, m.To)
	}
	if compactJSON(t, m.Metadata) != compactJSON(t, js) || m.Session.Summary.ID != "1418" {
		t.Errorf("Metadata %s", m.Metadata)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "call-1418.txt" || m.Attachments[0].ContentType != "text/plain" ||
		!bytes.Equal(m.Attachments[0].Data, transcript) {
		t.Errorf("attachments %+v", m.Attachments)
	}

	// HTML only, in the parsed mode too.
	ct, body = sendGridForm(t, [][2]string{
		{"from", "no-reply@ccaiplatform.com"},
		{"html", "<p>" + html.EscapeString(string(js)) + "</p>"},
	})
	m, err = Parse(ct, bytes.NewReader(body))
	if err != nil || compactJSON(t, m.Metadata) != compactJSON(t, js) {
		t.Errorf("HTML only: %v %+v", err, m)
	}
}

func tenMiBMail(t testing.TB) (msg, data []byte) {
	data = make([]byte, 10<<20)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(data)
	msg = rawMail(t, "Call 1418", []part{{"text/plain", "", "", testenv.Fixture(t, "metadata/call-1418.json")}},
		part{"audio/mpeg", "base64", "call-1418.mp3", data})
	return msg, data
}

func TestTenMiBAttachment(t *testing.T) {
	msg, data := tenMiBMail(t)
	m := parseRawOK(t, msg)
	if len(m.Attachments) != 1 || !bytes.Equal(m.Attachments[0].Data, data) {
		t.Fatalf("the 10 MiB attachment did not come back intact")
	}
}

// BenchmarkParseRawTenMiB reports the memory a 10 MiB (base64) attachment
// costs: go test -run '^$' -bench TenMiB -benchmem ./shared/inboundmail
func BenchmarkParseRawTenMiB(b *testing.B) {
	msg, _ := tenMiBMail(b)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("message/rfc822", bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestInvalid(t *testing.T) {
	js := testenv.Fixture(t, "metadata/chat-135.json")
	garbage := make([]byte, 4096)
	rand.NewChaCha8([32]byte{2}).Read(garbage)
	for _, tc := range []struct {
		name, contentType, body string
		code                    crm.Code
		message                 string
	}{
		{"random bytes", "message/rfc822", string(garbage), crm.Invalid, ""},
		{"empty", "message/rfc822", "", crm.Invalid, ""},
		{"no metadata", "message/rfc822", string(rawMail(t, "Hello", []part{{"text/plain", "", "", []byte("Just saying hello {not json}")}})), crm.Invalid, "no session metadata"},
		{"metadata is an array", "message/rfc822", string(rawMail(t, "x", []part{{"text/plain", "", "", []byte(`[{"id": 1}]`)}})), crm.Invalid, "metadata"},
		{"metadata without id", "message/rfc822", string(rawMail(t, "x", []part{{"text/plain", "", "", []byte(`{"status": "finished"}`)}})), crm.Invalid, "metadata"},
		{"metadata of no kind", "message/rfc822", string(rawMail(t, "x", []part{{"text/plain", "", "", []byte(`{"id": 5}`)}})), crm.Invalid, "kind"},
		{"no From", "message/rfc822", "To: a@b.c\r\nSubject: x\r\n\r\n" + string(js), crm.Invalid, "From"},
		{"broken multipart", "message/rfc822", "From: no-reply@ccaiplatform.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zz", crm.Invalid, ""},
		{"bad base64 only", "message/rfc822", "From: no-reply@ccaiplatform.com\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!****", crm.Invalid, ""},
		{"form without boundary", "multipart/form-data", "x", crm.Invalid, "boundary"},
		{"truncated form", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nno-reply@ccaiplatform.com", crm.Invalid, "multipart"},
		{"form without metadata", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nno-reply@ccaiplatform.com\r\n--b--\r\n", crm.Invalid, "no session metadata"},
		{"form bad charsets", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"charsets\"\r\n\r\n[1]\r\n--b--\r\n", crm.Invalid, "charsets"},
		{"form unknown charset", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"charsets\"\r\n\r\n{\"text\":\"klingon\"}\r\n--b--\r\n", crm.Invalid, "klingon"},
		{"other type", "text/plain", string(js), crm.UnsupportedMediaType, ""},
		{"unparsable type", "message/rfc822; ;;", string(js), crm.UnsupportedMediaType, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.contentType, strings.NewReader(tc.body))
			if err == nil {
				t.Fatalf("accepted: %+v", m)
			}
			if crm.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %v (%s), want %s mentioning %q", err, crm.ErrorCode(err), tc.code, tc.message)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	big := bytes.Repeat([]byte("a"), MaxMessageBytes+1)
	if _, err := Parse("message/rfc822", bytes.NewReader(big)); crm.ErrorCode(err) != crm.TooLarge {
		t.Errorf("raw over the limit: %v", err)
	}
	ct, body := sendGridForm(t, [][2]string{{"text", string(big)}})
	if _, err := Parse(ct, bytes.NewReader(body)); crm.ErrorCode(err) != crm.TooLarge {
		t.Errorf("form over the limit: %v", err)
	}

	js := testenv.Fixture(t, "metadata/chat-135.json")
	var files []part
	for i := range MaxAttachments + 1 {
		files = append(files, part{"text/plain", "base64", fmt.Sprintf("f%d.txt", i), []byte("x")})
	}
	if _, err := Parse("message/rfc822", bytes.NewReader(rawMail(t, "x", []part{{"text/plain", "", "", js}}, files...))); crm.ErrorCode(err) != crm.Invalid || !strings.Contains(err.Error(), "attachments") {
		t.Errorf("raw with too many attachments: %v", err)
	}
	if _, err := Parse("message/rfc822", bytes.NewReader(rawMail(t, "x", []part{{"text/plain", "", "", js}}, files[1:]...))); err != nil {
		t.Errorf("raw with %d attachments: %v", MaxAttachments, err)
	}
	ct, body = sendGridForm(t, [][2]string{{"from", DefaultSender}, {"text", string(js)}}, files...)
	if _, err := Parse(ct, bytes.NewReader(body)); crm.ErrorCode(err) != crm.Invalid || !strings.Contains(err.Error(), "attachments") {
		t.Errorf("form with too many attachments: %v", err)
	}
}

func TestSenderAllowed(t *testing.T) {
	for _, tc := range []struct {
		from    string
		allowed []string
		want    bool
	}{
		{"no-reply@ccaiplatform.com", nil, true},
		{"No-Reply@CCAIPlatform.com", nil, true},
		{"CCAI <no-reply@ccaiplatform.com>", nil, true},
		{"someone@ccaiplatform.com", nil, false},
		{"no-reply@ccaiplatform.com.evil.com", nil, false},
		{"", nil, false},
		{"no-reply@ccaiplatform.com", []string{"ops@example.com"}, false},
		{"OPS@example.com", []string{"x@y.z", " ops@example.com "}, true},
	} {
		if got := SenderAllowed(tc.from, tc.allowed); got != tc.want {
			t.Errorf("SenderAllowed(%q, %q) = %v", tc.from, tc.allowed, got)
		}
	}
}

func TestNormalizeMessageID(t *testing.T) {
	for in, want := range map[string]string{
		"<abc@x.y>":        "abc@x.y",
		"  <abc@x.y>  ":    "abc@x.y",
		"abc@x.y":          "abc@x.y",
		"<ABC@x.y> (note)": "ABC@x.y",
		"":                 "",
	} {
		if got := NormalizeMessageID(in); got != want {
			t.Errorf("NormalizeMessageID(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseRaw: whatever the bytes, Parse returns a message or an Invalid
// error, never a panic or another code. Seeds run with go test; fuzz with
// go test -fuzz FuzzParseRaw ./shared/inboundmail.
func FuzzParseRaw(f *testing.F) {
	js := testenv.Fixture(f, "metadata/chat-135.json")
	f.Add(rawMail(f, "x", []part{{"text/plain", "quoted-printable", "", js}}, part{"text/plain", "base64", "t.txt", transcript}))
	f.Add(rawMail(f, "x", []part{{"text/plain", "", "", js}, {"text/html", "base64", "", []byte("<pre>" + html.EscapeString(string(js)) + "</pre>")}}))
	f.Add([]byte("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n{\"id\":1}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse("message/rfc822", bytes.NewReader(b))
		if err != nil {
			if crm.ErrorCode(err) != crm.Invalid {
				t.Fatalf("error of code %s: %v", crm.ErrorCode(err), err)
			}
			return
		}
		if m.From == "" || len(m.Metadata) == 0 || m.Session.Summary.ID == "" {
			t.Fatalf("accepted without From or metadata: %+v", m)
		}
	})
}

// BenchmarkParseSendGridTenMiB: the same 10 MiB file as a parsed-mode form
// file (binary, as SendGrid posts it).
func BenchmarkParseSendGridTenMiB(b *testing.B) {
	_, data := tenMiBMail(b)
	ct, body := sendGridForm(b, [][2]string{{"from", DefaultSender}, {"text", string(testenv.Fixture(b, "metadata/call-1418.json"))}},
		part{contentType: "audio/mpeg", filename: "call-1418.mp3", body: data})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(ct, bytes.NewReader(body))
		if err != nil || len(m.Attachments) != 1 || len(m.Attachments[0].Data) != len(data) {
			b.Fatal(err)
		}
	}
}

// The text part wins; the HTML part is read only when the text part has no
// usable metadata.
func TestTextBeforeHTML(t *testing.T) {
	call := testenv.Fixture(t, "metadata/call-1418.json")
	chat := testenv.Fixture(t, "metadata/chat-135.json")
	htmlChat := []byte("<pre>" + html.EscapeString(string(chat)) + "</pre>")
	m := parseRawOK(t, rawMail(t, "x", []part{{"text/plain", "", "", call}, {"text/html", "quoted-printable", "", htmlChat}}))
	if m.Session.Summary.ID != "1418" {
		t.Errorf("text and HTML: session %s, want the text part's 1418", m.Session.Summary.ID)
	}
	for _, text := range []string{"See the HTML version.", `{"id": "not an id!"}`} {
		m = parseRawOK(t, rawMail(t, "x", []part{{"text/plain", "", "", []byte(text)}, {"text/html", "base64", "", htmlChat}}))
		if m.Session.Summary.ID != "135" {
			t.Errorf("text %q: session %s, want the HTML part's 135", text, m.Session.Summary.ID)
		}
	}
}

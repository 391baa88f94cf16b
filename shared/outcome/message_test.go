package outcome_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/outcome"
	"example.com/crm/shared/testenv"
)

type part struct {
	contentType, filename string
	data                  []byte
}

// parse reads a composed message back with net/mail and mime/multipart,
// checking its line endings and lengths.
func parse(t *testing.T, msg []byte) (mail.Header, []part) {
	t.Helper()
	for i, line := range strings.Split(string(msg), "\n") {
		if i < strings.Count(string(msg), "\n") && !strings.HasSuffix(line, "\r") {
			t.Fatalf("line %d does not end with CRLF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Fatalf("line %d is %d characters long", i+1, len(line))
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	var parts []part
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = p // quoted-printable is decoded by NextPart
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			body = base64.NewDecoder(base64.StdEncoding, p)
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("part %s: %v", p.FileName(), err)
		}
		parts = append(parts, part{p.Header.Get("Content-Type"), p.FileName(), data})
	}
	return m.Header, parts
}

func subject(t *testing.T, h mail.Header) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestComposeCallWithMetadata(t *testing.T) {
	raw := testenv.Fixture(t, "metadata/call-1418.json")
	f, err := metadata.Parse(raw, "call")
	if err != nil {
		t.Fatal(err)
	}
	e := outcome.Email{
		From: "CRM <crm@example.com>", To: "team@example.com",
		Date:     time.Date(2026, 3, 23, 20, 31, 46, 0, time.UTC),
		Record:   crm.Record{ID: "rec1", Subject: "Call 1418"},
		Summary:  f.Summary,
		Metadata: raw,
	}
	msg, err := outcome.Compose(e)
	if err != nil {
		t.Fatal(err)
	}
	h, parts := parse(t, msg)
	if got, want := subject(t, h), "Session outcome: call 1418, queue menu-path-test/optional-dispositions_menu-8"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "team@example.com" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "crm@example.com" || from[0].Name != "CRM" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if got, want := h.Get("Message-ID"), "<"+outcome.EmailID("call:1418", "team@example.com")+"@example.com>"; got != want {
		t.Errorf("Message-ID = %q, want %q", got, want)
	}
	if d, err := h.Date(); err != nil || !d.Equal(e.Date) {
		t.Errorf("Date = %v (%v), want %v", d, err, e.Date)
	}
	if len(parts) != 2 {
		t.Fatalf("%d parts, want text and metadata: %+v", len(parts), parts)
	}
	text := string(parts[0].data)
	for _, want := range []string{"call session 1418", "finished", "Record: rec1 Call 1418", "Queue: menu-path-test/optional-dispositions_menu-8 (6/8)", "Duration: 126 s", "call-1418.json"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	if parts[0].contentType != "text/plain; charset=utf-8" {
		t.Errorf("text part type %q", parts[0].contentType)
	}
	if parts[1].filename != "call-1418.json" || parts[1].contentType != "application/json" || !bytes.Equal(parts[1].data, raw) {
		t.Errorf("metadata part %q %q: %d bytes, equal %v", parts[1].filename, parts[1].contentType, len(parts[1].data), bytes.Equal(parts[1].data, raw))
	}
	// The same email gives the same bytes (a retry sends the same message).
	again, _ := outcome.Compose(e)
	if !bytes.Equal(again, msg) {
		t.Error("composing the same email twice gave different bytes")
	}
}

func TestComposeChatWithTranscriptAndUnicode(t *testing.T) {
	raw := testenv.Fixture(t, "metadata/chat-135.json")
	f, err := metadata.Parse(raw, "chat")
	if err != nil {
		t.Fatal(err)
	}
	f.Summary.QueuePath = "Bestellungen/Rückfragen " + strings.Repeat("sehr lange Warteschlange ", 12)
	transcript := []byte("Agent: Grüß Gott!\nCustomer: héllo\r\n" + strings.Repeat("x", 300) + "\n\x00binary-ish\xff")
	msg, err := outcome.Compose(outcome.Email{
		From: "crm@example.com", To: "Team@Example.com", Date: time.Now(),
		Record: crm.Record{ID: "rec2", Subject: "Chat mit Jürgen"}, Summary: f.Summary,
		Metadata: raw, Transcript: transcript,
	})
	if err != nil {
		t.Fatal(err)
	}
	h, parts := parse(t, msg)
	got := subject(t, h)
	if !strings.HasPrefix(got, "Session outcome: chat 135, queue Bestellungen/Rückfragen sehr lange") || !strings.HasSuffix(got, "…") || len([]rune(got)) != 200 {
		t.Errorf("Subject = %q (%d characters), want the long queue cut at 200 characters", got, len([]rune(got)))
	}
	if len(parts) != 3 {
		t.Fatalf("%d parts, want text, metadata and transcript", len(parts))
	}
	if !strings.Contains(string(parts[0].data), "Record: rec2 Chat mit Jürgen") {
		t.Errorf("text part: %s", parts[0].data)
	}
	if parts[2].filename != "chat-135.txt" || !strings.HasPrefix(parts[2].contentType, "text/plain") || !bytes.Equal(parts[2].data, transcript) {
		t.Errorf("transcript part %q %q: %q", parts[2].filename, parts[2].contentType, parts[2].data)
	}
	if !bytes.Equal(parts[1].data, raw) {
		t.Error("metadata attachment changed")
	}
}

func TestComposeRefusesBadAddresses(t *testing.T) {
	for _, e := range []outcome.Email{
		{From: "crm@example.com", To: "not an address"},
		{From: "", To: "team@example.com"},
	} {
		if _, err := outcome.Compose(e); crm.ErrorCode(err) != crm.Invalid {
			t.Errorf("Compose(from %q, to %q) = %v, want Invalid", e.From, e.To, err)
		}
	}
}

func TestEmailID(t *testing.T) {
	id := outcome.EmailID("call:1418", "team@example.com")
	if !outcome.IsEmailID(id) {
		t.Fatalf("IsEmailID(%q) = false", id)
	}
	if outcome.EmailID("call:1418", "Team@Example.COM") != id {
		t.Error("the address's case changes the id")
	}
	for _, other := range []string{outcome.EmailID("chat:1418", "team@example.com"), outcome.EmailID("call:1418", "ops@example.com"), outcome.EmailID("call:14", "18team@example.com")} {
		if other == id {
			t.Errorf("another session or address has the same id %s", id)
		}
	}
	for _, bad := range []string{"", "abc", strings.ToUpper(id), id[:63] + "g", id + "0"} {
		if outcome.IsEmailID(bad) {
			t.Errorf("IsEmailID(%q) = true", bad)
		}
	}
	if got := outcome.SessionKey(metadata.Summary{Kind: "chat", ID: "135"}); got != "chat:135" {
		t.Errorf("SessionKey = %q", got)
	}
}

// Package inboundmail turns a session outcome email, as an inbound mail
// gateway delivers it over HTTP, into what the CRM needs: the sender, the
// Message-ID, the session metadata JSON and the attachments (the chat
// transcript is a TXT attachment).
//
// Two deliveries are understood: a raw RFC 5322 message (Content-Type
// message/rfc822, the body being the message) and the SendGrid Inbound Parse
// webhook (multipart/form-data), in its raw mode (the whole message in the
// "email" field) and its parsed mode (fields from, to, subject, text, html,
// headers, charsets, attachment-info and files attachment1…). MIME is parsed
// by github.com/jhillyerd/enmime: multipart/alternative, quoted-printable and
// base64 bodies and attachments, and non-UTF-8 charsets (converted to UTF-8).
//
// Every error is a *crm.Error: Invalid (the email can never be accepted as
// sent, with a message saying what is missing), TooLarge or
// UnsupportedMediaType.
package inboundmail

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/net/html"
)

const (
	// MaxMessageBytes caps a delivery's body (the message, or the whole
	// SendGrid form): 25 MiB.
	MaxMessageBytes = 25 << 20
	// MaxAttachments caps the attachments of one email.
	MaxAttachments = 20
	// DefaultSender is the address CCAI Platform sends session outcome
	// emails from, the allowed sender when none is configured.
	DefaultSender = "no-reply@ccaiplatform.com"
)

// Message is what the CRM takes from a session outcome email.
type Message struct {
	// From is the sender's address, lower-cased.
	From string
	// To are the recipients' addresses, lower-cased.
	To []string
	// Subject is decoded to UTF-8.
	Subject string
	// MessageID is the Message-ID header without its angle brackets; ""
	// when the message has none.
	MessageID string
	// Date is the Date header; zero when absent or unreadable.
	Date time.Time
	// Metadata is the session metadata JSON object, as found in the body.
	Metadata []byte
	// Session is Metadata parsed by the metadata package; its Summary has
	// the session's Kind and ID (both present) and UpdatedAt.
	Session metadata.File
	// Attachments are the email's files, the transcript among them.
	Attachments []Attachment
}

// Attachment is one file of an email.
type Attachment struct {
	Name        string
	ContentType string // as declared, without parameters
	Data        []byte
}

// Parse reads a delivery of the given Content-Type: message/rfc822 (a raw
// message) or multipart/form-data (the SendGrid Inbound Parse webhook, raw or
// parsed mode). The body is read up to MaxMessageBytes.
func Parse(contentType string, body io.Reader) (*Message, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, crm.Errorf(crm.UnsupportedMediaType, "Content-Type %q: want message/rfc822 or multipart/form-data", contentType)
	}
	switch mt {
	case "message/rfc822":
		return ParseRaw(body)
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, crm.Errorf(crm.Invalid, "multipart/form-data without a boundary")
		}
		return ParseSendGrid(body, params["boundary"])
	}
	return nil, crm.Errorf(crm.UnsupportedMediaType, "Content-Type %q: want message/rfc822 or multipart/form-data", mt)
}

// ParseRaw reads a raw RFC 5322 message, up to MaxMessageBytes.
// The message streams into the parser (no copy of the whole message first).
func ParseRaw(r io.Reader) (*Message, error) {
	lr := &io.LimitedReader{R: r, N: MaxMessageBytes + 1}
	env, err := enmime.ReadEnvelope(lr)
	if lr.N <= 0 {
		return nil, crm.Errorf(crm.TooLarge, "the message is over %d bytes", MaxMessageBytes)
	}
	if err != nil {
		return nil, crm.Errorf(crm.Invalid, "not a MIME message: %v", err)
	}
	m := &Message{
		Subject:   env.GetHeader("Subject"),
		MessageID: NormalizeMessageID(env.GetHeader("Message-Id")),
	}
	if d, err := env.Date(); err == nil {
		m.Date = d
	}
	if from, err := env.AddressList("From"); err == nil && len(from) > 0 {
		m.From = strings.ToLower(from[0].Address)
	}
	if to, err := env.AddressList("To"); err == nil {
		for _, a := range to {
			m.To = append(m.To, strings.ToLower(a.Address))
		}
	}
	var text string
	if hasTextPart(env.Root) {
		text = env.Text // otherwise enmime's Text is a rendering of the HTML
	}
	if err := m.setMetadata(text, env.HTML); err != nil {
		return nil, err
	}
	for _, p := range env.Attachments {
		m.Attachments = append(m.Attachments, Attachment{Name: p.FileName, ContentType: p.ContentType, Data: p.Content})
	}
	for _, p := range env.Inlines { // inline files (an image in the HTML) count only when named
		if p.FileName != "" {
			m.Attachments = append(m.Attachments, Attachment{Name: p.FileName, ContentType: p.ContentType, Data: p.Content})
		}
	}
	return m, m.check()
}

// hasTextPart reports whether the message has a text/plain body part of its
// own (not an attachment).
func hasTextPart(root *enmime.Part) bool {
	if root == nil {
		return false
	}
	return root.DepthMatchFirst(func(p *enmime.Part) bool {
		return p.ContentType == "text/plain" && p.Disposition != "attachment" && p.FileName == ""
	}) != nil
}

// check holds the rules every parsed email must meet.
func (m *Message) check() error {
	if m.From == "" {
		return crm.Errorf(crm.Invalid, "the email has no From address")
	}
	if len(m.Attachments) > MaxAttachments {
		return crm.Errorf(crm.Invalid, "the email has %d attachments, over the limit of %d", len(m.Attachments), MaxAttachments)
	}
	return nil
}

// setMetadata finds the session metadata JSON object in the text body, else
// in the HTML body (as text, entities unescaped, in <pre> or not).
func (m *Message) setMetadata(text, htmlBody string) error {
	var firstErr error
	for _, body := range []string{text, htmlText(htmlBody)} {
		raw := findJSONObject(body)
		if raw == nil {
			continue
		}
		f, err := metadata.Parse(raw, "")
		if err == nil && (f.Summary.Kind == "" || f.Summary.ID == "") {
			err = fmt.Errorf("%w: the metadata tells no session kind (call, chat or email)", metadata.ErrInvalid)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		m.Metadata, m.Session = raw, f
		return nil
	}
	if firstErr != nil {
		return crm.Errorf(crm.Invalid, "the email's session metadata: %v", firstErr)
	}
	return crm.Errorf(crm.Invalid, "the email has no session metadata JSON in its body")
}

// findJSONObject returns the first JSON value starting at the body's first
// "{" (one pass, linear in the body), or nil.
func findJSONObject(body string) []byte {
	i := strings.IndexByte(body, '{')
	if i < 0 {
		return nil
	}
	var raw json.RawMessage
	if err := json.NewDecoder(strings.NewReader(body[i:])).Decode(&raw); err != nil {
		return nil
	}
	return []byte(raw)
}

// htmlText is the text of an HTML document: its text nodes, entities
// unescaped, outside script and style.
func htmlText(doc string) string {
	if doc == "" {
		return ""
	}
	var sb strings.Builder
	z := html.NewTokenizer(strings.NewReader(doc))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return sb.String()
		case html.TextToken:
			if skip == 0 {
				sb.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "br", "p", "div", "pre", "tr":
				sb.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if n := string(name); (n == "script" || n == "style") && skip > 0 {
				skip--
			}
		}
	}
}

// NormalizeMessageID returns a Message-ID header's id without spaces and
// angle brackets, lower-casing nothing (ids are case-sensitive).
func NormalizeMessageID(h string) string {
	h = strings.TrimSpace(h)
	if i := strings.IndexByte(h, '<'); i >= 0 {
		if j := strings.IndexByte(h[i:], '>'); j > 0 {
			return strings.TrimSpace(h[i+1 : i+j])
		}
	}
	return strings.Trim(h, "<> \t")
}

// SenderAllowed reports whether from is one of the allowed addresses
// (case-insensitive); with no allowed address configured, only
// DefaultSender is.
func SenderAllowed(from string, allowed []string) bool {
	if len(allowed) == 0 {
		allowed = []string{DefaultSender}
	}
	from = strings.TrimSpace(from)
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.Address
	}
	for _, a := range allowed {
		if strings.EqualFold(from, strings.TrimSpace(a)) {
			return true
		}
	}
	return false
}

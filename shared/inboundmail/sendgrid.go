package inboundmail

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"unicode/utf8"

	"example.com/crm/shared/crm"
	"golang.org/x/text/encoding/htmlindex"
)

// ParseSendGrid reads a SendGrid Inbound Parse webhook body
// (multipart/form-data with the given boundary), up to MaxMessageBytes. With
// an "email" field (the "POST the raw, full MIME message" setting) that field
// is the message; otherwise the parsed fields are read: from, to, subject,
// text, html (each in the charset the "charsets" field names), headers (for
// Message-ID and Date), and the files attachment1… named by
// "attachment-info".
func ParseSendGrid(r io.Reader, boundary string) (*Message, error) {
	lr := &io.LimitedReader{R: r, N: MaxMessageBytes + 1}
	mr := multipart.NewReader(lr, boundary)
	fields := map[string][]byte{}
	type file struct {
		field, name, contentType string
		data                     []byte
	}
	var files []file
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err == nil {
			var b []byte
			b, err = io.ReadAll(p)
			if err == nil {
				if p.FileName() != "" {
					if len(files) == MaxAttachments {
						return nil, crm.Errorf(crm.Invalid, "the email has more than %d attachments", MaxAttachments)
					}
					ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
					files = append(files, file{p.FormName(), p.FileName(), ct, b})
				} else if _, seen := fields[p.FormName()]; !seen {
					fields[p.FormName()] = b
				}
			}
		}
		if err != nil {
			if lr.N <= 0 {
				return nil, crm.Errorf(crm.TooLarge, "the form is over %d bytes", MaxMessageBytes)
			}
			return nil, crm.Errorf(crm.Invalid, "malformed multipart form: %v", err)
		}
	}
	if raw, ok := fields["email"]; ok {
		return ParseRaw(bytes.NewReader(raw))
	}

	var charsets map[string]string
	if b := fields["charsets"]; len(b) > 0 {
		if err := json.Unmarshal(b, &charsets); err != nil {
			return nil, crm.Errorf(crm.Invalid, "the charsets field is not a JSON object of strings: %v", err)
		}
	}
	text := func(name string) (string, error) {
		b := fields[name]
		cs := charsets[name]
		if cs == "" || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "us-ascii") {
			if !utf8.Valid(b) {
				return "", crm.Errorf(crm.Invalid, "the %s field is not UTF-8 and the charsets field names no other charset", name)
			}
			return string(b), nil
		}
		enc, err := htmlindex.Get(cs)
		if err != nil {
			return "", crm.Errorf(crm.Invalid, "the %s field's charset %q is unknown", name, cs)
		}
		u, err := enc.NewDecoder().Bytes(b)
		if err != nil {
			return "", crm.Errorf(crm.Invalid, "the %s field is not %s: %v", name, cs, err)
		}
		return string(u), nil
	}
	var v [5]string
	for i, name := range []string{"from", "to", "subject", "text", "html"} {
		s, err := text(name)
		if err != nil {
			return nil, err
		}
		v[i] = s
	}
	m := &Message{Subject: v[2]}
	if a, err := mail.ParseAddress(v[0]); err == nil {
		m.From = strings.ToLower(a.Address)
	}
	if to, err := mail.ParseAddressList(v[1]); err == nil {
		for _, a := range to {
			m.To = append(m.To, strings.ToLower(a.Address))
		}
	}
	if h := fields["headers"]; len(h) > 0 {
		msg, err := mail.ReadMessage(strings.NewReader(strings.TrimRight(string(h), "\r\n") + "\r\n\r\n"))
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, crm.Errorf(crm.Invalid, "the headers field: %v", err)
		}
		if msg != nil {
			m.MessageID = NormalizeMessageID(msg.Header.Get("Message-Id"))
			if d, err := msg.Header.Date(); err == nil {
				m.Date = d
			}
		}
	}
	if err := m.setMetadata(v[3], v[4]); err != nil {
		return nil, err
	}

	var info map[string]struct {
		Filename string `json:"filename"`
		Name     string `json:"name"`
		Type     string `json:"type"`
	}
	if b := fields["attachment-info"]; len(b) > 0 {
		if err := json.Unmarshal(b, &info); err != nil {
			return nil, crm.Errorf(crm.Invalid, "the attachment-info field is not JSON: %v", err)
		}
	}
	for _, f := range files {
		a := Attachment{Name: f.name, ContentType: f.contentType, Data: f.data}
		if i, ok := info[f.field]; ok {
			if i.Filename != "" {
				a.Name = i.Filename
			}
			if i.Type != "" {
				a.ContentType = i.Type
			}
		}
		m.Attachments = append(m.Attachments, a)
	}
	return m, m.check()
}

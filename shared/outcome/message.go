package outcome

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
)

// EmailID is the identity of the outcome email of a session to an
// address: the hex SHA-256 of both (the address compared
// case-insensitively). sessionKey is crm.Session.Key ("call:1418"). It
// names the Cloud Task that sends the email and its sent state, and makes
// its Message-ID, so every report of the session's end, every redelivery
// and every retry is the same email.
func EmailID(sessionKey, address string) string {
	h := sha256.Sum256([]byte("outcome-email\x00" + sessionKey + "\x00" + strings.ToLower(address)))
	return hex.EncodeToString(h[:])
}

// IsEmailID reports whether id has the form of an EmailID.
func IsEmailID(id string) bool {
	if len(id) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// SessionKey is the crm.Session key of the session a summary tells of
// ("call:1418"; kind "session" when the file does not tell).
func SessionKey(summary metadata.Summary) string {
	return crm.Session{Kind: sessionKind(summary), ID: summary.ID}.Key()
}

func sessionKind(summary metadata.Summary) crm.SessionKind {
	if summary.Kind == "" {
		return crm.SessionAny
	}
	return crm.SessionKind(summary.Kind)
}

// Email is an outcome email to compose.
type Email struct {
	// From and To are addresses (To one bare address, as Settings hold
	// them; From may have a display name).
	From, To string
	// Date is when the email is sent.
	Date time.Time
	// Record is the session's record (its ID and Subject are shown).
	Record crm.Record
	// Summary is the session's metadata summary.
	Summary metadata.Summary
	// Metadata is the session metadata file as received (JSON), attached
	// as {kind}-{id}.json; nil for none.
	Metadata []byte
	// Transcript is the chat transcript, attached as {kind}-{id}.txt;
	// nil for none.
	Transcript []byte
}

// ID is the email's EmailID.
func (e Email) ID() string { return EmailID(SessionKey(e.Summary), e.To) }

// maxSubject is how many characters of the subject are kept (a queue path
// has no limit of its own).
const maxSubject = 200

// Subject names the session and its queue: "Session outcome: call 1418,
// queue Orders/Support".
func (e Email) Subject() string {
	s := fmt.Sprintf("Session outcome: %s %s", sessionKind(e.Summary), e.Summary.ID)
	if e.Summary.QueuePath != "" {
		s += ", queue " + e.Summary.QueuePath
	}
	if utf8.RuneCountInString(s) > maxSubject {
		s = string([]rune(s)[:maxSubject-1]) + "…"
	}
	return s
}

// Compose returns the email as an RFC 5322 message with CRLF line endings,
// ready for net/smtp: multipart/mixed with a text part (the session summary,
// quoted-printable UTF-8) and base64 attachments (the metadata JSON, the
// transcript where there is one). The same Email always gives the same
// bytes: the boundary and the Message-ID come from its ID. Errors (Invalid):
// From or To not an address.
func Compose(e Email) ([]byte, error) {
	from, err := mail.ParseAddress(e.From)
	if err != nil {
		return nil, crm.Errorf(crm.Invalid, "outcome email from %q: %v", e.From, err)
	}
	to, err := mail.ParseAddress(e.To)
	if err != nil {
		return nil, crm.Errorf(crm.Invalid, "outcome email to %q: %v", e.To, err)
	}
	id := e.ID()
	_, domain, _ := strings.Cut(from.Address, "@")

	var b bytes.Buffer
	header(&b, "From", from.String())
	header(&b, "To", to.String())
	header(&b, "Subject", mime.QEncoding.Encode("utf-8", e.Subject()))
	header(&b, "Date", e.Date.Format(time.RFC1123Z))
	header(&b, "Message-ID", "<"+id+"@"+domain+">")
	header(&b, "Auto-Submitted", "auto-generated")
	header(&b, "MIME-Version", "1.0")
	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary("outcome-" + id[:40]); err != nil {
		return nil, err
	}
	header(&b, "Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")

	text, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return nil, err
	}
	qp := quotedprintable.NewWriter(text)
	qp.Write([]byte(e.body()))
	if err := qp.Close(); err != nil {
		return nil, err
	}
	base := string(sessionKind(e.Summary)) + "-" + e.Summary.ID
	if e.Metadata != nil {
		if err := attach(mw, base+".json", "application/json", e.Metadata); err != nil {
			return nil, err
		}
	}
	if e.Transcript != nil {
		if err := attach(mw, base+".txt", "text/plain; charset=utf-8", e.Transcript); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// header writes a header field, folded at spaces before 78 characters
// where it can be.
func header(b *bytes.Buffer, name, value string) {
	line := name + ":"
	for i, word := range strings.Split(value, " ") {
		if i > 0 && len(line)+1+len(word) > 76 {
			b.WriteString(line + "\r\n")
			line = ""
		}
		line += " " + word
	}
	b.WriteString(line + "\r\n")
}

// attach adds data as a base64 attachment named name.
func attach(mw *multipart.Writer, name, contentType string, data []byte) error {
	w, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {contentType},
		"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": name})},
		"Content-Transfer-Encoding": {"base64"},
	})
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		if _, err := w.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = w.Write([]byte(enc + "\r\n"))
	return err
}

// body is the text part: the session summary, one fact a line.
func (e Email) body() string {
	s := e.Summary
	var b strings.Builder
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, value)
		}
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(&b, "The %s session %s has ended with status %s.\n\n", sessionKind(s), s.ID, s.Status)
	line("Record", strings.TrimSpace(e.Record.ID+" "+e.Record.Subject))
	line("Type", s.Type)
	queue := s.QueuePath
	if s.MenuPath != "" {
		queue += " (" + s.MenuPath + ")"
	}
	line("Queue", strings.TrimSpace(queue))
	if s.Agent.Name != "" || s.Agent.ID != "" {
		a := s.Agent.Name
		if s.Agent.Email != "" {
			a += " <" + s.Agent.Email + ">"
		}
		if s.Agent.Virtual {
			a += " (virtual agent)"
		}
		line("Agent", strings.TrimSpace(a))
	}
	u := s.EndUser
	line("Customer", strings.Join(nonEmpty(u.Name, u.Phone, u.Email), ", "))
	line("Created", at(s.CreatedAt))
	line("Started", at(s.StartedAt))
	line("Ended", at(s.EndedAt))
	fmt.Fprintf(&b, "Duration: %d s (wait %d s, hold %d s)\n", s.DurationSeconds, s.WaitSeconds, s.HoldSeconds)
	if s.CSAT != nil {
		line("CSAT", strings.TrimSpace(fmt.Sprintf("%d %s", s.CSAT.Rating, s.CSAT.Feedback)))
	}
	for _, d := range s.Dispositions {
		line("Disposition", strings.Join(nonEmpty(d.Code, d.Path, d.Notes), ", "))
	}
	for _, t := range s.Transfers {
		line("Transfer", fmt.Sprintf("%s -> %s (%s)", t.From, t.To, t.Status))
	}
	if s.FailReason != "" && s.FailReason != "nothing" {
		line("Fail reason", s.FailReason)
	}
	base := string(sessionKind(s)) + "-" + s.ID
	if e.Metadata != nil {
		fmt.Fprintf(&b, "\nThe session metadata is attached as %s.json.\n", base)
	}
	if e.Transcript != nil {
		fmt.Fprintf(&b, "The transcript is attached as %s.txt.\n", base)
	}
	return b.String()
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

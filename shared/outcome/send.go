package outcome

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/objectname"
)

// Mailer sends one message (shared/mailer: SMTP).
type Mailer interface {
	// Send sends msg from from to to. Errors: whatever went wrong;
	// Permanent tells whether trying again can help.
	Send(ctx context.Context, from, to string, msg []byte) error
	// Permanent reports whether err, returned by Send, is final (the
	// server refused the message or the address for good).
	Permanent(err error) bool
}

// Sender sends the outcome email a task asks for, once.
type Sender struct {
	Store   Store // settings and sent state
	Records interface {
		GetRecord(ctx context.Context, id string) (crm.Record, error)
		AddComment(ctx context.Context, recordID string, c crm.Comment) (crm.Comment, bool, error)
	}
	Attachments interface {
		Attachments(ctx context.Context, recordID string) ([]crm.Attachment, error)
	}
	Blobs interface {
		Read(ctx context.Context, bucket, name string, offset, length int64) (io.ReadCloser, error)
	}
	Mail Mailer
	From string // the From address
	// MaxAttempts is the queue's max_attempts: the attempt that reaches
	// it is the last, and its failure is final.
	MaxAttempts int
	Now         func() time.Time // time.Now when nil
	Log         *slog.Logger
}

// Result is what a task came to.
type Result string

// The results.
const (
	Sent        Result = "sent"         // the email went out now
	AlreadySent Result = "already_sent" // it went out before, or was given up on: nothing new
	NoRecipient Result = "no_recipient" // the settings send this session's outcome nowhere
	NotFinished Result = "not_finished" // the session's metadata says it did not finish
	NoSession   Result = "no_session"   // the record or its session is gone
	GaveUp      Result = "gave_up"      // sending failed for good; recorded on the record
)

// MaxTranscript is the largest transcript attached; a larger one is named
// in the body instead.
const MaxTranscript = 10 << 20

// Send sends the outcome email of task t, on attempt number attempt (1 for
// the first). It decides from what the CRM knows now: the session's
// metadata file, when the record has one, gives the summary and the queue
// (and a session it says did not finish gets nothing); the settings give
// the recipient. It sends at most once per session and address (the
// store's claim). A failed send is an Unavailable error, so the task is
// retried, until the server refuses for good or attempt reaches
// MaxAttempts: then the failure is recorded on the email's state and as a
// comment on the record, and GaveUp is returned with a nil error.
func (s Sender) Send(ctx context.Context, t Task, attempt int) (Result, error) {
	rec, err := s.Records.GetRecord(ctx, t.RecordID)
	if crm.ErrorCode(err) == crm.NotFound {
		return NoSession, nil
	}
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(rec.Sessions, func(x crm.Session) bool { return x.Key() == t.Session })
	if i < 0 {
		return NoSession, nil
	}
	sess := rec.Sessions[i]
	atts, err := s.Attachments.Attachments(ctx, rec.ID)
	if err != nil {
		return "", err
	}
	e := Email{From: s.From, Record: rec, Summary: metadata.Summary{Kind: string(sess.Kind), ID: sess.ID, Status: "finished", Finished: true}}
	if a, ok := s.metadataFile(rec.ID, t.Session, atts); ok {
		raw, err := s.read(ctx, a, metadata.MaxFileSize)
		if err != nil {
			return "", err
		}
		if f, err := metadata.Parse(raw, string(sess.Kind)); raw != nil && err == nil { // ingest kept only files that parse
			e.Summary, e.Metadata = f.Summary, raw
		}
	}
	if !Qualifies(e.Summary) {
		return NotFinished, nil
	}
	set, err := s.Store.OutcomeSettings(ctx)
	if err != nil {
		return "", err
	}
	if e.To = set.RecipientOf(e.Summary); e.To == "" {
		return NoRecipient, nil
	}
	id := EmailID(t.Session, e.To)
	first, err := s.Store.ClaimSend(ctx, id)
	if err != nil || !first {
		if err == nil {
			return AlreadySent, nil
		}
		return "", err
	}
	if a, ok := transcript(t.Session, atts); ok {
		if e.Transcript, err = s.read(ctx, a, MaxTranscript); err != nil {
			return "", s.failed(ctx, id, err)
		}
	}
	e.Date = s.now()
	msg, err := Compose(e)
	if err != nil {
		return "", s.failed(ctx, id, err)
	}
	if err := s.Mail.Send(ctx, s.From, e.To, msg); err != nil {
		final := s.Mail.Permanent(err) || attempt >= s.MaxAttempts
		if !final {
			return "", s.failed(ctx, id, err)
		}
		return s.giveUp(ctx, rec.ID, t.Session, id, e.To, attempt, err)
	}
	if err := s.Store.MarkSent(ctx, id); err != nil {
		// It went out: a retry finds the claim held, then (after the
		// lease) sends again. Better twice than never; logged.
		s.Log.ErrorContext(ctx, "outcome email sent but not marked sent", "email", id, "error", err.Error())
		return Sent, nil
	}
	s.Log.InfoContext(ctx, "outcome email sent", "record", rec.ID, "session", t.Session, "email", id, "attempt", attempt)
	return Sent, nil
}

// failed releases the claim of email id for the task's retry and returns
// the error as Unavailable.
func (s Sender) failed(ctx context.Context, id string, err error) error {
	if rerr := s.Store.RecordFailure(ctx, id, err.Error(), false); rerr != nil {
		s.Log.WarnContext(ctx, "outcome email failure not recorded", "email", id, "error", rerr.Error())
	}
	return crm.Errorf(crm.Unavailable, "the outcome email was not sent (retried): %v", err)
}

// giveUp records a final failure: on the email's state (so that no later
// task sends it) and as a comment on the record, where agents see it.
func (s Sender) giveUp(ctx context.Context, recordID, session, id, to string, attempt int, cause error) (Result, error) {
	reason := cause.Error()
	if err := s.Store.RecordFailure(ctx, id, reason, true); err != nil {
		return "", err
	}
	body := fmt.Sprintf("The session outcome email to %s was not sent (attempt %d, no more retries): %s", to, attempt, reason)
	if len(body) > 2048 {
		body = strings.ToValidUTF8(body[:2048], "") + "…"
	}
	if _, _, err := s.Records.AddComment(ctx, recordID, crm.Comment{Body: body, SessionKey: session}); err != nil {
		return "", err
	}
	s.Log.ErrorContext(ctx, "outcome email given up", "record", recordID, "session", session, "email", id, "attempt", attempt, "error", reason)
	return GaveUp, nil
}

// metadataFile is the session's metadata attachment.
func (s Sender) metadataFile(recordID, session string, atts []crm.Attachment) (crm.Attachment, bool) {
	id := crm.MetadataAttachmentID(recordID, session)
	i := slices.IndexFunc(atts, func(a crm.Attachment) bool { return a.ID == id })
	if i < 0 {
		return crm.Attachment{}, false
	}
	return atts[i], true
}

// transcript is the session's newest chat transcript.
func transcript(session string, atts []crm.Attachment) (crm.Attachment, bool) {
	for i := len(atts) - 1; i >= 0; i-- {
		if atts[i].SessionKey == session && atts[i].Kind == string(objectname.Transcript) {
			return atts[i], true
		}
	}
	return crm.Attachment{}, false
}

// read reads an attachment's bytes; nil (logged) when they are gone from
// the bucket or over limit: the email goes out without them.
func (s Sender) read(ctx context.Context, a crm.Attachment, limit int64) ([]byte, error) {
	if a.Size > limit {
		s.Log.WarnContext(ctx, "file too large for the outcome email", "record", a.RecordID, "attachment", a.ID, "size", a.Size)
		return nil, nil
	}
	r, err := s.Blobs.Read(ctx, a.Bucket, a.Object, 0, -1)
	if crm.ErrorCode(err) == crm.NotFound {
		s.Log.WarnContext(ctx, "file gone from its bucket: not in the outcome email", "record", a.RecordID, "attachment", a.ID)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, crm.Errorf(crm.Unavailable, "read %s/%s: %v", a.Bucket, a.Object, err)
	}
	if int64(len(b)) > limit {
		s.Log.WarnContext(ctx, "file too large for the outcome email", "record", a.RecordID, "attachment", a.ID)
		return nil, nil
	}
	return b, nil
}

func (s Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

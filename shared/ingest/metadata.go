package ingest

import (
	"context"
	"fmt"
	"strings"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
)

// Outcome is what became of what arrived.
type Outcome string

// The outcomes.
const (
	Linked       Outcome = "linked"       // on its session's record
	Waiting      Outcome = "waiting"      // its session has no record yet
	Unrecognised Outcome = "unrecognised" // a storage object name CCAI Platform does not write; left alone
	Malformed    Outcome = "malformed"    // metadata that does not parse, or says what cannot be stored; left alone
	Gone         Outcome = "gone"         // a storage object deleted before it could be read
)

// Metadata is a session metadata file as it arrived, by whichever way.
type Metadata struct {
	Raw []byte // the file's JSON
	// Kind is the session kind the way it arrived tells ("call", "chat",
	// "email"), "" when only the content can tell.
	Kind string
	// Source is where it arrived from: crm.SourceStorage, SourceEmail or
	// SourceAPI; the attachments it records get it.
	Source string
	// File, when set, is the metadata file itself (without RecordID, ID,
	// SessionKey): one attachment per session, a newer version replacing
	// it.
	File *crm.Attachment
	// Files are the files that came with it (an email's transcript), each
	// with its Bucket and Object: linked to the session's record, once
	// each however often they arrive.
	Files []crm.Attachment
	// Keep, when set, makes the objects of File and Files exist. It is
	// called once the metadata is accepted (its record found or made) and
	// before anything is attached, so that metadata refused (Malformed)
	// leaves none of them stored: an email's files are kept only then.
	// Its error is returned.
	Keep func(ctx context.Context) error
	// Record, when set, is the record the file was sent to (an upload's):
	// the record it names, whatever its out_ticket_id says (recordFor).
	Record string
}

// applied is what applying a metadata file did: the session's record,
// and the file's attachment when it was attached (its ID empty when the
// record had this version or a newer one), with created.
type applied struct {
	Record  crm.Record
	File    crm.Attachment
	Created bool
}

// ApplyMetadata applies a session metadata file to its session's record
// (see recordFor), keeps the file and the files that came with it, links
// the files waiting for the session, and publishes session.ended once,
// when the metadata first says the session ended. A version older than
// (or the same as) the one the record has changes nothing. Metadata that
// does not parse, tells no session, or says what the CRM cannot store is
// Malformed with a nil error (logged): a retry cannot help. An error is
// returned only when a retry can succeed.
func (s Service) ApplyMetadata(ctx context.Context, m Metadata) (Outcome, error) {
	out, _, err := s.apply(ctx, m)
	return out, err
}

// apply is ApplyMetadata, telling also what it did.
func (s Service) apply(ctx context.Context, m Metadata) (Outcome, applied, error) {
	f, err := metadata.Parse(m.Raw, m.Kind)
	if err != nil {
		s.Log.WarnContext(ctx, "malformed metadata left alone", "source", m.Source, "error", err.Error())
		return Malformed, applied{}, nil
	}
	sum := f.Summary
	if sum.Kind == "" {
		sum.Kind = m.Kind
	}
	if sum.Kind == "" || sum.ID == "" {
		s.Log.WarnContext(ctx, "metadata tells no session (kind call, chat or email, and id)", "source", m.Source)
		return Malformed, applied{}, nil
	}
	if m.Record != "" {
		sum.RecordID = m.Record
	}
	done, err := s.applyMetadata(ctx, sum, m)
	if crm.ErrorCode(err) == crm.Invalid {
		// What it says cannot be stored (a value over the CRM's limits).
		s.Log.WarnContext(ctx, "metadata not stored: invalid content", "source", m.Source, "session", sum.Kind+":"+sum.ID, "error", err.Error())
		return Malformed, applied{}, nil
	}
	if err != nil {
		return "", applied{}, err
	}
	return Linked, done, nil
}

func (s Service) applyMetadata(ctx context.Context, sum metadata.Summary, m Metadata) (applied, error) {
	sess := SessionOf(sum)
	rec, err := s.recordFor(ctx, sum, sess)
	if err != nil {
		return applied{}, err
	}
	done := applied{Record: rec}
	if m.Keep != nil {
		if err := m.Keep(ctx); err != nil {
			return applied{}, err
		}
	}
	newer, notify, err := s.Store.ApplySessionMetadata(ctx, rec.ID, sess)
	if err != nil {
		return applied{}, err
	}
	if newer && m.File != nil {
		a := *m.File
		a.RecordID, a.SessionKey, a.Source = rec.ID, sess.Key(), m.Source
		a.ID = crm.MetadataAttachmentID(rec.ID, sess.Key())
		if done.File, done.Created, err = s.Attach(ctx, a, true); err != nil {
			return applied{}, err
		}
	}
	for _, a := range m.Files {
		a.Source = m.Source
		if _, err := s.link(ctx, rec.ID, sess.Key(), a); err != nil {
			return applied{}, err
		}
	}
	if _, err := s.LinkWaiting(ctx, rec); err != nil {
		return applied{}, err
	}
	if notify && (s.Events != nil || s.Outcomes != nil) {
		if err := s.sessionEnded(ctx, rec, sess, sum); err != nil {
			// Retried: give the claim back, so that the retry (however
			// soon) takes it again.
			if rerr := s.Store.ReleaseEndedClaim(ctx, rec.ID, sess.Key()); rerr != nil {
				s.Log.WarnContext(ctx, "session end claim not released: the retry waits for its lease", "record", rec.ID, "session", sess.Key(), "error", rerr.Error())
			}
			return applied{}, err
		}
	}
	return done, nil
}

// sessionEnded does, once per session, what its end sets off: the
// session.ended event, and the outcome email of a session that finished
// (whichever way its end was reported first: UpdateRecord schedules it
// too, through FinishedByUpdate).
func (s Service) sessionEnded(ctx context.Context, rec crm.Record, sess crm.Session, sum metadata.Summary) error {
	if s.Events != nil {
		if err := s.Events.SessionEnded(ctx, rec, sess); err != nil {
			return err
		}
	}
	if s.Outcomes != nil && sum.Finished {
		if err := s.Outcomes.SessionFinished(ctx, rec.ID, sess.Key(), sum.EndedAt); err != nil {
			return err
		}
	}
	return s.Store.MarkEndedNotified(ctx, rec.ID, sess.Key())
}

// recordFor finds the session's record: the one CCAI Platform names
// (out_ticket_id), else the one holding the session, else a new one for
// the end user's account (accountFor). A session belongs to one record:
// when another record than the one named holds it, the holder is the
// session's record.
func (s Service) recordFor(ctx context.Context, sum metadata.Summary, sess crm.Session) (crm.Record, error) {
	if sum.RecordID != "" {
		rec, err := s.Store.GetRecord(ctx, sum.RecordID)
		if err == nil {
			if rec.HasSession(sess.Key()) {
				return rec, nil
			}
			rec, err = s.Store.UpdateRecord(ctx, rec.ID, crm.RecordPatch{Sessions: []crm.Session{{Kind: sess.Kind, ID: sess.ID}}})
			if crm.ErrorCode(err) != crm.Conflict {
				return rec, err
			}
			s.Log.WarnContext(ctx, "metadata names another record than the one holding its session; applied to the holder",
				"session", sess.Key(), "named", sum.RecordID, "error", err.Error())
		} else if crm.ErrorCode(err) != crm.NotFound {
			return crm.Record{}, err
		}
	}
	id, err := s.Store.RecordOfSession(ctx, sess.Key())
	if err != nil {
		return crm.Record{}, err
	}
	if id != "" {
		return s.Store.GetRecord(ctx, id)
	}
	acc, err := s.accountFor(ctx, sum, sess)
	if err != nil {
		return crm.Record{}, err
	}
	subject := fmt.Sprintf("%s %s", strings.ToUpper(sum.Kind[:1])+sum.Kind[1:], sum.ID)
	if sum.Type != "" {
		subject += " (" + sum.Type + ")"
	}
	rec, _, err := s.Store.CreateRecord(ctx, crm.Record{
		AccountID: acc.ID, Subject: subject, Status: crm.StatusOpen,
		Sessions: []crm.Session{{Kind: sess.Kind, ID: sess.ID}},
		Custom:   map[string]string{"source": "session_metadata"},
	})
	return rec, err
}

// accountFor is the account of the session's end user: the one the
// metadata names, else found or created from the end user's phone or
// email like the Generic API does. One the metadata does not identify (no
// account, phone or email) gets an account of its own, named after its
// first session (custom field first_session): the store's rule for
// creates with no identity (one per request key) would otherwise make
// every unidentified caller of the retry window one account.
func (s Service) accountFor(ctx context.Context, sum metadata.Summary, sess crm.Session) (crm.Account, error) {
	if sum.AccountID != "" {
		acc, err := s.Store.GetAccount(ctx, sum.AccountID)
		if err == nil || crm.ErrorCode(err) != crm.NotFound {
			return acc, err
		}
	}
	eu := sum.EndUser
	a := crm.Account{Name: eu.Name}
	if eu.Phone != "" {
		a.Phones = []crm.Phone{ccai.PhoneOf(eu.Phone, s.PhoneRegion)}
	}
	if e, err := ccai.NormalizeEmail(eu.Email); err == nil && eu.Email != "" {
		a.Emails = []string{e}
	}
	if len(a.Keys()) == 0 {
		if a.Name == "" {
			a.Name = "Unknown caller"
		}
		a.Custom = map[string]string{"first_session": sess.Key()}
	}
	acc, _, err := s.Store.CreateAccount(ctx, a)
	return acc, err
}

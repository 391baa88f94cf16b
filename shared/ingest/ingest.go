// Package ingest is the one domain service for what a session tells the
// CRM after the fact: its metadata and its files, whichever way they
// arrive (external storage events and the backfill script through
// Objects, session outcome emails through ApplyMetadata with source
// email, a metadata file uploaded through the Generic API through
// UploadedMetadata, create and update record when a record gains a
// session, through LinkWaiting). Handlers only decode their input and
// call it. Where each rule lives:
//
//   - the session's record: out_ticket_id, else the record holding the
//     session (a session belongs to one record: the holder wins over the
//     record named), else a new record: recordFor (metadata.go);
//   - the account of a session the CRM never saw, an unidentified caller
//     getting an account of its own (first_session): accountFor;
//   - a newer metadata version replaces an older one, an older one changes
//     nothing (compared in the store's transaction,
//     crm.RecordStore.ApplySessionMetadata); session.ended goes out once
//     (the store's notify claim, then MarkEndedNotified, or
//     ReleaseEndedClaim when it failed): ApplyMetadata, sessionEnded;
//   - a finished session's outcome email is scheduled once per session,
//     by the first of its metadata (sessionEnded) and the record update
//     that says it finished (FinishedByUpdate); outcome.Scheduler names
//     the task after the session, outcome.Sender decides at send time
//     and sends once per session and address;
//   - the metadata file is one attachment per session: ApplyMetadata;
//   - an upload is a session's metadata file when its content is and the
//     upload names that session: UploadedMetadata (upload.go);
//   - a file goes to the record holding its session, or waits
//     (pending_files) until a record gains that session: File, LinkWaiting;
//   - one attachment per object and record, attachment.added published
//     once: link, Attach; the same version attached again changes
//     nothing (the store's AddAttachment);
//   - which storage objects are what, and their attachments: Objects
//     (object.go).
package ingest

import (
	"context"
	"log/slog"
	"time"

	"example.com/crm/shared/crm"
)

// Store is what the service keeps data in.
type Store interface {
	crm.AccountStore
	crm.RecordStore
	crm.AttachmentStore
	crm.PendingStore
}

// Service applies metadata, links files to records and tells other
// systems (Events).
type Service struct {
	Store  Store
	Events crm.Events // may be nil
	// PhoneRegion is the region of end users' numbers without a country
	// code (accounts made for sessions the CRM never saw).
	PhoneRegion string
	// Outcomes, when set, schedules the outcome email of a session that
	// finished (outcome.Scheduler).
	Outcomes interface {
		SessionFinished(ctx context.Context, recordID, sessionKey string, endedAt time.Time) error
	}
	Log *slog.Logger
}

// Attach stores a on its record (replace: a newer version of the same
// file replaces the stored one, while the same version again changes
// nothing, not even its time: crm.AttachmentStore.AddAttachment) and
// publishes attachment.added when the
// record did not have it: whoever attaches the same file again, however
// many at once, the event goes out once. A publish failure is logged, not
// returned: the attachment is stored, and a retry would not publish it
// again. created reports whether the record did not have it.
func (s Service) Attach(ctx context.Context, a crm.Attachment, replace bool) (att crm.Attachment, created bool, err error) {
	att, created, err = s.Store.AddAttachment(ctx, a, replace)
	if err != nil {
		return crm.Attachment{}, false, err
	}
	if created && s.Events != nil {
		if err := s.Events.AttachmentAdded(ctx, att); err != nil {
			s.Log.WarnContext(ctx, "attachment event not published", "record", att.RecordID, "attachment", att.ID, "error", err.Error())
		}
	}
	return att, created, nil
}

// File links a file of a session (a, without RecordID, with its Bucket
// and Object), arrived from source (crm.SourceStorage, SourceEmail,
// SourceAPI), to the record holding the first of its session keys that
// one holds (Linked), else leaves it waiting (Waiting) until a record
// gains one of them.
func (s Service) File(ctx context.Context, source string, a crm.Attachment, keys []string) (Outcome, error) {
	a.Source = source
	id, key, err := s.recordOf(ctx, keys)
	if err != nil {
		return "", err
	}
	if id != "" {
		if _, err = s.link(ctx, id, key, a); err != nil {
			return "", err
		}
		return Linked, nil
	}
	if err := s.Store.AddPending(ctx, crm.PendingFile{Attachment: a, SessionKeys: keys}); err != nil {
		return "", err
	}
	// A record may have gained the session between the look-up and the
	// write, and looked for waiting files before this one was written:
	// look again, so that the file cannot be left waiting.
	if id, key, err = s.recordOf(ctx, keys); err != nil || id == "" {
		return Waiting, err
	}
	atts, err := s.linkWaiting(ctx, id, []string{key})
	if err != nil {
		return "", err
	}
	if len(atts) > 0 {
		return Linked, nil
	}
	return Waiting, nil
}

// recordOf returns the record holding the first of keys that one holds,
// and that key; "" when none.
func (s Service) recordOf(ctx context.Context, keys []string) (id, key string, err error) {
	for _, k := range keys {
		id, err := s.Store.RecordOfSession(ctx, k)
		if err != nil || id != "" {
			return id, k, err
		}
	}
	return "", "", nil
}

// LinkWaiting links to rec every file waiting for one of its sessions,
// and returns them. Call it whenever a record may have gained a session.
func (s Service) LinkWaiting(ctx context.Context, rec crm.Record) ([]crm.Attachment, error) {
	return s.linkWaiting(ctx, rec.ID, rec.Keys())
}

func (s Service) linkWaiting(ctx context.Context, recordID string, keys []string) ([]crm.Attachment, error) {
	var linked []crm.Attachment
	for _, key := range keys {
		files, err := s.Store.Waiting(ctx, key)
		if err != nil {
			return linked, err
		}
		for _, f := range files {
			att, err := s.link(ctx, recordID, key, f.Attachment)
			if err != nil {
				return linked, err
			}
			// Removed only once linked: a failure in between leaves it
			// waiting, and the next link adds nothing twice.
			if err := s.Store.RemovePending(ctx, f.Bucket, f.Object); err != nil {
				return linked, err
			}
			linked = append(linked, att)
		}
	}
	return linked, nil
}

// link attaches the file a (in a.Bucket, a.Object) to session key of
// record recordID. Its id depends on the record, the source and the object
// only: the same object linked twice (or by two triggers at once) is one
// attachment.
func (s Service) link(ctx context.Context, recordID, key string, a crm.Attachment) (crm.Attachment, error) {
	a.RecordID, a.SessionKey = recordID, key
	a.ID = crm.AttachmentID(recordID, a.Source+":"+a.Bucket+"/"+a.Object)
	att, _, err := s.Attach(ctx, a, true)
	return att, err
}

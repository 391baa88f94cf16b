// Package ingest brings what CCAI Platform delivers about a session
// outside the Generic API to the session's record. Today it links the
// files of external storage: a file goes to the record holding its
// session, or waits (pending_files) until a record gains that session,
// and every attachment it adds publishes attachment.added. Every trigger
// goes through this one path: a storage event (functions/storageobject),
// create record and update record (a record gaining a session), a
// session metadata file.
package ingest

import (
	"context"
	"log/slog"

	"example.com/crm/shared/crm"
)

// Store is what the service keeps data in.
type Store interface {
	crm.AttachmentStore
	crm.PendingStore
}

// Service links files to records and tells other systems (Events).
type Service struct {
	Store  Store
	Events crm.Events // may be nil
	Log    *slog.Logger
}

// Attach stores a on its record (replace: a newer version of the same
// file replaces the stored one) and publishes attachment.added when the
// record did not have it: whoever attaches the same file again, however
// many at once, the event goes out once. A publish failure is logged, not
// returned: the attachment is stored, and a retry would not publish it
// again.
func (s Service) Attach(ctx context.Context, a crm.Attachment, replace bool) (crm.Attachment, error) {
	att, created, err := s.Store.AddAttachment(ctx, a, replace)
	if err != nil {
		return crm.Attachment{}, err
	}
	if created && s.Events != nil {
		if err := s.Events.AttachmentAdded(ctx, att); err != nil {
			s.Log.WarnContext(ctx, "attachment event not published", "record", att.RecordID, "attachment", att.ID, "error", err.Error())
		}
	}
	return att, nil
}

// LinkFile links a file from external storage (a, without RecordID) to the
// record holding the first of its session keys that one holds, else
// leaves it waiting, and reports whether it was linked.
func (s Service) LinkFile(ctx context.Context, a crm.Attachment, keys []string) (linked bool, err error) {
	id, key, err := s.recordOf(ctx, keys)
	if err != nil {
		return false, err
	}
	if id != "" {
		_, err = s.link(ctx, id, key, a)
		return err == nil, err
	}
	if err := s.Store.AddPending(ctx, crm.PendingFile{Attachment: a, SessionKeys: keys}); err != nil {
		return false, err
	}
	// A record may have gained the session between the look-up and the
	// write, and looked for waiting files before this one was written:
	// look again, so that the file cannot be left waiting.
	if id, key, err = s.recordOf(ctx, keys); err != nil || id == "" {
		return false, err
	}
	atts, err := s.linkWaiting(ctx, id, []string{key})
	return len(atts) > 0, err
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

// link attaches the external storage file a to session key of record
// recordID. Its id depends on the record and the object only: the same
// object linked twice (or by two triggers at once) is one attachment.
func (s Service) link(ctx context.Context, recordID, key string, a crm.Attachment) (crm.Attachment, error) {
	a.RecordID, a.SessionKey = recordID, key
	a.ID = crm.AttachmentID(recordID, "storage:"+a.Bucket+"/"+a.Object)
	return s.Attach(ctx, a, true)
}

package gcpfirestore

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"example.com/crm/shared/crm"
)

const (
	attachmentsCol = "attachments" // under records/{id}
	pendingCol     = "pending_files"
)

var (
	_ crm.AttachmentStore = (*Store)(nil)
	_ crm.PendingStore    = (*Store)(nil)
)

type attachmentDoc struct {
	Filename    string    `firestore:"filename"`
	ContentType string    `firestore:"content_type"`
	Size        int64     `firestore:"size"`
	SHA256      string    `firestore:"sha256"`
	MD5         string    `firestore:"md5"`
	Kind        string    `firestore:"kind"`
	SessionKey  string    `firestore:"session_key"`
	Source      string    `firestore:"source"`
	Bucket      string    `firestore:"bucket"`
	Object      string    `firestore:"object"`
	CreatedAt   time.Time `firestore:"created_at"`
}

func toAttachmentDoc(a crm.Attachment) attachmentDoc {
	return attachmentDoc{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256, MD5: a.MD5,
		Kind: a.Kind, SessionKey: a.SessionKey, Source: a.Source, Bucket: a.Bucket, Object: a.Object, CreatedAt: a.CreatedAt}
}

func fromAttachmentDoc(recordID, id string, d attachmentDoc) crm.Attachment {
	return crm.Attachment{ID: id, RecordID: recordID, Filename: d.Filename, ContentType: d.ContentType, Size: d.Size,
		SHA256: d.SHA256, MD5: d.MD5, Kind: d.Kind, SessionKey: d.SessionKey, Source: d.Source, Bucket: d.Bucket,
		Object: d.Object, CreatedAt: d.CreatedAt}
}

// AddAttachment implements crm.AttachmentStore. The record's updated_at
// moves when an attachment is added or replaced. No transaction: files of
// one session arrive together, and locking their record for each would
// only make them wait on each other.
func (s *Store) AddAttachment(ctx context.Context, a crm.Attachment, replace bool) (crm.Attachment, bool, error) {
	if !validID(a.RecordID) || !validID(a.ID) {
		return crm.Attachment{}, false, crm.Errorf(crm.NotFound, "record %q not found", a.RecordID)
	}
	now := s.Now()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	rec := s.client.Collection(recordsCol).Doc(a.RecordID)
	if _, err := rec.Get(ctx); status.Code(err) == codes.NotFound {
		return crm.Attachment{}, false, crm.Errorf(crm.NotFound, "record %q not found", a.RecordID)
	} else if err != nil {
		return crm.Attachment{}, false, storeError("get record "+a.RecordID, err)
	}
	ref := rec.Collection(attachmentsCol).Doc(a.ID)
	created := true
	_, err := ref.Create(ctx, toAttachmentDoc(a))
	if isAlreadyExists(err) {
		created = false
		existing, gerr := s.Attachment(ctx, a.RecordID, a.ID)
		if gerr != nil || !replace || sameVersion(existing, a) {
			return existing, false, gerr
		}
		_, err = ref.Set(ctx, toAttachmentDoc(a))
	}
	if err != nil {
		return crm.Attachment{}, false, storeError("add attachment", err)
	}
	if _, err := rec.Update(ctx, []firestore.Update{{Path: "updated_at", Value: now}}); err != nil {
		return crm.Attachment{}, false, storeError("touch record "+a.RecordID, err)
	}
	return a, created, nil
}

// sameVersion reports whether stored and a are the same version of one
// attachment: equal in everything but the time it was stored.
func sameVersion(stored, a crm.Attachment) bool {
	stored.CreatedAt = a.CreatedAt
	return stored == a
}

// Attachment implements crm.AttachmentStore.
func (s *Store) Attachment(ctx context.Context, recordID, id string) (crm.Attachment, error) {
	if !validID(recordID) || !validID(id) {
		return crm.Attachment{}, crm.Errorf(crm.NotFound, "attachment not found")
	}
	snap, err := s.client.Collection(recordsCol).Doc(recordID).Collection(attachmentsCol).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return crm.Attachment{}, crm.Errorf(crm.NotFound, "attachment not found")
	}
	if err != nil {
		return crm.Attachment{}, storeError("get attachment", err)
	}
	var d attachmentDoc
	if err := snap.DataTo(&d); err != nil {
		return crm.Attachment{}, fmt.Errorf("decode attachment: %w", err)
	}
	return fromAttachmentDoc(recordID, id, d), nil
}

// Attachments implements crm.AttachmentStore.
func (s *Store) Attachments(ctx context.Context, recordID string) ([]crm.Attachment, error) {
	snaps, err := s.client.Collection(recordsCol).Doc(recordID).Collection(attachmentsCol).
		OrderBy("created_at", firestore.Asc).Documents(ctx).GetAll()
	if err != nil {
		return nil, storeError("list attachments", err)
	}
	out := make([]crm.Attachment, 0, len(snaps))
	for _, snap := range snaps {
		var d attachmentDoc
		if err := snap.DataTo(&d); err != nil {
			return nil, fmt.Errorf("decode attachment: %w", err)
		}
		out = append(out, fromAttachmentDoc(recordID, snap.Ref.ID, d))
	}
	return out, nil
}

type pendingDoc struct {
	attachmentDoc
	SessionKeys []string `firestore:"session_keys"`
	Reported    bool     `firestore:"reported"`
}

func (s *Store) pendingRef(bucket, object string) *firestore.DocumentRef {
	return s.client.Collection(pendingCol).Doc(escapeID(bucket + "/" + object))
}

// AddPending implements crm.PendingStore.
func (s *Store) AddPending(ctx context.Context, p crm.PendingFile) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.Now()
	}
	_, err := s.pendingRef(p.Bucket, p.Object).Set(ctx, pendingDoc{attachmentDoc: toAttachmentDoc(p.Attachment), SessionKeys: p.SessionKeys})
	return storeError("add pending file", err)
}

// RecordOfSession implements crm.PendingStore: one read of the key
// document that names the record holding the session.
func (s *Store) RecordOfSession(ctx context.Context, key string) (string, error) {
	snap, err := s.keyRef("record", key).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	if err != nil {
		return "", storeError("find the record of "+key, err)
	}
	var k keyDoc
	if err := snap.DataTo(&k); err != nil {
		return "", fmt.Errorf("decode key: %w", err)
	}
	return k.Holder, nil
}

// Waiting implements crm.PendingStore: one query (one read when nothing
// waits).
func (s *Store) Waiting(ctx context.Context, key string) ([]crm.PendingFile, error) {
	snaps, err := s.client.Collection(pendingCol).Where("session_keys", "array-contains", key).Documents(ctx).GetAll()
	if err != nil {
		return nil, storeError("find pending files", err)
	}
	out := make([]crm.PendingFile, 0, len(snaps))
	for _, snap := range snaps {
		var d pendingDoc
		if err := snap.DataTo(&d); err != nil {
			return nil, fmt.Errorf("decode pending file: %w", err)
		}
		out = append(out, crm.PendingFile{Attachment: fromAttachmentDoc("", "", d.attachmentDoc), SessionKeys: d.SessionKeys, Reported: d.Reported})
	}
	return out, nil
}

// RemovePending implements crm.PendingStore.
func (s *Store) RemovePending(ctx context.Context, bucket, object string) error {
	_, err := s.pendingRef(bucket, object).Delete(ctx)
	return storeError("delete pending file", err)
}

// Unreported implements crm.PendingStore.
func (s *Store) Unreported(ctx context.Context, t time.Time) ([]crm.PendingFile, error) {
	snaps, err := s.client.Collection(pendingCol).Where("reported", "==", false).Where("created_at", "<", t).Limit(500).Documents(ctx).GetAll()
	if err != nil {
		return nil, storeError("find unlinked files", err)
	}
	var out []crm.PendingFile
	for _, snap := range snaps {
		var d pendingDoc
		if err := snap.DataTo(&d); err != nil {
			return nil, fmt.Errorf("decode pending file: %w", err)
		}
		if _, err := snap.Ref.Update(ctx, []firestore.Update{{Path: "reported", Value: true}}); err != nil {
			return out, storeError("mark reported", err)
		}
		out = append(out, crm.PendingFile{Attachment: fromAttachmentDoc("", "", d.attachmentDoc), SessionKeys: d.SessionKeys, Reported: true})
	}
	return out, nil
}

package crm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"time"
)

// Attachment sources.
const (
	SourceAPI     = "api"     // uploaded through the upload file endpoint
	SourceStorage = "storage" // written by CCAI Platform into external storage
	SourceEmail   = "email"   // received in a session outcome email
)

// Attachment is a file on a record: a recording, a transcript, a photo,
// a video, a session metadata file. The bytes stay in a bucket; the
// attachment references them.
type Attachment struct {
	ID          string
	RecordID    string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string // hex
	MD5         string // base64, as Cloud Storage gives it
	Kind        string // "call_recording", "photo", ..., "" when unknown
	SessionKey  string // the session it belongs to, when known
	Source      string
	Bucket      string
	Object      string
	CreatedAt   time.Time
}

// AttachmentID is the id of an attachment: the same bytes on the same
// record are one attachment, whatever path they came by twice.
func AttachmentID(recordID, key string) string {
	sum := sha256.Sum256([]byte(recordID + "\x00" + key))
	return hex.EncodeToString(sum[:12])
}

// MetadataAttachmentID is the id of the attachment of a session's
// metadata file (session key, "call:1418") on record recordID: one per
// session, a later version replacing it.
func MetadataAttachmentID(recordID, key string) string {
	return AttachmentID(recordID, "metadata:"+key)
}

// AttachmentStore keeps the attachments of records.
type AttachmentStore interface {
	// AddAttachment stores a on its record unless an attachment with the
	// same ID is there; replace overwrites it (a newer session metadata
	// file) unless it is the same version (equal in all but CreatedAt):
	// then nothing changes, not even the record's updated_at.
	// Errors: NotFound (no such record), Unavailable.
	AddAttachment(ctx context.Context, a Attachment, replace bool) (att Attachment, created bool, err error)
	// Attachment returns one attachment. Errors: NotFound, Unavailable.
	Attachment(ctx context.Context, recordID, id string) (Attachment, error)
	// Attachments returns a record's attachments, oldest first.
	Attachments(ctx context.Context, recordID string) ([]Attachment, error)
}

// Blob is an object in a bucket.
type Blob struct {
	Bucket      string
	Name        string
	Size        int64
	ContentType string
	SHA256      string
	MD5         string
}

// Blobs stores file bytes (Cloud Storage).
type Blobs interface {
	// Upload streams r into a new temporary object of bucket while hashing
	// it, holding no more than a small buffer. Errors: Unavailable,
	// TooLarge (past limit bytes).
	Upload(ctx context.Context, bucket string, r io.Reader, contentType string, limit int64) (Blob, error)
	// Keep makes tmp the object name (a server-side copy, unless name
	// exists already) and deletes tmp. Errors: Unavailable.
	Keep(ctx context.Context, tmp Blob, name string) (Blob, error)
	// Stat returns an object's size, type and MD5. Errors: NotFound, Unavailable.
	Stat(ctx context.Context, bucket, name string) (Blob, error)
	// Hash streams an object to compute its SHA-256. Errors: NotFound, Unavailable.
	Hash(ctx context.Context, bucket, name string) (string, error)
	// Read returns length bytes of an object from offset (length < 0:
	// to the end). Errors: NotFound, Unavailable.
	Read(ctx context.Context, bucket, name string, offset, length int64) (io.ReadCloser, error)
	// Discard deletes a temporary object that Upload made. Errors: Unavailable.
	Discard(ctx context.Context, tmp Blob) error
}

// PendingFile is a file from external storage whose session no record
// has yet: it waits, and is linked as soon as a record gains one of its
// session keys (shared/ingest).
type PendingFile struct {
	Attachment           // RecordID empty
	SessionKeys []string // the session it belongs to ("email:1418")
	Reported    bool     // already reported as unlinked
}

// PendingStore keeps the files waiting for their session.
type PendingStore interface {
	// AddPending stores (or refreshes) a waiting file. Errors: Unavailable.
	AddPending(ctx context.Context, p PendingFile) error
	// Waiting returns the files waiting for session key ("call:1418").
	// Errors: Unavailable.
	Waiting(ctx context.Context, key string) ([]PendingFile, error)
	// RemovePending deletes the waiting file of bucket/object, once it
	// is linked; a missing one is fine. Errors: Unavailable.
	RemovePending(ctx context.Context, bucket, object string) error
	// RecordOfSession returns the id of the record holding session key
	// ("call:1418"), or "". Errors: Unavailable.
	RecordOfSession(ctx context.Context, key string) (string, error)
	// Unreported returns files waiting since before t and not reported
	// yet, and marks them reported. Errors: Unavailable.
	Unreported(ctx context.Context, t time.Time) ([]PendingFile, error)
}

// Events tells other systems what happened, carrying ids, never file
// contents (Pub/Sub in a deployment).
type Events interface {
	// AttachmentAdded: a record gained an attachment.
	AttachmentAdded(ctx context.Context, a Attachment) error
	// SessionEnded: a session's metadata first said it has ended.
	SessionEnded(ctx context.Context, rec Record, s Session) error
}

package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"path"
	"strconv"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/filetype"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/objectname"
)

// Object is the part of a Cloud Storage object resource (a storage
// event's data, a bucket listing) the service reads. Numbers arrive as
// strings.
type Object struct {
	Bucket      string `json:"bucket"`
	Name        string `json:"name"`
	Size        string `json:"size"`
	ContentType string `json:"contentType"`
	MD5Hash     string `json:"md5Hash"`
	Generation  string `json:"generation"`
}

// Objects brings what CCAI Platform writes into the external storage
// bucket to the service: recordings, voicemails, photos, videos, chat and
// email transcripts are linked to the record of their session (of the
// kind their name tells) without copying the bytes; session metadata
// files are applied (ApplyMetadata). Nothing in the bucket is ever
// modified or deleted. The storage trigger and the backfill script call
// it.
type Objects struct {
	Ingest Service
	Blobs  crm.Blobs
	// FolderPath is the portal's external storage Folder Path.
	FolderPath string
}

// Process handles one object. It returns an error only when a retry can
// succeed (the database or the bucket unavailable); anything else is
// logged and has its outcome.
func (o Objects) Process(ctx context.Context, obj Object) (Outcome, error) {
	log := o.Ingest.Log
	name, ok := objectname.Parse(obj.Name, o.FolderPath)
	if !ok {
		log.WarnContext(ctx, "unrecognised object left alone", "object", obj.Name, "bucket", obj.Bucket, "unrecognised", 1)
		return Unrecognised, nil
	}
	var out Outcome
	var err error
	if name.Kind == objectname.Metadata {
		out, err = o.metadata(ctx, obj, name)
	} else {
		out, err = o.file(ctx, obj, name)
	}
	if crm.ErrorCode(err) == crm.NotFound {
		log.WarnContext(ctx, "object gone before it was read", "object", obj.Name)
		return Gone, nil
	}
	if crm.ErrorCode(err) == crm.Invalid {
		// What it says cannot be stored (a value over the CRM's limits): a
		// retry cannot help.
		log.WarnContext(ctx, "storage object not stored: invalid content", "object", obj.Name, "error", err.Error())
		return Malformed, nil
	}
	if err != nil {
		log.ErrorContext(ctx, "storage object not processed; will be retried", "object", obj.Name, "error", err.Error())
		return out, err
	}
	return out, nil
}

// sessionKeys are the sessions a file belongs to: the one its name tells
// (every name but metadata-{id}.json, whose kind its content tells). Call,
// chat and email ids are separate sequences, so a file is never guessed
// onto a session of another kind with the same number.
func sessionKeys(n objectname.Name) []string {
	return []string{n.SessionKind + ":" + n.SessionID}
}

// attachment is obj as an attachment, with its SHA-256 sum.
func attachment(obj Object, n objectname.Name, sum string) crm.Attachment {
	size, _ := strconv.ParseInt(obj.Size, 10, 64)
	ct := obj.ContentType // whatever the bucket's writer declared
	if ct == "" || ct == filetype.Download {
		if t := mime.TypeByExtension("." + n.Ext); t != "" {
			ct = t
		}
	}
	return crm.Attachment{
		Filename: path.Base(obj.Name), ContentType: filetype.Normalize(ct), Size: size, SHA256: sum, MD5: obj.MD5Hash,
		Kind: string(n.Kind), Source: crm.SourceStorage, Bucket: obj.Bucket, Object: obj.Name,
	}
}

// file links a recording, transcript or media file, or leaves it waiting.
func (o Objects) file(ctx context.Context, obj Object, n objectname.Name) (Outcome, error) {
	sum, err := o.Blobs.Hash(ctx, obj.Bucket, obj.Name)
	if err != nil {
		return "", err
	}
	return o.Ingest.File(ctx, crm.SourceStorage, attachment(obj, n, sum), sessionKeys(n))
}

// metadata applies a session metadata file, kept as its session's
// metadata attachment.
func (o Objects) metadata(ctx context.Context, obj Object, n objectname.Name) (Outcome, error) {
	rc, err := o.Blobs.Read(ctx, obj.Bucket, obj.Name, 0, -1)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(rc, metadata.MaxFileSize+1))
	rc.Close()
	if err != nil {
		return "", &crm.Error{Code: crm.Unavailable, Message: "reading the metadata file", Err: err}
	}
	if len(b) > metadata.MaxFileSize {
		o.Ingest.Log.WarnContext(ctx, "metadata file too large, left alone", "object", obj.Name)
		return Malformed, nil
	}
	sum := sha256.Sum256(b)
	a := attachment(obj, n, hex.EncodeToString(sum[:]))
	svc := o.Ingest
	svc.Log = svc.Log.With("object", obj.Name) // what it logs names the file
	return svc.ApplyMetadata(ctx, Metadata{Raw: b, Kind: n.SessionKind, Source: crm.SourceStorage, File: &a})
}

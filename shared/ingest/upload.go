package ingest

import (
	"context"
	"slices"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/objectname"
)

// Upload is a file sent to a record through the upload file endpoint.
type Upload struct {
	Record crm.Record
	// File is its attachment as the endpoint would store it (its Bucket
	// and Object kept; its Filename the name it was sent with, else one
	// after its session).
	File crm.Attachment
	// Raw is its content, when it is small enough to be a metadata file
	// (metadata.MaxFileSize).
	Raw []byte
	// Sessions are the sessions its parameters name (a call or chat id).
	Sessions []crm.Session
}

// UploadedMetadata takes an uploaded file as its session's metadata file
// (CCAI Platform's "Session metadata file" among the files to attach)
// when its content is session metadata telling its kind and id itself,
// and the upload names that session: by its file name (as external
// storage names metadata files), by a call or chat id parameter, or by
// its record holding the session. Such a file is applied as one from
// external storage is (ApplyMetadata, the upload's record being the one
// it names, whatever its out_ticket_id says): the session gets its
// summary, and the file is the session's metadata attachment (one per
// session), returned with created. When the session already has this
// version or a newer one, that attachment is returned, unchanged. ok is
// false for any other file, and for metadata whose session another
// record holds (applied there): the endpoint attaches those as they are.
func (s Service) UploadedMetadata(ctx context.Context, u Upload) (att crm.Attachment, created, ok bool, err error) {
	f, err := metadata.Parse(u.Raw, "")
	if err != nil || f.Summary.Kind == "" || f.Summary.ID == "" {
		return crm.Attachment{}, false, false, nil
	}
	key := SessionOf(f.Summary).Key()
	if !u.names(f.Summary, key) {
		return crm.Attachment{}, false, false, nil
	}
	file := u.File
	file.Kind = string(objectname.Metadata)
	out, done, err := s.apply(ctx, Metadata{Raw: u.Raw, Kind: f.Summary.Kind, Source: crm.SourceAPI, File: &file, Record: u.Record.ID})
	if err != nil || out != Linked || done.Record.ID != u.Record.ID {
		// (applied to the record holding the session: the upload's
		// record keeps the file as it is)
		return crm.Attachment{}, false, false, err
	}
	if done.File.ID != "" {
		return done.File, done.Created, true, nil
	}
	// Not attached: the record has this version, or a newer one.
	att, err = s.Store.Attachment(ctx, done.Record.ID, crm.MetadataAttachmentID(done.Record.ID, key))
	if crm.ErrorCode(err) == crm.NotFound {
		return crm.Attachment{}, false, false, nil // its newer version came without its file (an email's body)
	}
	return att, false, err == nil, err
}

// names reports whether the upload names the session of sum (key).
func (u Upload) names(sum metadata.Summary, key string) bool {
	if n, ok := objectname.Parse(u.File.Filename, ""); ok && n.Kind == objectname.Metadata && n.SessionID == sum.ID &&
		(n.SessionKind == "" || n.SessionKind == sum.Kind) {
		return true
	}
	return u.Record.HasSession(key) || slices.ContainsFunc(u.Sessions, func(s crm.Session) bool { return s.Key() == key })
}

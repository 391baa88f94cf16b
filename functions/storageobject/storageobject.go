// Package storageobject processes what CCAI Platform writes into the
// external storage bucket (CloudEvent google.cloud.storage.object.v1.finalized):
// recordings, voicemails, photos, videos, chat and email transcripts are
// linked to the record of their session (of the kind their name tells)
// without copying the bytes; session metadata files update the session
// (creating its record, and account, when the CRM never saw the session).
// A file whose session no record has yet waits and is linked as soon as
// one does (shared/ingest, for every trigger). Nothing in the bucket is
// ever modified or deleted.
package storageobject

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/filetype"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/objectname"
)

// Store is what the handler keeps data in.
type Store interface {
	crm.AccountStore
	crm.RecordStore
	crm.AttachmentStore
	crm.PendingStore
}

// Handler processes storage objects.
type Handler struct {
	Store  Store
	Blobs  crm.Blobs
	Events crm.Events // may be nil
	// FolderPath is the portal's external storage Folder Path.
	FolderPath  string
	PhoneRegion string
	Log         *slog.Logger
	Now         func() time.Time
}

// Object is the part of a Cloud Storage object resource (the event data)
// the handler reads. Numbers arrive as strings.
type Object struct {
	Bucket      string `json:"bucket"`
	Name        string `json:"name"`
	Size        string `json:"size"`
	ContentType string `json:"contentType"`
	MD5Hash     string `json:"md5Hash"`
	Generation  string `json:"generation"`
}

// Outcome is what happened to one object.
type Outcome string

// The outcomes.
const (
	Linked       Outcome = "linked"       // attached to its record
	Waiting      Outcome = "waiting"      // its session has no record yet
	Unrecognised Outcome = "unrecognised" // a name CCAI Platform does not write; left alone
	Malformed    Outcome = "malformed"    // a metadata file that does not parse, or says what cannot be stored; left alone
	Gone         Outcome = "gone"         // deleted before it could be read
)

// HandleEvent is the CloudEvent entry point. It returns an error only
// when a retry can succeed (the database or the bucket unavailable);
// anything else is logged and acknowledged.
func (h Handler) HandleEvent(ctx context.Context, e event.Event) error {
	var obj Object
	if err := json.Unmarshal(e.Data(), &obj); err != nil || obj.Name == "" {
		h.Log.WarnContext(ctx, "storage event without an object", "event_id", e.ID(), "type", e.Type())
		return nil
	}
	start := time.Now()
	ctx, cost := dbcost.WithCounter(ctx)
	out, err := h.Process(ctx, obj)
	h.Log.InfoContext(ctx, "storage event", "event_id", e.ID(), "object", obj.Name, "outcome", string(out),
		"ms", float64(time.Since(start).Microseconds())/1000, "reads", cost.Reads(), "writes", cost.Writes())
	return err
}

// Process handles one object; the backfill script calls it too.
func (h Handler) Process(ctx context.Context, obj Object) (Outcome, error) {
	name, ok := objectname.Parse(obj.Name, h.FolderPath)
	if !ok {
		h.Log.WarnContext(ctx, "unrecognised object left alone", "object", obj.Name, "bucket", obj.Bucket, "unrecognised", 1)
		return Unrecognised, nil
	}
	var out Outcome
	var err error
	if name.Kind == objectname.Metadata {
		out, err = h.metadata(ctx, obj, name)
	} else {
		out, err = h.file(ctx, obj, name)
	}
	if crm.ErrorCode(err) == crm.NotFound {
		h.Log.WarnContext(ctx, "object gone before it was read", "object", obj.Name)
		return Gone, nil
	}
	if crm.ErrorCode(err) == crm.Invalid {
		// What it says cannot be stored (a value over the CRM's limits): a
		// retry cannot help.
		h.Log.WarnContext(ctx, "storage object not stored: invalid content", "object", obj.Name, "error", err.Error())
		return Malformed, nil
	}
	if err != nil {
		h.Log.ErrorContext(ctx, "storage object not processed; will be retried", "object", obj.Name, "error", err.Error())
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

func (h Handler) attachment(ctx context.Context, obj Object, n objectname.Name) (crm.Attachment, error) {
	sum, err := h.Blobs.Hash(ctx, obj.Bucket, obj.Name)
	if err != nil {
		return crm.Attachment{}, err
	}
	size, _ := strconv.ParseInt(obj.Size, 10, 64)
	ct := obj.ContentType // whatever the bucket's writer declared
	if ct == "" || ct == filetype.Download {
		if t := mime.TypeByExtension("." + n.Ext); t != "" {
			ct = t
		}
	}
	return crm.Attachment{
		Filename: path.Base(obj.Name), ContentType: filetype.Normalize(ct), Size: size, SHA256: sum, MD5: obj.MD5Hash,
		Kind: string(n.Kind), Source: crm.SourceStorage, Bucket: obj.Bucket, Object: obj.Name, CreatedAt: h.now(),
	}, nil
}

func (h Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now().UTC()
}

// ingest is the one path that links files and publishes their events.
func (h Handler) ingest() ingest.Service {
	return ingest.Service{Store: h.Store, Events: h.Events, Log: h.Log}
}

// file links a recording, transcript or media file, or leaves it waiting.
func (h Handler) file(ctx context.Context, obj Object, n objectname.Name) (Outcome, error) {
	a, err := h.attachment(ctx, obj, n)
	if err != nil {
		return "", err
	}
	linked, err := h.ingest().LinkFile(ctx, a, sessionKeys(n))
	if err != nil {
		return "", err
	}
	if linked {
		return Linked, nil
	}
	return Waiting, nil
}

// maxMetadata bounds the metadata file read into memory.
const maxMetadata = 8 << 20

// metadata applies a session metadata file to its session's record.
func (h Handler) metadata(ctx context.Context, obj Object, n objectname.Name) (Outcome, error) {
	rc, err := h.Blobs.Read(ctx, obj.Bucket, obj.Name, 0, -1)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxMetadata+1))
	rc.Close()
	if err != nil {
		return "", &crm.Error{Code: crm.Unavailable, Message: "reading the metadata file", Err: err}
	}
	if len(b) > maxMetadata {
		h.Log.WarnContext(ctx, "metadata file too large, left alone", "object", obj.Name)
		return Malformed, nil
	}
	f, err := metadata.Parse(b, n.SessionKind)
	if err != nil {
		h.Log.WarnContext(ctx, "malformed metadata file left alone", "object", obj.Name, "error", err.Error())
		return Malformed, nil
	}
	sum := f.Summary
	if sum.Kind == "" {
		sum.Kind = n.SessionKind
	}
	if sum.Kind == "" || sum.ID == "" {
		h.Log.WarnContext(ctx, "metadata file tells no session kind (call, chat or email)", "object", obj.Name)
		return Malformed, nil
	}
	sess := ingest.SessionOf(sum)
	rec, err := h.recordFor(ctx, sum, sess)
	if err != nil {
		return "", err
	}
	applied, notify, err := h.Store.ApplySessionMetadata(ctx, rec.ID, sess)
	if err != nil {
		return "", err
	}
	if applied {
		a, err := h.attachment(ctx, obj, n)
		if err != nil {
			return "", err
		}
		a.RecordID, a.SessionKey = rec.ID, sess.Key()
		a.ID = crm.AttachmentID(rec.ID, "metadata:"+sess.Key()) // one per session, later versions replace it
		if _, err := h.ingest().Attach(ctx, a, true); err != nil {
			return "", err
		}
	}
	if _, err := h.ingest().LinkWaiting(ctx, rec); err != nil {
		return "", err
	}
	if notify && h.Events != nil {
		if err := h.Events.SessionEnded(ctx, rec, sess); err != nil {
			return "", err // retried: the event must go out
		}
		if err := h.Store.MarkEndedNotified(ctx, rec.ID, sess.Key()); err != nil {
			return "", err
		}
	}
	return Linked, nil
}

// recordFor finds the session's record: the one CCAI Platform names
// (out_ticket_id), else the one holding the session, else a new one for
// the end user's account (found or created like the Generic API does). A
// session belongs to one record: when another record than the one named
// holds it, the holder is the session's record.
func (h Handler) recordFor(ctx context.Context, sum metadata.Summary, sess crm.Session) (crm.Record, error) {
	if sum.RecordID != "" {
		rec, err := h.Store.GetRecord(ctx, sum.RecordID)
		if err == nil {
			if rec.HasSession(sess.Key()) {
				return rec, nil
			}
			rec, err = h.Store.UpdateRecord(ctx, rec.ID, crm.RecordPatch{Sessions: []crm.Session{{Kind: sess.Kind, ID: sess.ID}}})
			if crm.ErrorCode(err) != crm.Conflict {
				return rec, err
			}
			h.Log.WarnContext(ctx, "metadata names another record than the one holding its session; applied to the holder",
				"session", sess.Key(), "named", sum.RecordID, "error", err.Error())
		} else if crm.ErrorCode(err) != crm.NotFound {
			return crm.Record{}, err
		}
	}
	id, err := h.Store.RecordOfSession(ctx, sess.Key())
	if err != nil {
		return crm.Record{}, err
	}
	if id != "" {
		return h.Store.GetRecord(ctx, id)
	}
	acc, err := h.accountFor(ctx, sum, sess)
	if err != nil {
		return crm.Record{}, err
	}
	subject := fmt.Sprintf("%s %s", strings.ToUpper(sum.Kind[:1])+sum.Kind[1:], sum.ID)
	if sum.Type != "" {
		subject += " (" + sum.Type + ")"
	}
	rec, _, err := h.Store.CreateRecord(ctx, crm.Record{
		AccountID: acc.ID, Subject: subject, Status: crm.StatusOpen,
		Sessions: []crm.Session{{Kind: sess.Kind, ID: sess.ID}},
		Custom:   map[string]string{"source": "session_metadata"},
	})
	return rec, err
}

// accountFor is the account of the session's end user. One the metadata
// does not identify (no account, phone or email) gets an account of its
// own, named after its first session: the store's rule for creates with
// no identity (one per request key) would otherwise make every
// unidentified caller of the retry window one account.
func (h Handler) accountFor(ctx context.Context, sum metadata.Summary, sess crm.Session) (crm.Account, error) {
	if sum.AccountID != "" {
		acc, err := h.Store.GetAccount(ctx, sum.AccountID)
		if err == nil || crm.ErrorCode(err) != crm.NotFound {
			return acc, err
		}
	}
	eu := sum.EndUser
	a := crm.Account{Name: eu.Name}
	if eu.Phone != "" {
		a.Phones = []crm.Phone{ccai.PhoneOf(eu.Phone, h.PhoneRegion)}
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
	acc, _, err := h.Store.CreateAccount(ctx, a)
	return acc, err
}

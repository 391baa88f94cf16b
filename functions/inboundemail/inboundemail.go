// Package inboundemail is the InboundEmail function: CCAI Platform's
// session outcome emails, as an inbound mail gateway delivers them over
// HTTP (a raw message, or the SendGrid Inbound Parse form), with the
// Generic API's authentication. The metadata in the email is applied
// through the ingest service exactly as the metadata file from storage is;
// the email's files (the transcript) and its metadata JSON (the session's
// metadata file) are kept in the CRM's attachments bucket, named by their
// content, and attached with source email. The same email delivered again
// changes nothing: the same names, and ingest applies a metadata version
// and attaches a file's version once.
package inboundemail

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/filetype"
	"example.com/crm/shared/inboundmail"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/objectname"
)

// Handler serves the emails.
type Handler struct {
	Ingest *ingest.Service
	Blobs  crm.Blobs
	Bucket string // the CRM's attachments bucket
	// Senders are the allowed senders (inboundmail.DefaultSender when
	// empty); mail from anyone else answers 403 and is not stored.
	Senders []string
	// PathSecret, when set, authenticates a request whose URL path is
	// "/" + PathSecret, for gateways that cannot send headers
	// (auth.Checker.WithPathSecret).
	PathSecret string
	Log        *slog.Logger
}

// Timeout bounds the handling of one email: below the function's timeout
// (Terraform: 60 s), far above the Generic API's request timeout.
const Timeout = 50 * time.Second

// New returns the HTTP handler: POST with the email (Content-Type
// message/rfc822 or multipart/form-data) answers 202 with what became of
// it. The same email delivered again changes nothing and answers 202 too.
func New(o ccai.Options, h Handler) http.Handler {
	o.Methods = []string{http.MethodPost}
	o.RawBody = true // inboundmail.Parse reads the body, up to inboundmail.MaxMessageBytes
	// A mail gateway is not CCAI Platform's API client: its deadline is
	// not the Generic API's few seconds, and an email of up to 25 MiB is
	// read, parsed and stored within it.
	o.Timeout = Timeout
	if h.PathSecret != "" {
		o.Auth = o.Auth.WithPathSecret(h.PathSecret)
	}
	if h.Log == nil {
		h.Log = slog.Default()
	}
	return ccai.Serve("InboundEmail", o, h.Serve)
}

// Serve implements ccai.Endpoint.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	msg, err := inboundmail.Parse(req.HTTP.Header.Get("Content-Type"), req.HTTP.Body)
	if err != nil {
		return ccai.Response{}, err
	}
	if !inboundmail.SenderAllowed(msg.From, h.Senders) {
		h.Log.WarnContext(ctx, "inbound email from a sender not allowed: not stored", "from", msg.From, "message_id", msg.MessageID)
		return ccai.Response{}, crm.Errorf(crm.Forbidden, "the sender is not allowed")
	}
	sum := msg.Session.Summary
	session := sum.Kind + "-" + sum.ID
	// The email's files and its metadata JSON (the session's metadata
	// file) are uploaded as temporary objects, and kept under their names
	// only once ingest accepts the metadata: metadata refused leaves
	// nothing in the bucket.
	var st staged
	defer st.discard(context.WithoutCancel(ctx), h)
	meta, err := st.add(ctx, h, session, inboundmail.Attachment{Name: session + ".json", ContentType: "application/json", Data: msg.Metadata})
	if err != nil {
		return ccai.Response{}, err
	}
	meta.Kind = string(objectname.Metadata)
	var files []crm.Attachment
	for _, a := range msg.Attachments {
		f, err := st.add(ctx, h, session, a)
		if err != nil {
			return ccai.Response{}, err
		}
		files = append(files, f)
	}
	out, err := h.Ingest.ApplyMetadata(ctx, ingest.Metadata{Raw: msg.Metadata, Kind: sum.Kind, Source: crm.SourceEmail,
		File: &meta, Files: files, Keep: func(ctx context.Context) error { return st.keep(ctx, h) }})
	if err != nil {
		return ccai.Response{}, err
	}
	if out == ingest.Malformed {
		return ccai.Response{}, crm.Errorf(crm.Invalid, "the email's session metadata cannot be stored")
	}
	return ccai.Response{Status: http.StatusAccepted, Body: map[string]string{
		"status": string(out), "session": sum.Kind + ":" + sum.ID, "message_id": msg.MessageID}}, nil
}

// staged are an email's files uploaded as temporary objects, each with
// the name it is kept under.
type staged struct {
	tmps  []crm.Blob
	names []string
	kept  bool
}

// add uploads a as a temporary object and returns its attachment, whose
// object is named after its session and its SHA-256: the same email
// delivered again names the same object, hence the same attachment
// (ingest links by bucket and object).
func (st *staged) add(ctx context.Context, h Handler, session string, a inboundmail.Attachment) (crm.Attachment, error) {
	// Stored with the type it will be served with (shared/filetype), as
	// uploads are: an email may declare anything.
	tmp, err := h.Blobs.Upload(ctx, h.Bucket, bytes.NewReader(a.Data), filetype.Normalize(a.ContentType), inboundmail.MaxMessageBytes)
	if err != nil {
		return crm.Attachment{}, err
	}
	name := "email/" + session + "/" + tmp.SHA256
	st.tmps, st.names = append(st.tmps, tmp), append(st.names, name)
	kind := ""
	if strings.HasPrefix(a.ContentType, "text/") {
		kind = string(objectname.Transcript)
	}
	return crm.Attachment{Filename: a.Name, ContentType: tmp.ContentType, Size: tmp.Size, SHA256: tmp.SHA256, MD5: tmp.MD5,
		Kind: kind, Bucket: tmp.Bucket, Object: name}, nil
}

// keep gives every staged object its name (one already there is the same
// bytes, and stays as it is).
func (st *staged) keep(ctx context.Context, h Handler) error {
	for i, tmp := range st.tmps {
		if _, err := h.Blobs.Keep(ctx, tmp, st.names[i]); err != nil {
			return err
		}
	}
	st.kept = true
	return nil
}

// discard deletes the temporary objects unless they were kept. A failure
// is logged: the request's answer stands.
func (st *staged) discard(ctx context.Context, h Handler) {
	if st.kept {
		return
	}
	for _, tmp := range st.tmps {
		if err := h.Blobs.Discard(ctx, tmp); err != nil {
			h.Log.WarnContext(ctx, "temporary object of an inbound email not deleted", "object", tmp.Name, "error", err.Error())
		}
	}
}

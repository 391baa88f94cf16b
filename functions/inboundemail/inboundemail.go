// Package inboundemail is the InboundEmail function: CCAI Platform's
// session outcome emails, as an inbound mail gateway delivers them over
// HTTP (a raw message, or the SendGrid Inbound Parse form), with the
// Generic API's authentication. The metadata in the email is applied
// through the ingest service exactly as the metadata file from storage is;
// the email's files (the transcript) are kept in the CRM's attachments
// bucket and attached with source email.
package inboundemail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"

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
	Log     *slog.Logger
}

// New returns the HTTP handler: POST with the email (Content-Type
// message/rfc822 or multipart/form-data) answers 202 with what became of
// it. The same email delivered again changes nothing and answers 202 too.
func New(o ccai.Options, h Handler) http.Handler {
	o.Methods = []string{http.MethodPost}
	o.RawBody = true // inboundmail.Parse reads the body, up to inboundmail.MaxMessageBytes
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
	var files []crm.Attachment
	for _, a := range msg.Attachments {
		f, err := h.keep(ctx, sum.Kind+"-"+sum.ID, a)
		if err != nil {
			return ccai.Response{}, err
		}
		files = append(files, f)
	}
	out, err := h.Ingest.ApplyMetadata(ctx, ingest.Metadata{Raw: msg.Metadata, Kind: sum.Kind, Source: crm.SourceEmail, Files: files})
	if err != nil {
		return ccai.Response{}, err
	}
	if out == ingest.Malformed {
		return ccai.Response{}, crm.Errorf(crm.Invalid, "the email's session metadata cannot be stored")
	}
	return ccai.Response{Status: http.StatusAccepted, Body: map[string]string{
		"status": string(out), "session": sum.Kind + ":" + sum.ID, "message_id": msg.MessageID}}, nil
}

// keep stores an email's file under a name made of its session and its
// SHA-256: the same email delivered again names the same object, hence the
// same attachment (ingest links by bucket and object).
func (h Handler) keep(ctx context.Context, session string, a inboundmail.Attachment) (crm.Attachment, error) {
	sum := sha256.Sum256(a.Data)
	hexSum := hex.EncodeToString(sum[:])
	// Stored with the type it will be served with (shared/filetype), as
	// uploads are: an email may declare anything.
	tmp, err := h.Blobs.Upload(ctx, h.Bucket, bytes.NewReader(a.Data), filetype.Normalize(a.ContentType), inboundmail.MaxMessageBytes)
	if err != nil {
		return crm.Attachment{}, err
	}
	kept, err := h.Blobs.Keep(ctx, tmp, "email/"+session+"/"+hexSum)
	if err != nil {
		return crm.Attachment{}, err
	}
	kind := ""
	if strings.HasPrefix(a.ContentType, "text/") {
		kind = string(objectname.Transcript)
	}
	return crm.Attachment{Filename: a.Name, ContentType: kept.ContentType, Size: kept.Size, SHA256: hexSum, MD5: kept.MD5,
		Kind: kind, Bucket: kept.Bucket, Object: kept.Name}, nil
}

// Package readapi is the CRM's own read API (crm_api in the portal
// settings file): GET .../accounts/{ACCOUNT_ID} and .../records/{RECORD_ID}
// return what the CRM made of the calls it received.
package readapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/filetype"
	"example.com/crm/shared/metadata"
)

// Handler reads accounts and records.
type Handler struct {
	Accounts    crm.AccountStore
	Records     crm.RecordStore
	Attachments crm.AttachmentStore
	// DownloadBase is the URL of the UploadFile function, which serves
	// downloads.
	DownloadBase string
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, h Handler) http.Handler {
	o.Methods = []string{http.MethodGet}
	return ccai.Serve("ReadAPI", o, h.Serve)
}

// Serve answers an account with its records listed, or a record with its
// sessions' summaries, comments and attachments.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	if id := req.PathID("accounts"); id != "" {
		a, err := h.Accounts.GetAccount(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		recs, err := h.Records.AccountRecords(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		j := ccai.AccountDetailJSON{AccountJSON: ccai.Account(a), Records: []ccai.RecordListingJSON{}}
		for _, r := range recs {
			j.Records = append(j.Records, ccai.RecordListing(r))
		}
		return ccai.Response{Body: j}, nil
	}
	if id := req.PathID("records"); id != "" {
		r, err := h.Records.GetRecord(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		comments, err := h.Records.Comments(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		j := ccai.RecordDetailJSON{RecordJSON: ccai.Record(r), Comments: []ccai.CommentJSON{}, Attachments: []ccai.AttachmentJSON{}}
		for i, s := range r.Sessions {
			if s.Summary == nil {
				continue
			}
			sum, err := metadata.SummaryFromMap(s.Summary)
			if err != nil {
				return ccai.Response{}, fmt.Errorf("summary of session %s of record %s: %w", s.Key(), id, err)
			}
			j.Sessions[i].Summary = ccai.SessionSummary(sum)
		}
		for _, c := range comments {
			j.Comments = append(j.Comments, ccai.Comment("", c))
		}
		atts, err := h.Attachments.Attachments(ctx, id)
		if err != nil {
			return ccai.Response{}, err
		}
		for _, a := range atts {
			j.Attachments = append(j.Attachments, ccai.AttachmentJSON{
				ID: a.ID, Filename: a.Filename, ContentType: filetype.Normalize(a.ContentType), Size: a.Size, SHA256: a.SHA256,
				DownloadURL: ccai.DownloadURL(h.DownloadBase, id, a.ID), Source: a.Source,
				Kind: a.Kind, Session: a.SessionKey, CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339Nano),
			})
		}
		return ccai.Response{Body: j}, nil
	}
	return ccai.Response{}, crm.Errorf(crm.NotFound, "not found: use /accounts/{id} or /records/{id}")
}

// Package comment is the "comment" endpoint: POST to
// .../records/{RECORD_ID}/comments (or the record id in the body). The
// same body for the same record and session is stored once.
package comment

import (
	"context"
	"net/http"
	"strings"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// Handler adds comments.
type Handler struct {
	Store crm.RecordStore
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, store crm.RecordStore) http.Handler {
	o.Methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch}
	return ccai.Serve("Comment", o, Handler{Store: store}.Serve)
}

// Serve answers 201 and the comment, or 200 and the one already stored.
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	recordID := req.RecordID()
	if recordID == "" {
		return ccai.Response{}, crm.Errorf(crm.Invalid, "no record id: put it in the URL (.../records/{RECORD_ID}/comments) or in an id parameter")
	}
	body := req.Params.Get(ccai.CommentBodyFields...)
	if strings.TrimSpace(body) == "" {
		return ccai.Response{}, crm.Errorf(crm.Invalid, "the comment is empty: send it in a comment parameter")
	}
	c := crm.Comment{Body: body, HTML: isHTML(req.Params.Get(ccai.CommentHTMLFields...), body)}
	if s := ccai.SessionsFromParams(&req.Params); len(s) > 0 {
		c.SessionKey = s[0].Key()
	}
	com, created, err := h.Store.AddComment(ctx, recordID, c)
	if err != nil {
		return ccai.Response{}, err
	}
	return ccai.Created(created, ccai.Comment(recordID, com)), nil
}

// isHTML decides whether a comment is HTML: as the request says
// ("true", "html", "text/html"), else as the body looks.
func isHTML(flag, body string) bool {
	switch strings.ToLower(strings.TrimSpace(flag)) {
	case "true", "1", "yes", "html", "text/html":
		return true
	case "false", "0", "no", "text", "plain", "text/plain":
		return false
	}
	return crm.LooksLikeHTML(body)
}

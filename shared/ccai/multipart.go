package ccai

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"

	"example.com/crm/shared/crm"
)

// decodeMultipartFields adds the plain form fields of a multipart body;
// file parts are skipped (the upload endpoint reads those itself).
func decodeMultipartFields(p *Params, body []byte, boundary string) error {
	if boundary == "" {
		return crm.Errorf(crm.Invalid, "multipart body without a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return crm.Errorf(crm.Invalid, "malformed multipart body: %v", err)
		}
		if part.FileName() != "" {
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, DefaultMaxBody))
		if err != nil {
			return crm.Errorf(crm.Invalid, "malformed multipart body: %v", err)
		}
		if err := p.Set(part.FormName(), string(v)); err != nil { // a part without a name counts too
			return err
		}
	}
}

package pages

import (
	"context"
	"errors"
	"io"
	"net/http"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/filetype"
)

// download serves an attachment to a signed-in agent: the bytes as
// shared/filetype says (inline only for types that cannot run anything),
// with Range requests (seeking in a recording) through http.ServeContent.
func (s *Server) download(w http.ResponseWriter, r *http.Request, user string) {
	recordID, id := r.PathValue("id"), r.PathValue("att")
	a, err := s.cfg.Attachments.Attachment(r.Context(), recordID, id)
	if err != nil {
		s.fail(w, r, user, err, "/records/"+recordID)
		return
	}
	if s.cfg.Blobs == nil {
		s.fail(w, r, user, crm.Errorf(crm.Unavailable, "no file store"), "/records/"+recordID)
		return
	}
	h := w.Header()
	filetype.SetHeaders(h, a.ContentType, a.Filename)
	h.Set("Cache-Control", "private, no-store")
	if a.SHA256 != "" {
		h.Set("ETag", `"`+a.SHA256+`"`)
	}
	br := &blobReader{ctx: r.Context(), blobs: s.cfg.Blobs, a: a}
	defer br.close()
	http.ServeContent(w, r, "", a.CreatedAt, br)
}

func (b *blobReader) close() {
	if b.rc != nil {
		b.rc.Close()
	}
}

// blobReader reads an object from the offset of the last Seek, opening
// it on the first Read: http.ServeContent seeks to the range it sends.
type blobReader struct {
	ctx   context.Context
	blobs Blobs
	a     crm.Attachment
	off   int64
	rc    io.ReadCloser
}

func (b *blobReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += b.off
	case io.SeekEnd:
		offset += b.a.Size
	}
	if offset < 0 {
		return 0, errors.New("seek before the start")
	}
	if b.rc != nil && offset != b.off {
		b.rc.Close()
		b.rc = nil
	}
	b.off = offset
	return offset, nil
}

func (b *blobReader) Read(p []byte) (int, error) {
	if b.off >= b.a.Size {
		return 0, io.EOF
	}
	if b.rc == nil {
		rc, err := b.blobs.Read(b.ctx, b.a.Bucket, b.a.Object, b.off, -1)
		if err != nil {
			return 0, err
		}
		b.rc = rc
	}
	n, err := b.rc.Read(p)
	b.off += int64(n)
	if err == io.EOF && b.off < b.a.Size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

package uploadfile

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/filetype"
)

// download answers GET/HEAD .../records/{RECORD_ID}/attachments/{ATTACHMENT_ID}
// with the exact bytes, served as filetype says (inline only for types
// that cannot run anything), and HTTP Range support (one range; a
// multi-range request gets the whole file, as RFC 9110 allows).
func (h Handler) download(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	recordID, id := req.PathID("records"), req.PathID("attachments")
	if recordID == "" || id == "" {
		return ccai.Response{}, crm.Errorf(crm.NotFound, "not found: use .../records/{RECORD_ID}/attachments/{ATTACHMENT_ID}")
	}
	dctx, cancel := h.dbContext(ctx)
	a, err := h.Attachments.Attachment(dctx, recordID, id)
	cancel()
	if err != nil {
		return ccai.Response{}, err
	}
	off, length, partial, ok := parseRange(req.HTTP.Header.Get("Range"), a.Size)
	if !ok {
		return ccai.Response{Status: http.StatusRequestedRangeNotSatisfiable, Body: rangeError(a.Size)}, nil
	}
	var body io.ReadCloser
	if req.HTTP.Method == http.MethodGet && length > 0 {
		if body, err = h.Blobs.Read(ctx, a.Bucket, a.Object, off, length); err != nil {
			return ccai.Response{}, err
		}
	}
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
	}
	return ccai.Response{Status: status, Body: file{a: a, body: body, off: off, length: length, partial: partial}}, nil
}

// file writes a download.
type file struct {
	a       crm.Attachment
	body    io.ReadCloser
	off     int64
	length  int64
	partial bool
}

func (f file) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	filetype.SetHeaders(hd, f.a.ContentType, f.a.Filename)
	hd.Set("Content-Length", strconv.FormatInt(f.length, 10))
	hd.Set("Accept-Ranges", "bytes")
	hd.Set("Cache-Control", "private, no-store")
	if f.a.SHA256 != "" {
		hd.Set("ETag", `"`+f.a.SHA256+`"`)
	}
	status := http.StatusOK
	if f.partial {
		status = http.StatusPartialContent
		hd.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", f.off, f.off+f.length-1, f.a.Size))
	}
	w.WriteHeader(status)
	if f.body != nil {
		defer f.body.Close()
		_, _ = io.Copy(w, f.body)
	}
}

type rangeError int64

func (n rangeError) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", int64(n)))
	filetype.Protect(w.Header())
	var body ccai.ErrorBody
	body.Error.Code, body.Error.Message = "range_not_satisfiable", fmt.Sprintf("the range is outside the file (%d bytes)", int64(n))
	ccai.WriteJSON(w, http.StatusRequestedRangeNotSatisfiable, body)
}

// parseRange reads a Range header for a file of size bytes: the offset
// and length to send, whether it is a partial answer, and false when no
// byte of the range is in the file.
func parseRange(h string, size int64) (off, length int64, partial, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if h == "" || !found || strings.Contains(spec, ",") {
		return 0, size, false, true // no range, another unit, or several ranges: the whole file
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, size, false, true
	}
	if first == "" { // the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 {
			return 0, size, false, true
		}
		if size == 0 {
			return 0, 0, false, false
		}
		n = min(n, size)
		return size - n, n, true, true
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return 0, size, false, true
	}
	if start >= size {
		return 0, 0, false, false
	}
	end := size - 1
	if last != "" {
		e, err := strconv.ParseInt(last, 10, 64)
		if err != nil || e < start {
			return 0, size, false, true
		}
		end = min(e, size-1)
	}
	return start, end - start + 1, true, true
}

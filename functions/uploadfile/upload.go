// Package uploadfile is the "upload a file" endpoint of the Generic API
// and the download of attachments. Uploads come as a multipart form or as
// base64 in a JSON body (decoded while it is read); either way the file is
// streamed to the CRM's bucket, never held whole in memory, and the record
// references it. The same bytes on the same record are one attachment.
// GET .../records/{RECORD_ID}/attachments/{ATTACHMENT_ID} downloads one,
// with HTTP Range support.
package uploadfile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/filetype"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/metadata"
)

// MaxUpload is the largest request body: Cloud Functions (2nd gen) refuse
// HTTP/1 requests over 32 MiB before they reach the function.
const MaxUpload = 32 << 20

// Handler uploads and downloads attachments.
type Handler struct {
	Records     crm.RecordStore
	Attachments crm.AttachmentStore // downloads read attachments here
	// Ingest stores an upload's attachment and publishes its event, as it
	// does for every attachment, whoever adds it.
	Ingest *ingest.Service
	Blobs  crm.Blobs
	Bucket string // the CRM's attachments bucket
	// BaseURL is this function's URL, for download links; empty: taken
	// from the request.
	BaseURL string
	Log     *slog.Logger
	// TransferTimeout bounds a whole upload or download, which takes as
	// long as the client sends or reads the bytes (0: only the function's
	// own timeout does). The deadline of ccai.Options, the Generic API's
	// request deadline, bounds each database call of a transfer instead.
	TransferTimeout time.Duration
	dbTimeout       time.Duration
}

// New returns the endpoint's HTTP handler.
func New(o ccai.Options, h Handler) http.Handler {
	o.Methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodGet, http.MethodHead}
	o.RawBody = true
	o.MaxBody = MaxUpload
	h.dbTimeout, o.Timeout = o.Timeout, h.TransferTimeout
	if h.Log == nil {
		h.Log = slog.Default()
	}
	return ccai.Serve("UploadFile", o, h.Serve)
}

// Serve uploads (POST, PUT, PATCH) or downloads (GET, HEAD).
func (h Handler) Serve(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	if req.HTTP.Method == http.MethodGet || req.HTTP.Method == http.MethodHead {
		return h.download(ctx, req)
	}
	return h.upload(ctx, req)
}

// fileFields name the parameter that holds {FILE_DATA}.
var fileFields = []string{"file", "file_data", "filedata", "data", "content", "attachment", "upload", "base64", "document", "recording"}

// upload is the part of a request that carries the file.
type upload struct {
	tmp      crm.Blob
	filename string
	found    bool
}

func (h Handler) upload(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
	r := req.HTTP
	if r.ContentLength > MaxUpload {
		return ccai.Response{}, tooLarge()
	}
	r.Body = http.MaxBytesReader(nil, r.Body, MaxUpload)
	mediaType, mparams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var up upload
	var err error
	switch {
	case mediaType == "multipart/form-data":
		up, err = h.readMultipart(ctx, r.Body, mparams["boundary"], &req.Params)
	case mediaType == "" || mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") || mediaType == "text/plain":
		up, err = h.readBase64(ctx, r, &req.Params)
	default:
		return ccai.Response{}, crm.Errorf(crm.UnsupportedMediaType, "content type %q is not accepted: send multipart/form-data or JSON with the file in base64", mediaType)
	}
	if err != nil {
		h.discard(up.tmp) // a file part streamed before the body turned out bad
		return ccai.Response{}, err
	}
	if !up.found {
		return ccai.Response{}, crm.Errorf(crm.Invalid, "no file: send it as the file part of a multipart form, or in base64 in a JSON body (a \"file\" parameter)")
	}
	recordID := req.RecordID()
	var rec crm.Record
	if recordID == "" {
		err = crm.Errorf(crm.Invalid, "no record id: put it in the URL (.../records/{RECORD_ID}/...) or in an id parameter")
	} else {
		dctx, cancel := h.dbContext(ctx)
		rec, err = h.Records.GetRecord(dctx, recordID)
		cancel()
	}
	if err != nil {
		h.discard(up.tmp)
		return ccai.Response{}, err
	}
	kept, err := h.Blobs.Keep(ctx, up.tmp, "records/"+rec.ID+"/"+up.tmp.SHA256)
	if err != nil {
		return ccai.Response{}, err
	}
	sessions := ccai.SessionsFromParams(&req.Params)
	a := crm.Attachment{
		ID: crm.AttachmentID(rec.ID, "sha256:"+kept.SHA256), RecordID: rec.ID,
		ContentType: kept.ContentType, Size: kept.Size, SHA256: kept.SHA256, MD5: kept.MD5,
		Kind: req.Params.Get("file_type", "type", "kind", "files"), Source: crm.SourceAPI, Bucket: kept.Bucket, Object: kept.Name,
	}
	if len(sessions) > 0 {
		a.SessionKey = sessions[0].Key()
	}
	a.Filename = filename(up.filename, a, sessions)
	dctx, cancel := h.dbContext(ctx)
	defer cancel()
	if att, created, ok, err := h.sessionMetadata(dctx, rec, a, sessions); err != nil || ok {
		if err != nil {
			return ccai.Response{}, err
		}
		return ccai.Created(created, h.response(req, att)), nil
	}
	att, created, err := h.Ingest.Attach(dctx, a, false)
	if err != nil {
		return ccai.Response{}, err
	}
	return ccai.Created(created, h.response(req, att)), nil
}

// sessionMetadata applies an upload that is a session's metadata file as
// the session's metadata (ingest.Service.UploadedMetadata): a JSON or
// text file no larger than metadata.MaxFileSize is read back for it.
func (h Handler) sessionMetadata(ctx context.Context, rec crm.Record, a crm.Attachment, sessions []crm.Session) (crm.Attachment, bool, bool, error) {
	if a.Size > metadata.MaxFileSize || !(a.ContentType == "application/json" || strings.HasPrefix(a.ContentType, "text/plain")) {
		return crm.Attachment{}, false, false, nil
	}
	rc, err := h.Blobs.Read(ctx, a.Bucket, a.Object, 0, -1)
	if err != nil {
		return crm.Attachment{}, false, false, err
	}
	raw, err := io.ReadAll(io.LimitReader(rc, metadata.MaxFileSize+1))
	rc.Close()
	if err != nil {
		return crm.Attachment{}, false, false, &crm.Error{Code: crm.Unavailable, Message: "reading the uploaded file", Err: err}
	}
	return h.Ingest.UploadedMetadata(ctx, ingest.Upload{Record: rec, File: a, Raw: raw, Sessions: sessions})
}

// dbContext bounds a database or events call by the request deadline
// (the transfer's own deadline is longer).
func (h Handler) dbContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if h.dbTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, h.dbTimeout)
}

func tooLarge() error {
	return crm.Errorf(crm.TooLarge, "the upload is larger than 32 MiB, the request limit of Cloud Functions: deliver long recordings through external storage instead")
}

// discard removes a temporary upload that will not be kept.
func (h Handler) discard(tmp crm.Blob) {
	if tmp.Name == "" {
		return
	}
	// One left behind anyway is removed by the bucket's lifecycle rule
	// on tmp/ (terraform).
	if err := h.Blobs.Discard(context.Background(), tmp); err != nil {
		h.Log.Warn("temporary upload not deleted", "object", tmp.Name, "error", err.Error())
	}
}

// readMultipart streams the file part to the bucket and reads the other
// fields into p.
func (h Handler) readMultipart(ctx context.Context, body io.Reader, boundary string, p *ccai.Params) (upload, error) {
	if boundary == "" {
		return upload{}, crm.Errorf(crm.Invalid, "multipart body without a boundary")
	}
	mr := multipart.NewReader(body, boundary)
	var up upload
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return up, nil
		}
		if err != nil {
			return up, bodyError(err, "malformed multipart body")
		}
		isFile := part.FileName() != "" || ccai.Is(part.FormName(), fileFields)
		if isFile && !up.found {
			ct := part.Header.Get("Content-Type")
			br := bufio.NewReaderSize(part, 4096)
			if ct == "" || ct == filetype.Download {
				head, _ := br.Peek(512)
				ct = filetype.Sniff(head, part.FileName())
			}
			tmp, err := h.Blobs.Upload(ctx, h.Bucket, br, filetype.Normalize(ct), MaxUpload)
			if err != nil {
				return up, bodyError(err, "reading the file part")
			}
			up = upload{tmp: tmp, filename: part.FileName(), found: true}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, 64<<10))
		if err != nil {
			return up, bodyError(err, "malformed multipart body")
		}
		if err := p.Set(part.FormName(), string(v)); err != nil { // counts every part (ccai.MaxParams)
			return up, err
		}
	}
}

// readBase64 reads a JSON body (property or container form) and streams
// the base64 file parameter, decoded, to the bucket (jsonBody).
func (h Handler) readBase64(ctx context.Context, r *http.Request, p *ccai.Params) (upload, error) {
	blob, found, err := jsonBody(r.Body, p, blobSink{h: h, ctx: ctx})
	if err != nil || !found {
		return upload{}, err
	}
	return upload{tmp: blob, found: true}, nil
}

// blobSink stores decoded base64 files as temporary objects of the bucket.
type blobSink struct {
	h   Handler
	ctx context.Context
}

func (s blobSink) store(decoded io.Reader) (crm.Blob, error) {
	br := bufio.NewReaderSize(decoded, 4096)
	head, _ := br.Peek(512)
	return s.h.Blobs.Upload(s.ctx, s.h.Bucket, br, filetype.Normalize(filetype.Sniff(head, "")), MaxUpload)
}

func (s blobSink) discard(b crm.Blob) { s.h.discard(b) }

// bodyError keeps crm errors (too large, storage unavailable) and turns
// the rest into Invalid.
func bodyError(err error, what string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge()
	}
	var ce *crm.Error
	if errors.As(err, &ce) {
		return err
	}
	return crm.Errorf(crm.Invalid, "%s: %v", what, err)
}

// extensions of the content types an upload may have (as
// filetype.Normalize gives them).
var extensions = map[string]string{
	"audio/mpeg": "mp3", "audio/wav": "wav", "audio/wave": "wav", "video/mp4": "mp4", "image/jpeg": "jpg",
	"image/png": "png", "image/gif": "gif", "image/webp": "webp", "application/json": "json", "application/pdf": "pdf",
	"text/plain; charset=utf-8": "txt",
}

// filename keeps the part's name, or names the file after its session
// and type as external storage would ("call-1418.mp3").
func filename(given string, a crm.Attachment, sessions []crm.Session) string {
	if given = path.Base(strings.ReplaceAll(given, "\\", "/")); given != "" && given != "." && given != "/" {
		return given
	}
	ext := extensions[a.ContentType]
	if ext == "" {
		ext = "bin"
	}
	if len(sessions) > 0 && sessions[0].Kind != crm.SessionAny {
		return fmt.Sprintf("%s-%s.%s", sessions[0].Kind, sessions[0].ID, ext)
	}
	return fmt.Sprintf("file-%s.%s", a.SHA256[:12], ext)
}

// UploadJSON is the upload response: the attachment id and its download
// URL, for either "attachment type" of the portal.
type UploadJSON struct {
	ID           string `json:"id"`
	AttachmentID string `json:"attachment_id"`
	URL          string `json:"url"`
	DownloadURL  string `json:"download_url"`
	RecordID     string `json:"record_id"`
	Filename     string `json:"filename"`
	ContentType  string `json:"content_type"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
}

func (h Handler) response(req *ccai.Request, a crm.Attachment) UploadJSON {
	u := ccai.DownloadURL(h.base(req), a.RecordID, a.ID)
	return UploadJSON{ID: a.ID, AttachmentID: a.ID, URL: u, DownloadURL: u, RecordID: a.RecordID, Filename: a.Filename,
		ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256}
}

func (h Handler) base(req *ccai.Request) string {
	if h.BaseURL != "" {
		return h.BaseURL
	}
	scheme := "http"
	if req.HTTP.TLS != nil || strings.EqualFold(req.HTTP.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + req.HTTP.Host
}

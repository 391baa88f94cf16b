package ccai

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/logging"
)

// statusOf maps error codes to HTTP statuses. CCAI Platform retries a 400
// for up to a week and nothing else, so 400 means "a retry may help".
var statusOf = map[crm.Code]int{
	crm.Unavailable:          http.StatusBadRequest,
	crm.Invalid:              http.StatusUnprocessableEntity,
	crm.NotFound:             http.StatusNotFound,
	crm.Conflict:             http.StatusConflict,
	crm.Unauthorized:         http.StatusUnauthorized,
	crm.Forbidden:            http.StatusForbidden,
	crm.TooLarge:             http.StatusRequestEntityTooLarge,
	crm.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	crm.MethodNotAllowed:     http.StatusMethodNotAllowed,
	crm.TooManyRequests:      http.StatusTooManyRequests,
} // anything else: 500

// StatusOf returns the HTTP status for err.
func StatusOf(err error) int {
	if s, ok := statusOf[crm.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Request is one decoded Generic API call.
type Request struct {
	HTTP   *http.Request
	Params Params
	// Path holds the segments of the URL path, unescaped, without the
	// leading and trailing empty ones: "/records//comments" (an empty
	// {RECORD_ID}) keeps its empty segment.
	Path []string
}

// PathID returns the segment that follows the first segment named one of
// names (case-insensitively), such as the id in ".../records/{id}". A
// variable the platform left unsubstituted ("{RECORD_ID}") or empty counts
// as missing: the framework's router turns "/records//comments" into
// "/records/comments", so a collection word is no id either.
func (r *Request) PathID(names ...string) string {
	for i := 0; i+1 < len(r.Path); i++ {
		for _, n := range names {
			if strings.EqualFold(r.Path[i], n) {
				return idValue(r.Path[i+1], names)
			}
		}
	}
	return ""
}

// LastPathSegment returns the last segment of the path, unless it is a
// collection word or one of names ("" for "/", ".../records").
func (r *Request) LastPathSegment(names ...string) string {
	if len(r.Path) == 0 {
		return ""
	}
	return idValue(r.Path[len(r.Path)-1], names)
}

// collectionWords name collections in the URLs of this CRM's endpoints.
var collectionWords = []string{"accounts", "records", "comments", "comment", "search", "attachments", "files"}

func idValue(s string, names []string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		return ""
	}
	for _, w := range append(names, collectionWords...) {
		if strings.EqualFold(s, w) {
			return ""
		}
	}
	return s
}

// recordWords are the path segments that precede a record id.
var recordWords = []string{"records", "record", "tickets", "ticket", "cases", "case"}

// RecordID is the record a request is about: the segment after "records"
// (or "tickets", "cases") in the URL, else an id parameter, else the last
// path segment that is no collection word.
func (r *Request) RecordID() string {
	if id := r.PathID(recordWords...); id != "" {
		return id
	}
	if id := r.Params.Get(append([]string{"id"}, RecordIDFields...)...); id != "" {
		return id
	}
	return r.LastPathSegment(recordWords...)
}

// Response is an endpoint's answer: a status and a JSON body.
type Response struct {
	Status int
	Body   any
}

// Created is the answer of an idempotent create: 201 when it made
// something, 200 when it found what an earlier request made.
func Created(created bool, body any) Response {
	if created {
		return Response{Status: http.StatusCreated, Body: body}
	}
	return Response{Status: http.StatusOK, Body: body}
}

// Endpoint handles one decoded request.
type Endpoint func(ctx context.Context, req *Request) (Response, error)

// Options configure Serve.
type Options struct {
	// Methods accepted; others get 405.
	Methods []string
	// Auth checks every request.
	Auth *auth.Checker
	// Timeout bounds the endpoint's work; keep it below CCAI Platform's API
	// request timeout.
	Timeout time.Duration
	// MaxBody is the body size limit (DefaultMaxBody when 0).
	MaxBody int64
	// Log receives one line per request.
	Log *slog.Logger
	// RawBody leaves the body to the endpoint (uploads stream it): only
	// the query string is decoded.
	RawBody bool
}

// Serve returns the HTTP handler of endpoint name: it checks the method
// and the credentials, decodes the parameters, runs ep under a deadline,
// and writes its answer or its error as JSON. A panic answers 500, is
// logged, and never takes the instance down.
func Serve(name string, o Options, ep Endpoint) http.Handler {
	if o.MaxBody == 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		status := http.StatusInternalServerError
		ctx, cost := dbcost.WithCounter(r.Context())
		if trace := traceID(r); trace != "" {
			ctx = logging.WithTrace(ctx, trace)
		}
		r = r.WithContext(ctx)
		defer func() {
			if p := recover(); p != nil {
				o.Log.ErrorContext(ctx, "panic", "endpoint", name, "panic", p)
				writeError(w, crm.Errorf(crm.Internal, "internal error"))
			}
			o.Log.InfoContext(ctx, "request", "endpoint", name, "method", r.Method, "status", status,
				"ms", float64(time.Since(start).Microseconds())/1000, "reads", cost.Reads(), "writes", cost.Writes())
		}()
		status = serve(w, r, name, o, ep)
	})
}

func serve(w http.ResponseWriter, r *http.Request, name string, o Options, ep Endpoint) int {
	if !slices.Contains(o.Methods, r.Method) {
		w.Header().Set("Allow", strings.Join(o.Methods, ", "))
		return writeError(w, crm.Errorf(crm.MethodNotAllowed, "method %s is not allowed here; use %s", r.Method, strings.Join(o.Methods, " or ")))
	}
	if o.Auth != nil {
		if err := o.Auth.Check(r); err != nil {
			o.Log.WarnContext(r.Context(), "authentication failed", "endpoint", name, "client", ClientAddr(r), "reason", string(crm.ErrorCode(err)))
			if c := o.Auth.Challenge(); c != "" {
				w.Header().Set("WWW-Authenticate", c)
			}
			return writeError(w, err)
		}
	}
	var params Params
	var err error
	if o.RawBody {
		params, err = DecodeParams(&http.Request{URL: r.URL, Header: r.Header}, 0)
	} else {
		params, err = DecodeParams(r, o.MaxBody)
	}
	if err != nil {
		return writeError(w, err)
	}
	ctx := r.Context()
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	req := &Request{HTTP: r, Params: params, Path: pathSegments(r.URL)}
	resp, err := ep(ctx, req)
	if err != nil {
		if StatusOf(err) >= 500 || crm.ErrorCode(err) == crm.Unavailable {
			o.Log.ErrorContext(ctx, "endpoint failed", "endpoint", name, "error", err.Error())
		}
		return writeError(w, err)
	}
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	if h, ok := resp.Body.(http.Handler); ok { // a file download writes itself
		h.ServeHTTP(w, r)
		return resp.Status
	}
	WriteJSON(w, resp.Status, resp.Body)
	return resp.Status
}

// traceID is the trace of a request from Google's front end
// (X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1, or W3C traceparent).
func traceID(r *http.Request) string {
	if h := r.Header.Get("X-Cloud-Trace-Context"); h != "" {
		id, _, _ := strings.Cut(h, "/")
		return id
	}
	if parts := strings.Split(r.Header.Get("traceparent"), "-"); len(parts) == 4 {
		return parts[1]
	}
	return ""
}

func pathSegments(u *url.URL) []string {
	trimmed := strings.Trim(u.EscapedPath(), "/")
	if trimmed == "" {
		return nil
	}
	out := strings.Split(trimmed, "/")
	for i, s := range out {
		if v, err := url.PathUnescape(s); err == nil {
			out[i] = v
		}
	}
	return out
}

// ClientAddr is the caller's address (see auth.ClientAddr).
func ClientAddr(r *http.Request) string { return auth.ClientAddr(r) }

// WriteJSON writes v as the JSON body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, err error) int {
	var body ErrorBody
	body.Error.Code = string(crm.ErrorCode(err))
	body.Error.Message = crm.ErrorMessage(err)
	status := StatusOf(err)
	WriteJSON(w, status, body)
	return status
}

// WriteError writes err as a JSON error response and returns its status.
func WriteError(w http.ResponseWriter, err error) int { return writeError(w, err) }

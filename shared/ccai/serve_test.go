package ccai_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestStatusOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"unavailable is the only 400", crm.Errorf(crm.Unavailable, "x"), 400},
		{"invalid", crm.Errorf(crm.Invalid, "x"), 422},
		{"not found", crm.Errorf(crm.NotFound, "x"), 404},
		{"unauthorized", crm.Errorf(crm.Unauthorized, "x"), 401},
		{"too large", crm.Errorf(crm.TooLarge, "x"), 413},
		{"unsupported media type", crm.Errorf(crm.UnsupportedMediaType, "x"), 415},
		{"method not allowed", crm.Errorf(crm.MethodNotAllowed, "x"), 405},
		{"conflict", crm.Errorf(crm.Conflict, "x"), 409},
		{"internal", crm.Errorf(crm.Internal, "x"), 500},
		{"unknown code", crm.Errorf(crm.Code("weird"), "x"), 500},
		{"plain error", errors.New("boom"), 500},
		{"wrapped crm error", errors.Join(errors.New("ctx"), crm.Errorf(crm.NotFound, "x")), 404},
		{"context deadline", context.DeadlineExceeded, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ccai.StatusOf(tt.err); got != tt.want {
				t.Errorf("StatusOf(%v): got %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func decodeError(t *testing.T, body []byte) ccai.ErrorBody {
	t.Helper()
	var e ccai.ErrorBody
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("error body %s: got empty code or message, want both", body)
	}
	return e
}

func TestServe(t *testing.T) {
	checker, err := auth.New(auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{"0123456789abcdef0123"}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	basic, err := auth.New(auth.Config{Method: auth.MethodBasic, BasicUsername: "ccaip", BasicPassword: "s3cret-pass"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	echo := func(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
		return ccai.Response{Status: http.StatusCreated, Body: map[string]string{"name": req.Params.Get("name"), "id": req.PathID("records")}}, nil
	}
	tests := []struct {
		name       string
		opts       ccai.Options
		ep         ccai.Endpoint
		method     string
		target     string
		header     map[string]string
		body       string
		wantStatus int
		wantCode   crm.Code // "" for a success
		wantHeader map[string]string
		wantBody   string // for a success
	}{
		{
			name: "success", opts: ccai.Options{Methods: []string{"POST"}, Auth: checker}, ep: echo,
			method: "POST", target: "/records/r1", header: map[string]string{"X-Api-Key": "0123456789abcdef0123", "Content-Type": "application/json"},
			body: `{"name":"x"}`, wantStatus: 201, wantBody: `{"id":"r1","name":"x"}`,
			wantHeader: map[string]string{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"},
		},
		{
			name: "status 0 answers 200", opts: ccai.Options{Methods: []string{"GET"}},
			ep:     func(context.Context, *ccai.Request) (ccai.Response, error) { return ccai.Response{Body: []int{}}, nil },
			method: "GET", target: "/", wantStatus: 200, wantBody: `[]`,
		},
		{
			name: "wrong method", opts: ccai.Options{Methods: []string{"POST", "PUT"}, Auth: checker}, ep: echo,
			method: "GET", target: "/records", wantStatus: 405, wantCode: crm.MethodNotAllowed,
			wantHeader: map[string]string{"Allow": "POST, PUT"},
		},
		{
			name: "no credentials", opts: ccai.Options{Methods: []string{"POST"}, Auth: checker}, ep: echo,
			method: "POST", target: "/records", body: `{}`, wantStatus: 401, wantCode: crm.Unauthorized,
		},
		{
			name: "wrong key", opts: ccai.Options{Methods: []string{"POST"}, Auth: checker}, ep: echo,
			method: "POST", target: "/records", header: map[string]string{"X-Api-Key": "nope-nope-nope-nope"}, body: `{}`,
			wantStatus: 401, wantCode: crm.Unauthorized,
		},
		{
			name: "basic challenge", opts: ccai.Options{Methods: []string{"POST"}, Auth: basic}, ep: echo,
			method: "POST", target: "/records", body: `{}`, wantStatus: 401, wantCode: crm.Unauthorized,
			wantHeader: map[string]string{"WWW-Authenticate": `Basic realm="crm", charset="UTF-8"`},
		},
		{
			name: "auth checked before the body", opts: ccai.Options{Methods: []string{"POST"}, Auth: checker}, ep: echo,
			method: "POST", target: "/records", header: map[string]string{"Content-Type": "application/xml"}, body: `<x/>`,
			wantStatus: 401, wantCode: crm.Unauthorized,
		},
		{
			name: "malformed body", opts: ccai.Options{Methods: []string{"POST"}}, ep: echo,
			method: "POST", target: "/records", header: map[string]string{"Content-Type": "application/json"}, body: `{"name":`,
			wantStatus: 422, wantCode: crm.Invalid,
		},
		{
			name: "MaxBody", opts: ccai.Options{Methods: []string{"POST"}, MaxBody: 10}, ep: echo,
			method: "POST", target: "/records", header: map[string]string{"Content-Type": "application/json"}, body: `{"name":"0123456789"}`,
			wantStatus: 413, wantCode: crm.TooLarge,
		},
		{
			name: "panic", opts: ccai.Options{Methods: []string{"POST"}},
			ep:     func(context.Context, *ccai.Request) (ccai.Response, error) { panic("boom") },
			method: "POST", target: "/records", wantStatus: 500, wantCode: crm.Internal,
		},
		{
			name: "nil map panic", opts: ccai.Options{Methods: []string{"POST"}},
			ep: func(context.Context, *ccai.Request) (ccai.Response, error) {
				var m map[string]int
				m["x"]++
				return ccai.Response{}, nil
			},
			method: "POST", target: "/records", wantStatus: 500, wantCode: crm.Internal,
		},
		{
			name: "unavailable answers 400", opts: ccai.Options{Methods: []string{"POST"}},
			ep: func(context.Context, *ccai.Request) (ccai.Response, error) {
				return ccai.Response{}, crm.Errorf(crm.Unavailable, "firestore is down")
			},
			method: "POST", target: "/records", wantStatus: 400, wantCode: crm.Unavailable,
		},
		{
			name: "not found", opts: ccai.Options{Methods: []string{"GET"}},
			ep: func(context.Context, *ccai.Request) (ccai.Response, error) {
				return ccai.Response{}, crm.Errorf(crm.NotFound, "no account matches")
			},
			method: "GET", target: "/accounts/search?phone=1", wantStatus: 404, wantCode: crm.NotFound,
		},
		{
			name: "plain error answers 500", opts: ccai.Options{Methods: []string{"GET"}},
			ep: func(context.Context, *ccai.Request) (ccai.Response, error) {
				return ccai.Response{}, errors.New("secret detail")
			},
			method: "GET", target: "/", wantStatus: 500, wantCode: crm.Internal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Log = quietLog()
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := httptest.NewRequest(tt.method, tt.target, body)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			ccai.Serve("Test", tt.opts, tt.ep).ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d (body %s)", rec.Code, tt.wantStatus, rec.Body)
			}
			for k, v := range tt.wantHeader {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s: got %q, want %q", k, got, v)
				}
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want JSON", got)
			}
			if tt.wantCode == "" {
				if got := strings.TrimSpace(rec.Body.String()); got != tt.wantBody {
					t.Errorf("body: got %s, want %s", got, tt.wantBody)
				}
				return
			}
			e := decodeError(t, rec.Body.Bytes())
			if crm.Code(e.Error.Code) != tt.wantCode {
				t.Errorf("error code: got %q, want %q", e.Error.Code, tt.wantCode)
			}
			if strings.Contains(e.Error.Message, "secret detail") || strings.Contains(e.Error.Message, "boom") {
				t.Errorf("error message %q leaks the internal error", e.Error.Message)
			}
		})
	}
}

func TestServeDeadline(t *testing.T) {
	var got time.Duration
	ep := func(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
		d, ok := ctx.Deadline()
		if !ok {
			return ccai.Response{}, errors.New("no deadline")
		}
		got = time.Until(d)
		return ccai.Response{}, nil
	}
	h := ccai.Serve("Test", ccai.Options{Methods: []string{"GET"}, Timeout: 3 * time.Second, Log: quietLog()}, ep)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 {
		t.Fatalf("status: got %d, want 200 (%s)", rec.Code, rec.Body)
	}
	if got <= 2*time.Second || got > 3*time.Second {
		t.Errorf("deadline: got %v from now, want about 3s", got)
	}
}

func TestServeSurvivesPanics(t *testing.T) {
	calls := 0
	h := ccai.Serve("Test", ccai.Options{Methods: []string{"GET"}, Log: quietLog()}, func(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
		calls++
		if req.Params.Get("panic") != "" {
			panic(errors.New("boom"))
		}
		return ccai.Response{Body: "ok"}, nil
	})
	for i, tc := range []struct {
		target string
		want   int
	}{{"/?panic=1", 500}, {"/", 200}, {"/?panic=1", 500}, {"/", 200}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.target, nil))
		if rec.Code != tc.want {
			t.Errorf("request %d %s: got %d, want %d", i, tc.target, rec.Code, tc.want)
		}
	}
	if calls != 4 {
		t.Errorf("endpoint calls: got %d, want 4", calls)
	}
}

func TestPathID(t *testing.T) {
	tests := []struct {
		target   string
		names    []string
		wantID   string
		wantLast string
	}{
		{"/records/r1/comments", []string{"records"}, "r1", ""},
		{"/Records/r1/comments", []string{"records"}, "r1", ""},
		{"/records/r1", []string{"tickets", "records"}, "r1", "r1"},
		{"/api/v1/accounts/a%2Fb%20c", []string{"accounts"}, "a/b c", "a/b c"},
		{"/records/{RECORD_ID}/comments", []string{"records"}, "", ""},
		{"/records/comments", []string{"records"}, "", ""},
		{"/records/%7BRECORD_ID%7D", []string{"records"}, "", ""},
		{"/accounts/{ACCOUNT_ID}", []string{"accounts"}, "", ""},
		{"/records", []string{"records"}, "", ""},
		{"/", []string{"records"}, "", ""},
		{"/accounts/a1/records/r1", []string{"records"}, "r1", "r1"},
		{"/accounts/a1/records/r1", []string{"accounts"}, "a1", "r1"},
		{"/records/r1?id=other", []string{"records"}, "r1", "r1"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			var req *ccai.Request
			h := ccai.Serve("Test", ccai.Options{Methods: []string{"GET"}, Log: quietLog()}, func(ctx context.Context, r *ccai.Request) (ccai.Response, error) {
				req = r
				return ccai.Response{}, nil
			})
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tt.target, nil))
			if req == nil {
				t.Fatal("endpoint not called")
			}
			if got := req.PathID(tt.names...); got != tt.wantID {
				t.Errorf("PathID(%q): got %q, want %q (path %q)", tt.names, got, tt.wantID, req.Path)
			}
			if got := req.LastPathSegment(); got != tt.wantLast {
				t.Errorf("LastPathSegment: got %q, want %q", got, tt.wantLast)
			}
		})
	}
}

// An empty {RECORD_ID} leaves "/records//comments": the segment after
// "records" is then "comments", which is no record id.
func TestPathIDEmptyVariable(t *testing.T) {
	r := &ccai.Request{Path: pathOf(t, "/records//comments")}
	if got := r.PathID("records"); got != "" {
		t.Errorf("PathID(records) of /records//comments: got %q, want \"\"", got)
	}
}

func pathOf(t *testing.T, target string) []string {
	t.Helper()
	var path []string
	h := ccai.Serve("Test", ccai.Options{Methods: []string{"GET"}, Log: quietLog()}, func(ctx context.Context, r *ccai.Request) (ccai.Response, error) {
		path = r.Path
		return ccai.Response{}, nil
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	return slices.Clone(path)
}

func TestClientAddr(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:1234"
	if got, want := ccai.ClientAddr(r), "10.0.0.1"; got != want {
		t.Errorf("without X-Forwarded-For: got %q, want %q", got, want)
	}
	// The last entry is the one Google's front end appended; the first is
	// whatever the client sent.
	r.Header.Set("X-Forwarded-For", " 203.0.113.7 , 10.0.0.2")
	if got, want := ccai.ClientAddr(r), "10.0.0.2"; got != want {
		t.Errorf("with X-Forwarded-For: got %q, want %q", got, want)
	}
}

// Package logging writes JSON log lines that Cloud Logging understands:
// "severity" and "message" fields, and the request's trace.
package logging

import (
	"context"
	"io"
	"log/slog"
)

const traceKey = "logging.googleapis.com/trace"

// New returns a JSON logger writing to w. project, when set, prefixes the
// trace of a request ("projects/<project>/traces/<id>").
func New(w io.Writer, project string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) > 0 {
			return a
		}
		switch a.Key {
		case slog.LevelKey:
			a.Key = "severity"
			if a.Value.String() == "WARN" {
				a.Value = slog.StringValue("WARNING")
			}
		case slog.MessageKey:
			a.Key = "message"
		}
		return a
	}})
	return slog.New(traceHandler{Handler: h, project: project})
}

type traceKeyType struct{}

// WithTrace returns ctx carrying the trace id of a request (the first part
// of its X-Cloud-Trace-Context header).
func WithTrace(ctx context.Context, traceID string) context.Context {
	return context.WithValue(ctx, traceKeyType{}, traceID)
}

type traceHandler struct {
	slog.Handler
	project string
}

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, _ := ctx.Value(traceKeyType{}).(string); id != "" && h.project != "" {
		r.AddAttrs(slog.String(traceKey, "projects/"+h.project+"/traces/"+id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{Handler: h.Handler.WithAttrs(attrs), project: h.project}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{Handler: h.Handler.WithGroup(name), project: h.project}
}

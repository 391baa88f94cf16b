// Package sweep reports, once each, the files from external storage that
// have waited longer than allowed for their session's record: Cloud
// Scheduler calls it (its ingress is internal, its only invoker the
// scheduler's service account).
package sweep

import (
	"log/slog"
	"net/http"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// Handler reports unlinked files.
type Handler struct {
	Store crm.PendingStore
	After time.Duration
	Log   *slog.Logger
	Now   func() time.Time
}

// ServeHTTP logs every file waiting since before now-After and not yet
// reported, and answers how many.
func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	files, err := h.Store.Unreported(r.Context(), now.Add(-h.After))
	objects := []string{}
	for _, f := range files {
		objects = append(objects, f.Bucket+"/"+f.Object)
		h.Log.WarnContext(r.Context(), "file still unlinked: no record has its session", "object", f.Object, "bucket", f.Bucket,
			"kind", f.Kind, "sessions", f.SessionKeys, "waiting_since", f.CreatedAt)
	}
	if err != nil {
		ccai.WriteError(w, err)
		return
	}
	ccai.WriteJSON(w, http.StatusOK, map[string]any{"reported": len(files), "objects": objects})
}

// Package storageobject is the storage trigger: it decodes what CCAI
// Platform writes into the external storage bucket (CloudEvent
// google.cloud.storage.object.v1.finalized) and hands the object to the
// ingest service (shared/ingest.Objects), where every rule lives: files
// are linked to the record of their session or wait for it, session
// metadata files update the session (creating its record, and account,
// when the CRM never saw the session). Nothing in the bucket is ever
// modified or deleted.
package storageobject

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/ingest"
)

// Handler processes storage events.
type Handler struct {
	Objects ingest.Objects
}

// HandleEvent is the CloudEvent entry point. It returns an error only
// when a retry can succeed (the database or the bucket unavailable);
// anything else is logged and acknowledged.
func (h Handler) HandleEvent(ctx context.Context, e event.Event) error {
	log := h.Objects.Ingest.Log
	var obj ingest.Object
	if err := json.Unmarshal(e.Data(), &obj); err != nil || obj.Name == "" {
		log.WarnContext(ctx, "storage event without an object", "event_id", e.ID(), "type", e.Type())
		return nil
	}
	start := time.Now()
	ctx, cost := dbcost.WithCounter(ctx)
	out, err := h.Objects.Process(ctx, obj)
	log.InfoContext(ctx, "storage event", "event_id", e.ID(), "object", obj.Name, "outcome", string(out),
		"ms", float64(time.Since(start).Microseconds())/1000, "reads", cost.Reads(), "writes", cost.Writes())
	return err
}

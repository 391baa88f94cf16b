// Package storageobject is the storage trigger: it decodes what CCAI
// Platform writes into the external storage bucket and hands the object
// to the ingest service (shared/ingest.Objects), where every rule lives:
// files are linked to the record of their session or wait for it, session
// metadata files update the session (creating its record, and account,
// when the CRM never saw the session). Nothing in the bucket is ever
// modified or deleted.
//
// Objects arrive as the bucket's Cloud Storage notifications (OBJECT_FINALIZE,
// payload JSON_API_V1) through a Pub/Sub push subscription with a
// dead-letter topic (terraform/storage_events.tf; the local stack does the
// same): functions-framework-go turns the push request into a
// google.cloud.pubsub.topic.v1.messagePublished CloudEvent. An Eventarc
// google.cloud.storage.object.v1.finalized event is accepted too. The
// backfill command replays the dead letters through FromNotification and
// the same ingest service.
package storageobject

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/ingest"
)

// The CloudEvent types the handler accepts.
const (
	StorageFinalized = "google.cloud.storage.object.v1.finalized"
	PubSubPublished  = "google.cloud.pubsub.topic.v1.messagePublished"
)

// Handler processes storage events.
type Handler struct {
	Objects ingest.Objects
	// Bucket is the CCAI bucket (CRM_CCAI_BUCKET): objects of other
	// buckets are skipped.
	Bucket string
}

// HandleEvent is the CloudEvent entry point. It returns an error only
// when a retry can succeed (the database or the bucket unavailable);
// anything else (another event type, another bucket, no object) is
// logged and acknowledged, so it is never retried.
func (h Handler) HandleEvent(ctx context.Context, e event.Event) error {
	log := h.Objects.Ingest.Log
	obj, skip := h.object(e)
	if skip != "" {
		log.WarnContext(ctx, "storage event skipped", "event_id", e.ID(), "type", e.Type(), "reason", skip)
		return nil
	}
	start := time.Now()
	ctx, cost := dbcost.WithCounter(ctx)
	out, err := h.Objects.Process(ctx, obj)
	log.InfoContext(ctx, "storage event", "event_id", e.ID(), "object", obj.Name, "outcome", string(out),
		"ms", float64(time.Since(start).Microseconds())/1000, "reads", cost.Reads(), "writes", cost.Writes())
	return err
}

// object returns the event's object, or why there is none to process.
func (h Handler) object(e event.Event) (ingest.Object, string) {
	switch e.Type() {
	case StorageFinalized:
		var obj ingest.Object
		if err := json.Unmarshal(e.Data(), &obj); err != nil || obj.Name == "" {
			return ingest.Object{}, "no object"
		}
		return obj, h.foreign(obj)
	case PubSubPublished:
		var d struct {
			Message struct {
				Data       []byte            `json:"data"` // base64 in JSON
				Attributes map[string]string `json:"attributes"`
			} `json:"message"`
		}
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			return ingest.Object{}, "not a Pub/Sub message"
		}
		return h.FromNotification(d.Message.Attributes, d.Message.Data)
	default:
		return ingest.Object{}, "unexpected event type"
	}
}

// FromNotification returns the object a Cloud Storage notification (a
// Pub/Sub message's attributes and data) carries, or why there is none to
// process: another event type than OBJECT_FINALIZE, another bucket, or no
// object JSON (payload format NONE, unreadable data).
func (h Handler) FromNotification(attributes map[string]string, data []byte) (ingest.Object, string) {
	if t := attributes["eventType"]; t != "OBJECT_FINALIZE" {
		return ingest.Object{}, "not OBJECT_FINALIZE: " + t
	}
	var obj ingest.Object
	if err := json.Unmarshal(data, &obj); err != nil || obj.Name == "" {
		return ingest.Object{}, "no object"
	}
	if obj.Bucket == "" {
		obj.Bucket = attributes["bucketId"]
	}
	return obj, h.foreign(obj)
}

// foreign says why obj is skipped when it is not in the CCAI bucket.
func (h Handler) foreign(obj ingest.Object) string {
	if h.Bucket != "" && obj.Bucket != h.Bucket {
		return "another bucket: " + obj.Bucket
	}
	return ""
}

// Package gcppubsub publishes the CRM's events on a Pub/Sub topic
// (crm.Events) and pulls messages for replays (Subscription). It is the
// only package that imports the Pub/Sub SDK. With
// PUBSUB_EMULATOR_HOST set the SDK talks to the emulator.
package gcppubsub

import (
	"context"
	"encoding/json"
	"fmt"

	"cloud.google.com/go/pubsub/v2"

	"example.com/crm/shared/crm"
)

// Publisher implements crm.Events.
type Publisher struct {
	client    *pubsub.Client
	publisher *pubsub.Publisher
}

var _ crm.Events = (*Publisher)(nil)

// Open returns a publisher on topic of project.
func Open(ctx context.Context, project, topic string) (*Publisher, error) {
	c, err := pubsub.NewClient(ctx, project)
	if err != nil {
		return nil, fmt.Errorf("pubsub client: %w", err)
	}
	return &Publisher{client: c, publisher: c.Publisher(topic)}, nil
}

// Close flushes and closes.
func (p *Publisher) Close() error {
	p.publisher.Stop()
	return p.client.Close()
}

// Event is a message's JSON body. Attribute "type" repeats Type, so that
// subscriptions can filter on it.
type Event struct {
	Type         string `json:"type"` // "attachment.added" or "session.ended"
	RecordID     string `json:"record_id"`
	AccountID    string `json:"account_id,omitempty"`
	AttachmentID string `json:"attachment_id,omitempty"`
	Kind         string `json:"kind,omitempty"` // attachment kind
	Source       string `json:"source,omitempty"`
	SessionKind  string `json:"session_kind,omitempty"`
	SessionID    string `json:"session_id,omitempty"`
	Status       string `json:"status,omitempty"` // the session's status
}

func (p *Publisher) publish(ctx context.Context, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	res := p.publisher.Publish(ctx, &pubsub.Message{Data: b, Attributes: map[string]string{"type": e.Type, "record_id": e.RecordID}})
	if _, err := res.Get(ctx); err != nil {
		return &crm.Error{Code: crm.Unavailable, Message: "the event could not be published", Err: err}
	}
	return nil
}

// AttachmentAdded implements crm.Events.
func (p *Publisher) AttachmentAdded(ctx context.Context, a crm.Attachment) error {
	return p.publish(ctx, Event{Type: "attachment.added", RecordID: a.RecordID, AttachmentID: a.ID, Kind: a.Kind, Source: a.Source})
}

// SessionEnded implements crm.Events.
func (p *Publisher) SessionEnded(ctx context.Context, rec crm.Record, s crm.Session) error {
	return p.publish(ctx, Event{Type: "session.ended", RecordID: rec.ID, AccountID: rec.AccountID, SessionKind: string(s.Kind), SessionID: s.ID, Status: s.Status})
}

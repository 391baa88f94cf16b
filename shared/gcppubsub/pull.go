package gcppubsub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Subscription pulls a subscription's messages one batch at a time, for
// replays (cmd/backfill -dead-letters): each message is acknowledged or
// released explicitly.
type Subscription struct {
	client *pubsub.Client
	name   string
}

// Message is a pulled message. AckID changes with each delivery.
type Message struct {
	ID         string
	Attributes map[string]string
	Data       []byte
	AckID      string
}

// OpenSubscription opens subscription, a full name
// (projects/<p>/subscriptions/<s>) or an ID in project.
func OpenSubscription(ctx context.Context, project, subscription string) (*Subscription, error) {
	name := subscription
	if !strings.HasPrefix(name, "projects/") {
		name = "projects/" + project + "/subscriptions/" + subscription
	}
	c, err := pubsub.NewClient(ctx, project)
	if err != nil {
		return nil, fmt.Errorf("pubsub client: %w", err)
	}
	return &Subscription{client: c, name: name}, nil
}

// Name is the subscription's full name.
func (s *Subscription) Name() string { return s.name }

// Close closes the client.
func (s *Subscription) Close() error { return s.client.Close() }

// pullWait is how long Pull waits for messages before it says there are
// none.
const pullWait = 10 * time.Second

// Pull returns up to max messages, leased for the subscription's ack
// deadline, or none when none came within 10 s.
func (s *Subscription) Pull(ctx context.Context, max int) ([]Message, error) {
	pctx, cancel := context.WithTimeout(ctx, pullWait)
	defer cancel()
	resp, err := s.client.SubscriptionAdminClient.Pull(pctx, &pubsubpb.PullRequest{Subscription: s.name, MaxMessages: int32(max)})
	if err != nil {
		if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded) {
			return nil, nil
		}
		return nil, fmt.Errorf("pull %s: %w", s.name, err)
	}
	out := make([]Message, 0, len(resp.ReceivedMessages))
	for _, m := range resp.ReceivedMessages {
		out = append(out, Message{ID: m.Message.MessageId, Attributes: m.Message.Attributes, Data: m.Message.Data, AckID: m.AckId})
	}
	return out, nil
}

// Ack acknowledges messages: they are gone from the subscription.
func (s *Subscription) Ack(ctx context.Context, ackIDs ...string) error {
	if len(ackIDs) == 0 {
		return nil
	}
	if err := s.client.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: s.name, AckIds: ackIDs}); err != nil {
		return fmt.Errorf("acknowledge on %s: %w", s.name, err)
	}
	return nil
}

// Release gives messages back at once (they stay on the subscription).
func (s *Subscription) Release(ctx context.Context, ackIDs ...string) error {
	if len(ackIDs) == 0 {
		return nil
	}
	if err := s.client.SubscriptionAdminClient.ModifyAckDeadline(ctx, &pubsubpb.ModifyAckDeadlineRequest{Subscription: s.name, AckIds: ackIDs}); err != nil {
		return fmt.Errorf("release on %s: %w", s.name, err)
	}
	return nil
}

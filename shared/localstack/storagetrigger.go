package localstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// How many times the local push subscription delivers a message before it
// forwards it to its dead-letter topic: DefaultTriggerMaxDeliveryAttempts
// (about 20 s of re-pushes, a second apart: a function busy with a
// transaction contended by the other files of the same session, or
// slowed by a loaded machine, gets them all in time) unless a stack's
// options say otherwise; MinTriggerMaxDeliveryAttempts is the least
// Pub/Sub allows, for tests of dead-lettering. Terraform sets 100, with
// backoff.
const (
	DefaultTriggerMaxDeliveryAttempts = 20
	// localAckDeadlineSeconds is the local push subscription's ack
	// deadline (see StartStorageTrigger): the least Pub/Sub allows.
	localAckDeadlineSeconds       = 10
	MinTriggerMaxDeliveryAttempts = 5
)

// StorageEventWithin is how long an object written into a local stack's
// CCAI bucket may take to reach the storage function: milliseconds
// usually, but the Pub/Sub emulator now and then loses a push (in CI an
// orphan recording was processed 15 s after it was written, the ack
// deadline then), and the subscription pushes it again only after its ack
// deadline. Three deadlines leave room for two such losses. Tests wait
// this long for what the bucket delivers.
const StorageEventWithin = 3 * localAckDeadlineSeconds * time.Second

// Trigger is the local storage trigger, made as in the cloud
// (terraform/storage_events.tf): the bucket's notifications topic (where
// fake-gcs-server publishes) has a push subscription to the storage
// function with a dead-letter topic, and that topic a pull subscription
// that keeps what failed for replay (cmd/backfill -dead-letters). The
// function receives the Pub/Sub push request, which the functions
// framework turns into a CloudEvent (functions/storageobject).
//
// Unlike Pub/Sub, the emulator ignores subscription filters, sends no
// OIDC token and gets no retry policy (see below): the function skips
// other buckets' objects itself (CRM_CCAI_BUCKET), the local functions
// take no token, and failures are re-pushed about once a second.
type Trigger struct {
	pubsubAddr string
	// Subscription is the push subscription, DeadLetterTopic its
	// dead-letter topic and DeadLetters the pull subscription on it, each
	// a full name (projects/<p>/subscriptions/<s>, projects/<p>/topics/<t>).
	Subscription    string
	DeadLetterTopic string
	DeadLetters     string
	stopOnce        sync.Once
	log             io.Writer
}

// StartStorageTrigger creates, on the Pub/Sub emulator at pubsubAddr and in
// project: topic (fine if it exists), a dead-letter topic with a pull
// subscription, and a push subscription of topic to target (the storage
// function's URL; it must serve every path under it, as a function
// started with FUNCTION_TARGET does) that forwards a message to the
// dead-letter topic after maxAttempts failed deliveries (5 to 100)
// (any answer but 2xx; the emulator re-pushes about once a second). The
// names get a random suffix, so that several stacks can share the
// notifications topic. ctx bounds the set-up only; Stop deletes them.
func StartStorageTrigger(ctx context.Context, pubsubAddr, project, topic, target string, maxAttempts int, log io.Writer) (*Trigger, error) {
	if log == nil {
		log = io.Discard
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	id := hex.EncodeToString(suffix)
	prefix := "projects/" + project
	t := &Trigger{
		pubsubAddr:      pubsubAddr,
		Subscription:    prefix + "/subscriptions/" + topic + "-push-" + id,
		DeadLetterTopic: prefix + "/topics/" + topic + "-dead-" + id,
		DeadLetters:     prefix + "/subscriptions/" + topic + "-dead-" + id,
		log:             log,
	}
	topicName := prefix + "/topics/" + topic
	// The path names the topic, so that the functions framework gives the
	// CloudEvent its source (it warns on every message otherwise).
	endpoint := strings.TrimSuffix(target, "/") + "/" + topicName
	steps := []struct {
		name string
		body any
	}{
		{topicName, struct{}{}},
		{t.DeadLetterTopic, struct{}{}},
		{t.DeadLetters, map[string]any{"topic": t.DeadLetterTopic, "ackDeadlineSeconds": 600, "messageRetentionDuration": "604800s"}},
		{t.Subscription, map[string]any{
			"topic":      topicName,
			"pushConfig": map[string]any{"pushEndpoint": endpoint},
			// Short, unlike the cloud's 560 s: the emulator sometimes loses
			// a push (see StorageEventWithin), and the message then waits
			// for its ack deadline before it is pushed again. Local
			// processing takes milliseconds, and a second delivery of an
			// object changes nothing (shared/ingest).
			"ackDeadlineSeconds": localAckDeadlineSeconds,
			"deadLetterPolicy":   map[string]any{"deadLetterTopic": t.DeadLetterTopic, "maxDeliveryAttempts": maxAttempts},
			// No retryPolicy: with one (even 1 s to 2 s) the emulator
			// stalls re-pushes for a minute or more after the third
			// attempt; without, it re-pushes about once a second.
		}},
	}
	for _, s := range steps {
		if err := pubsubPut(ctx, pubsubAddr, s.name, s.body); err != nil {
			t.Stop()
			return nil, err
		}
	}
	fmt.Fprintf(log, "storage trigger: %s -> %s, dead letters: %s\n", t.Subscription, endpoint, t.DeadLetters)
	return t, nil
}

// Stop deletes the subscriptions and the dead-letter topic (the
// notifications topic stays).
func (t *Trigger) Stop() {
	if t == nil {
		return
	}
	t.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, name := range []string{t.Subscription, t.DeadLetters, t.DeadLetterTopic} {
			if err := pubsubDelete(ctx, t.pubsubAddr, name); err != nil {
				fmt.Fprintf(t.log, "storage trigger: %v\n", err)
			}
		}
	})
}

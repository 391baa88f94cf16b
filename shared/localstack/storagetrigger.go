package localstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// StorageFinalized is the CloudEvent type Eventarc delivers for a Cloud
// Storage object write (create or overwrite).
const StorageFinalized = "google.cloud.storage.object.v1.finalized"

// maxPushAttempts caps the emulator's re-pushes of one message (about one
// a second, no backoff): after this many failed deliveries the message is
// logged and acknowledged.
const maxPushAttempts = 20

// Trigger is the local stand-in for an Eventarc Cloud Storage trigger: it
// receives fake-gcs-server's Pub/Sub notifications through a push
// subscription on the Pub/Sub emulator and POSTs each OBJECT_FINALIZE to
// the target as a binary-mode CloudEvent of type StorageFinalized.
type Trigger struct {
	pubsubAddr   string
	subscription string // projects/<p>/subscriptions/<s>
	bucket       string
	target       string
	client       *http.Client
	log          *syncWriter
	srv          *http.Server
	delivered    atomic.Int64
	dropped      atomic.Int64
	mu           sync.Mutex
	failures     map[string]int
	stopOnce     sync.Once
}

// StartStorageTrigger creates projects/<project>/topics/<topic> on the
// Pub/Sub emulator at pubsubAddr (fine if it exists) and a push
// subscription to it whose endpoint is an HTTP server this function starts
// on a free loopback port. Each pushed OBJECT_FINALIZE notification of
// bucketFilter (any bucket when empty) is POSTed to target, the storage
// function's URL, as the CloudEvent Eventarc would send: ce-id = message
// id, ce-source //storage.googleapis.com/projects/_/buckets/<bucket>,
// ce-subject objects/<name>, body = the object JSON. Other notifications
// are acknowledged and ignored. The push is acknowledged only when the
// target answers 2xx, so the emulator re-pushes failures (about once a
// second) up to 20 times per message; then the message is logged and
// dropped. ctx bounds the set-up only; Stop ends the trigger.
func StartStorageTrigger(ctx context.Context, pubsubAddr, project, topic, bucketFilter, target string, log io.Writer) (*Trigger, error) {
	if log == nil {
		log = io.Discard
	}
	if err := CreateTopic(ctx, pubsubAddr, project, topic); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	t := &Trigger{
		pubsubAddr:   pubsubAddr,
		subscription: "projects/" + project + "/subscriptions/" + topic + "-trigger-" + hex.EncodeToString(suffix),
		bucket:       bucketFilter,
		target:       target,
		// Event-driven functions may run up to 540 s.
		client:   &http.Client{Timeout: 540 * time.Second},
		log:      &syncWriter{w: log},
		failures: map[string]int{},
	}
	t.srv = &http.Server{Handler: t, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := t.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.logf("push server: %v", err)
		}
	}()
	sub := map[string]any{
		"topic":              "projects/" + project + "/topics/" + topic,
		"pushConfig":         map[string]any{"pushEndpoint": "http://" + ln.Addr().String() + "/push"},
		"ackDeadlineSeconds": 600,
	}
	if err := pubsubPut(ctx, pubsubAddr, t.subscription, sub); err != nil {
		_ = t.srv.Close()
		return nil, err
	}
	t.logf("%s -> %s (bucket %q)", t.subscription, target, bucketFilter)
	return t, nil
}

// Delivered is the number of events the target acknowledged with a 2xx.
func (t *Trigger) Delivered() int64 { return t.delivered.Load() }

// Dropped is the number of events given up after 20 failed deliveries.
func (t *Trigger) Dropped() int64 { return t.dropped.Load() }

// Stop deletes the push subscription and stops the push server, waiting
// up to 5 s for deliveries under way.
func (t *Trigger) Stop() {
	if t == nil {
		return
	}
	t.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := pubsubDelete(ctx, t.pubsubAddr, t.subscription); err != nil {
			t.logf("%v", err)
		}
		if err := t.srv.Shutdown(ctx); err != nil {
			_ = t.srv.Close()
		}
	})
}

// pushRequest is the Pub/Sub push body (wrapped format).
type pushRequest struct {
	Subscription string `json:"subscription"`
	Message      struct {
		Data         []byte            `json:"data"` // base64 in JSON
		Attributes   map[string]string `json:"attributes"`
		MessageID    string            `json:"messageId"`
		MessageID2   string            `json:"message_id"`
		PublishTime  string            `json:"publishTime"`
		PublishTime2 string            `json:"publish_time"`
	} `json:"message"`
}

// ServeHTTP receives the emulator's pushes.
func (t *Trigger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError) // re-push
		return
	}
	var m pushRequest
	if err := json.Unmarshal(body, &m); err != nil {
		// A retry cannot fix it: acknowledge.
		t.logf("unreadable push, dropped: %v", err)
		t.dropped.Add(1)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	msg := m.Message
	id := firstNonEmpty(msg.MessageID, msg.MessageID2)
	a := msg.Attributes
	if a["eventType"] != "OBJECT_FINALIZE" || (t.bucket != "" && a["bucketId"] != t.bucket) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	status, err := t.deliver(r.Context(), id, a, firstNonEmpty(msg.PublishTime, msg.PublishTime2), msg.Data)
	if err == nil {
		t.mu.Lock()
		delete(t.failures, id)
		t.mu.Unlock()
		t.delivered.Add(1)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	t.mu.Lock()
	t.failures[id]++
	n := t.failures[id]
	if n >= maxPushAttempts {
		delete(t.failures, id)
	}
	t.mu.Unlock()
	if n >= maxPushAttempts {
		t.logf("event %s (gs://%s/%s) dropped after %d failed deliveries, last: %v", id, a["bucketId"], a["objectId"], n, err)
		t.dropped.Add(1)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	t.logf("event %s (gs://%s/%s) attempt %d failed: %v", id, a["bucketId"], a["objectId"], n, err)
	http.Error(w, fmt.Sprintf("target answered %d", status), http.StatusInternalServerError)
}

// deliver POSTs one binary-mode CloudEvent to the target.
func (t *Trigger) deliver(ctx context.Context, id string, a map[string]string, publishTime string, data []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.target, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("ce-id", id)
	h.Set("ce-specversion", "1.0")
	h.Set("ce-type", StorageFinalized)
	h.Set("ce-source", "//storage.googleapis.com/projects/_/buckets/"+a["bucketId"])
	h.Set("ce-subject", "objects/"+a["objectId"])
	h.Set("ce-time", eventTime(a["eventTime"], publishTime))
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("target answered %d %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return resp.StatusCode, nil
}

// eventTime is the notification's eventTime, else the publish time, else
// now, as RFC 3339 in UTC.
func eventTime(candidates ...string) string {
	for _, s := range candidates {
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return tm.UTC().Format(time.RFC3339Nano)
		}
	}
	return time.Now().UTC().Format(time.RFC3339Nano)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (t *Trigger) logf(format string, args ...any) {
	fmt.Fprintf(t.log, "storage trigger: "+format+"\n", args...)
}

// syncWriter serialises writes of concurrent deliveries.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

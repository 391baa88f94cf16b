package localstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gotEvent is one request the fake storage function received.
type gotEvent struct {
	header http.Header
	body   []byte
	at     time.Time
}

// recorder is a stand-in storage function: it records every request and
// answers with status(n) for the n-th request (1-based), 200 by default.
type recorder struct {
	ch     chan gotEvent
	n      atomic.Int64
	status atomic.Pointer[func(n int64) int]
}

func newRecorder() *recorder { return &recorder{ch: make(chan gotEvent, 100)} }

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	at := time.Now()
	code := http.StatusOK
	if f := rc.status.Load(); f != nil {
		code = (*f)(rc.n.Add(1))
	}
	rc.ch <- gotEvent{header: r.Header.Clone(), body: body, at: at}
	w.WriteHeader(code)
}

func (rc *recorder) next(t *testing.T, within time.Duration) gotEvent {
	t.Helper()
	select {
	case e := <-rc.ch:
		return e
	case <-time.After(within):
		t.Fatalf("no event within %s", within)
		return gotEvent{}
	}
}

func (rc *recorder) none(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case e := <-rc.ch:
		t.Fatalf("unexpected extra event: %v %s", e.header, e.body)
	case <-time.After(within):
	}
}

// logBuffer is a bytes.Buffer safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// needGcloud skips without gcloud, or fails when CRM_REQUIRE_EMULATORS=1
// (the convention of shared/testenv).
func needGcloud(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("gcloud"); err != nil {
		if os.Getenv("CRM_REQUIRE_EMULATORS") == "1" {
			t.Fatal("gcloud is not on PATH but CRM_REQUIRE_EMULATORS=1")
		}
		t.Skip("gcloud not on PATH: the Pub/Sub emulator cannot start")
	}
}

func TestStorageTriggerEndToEnd(t *testing.T) {
	needGcloud(t)
	if testing.Short() {
		t.Skip("starts the Pub/Sub emulator and fake-gcs-server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	logBuf := &logBuffer{}
	log := logBuf
	defer func() {
		if t.Failed() {
			t.Logf("emulator log:\n%s", logBuf.String())
		}
	}()

	const project, topic, bucket = "demo-crm", "gcs-events", "crm-uploads"
	psAddr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	gcsAddr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}

	// Start the emulator while fake-gcs-server builds.
	type built struct {
		bin string
		err error
	}
	bc := make(chan built, 1)
	go func() {
		t0 := time.Now()
		bin, err := BuildGCS(ctx, t.TempDir())
		t.Logf("fake-gcs-server built in %s", time.Since(t0).Round(time.Millisecond))
		bc <- built{bin, err}
	}()
	t0 := time.Now()
	ps, err := StartPubSub(ctx, psAddr, log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		t0 := time.Now()
		ps.Stop()
		t.Logf("pubsub emulator stopped in %s", time.Since(t0).Round(time.Millisecond))
	}()
	t.Logf("pubsub emulator up in %s", time.Since(t0).Round(time.Millisecond))
	b := <-bc
	if b.err != nil {
		t.Fatal(b.err)
	}

	fn := newRecorder()
	target := httptest.NewServer(fn)
	defer target.Close()
	// The trigger creates the topic, which fake-gcs-server needs before
	// its first publish.
	tr, err := StartStorageTrigger(ctx, psAddr, project, topic, bucket, target.URL+"/OnObject", log)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Stop()

	t1 := time.Now()
	gcs, err := StartGCS(ctx, b.bin, gcsAddr, psAddr, project, topic, log)
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Stop()
	t.Logf("fake-gcs-server up in %s", time.Since(t1).Round(time.Millisecond))

	if err := CreateBucket(ctx, gcsAddr, project, bucket); err != nil {
		t.Fatal(err)
	}
	if err := CreateBucket(ctx, gcsAddr, project, bucket); err != nil {
		t.Fatalf("second CreateBucket: %v", err)
	}
	// A bucket the trigger filters out.
	if err := CreateBucket(ctx, gcsAddr, project, "other-bucket"); err != nil {
		t.Fatal(err)
	}
	sc, err := NewStorageClient(ctx, gcsAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()

	const name = "imports/contacts 1.csv"
	upload := func(bkt string, content string) time.Time {
		t.Helper()
		w := sc.Bucket(bkt).Object(name).NewWriter(ctx)
		w.ContentType = "text/csv"
		w.Metadata = map[string]string{"uploader": "test"}
		if _, err := io.WriteString(w, content); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("upload: %v", err)
		}
		return time.Now()
	}
	check := func(e gotEvent, content string) map[string]any {
		t.Helper()
		h := e.header
		want := map[string]string{
			"Ce-Specversion": "1.0",
			"Ce-Type":        "google.cloud.storage.object.v1.finalized",
			"Ce-Source":      "//storage.googleapis.com/projects/_/buckets/" + bucket,
			"Ce-Subject":     "objects/" + name,
			"Content-Type":   "application/json",
		}
		for k, v := range want {
			if got := h.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if h.Get("Ce-Id") == "" {
			t.Error("no ce-id")
		}
		if _, err := time.Parse(time.RFC3339Nano, h.Get("Ce-Time")); err != nil {
			t.Errorf("ce-time %q: %v", h.Get("Ce-Time"), err)
		}
		var obj map[string]any
		if err := json.Unmarshal(e.body, &obj); err != nil {
			t.Fatalf("body %s: %v", e.body, err)
		}
		if obj["name"] != name || obj["bucket"] != bucket {
			t.Errorf("body name/bucket = %v/%v, want %s/%s", obj["name"], obj["bucket"], name, bucket)
		}
		if obj["size"] != strconv.Itoa(len(content)) {
			t.Errorf("size = %#v, want the string %q", obj["size"], strconv.Itoa(len(content)))
		}
		if _, ok := obj["generation"].(string); !ok {
			t.Errorf("generation = %#v, want a string", obj["generation"])
		}
		return obj
	}

	// Outside the filter: nothing arrives.
	upload("other-bucket", "ignored")

	c1 := "name,phone\nAda,+44 20 7946 0000\n"
	w1 := upload(bucket, c1)
	e1 := fn.next(t, 5*time.Second)
	t.Logf("write -> delivery, create: %s", e1.at.Sub(w1).Round(time.Millisecond))
	o1 := check(e1, c1)

	c2 := c1 + "Grace,+1 202 555 0100\n"
	w2 := upload(bucket, c2)
	e2 := fn.next(t, 5*time.Second)
	t.Logf("write -> delivery, overwrite: %s", e2.at.Sub(w2).Round(time.Millisecond))
	o2 := check(e2, c2)
	if e1.header.Get("Ce-Id") == e2.header.Get("Ce-Id") {
		t.Errorf("both events have ce-id %s", e1.header.Get("Ce-Id"))
	}
	if o1["generation"] == o2["generation"] {
		t.Errorf("overwrite kept generation %v", o1["generation"])
	}
	t.Logf("event body: %s", e2.body)

	fn.none(t, 1500*time.Millisecond)
	if n := tr.Delivered(); n != 2 {
		t.Errorf("Delivered() = %d, want 2", n)
	}

	// A failing function gets the same event again, about once a second,
	// until it answers 2xx.
	fn.n.Store(0)
	failTwice := func(n int64) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	}
	fn.status.Store(&failTwice)
	w3 := upload(bucket, "x")
	var ids []string
	for range 3 {
		e := fn.next(t, 5*time.Second)
		check(e, "x")
		ids = append(ids, e.header.Get("Ce-Id"))
	}
	t.Logf("failed twice, then delivered %s after the write", time.Since(w3).Round(time.Millisecond))
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("redeliveries changed ce-id: %v", ids)
	}
	fn.none(t, 1500*time.Millisecond)
	if n := tr.Delivered(); n != 3 {
		t.Errorf("Delivered() = %d, want 3", n)
	}
	if strings.Contains(logBuf.String(), "error publishing event") {
		t.Errorf("fake-gcs-server failed to publish:\n%s", logBuf.String())
	}
}

// pushBody builds a push request as the Pub/Sub emulator sends it.
func pushBody(id string, attrs map[string]string, data string) []byte {
	b, _ := json.Marshal(map[string]any{
		"subscription": "projects/demo/subscriptions/s",
		"message": map[string]any{
			"data":         base64.StdEncoding.EncodeToString([]byte(data)),
			"attributes":   attrs,
			"messageId":    id,
			"message_id":   id,
			"publishTime":  "2026-11-25T10:00:00.123Z",
			"publish_time": "2026-11-25T10:00:00.123Z",
		},
	})
	return b
}

// TestTriggerPushHandling covers the push handler without emulators.
func TestTriggerPushHandling(t *testing.T) {
	var mu sync.Mutex
	var got []gotEvent
	var code atomic.Int64
	code.Store(http.StatusOK)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, gotEvent{header: r.Header.Clone(), body: body})
		mu.Unlock()
		w.WriteHeader(int(code.Load()))
	}))
	defer target.Close()
	var logBuf bytes.Buffer
	tr := &Trigger{bucket: "b1", target: target.URL, client: target.Client(),
		log: &syncWriter{w: &logBuf}, failures: map[string]int{}}

	push := func(body []byte) int {
		rec := httptest.NewRecorder()
		tr.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/push", bytes.NewReader(body)))
		return rec.Code
	}
	fin := func(bucket string) map[string]string {
		return map[string]string{"eventType": "OBJECT_FINALIZE", "bucketId": bucket, "objectId": "a/b.csv",
			"eventTime": "2026-11-25T10:00:00Z", "objectGeneration": "7", "payloadFormat": "JSON_API_V1"}
	}
	data := `{"kind":"storage#object","name":"a/b.csv","bucket":"b1","size":"3"}`

	if c := push(pushBody("1", fin("b1"), data)); c != http.StatusNoContent {
		t.Fatalf("delivered push answered %d", c)
	}
	if len(got) != 1 || string(got[0].body) != data || got[0].header.Get("Ce-Id") != "1" ||
		got[0].header.Get("Ce-Time") != "2026-11-25T10:00:00Z" ||
		got[0].header.Get("Ce-Subject") != "objects/a/b.csv" {
		t.Fatalf("got %+v", got)
	}
	// Other buckets and other event types are acknowledged, not delivered.
	del := fin("b1")
	del["eventType"] = "OBJECT_DELETE"
	for _, b := range [][]byte{pushBody("2", fin("b2"), data), pushBody("3", del, data), []byte("not json")} {
		if c := push(b); c != http.StatusNoContent {
			t.Errorf("ignored push answered %d", c)
		}
	}
	if len(got) != 1 {
		t.Errorf("%d deliveries, want 1", len(got))
	}
	// A failing target: 500 (re-push) 19 times, then acknowledged.
	code.Store(http.StatusBadRequest)
	for i := 1; i < maxPushAttempts; i++ {
		if c := push(pushBody("4", fin("b1"), data)); c != http.StatusInternalServerError {
			t.Fatalf("attempt %d answered %d, want 500", i, c)
		}
	}
	if c := push(pushBody("4", fin("b1"), data)); c != http.StatusNoContent {
		t.Fatalf("attempt %d answered %d, want 204", maxPushAttempts, c)
	}
	if tr.Delivered() != 1 || tr.Dropped() != 2 { // "not json" and "4"
		t.Errorf("Delivered, Dropped = %d, %d; want 1, 2", tr.Delivered(), tr.Dropped())
	}
	if !strings.Contains(logBuf.String(), "dropped after 20 failed deliveries") {
		t.Errorf("log:\n%s", logBuf.String())
	}
}

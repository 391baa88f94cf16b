package gcptasks_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"

	"example.com/crm/shared/gcptasks"
	"example.com/crm/shared/taskemu"
)

const queueName = "projects/demo/locations/us-central1/queues/outcome-emails"

// The queue on the local Cloud Tasks server: a task runs at its time with
// its body, and a second create of the same name is no error and runs
// nothing more.
func TestCreateOnLocalServer(t *testing.T) {
	srv, err := taskemu.Start(taskemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	ctx := context.Background()
	if _, err := srv.CreateQueue(ctx, &cloudtaskspb.CreateQueueRequest{
		Parent: "projects/demo/locations/us-central1", Queue: &cloudtaskspb.Queue{Name: queueName},
	}); err != nil {
		t.Fatal(err)
	}
	type hit struct {
		at   time.Time
		body string
		name string
	}
	var mu sync.Mutex
	var hits []hit
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits = append(hits, hit{time.Now(), string(b), r.Header.Get("X-CloudTasks-TaskName")})
		mu.Unlock()
	}))
	t.Cleanup(target.Close)

	q, err := gcptasks.Open(ctx, queueName, target.URL, "", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	at := time.Now().Add(300 * time.Millisecond)
	for range 3 {
		if err := q.Create(ctx, "outcome-abc", at, []byte(`{"record_id":"r1","session":"call:1"}`)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(hits) != 1 {
		t.Fatalf("%d dispatches, want 1: %+v", len(hits), hits)
	}
	if hits[0].body != `{"record_id":"r1","session":"call:1"}` || hits[0].name != "outcome-abc" {
		t.Errorf("dispatched %+v", hits[0])
	}
	if hits[0].at.Before(at) {
		t.Errorf("ran at %s, before its schedule time %s", hits[0].at, at)
	}
}

func TestOpenChecks(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ name, url, emu string }{
		{"queues/outcome", "https://x.run.app", ""},
		{"projects/p/locations/l/queues/", "https://x.run.app", ""},
		{queueName, "http://x.run.app", ""}, // plain HTTP only to a local server
		{queueName, "ftp://x", "127.0.0.1:1"},
	} {
		if q, err := gcptasks.Open(ctx, c.name, c.url, "", c.emu); err == nil {
			q.Close()
			t.Errorf("Open(%q, %q, emulator %q) accepted", c.name, c.url, c.emu)
		}
	}
}

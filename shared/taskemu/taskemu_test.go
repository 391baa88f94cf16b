package taskemu_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cloudtasks "cloud.google.com/go/cloudtasks/apiv2"
	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"example.com/crm/shared/taskemu"
	"example.com/crm/shared/testenv"
)

const location = "projects/test-project/locations/us-central1"

// hit is one request the target received.
type hit struct {
	at     time.Time
	method string
	header http.Header
	body   []byte
}

// target is an HTTP server that records every request and answers with
// the status answer returns for the n-th request (0-based).
type target struct {
	*httptest.Server
	mu     sync.Mutex
	hits   []hit
	notify chan struct{}
}

func newTarget(t *testing.T, answer func(n int, w http.ResponseWriter)) *target {
	tg := &target{notify: make(chan struct{}, 1000)}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		n := len(tg.hits)
		tg.hits = append(tg.hits, hit{at: at, method: r.Method, header: r.Header.Clone(), body: body})
		tg.mu.Unlock()
		answer(n, w)
		tg.notify <- struct{}{}
	}))
	t.Cleanup(tg.Close)
	return tg
}

func ok(int, http.ResponseWriter) {}

// wait returns once the target has received n requests, or fails the test
// after a generous time.
func (tg *target) wait(t *testing.T, n int) []hit {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		if h := tg.snapshot(); len(h) >= n {
			return h
		}
		select {
		case <-tg.notify:
		case <-timeout:
			t.Fatalf("target got %d requests, want %d", len(tg.snapshot()), n)
		}
	}
}

func (tg *target) snapshot() []hit {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return slices.Clone(tg.hits)
}

// setup starts a server, connects the official client to it exactly as the
// project does, and creates a queue with retry (nil: the defaults).
func setup(t *testing.T, retry *cloudtaskspb.RetryConfig) (*cloudtasks.Client, string, *testenv.Logs) {
	t.Helper()
	logs := &testenv.Logs{}
	srv, err := taskemu.Start(taskemu.Options{Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	ctx := context.Background()
	client, err := cloudtasks.NewClient(ctx,
		option.WithEndpoint(srv.Addr()),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	queue := location + "/queues/outcome-emails"
	q, err := client.CreateQueue(ctx, &cloudtaskspb.CreateQueueRequest{
		Parent: location,
		Queue:  &cloudtaskspb.Queue{Name: queue, RetryConfig: retry},
	})
	if err != nil {
		t.Fatal(err)
	}
	if q.GetName() != queue {
		t.Fatalf("queue name %q", q.GetName())
	}
	return client, queue, logs
}

func fastRetry(maxAttempts int32) *cloudtaskspb.RetryConfig {
	return &cloudtaskspb.RetryConfig{
		MaxAttempts:  maxAttempts,
		MinBackoff:   durationpb.New(100 * time.Millisecond),
		MaxBackoff:   durationpb.New(400 * time.Millisecond),
		MaxDoublings: 2,
	}
}

func httpTask(name, url string) *cloudtaskspb.Task {
	return &cloudtaskspb.Task{
		Name: name,
		MessageType: &cloudtaskspb.Task_HttpRequest{HttpRequest: &cloudtaskspb.HttpRequest{
			Url: url,
		}},
	}
}

func code(err error) codes.Code { return status.Code(err) }

func TestScheduledTaskIsDispatchedNotBeforeItsTimeWithHeadersAndBody(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, nil)
	tg := newTarget(t, ok)
	body := []byte("{\"session\":\"call-1418\"}\x00\xff binary too")
	when := time.Now().Add(300 * time.Millisecond)
	task := &cloudtaskspb.Task{
		Name:         queue + "/tasks/call-1418-outcome",
		ScheduleTime: timestamppb.New(when),
		MessageType: &cloudtaskspb.Task_HttpRequest{HttpRequest: &cloudtaskspb.HttpRequest{
			Url:        tg.URL + "/send?x=1",
			HttpMethod: cloudtaskspb.HttpMethod_PUT,
			Headers:    map[string]string{"Content-Type": "application/json", "X-Custom": "a, b", "User-Agent": "ignored"},
			Body:       body,
			AuthorizationHeader: &cloudtaskspb.HttpRequest_OidcToken{OidcToken: &cloudtaskspb.OidcToken{
				ServiceAccountEmail: "tasks@test-project.iam.gserviceaccount.com",
			}},
		}},
	}
	created, err := client.CreateTask(context.Background(), &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: task})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetName() != task.Name || created.GetHttpRequest().GetBody() != nil || created.GetView() != cloudtaskspb.Task_BASIC {
		t.Errorf("created = %v, want the name, BASIC view without body", created)
	}
	if got, err := client.GetTask(context.Background(), &cloudtaskspb.GetTaskRequest{Name: task.Name, ResponseView: cloudtaskspb.Task_FULL}); err != nil {
		t.Errorf("GetTask before dispatch: %v", err)
	} else if !bytes.Equal(got.GetHttpRequest().GetBody(), body) || got.GetDispatchCount() != 0 {
		t.Errorf("GetTask FULL = %v", got)
	}

	h := tg.wait(t, 1)[0]
	late := h.at.Sub(when)
	t.Logf("dispatched %v after the schedule time", late)
	if late < 0 {
		t.Errorf("dispatched %v before the schedule time", -late)
	}
	if h.method != http.MethodPut || !bytes.Equal(h.body, body) {
		t.Errorf("method %s body %q", h.method, h.body)
	}
	want := map[string]string{
		"Content-Type":                    "application/json",
		"X-Custom":                        "a, b",
		"User-Agent":                      "Google-Cloud-Tasks",
		"X-Cloudtasks-Taskname":           "call-1418-outcome",
		"X-Cloudtasks-Queuename":          "outcome-emails",
		"X-Cloudtasks-Taskretrycount":     "0",
		"X-Cloudtasks-Taskexecutioncount": "0",
		"Authorization":                   "", // no token is sent locally
	}
	for k, v := range want {
		if got := h.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	eta, err := strconv.ParseFloat(h.header.Get("X-CloudTasks-TaskETA"), 64)
	if err != nil || time.Duration((eta-float64(when.UnixMicro())/1e6)*1e9).Abs() > time.Millisecond {
		t.Errorf("X-CloudTasks-TaskETA = %q, want %d.%06d", h.header.Get("X-CloudTasks-TaskETA"), when.Unix(), when.Nanosecond()/1000)
	}
}

// TestDelayAccuracy measures how late 50 tasks are dispatched after their
// schedule times (logged; only "never early" is asserted).
func TestDelayAccuracy(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, nil)
	tg := newTarget(t, ok)
	const n = 50
	whens := map[string]time.Time{}
	start := time.Now()
	for i := range n {
		name := queue + "/tasks/t" + strconv.Itoa(i)
		when := start.Add(200*time.Millisecond + time.Duration(i)*10*time.Millisecond)
		whens["t"+strconv.Itoa(i)] = when
		task := httpTask(name, tg.URL)
		task.ScheduleTime = timestamppb.New(when)
		if _, err := client.CreateTask(context.Background(), &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: task}); err != nil {
			t.Fatal(err)
		}
	}
	if created := time.Since(start); created > 150*time.Millisecond {
		t.Logf("creating %d tasks took %v (some were due before they were created)", n, created)
	}
	var late []time.Duration
	for _, h := range tg.wait(t, n) {
		d := h.at.Sub(whens[h.header.Get("X-CloudTasks-TaskName")])
		if d < 0 {
			t.Errorf("task %s dispatched %v early", h.header.Get("X-CloudTasks-TaskName"), -d)
		}
		late = append(late, d)
	}
	slices.Sort(late)
	t.Logf("lateness over %d tasks: min %v, p50 %v, p90 %v, max %v", n, late[0], late[n/2], late[n*9/10], late[n-1])
}

func TestTaskNames(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, nil)
	tg := newTarget(t, ok)
	ctx := context.Background()
	name := queue + "/tasks/session-42"
	if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(name, tg.URL)}); err != nil {
		t.Fatal(err)
	}
	// Whether still pending or already done, the name is taken.
	if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(name, tg.URL)}); code(err) != codes.AlreadyExists {
		t.Errorf("second create with the same name: %v, want AlreadyExists", err)
	}
	tg.wait(t, 1)
	waitGone(t, client, name)
	if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(name, tg.URL)}); code(err) != codes.AlreadyExists {
		t.Errorf("create with the name of a task that ran: %v, want AlreadyExists", err)
	}

	// Generated names: distinct, in the queue.
	a, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask("", tg.URL)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask("", tg.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if a.GetName() == b.GetName() || !strings.HasPrefix(a.GetName(), queue+"/tasks/") || !strings.HasPrefix(b.GetName(), queue+"/tasks/") {
		t.Errorf("generated names %q, %q", a.GetName(), b.GetName())
	}
	tg.wait(t, 3)

	for _, bad := range []string{queue + "/tasks/with space", location + "/queues/other/tasks/x", "x"} {
		if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(bad, tg.URL)}); code(err) != codes.InvalidArgument {
			t.Errorf("name %q: %v, want InvalidArgument", bad, err)
		}
	}
}

// waitGone waits until GetTask answers NotFound.
func waitGone(t *testing.T, client *cloudtasks.Client, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := client.GetTask(context.Background(), &cloudtaskspb.GetTaskRequest{Name: name})
		if code(err) == codes.NotFound {
			return
		}
		if err != nil {
			t.Fatalf("GetTask %s: %v", name, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still exists", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRetriesWithBackoffUntil2xx(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, fastRetry(10))
	tg := newTarget(t, func(n int, w http.ResponseWriter) {
		if n < 2 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	name := queue + "/tasks/flaky"
	task := httpTask(name, tg.URL)
	task.GetHttpRequest().Body = []byte("same body every time")
	if _, err := client.CreateTask(context.Background(), &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: task}); err != nil {
		t.Fatal(err)
	}
	hits := tg.wait(t, 3)
	waitGone(t, client, name)
	time.Sleep(time.Second) // more than max_backoff: a fourth attempt would have come
	if got := len(tg.snapshot()); got != 3 {
		t.Fatalf("%d dispatches, want 3", got)
	}
	for i, h := range hits {
		if got := h.header.Get("X-CloudTasks-TaskRetryCount"); got != strconv.Itoa(i) {
			t.Errorf("attempt %d: retry count %q", i, got)
		}
		if string(h.body) != "same body every time" {
			t.Errorf("attempt %d: body %q", i, h.body)
		}
		// 5xx answers do not count as executions.
		if got := h.header.Get("X-CloudTasks-TaskExecutionCount"); got != "0" {
			t.Errorf("attempt %d: execution count %q", i, got)
		}
		if i > 0 && h.header.Get("X-CloudTasks-TaskPreviousResponse") != "500" {
			t.Errorf("attempt %d: previous response %q", i, h.header.Get("X-CloudTasks-TaskPreviousResponse"))
		}
	}
	gap1, gap2 := hits[1].at.Sub(hits[0].at), hits[2].at.Sub(hits[1].at)
	t.Logf("back-off observed: %v then %v (configured 100ms, doubling)", gap1, gap2)
	if gap1 < 100*time.Millisecond || gap2 < 200*time.Millisecond {
		t.Errorf("gaps %v, %v: want at least 100ms then 200ms", gap1, gap2)
	}
}

func TestConnectionErrorIsRetried(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, fastRetry(10))
	tg := newTarget(t, func(n int, w http.ResponseWriter) {
		if n == 0 { // drop the connection without an answer
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}
	})
	if _, err := client.CreateTask(context.Background(), &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(queue+"/tasks/c", tg.URL)}); err != nil {
		t.Fatal(err)
	}
	hits := tg.wait(t, 2)
	if got := hits[1].header.Get("X-CloudTasks-TaskRetryCount"); got != "1" {
		t.Errorf("retry count %q", got)
	}
	if got := hits[1].header.Get("X-CloudTasks-TaskPreviousResponse"); got != "0" {
		t.Errorf("previous response %q, want 0 (no answer)", got)
	}
	waitGone(t, client, queue+"/tasks/c")
}

func TestMaxAttemptsStopsAndDeletesTheTask(t *testing.T) {
	t.Parallel()
	client, queue, logs := setup(t, fastRetry(3))
	tg := newTarget(t, func(n int, w http.ResponseWriter) {
		w.WriteHeader(http.StatusBadRequest)
	})
	name := queue + "/tasks/hopeless"
	if _, err := client.CreateTask(context.Background(), &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(name, tg.URL)}); err != nil {
		t.Fatal(err)
	}
	hits := tg.wait(t, 3)
	waitGone(t, client, name)
	time.Sleep(time.Second) // more than max_backoff
	if got := len(tg.snapshot()); got != 3 {
		t.Fatalf("%d dispatches, want 3 (max_attempts)", got)
	}
	// 4xx answers count as executions.
	for i, h := range hits {
		if got := h.header.Get("X-CloudTasks-TaskExecutionCount"); got != strconv.Itoa(i) {
			t.Errorf("attempt %d: execution count %q", i, got)
		}
	}
	if !strings.Contains(logs.String(), "task "+name+" stopped after 3 attempts") {
		t.Errorf("log %q does not say the task stopped", logs.String())
	}
	if _, err := client.CreateTask(context.Background(), &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(name, tg.URL)}); code(err) != codes.AlreadyExists {
		t.Errorf("create with the name of a stopped task: %v, want AlreadyExists", err)
	}
}

func TestTaskRetryConfigOverridesTheQueue(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, fastRetry(10))
	tg := newTarget(t, func(n int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) })
	name := queue + "/tasks/once"
	task := httpTask(name, tg.URL)
	task.RetryConfig = &cloudtaskspb.RetryConfig{MaxAttempts: 1}
	if _, err := client.CreateTask(context.Background(), &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: task}); err != nil {
		t.Fatal(err)
	}
	tg.wait(t, 1)
	waitGone(t, client, name)
	if got := len(tg.snapshot()); got != 1 {
		t.Errorf("%d dispatches, want 1", got)
	}
}

func TestDeleteTaskCancelsAScheduledTask(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, nil)
	tg := newTarget(t, ok)
	ctx := context.Background()
	name := queue + "/tasks/cancelled"
	when := time.Now().Add(5 * time.Second) // a wide margin: the delete must come first
	task := httpTask(name, tg.URL)
	task.ScheduleTime = timestamppb.New(when)
	if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: task}); err != nil {
		t.Fatal(err)
	}
	if err := client.DeleteTask(ctx, &cloudtaskspb.DeleteTaskRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	if time.Now().After(when) {
		t.Fatalf("creating and deleting a task took over 5 s: the test cannot tell a cancelled task from a late one")
	}
	// A control task scheduled after the deleted one proves time has passed.
	control := httpTask(queue+"/tasks/control", tg.URL)
	control.ScheduleTime = timestamppb.New(when.Add(300 * time.Millisecond))
	if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: control}); err != nil {
		t.Fatal(err)
	}
	hits := tg.wait(t, 1)
	time.Sleep(200 * time.Millisecond)
	if hits = tg.snapshot(); len(hits) != 1 || hits[0].header.Get("X-CloudTasks-TaskName") != "control" {
		t.Errorf("dispatched %d tasks, want only the control task", len(hits))
	}
	if _, err := client.GetTask(ctx, &cloudtaskspb.GetTaskRequest{Name: name}); code(err) != codes.NotFound {
		t.Errorf("GetTask of a deleted task: %v, want NotFound", err)
	}
	if err := client.DeleteTask(ctx, &cloudtaskspb.DeleteTaskRequest{Name: name}); code(err) != codes.NotFound {
		t.Errorf("second delete: %v, want NotFound", err)
	}
	if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(name, tg.URL)}); code(err) != codes.AlreadyExists {
		t.Errorf("create with the name of a deleted task: %v, want AlreadyExists", err)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, nil)
	ctx := context.Background()
	getWithBody := httpTask("", "http://127.0.0.1:1/")
	getWithBody.GetHttpRequest().HttpMethod = cloudtaskspb.HttpMethod_GET
	getWithBody.GetHttpRequest().Body = []byte("x")
	farFuture := httpTask("", "http://127.0.0.1:1/")
	farFuture.ScheduleTime = timestamppb.New(time.Now().Add(31 * 24 * time.Hour))
	appEngine := &cloudtaskspb.Task{MessageType: &cloudtaskspb.Task_AppEngineHttpRequest{AppEngineHttpRequest: &cloudtaskspb.AppEngineHttpRequest{RelativeUri: "/"}}}
	for _, c := range []struct {
		name   string
		parent string
		task   *cloudtaskspb.Task
		want   codes.Code
	}{
		{"missing queue", location + "/queues/nope", httpTask("", "http://127.0.0.1:1/"), codes.NotFound},
		{"no task", queue, nil, codes.InvalidArgument},
		{"not http", queue, httpTask("", "ftp://x/"), codes.InvalidArgument},
		{"body with GET", queue, getWithBody, codes.InvalidArgument},
		{"31 days ahead", queue, farFuture, codes.InvalidArgument},
		{"App Engine task", queue, appEngine, codes.Unimplemented},
	} {
		if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: c.parent, Task: c.task}); code(err) != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := client.CreateQueue(ctx, &cloudtaskspb.CreateQueueRequest{Parent: location, Queue: &cloudtaskspb.Queue{Name: queue}}); code(err) != codes.AlreadyExists {
		t.Errorf("second CreateQueue: %v, want AlreadyExists", err)
	}
	if _, err := client.GetQueue(ctx, &cloudtaskspb.GetQueueRequest{Name: location + "/queues/nope"}); code(err) != codes.NotFound {
		t.Errorf("GetQueue of a missing queue: %v, want NotFound", err)
	}
	if _, err := client.PauseQueue(ctx, &cloudtaskspb.PauseQueueRequest{Name: queue}); code(err) != codes.Unimplemented {
		t.Errorf("PauseQueue: %v, want Unimplemented", err)
	}
	it := client.ListQueues(ctx, &cloudtaskspb.ListQueuesRequest{Parent: location})
	if _, err := it.Next(); code(err) != codes.Unimplemented {
		t.Errorf("ListQueues: %v, want Unimplemented", err)
	}
}

func TestQueueDefaultsAreTheClouds(t *testing.T) {
	t.Parallel()
	client, queue, _ := setup(t, nil)
	q, err := client.GetQueue(context.Background(), &cloudtaskspb.GetQueueRequest{Name: queue})
	if err != nil {
		t.Fatal(err)
	}
	rc := q.GetRetryConfig()
	if rc.GetMaxAttempts() != 100 || rc.GetMinBackoff().AsDuration() != 100*time.Millisecond ||
		rc.GetMaxBackoff().AsDuration() != time.Hour || rc.GetMaxDoublings() != 16 || rc.GetMaxRetryDuration().AsDuration() != 0 {
		t.Errorf("default retry config %v", rc)
	}
}

func TestBackoff(t *testing.T) {
	rc := &cloudtaskspb.RetryConfig{MinBackoff: durationpb.New(10 * time.Second), MaxBackoff: durationpb.New(300 * time.Second), MaxDoublings: 3}
	var got []time.Duration
	for n := range 8 {
		got = append(got, taskemu.Backoff(rc, n)/time.Second)
	}
	// The example of the RetryConfig documentation.
	if want := []time.Duration{10, 20, 40, 80, 160, 240, 300, 300}; !slices.Equal(got, want) {
		t.Errorf("Backoff = %v, want %v", got, want)
	}
	huge := &cloudtaskspb.RetryConfig{MinBackoff: durationpb.New(time.Second), MaxBackoff: durationpb.New(time.Hour), MaxDoublings: 16}
	if got := taskemu.Backoff(huge, 500); got != time.Hour {
		t.Errorf("Backoff after many retries = %v, want the cap", got)
	}
}

// A task waiting for its retry shows its attempts through GetTask, and
// deleting it then cancels the retry.
func TestGetTaskShowsAttemptsAndDeleteCancelsARetry(t *testing.T) {
	t.Parallel()
	retry := fastRetry(5)
	retry.MinBackoff, retry.MaxBackoff = durationpb.New(time.Second), durationpb.New(time.Second)
	client, queue, _ := setup(t, retry)
	tg := newTarget(t, func(n int, w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) })
	ctx := context.Background()
	name := queue + "/tasks/waiting"
	if _, err := client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: queue, Task: httpTask(name, tg.URL)}); err != nil {
		t.Fatal(err)
	}
	first := tg.wait(t, 1)[0]
	var got *cloudtaskspb.Task
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if got, err = client.GetTask(ctx, &cloudtaskspb.GetTaskRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
		if got.GetResponseCount() == 1 || time.Now().After(deadline) {
			break
		}
	}
	if got.GetDispatchCount() != 1 || got.GetResponseCount() != 1 || got.GetFirstAttempt().GetDispatchTime() == nil ||
		got.GetLastAttempt().GetResponseStatus().GetCode() == 0 || !strings.Contains(got.GetLastAttempt().GetResponseStatus().GetMessage(), "502") {
		t.Errorf("task after one failed attempt: %v", got)
	}
	if next := got.GetScheduleTime().AsTime(); next.Sub(first.at) < 900*time.Millisecond {
		t.Errorf("next attempt at %v, only %v after the first", next, next.Sub(first.at))
	}
	if err := client.DeleteTask(ctx, &cloudtaskspb.DeleteTaskRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // past the retry time
	if n := len(tg.snapshot()); n != 1 {
		t.Errorf("%d dispatches after the delete, want 1", n)
	}
}

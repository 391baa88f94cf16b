// Package taskemu is a local Cloud Tasks server for local runs and tests:
// Google ships no Cloud Tasks emulator. It serves the part of the Cloud
// Tasks v2 gRPC API the project uses, on the official generated server
// interface, so the project talks to it through the official client with
// only the endpoint changed:
//
//	cloudtasks.NewClient(ctx, option.WithEndpoint(addr),
//		option.WithoutAuthentication(),
//		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
//
// Implemented: CreateQueue, GetQueue, CreateTask, GetTask, DeleteTask.
// Every other method answers codes.Unimplemented. State lives in memory.
//
// Semantics kept from the cloud:
//   - A task is dispatched not before its schedule_time (now when unset or
//     past; more than 30 days ahead is INVALID_ARGUMENT).
//   - Task names: given (parent + "/tasks/" + id of letters, digits, '-'
//     and '_') or generated. A name in use, or used by a task that
//     finished, stopped or was deleted less than Options.NameReservation
//     ago (default 1 hour, as in the cloud), is ALREADY_EXISTS.
//   - HTTP tasks are sent with their method (default POST), URL, headers
//     and body, with User-Agent "Google-Cloud-Tasks" and the headers Cloud
//     Tasks sets: X-CloudTasks-QueueName, X-CloudTasks-TaskName (the short
//     names), X-CloudTasks-TaskRetryCount (0 on the first attempt),
//     X-CloudTasks-TaskExecutionCount (earlier attempts answered with a
//     status below 500), X-CloudTasks-TaskETA (schedule time, seconds since
//     the epoch), and from the second attempt X-CloudTasks-TaskPreviousResponse
//     (the previous status, 0 when there was none) and
//     X-CloudTasks-TaskRetryReason. Host, Content-Length, User-Agent,
//     X-Google-*, X-AppEngine-* and X-CloudTasks-* given in the task are
//     ignored, as in the cloud.
//   - A 2xx answer ends the task. Anything else (another status, a
//     connection error, no answer within dispatch_deadline, default 10
//     minutes) is retried after the back-off of the task's retry_config,
//     else its queue's: min_backoff doubled max_doublings times, then
//     growing linearly by that step, capped at max_backoff. Retries stop
//     when max_attempts (-1: unlimited) and max_retry_duration (0:
//     unlimited, from the first attempt) are both reached. Unset fields
//     (zero values) take the cloud's defaults: 100 attempts, 0.1 s to
//     3600 s, 16 doublings, no duration limit.
//   - A task that succeeds or stops after its last attempt is deleted, as
//     in the cloud: GetTask answers NOT_FOUND and its name stays reserved.
//     A stop is logged ("stopped after N attempts").
//   - DeleteTask cancels a task: no attempt starts after it (an attempt
//     already in flight finishes, and is not retried).
//   - OIDC and OAuth token settings are accepted and kept, but no token is
//     sent: locally the request carries no Authorization header unless the
//     task's own headers have one.
//
// Not implemented: App Engine tasks, queue-level http_target, rate limits
// (returned with the cloud's defaults, not enforced), queue states (pause,
// resume, purge), list, update and delete of queues, ListTasks, RunTask,
// IAM, locations, Retry-After and the extra back-off the cloud applies on
// 429/503, and persistence across restarts.
package taskemu

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The cloud's defaults and limits.
const (
	DefaultMaxAttempts      = 100
	DefaultMinBackoff       = 100 * time.Millisecond
	DefaultMaxBackoff       = time.Hour
	DefaultMaxDoublings     = 16
	DefaultDispatchDeadline = 10 * time.Minute
	DefaultNameReservation  = time.Hour
	maxScheduleAhead        = 30 * 24 * time.Hour
	minDispatchDeadline     = 15 * time.Second
	maxDispatchDeadline     = 30 * time.Minute
	maxURLLength            = 2083
)

var (
	locationRe = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+$`)
	queueIDRe  = regexp.MustCompile(`^[A-Za-z0-9-]{1,100}$`)
	taskIDRe   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,500}$`)
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Addr to listen on; default "127.0.0.1:0" (a free loopback port).
	Addr string
	// NameReservation is how long the name of a finished, stopped or
	// deleted task cannot be reused; default DefaultNameReservation.
	NameReservation time.Duration
	// Log receives one line per stopped task and per failed attempt;
	// default io.Discard.
	Log io.Writer
}

// Server is a running local Cloud Tasks server.
type Server struct {
	cloudtaskspb.UnimplementedCloudTasksServer

	reservation time.Duration
	log         *log.Logger
	client      *http.Client
	ln          net.Listener
	grpc        *grpc.Server
	done        chan struct{}
	stopOnce    sync.Once
	wg          sync.WaitGroup

	mu       sync.Mutex
	queues   map[string]*cloudtaskspb.Queue
	tasks    map[string]*task
	reserved map[string]time.Time // task name -> reserved until
}

type task struct {
	pb     *cloudtaskspb.Task // guarded by Server.mu
	retry  *cloudtaskspb.RetryConfig
	cancel chan struct{}
	// previous attempt, for the headers of the next one
	prevStatus int
	prevReason string
	executions int
	firstTry   time.Time
}

// Start listens on opts.Addr and serves until Stop.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.NameReservation <= 0 {
		opts.NameReservation = DefaultNameReservation
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("cloud tasks server: %w", err)
	}
	s := &Server{
		reservation: opts.NameReservation,
		log:         log.New(opts.Log, "cloudtasks: ", log.LstdFlags|log.Lmicroseconds),
		// No redirects followed beyond net/http's default; the deadline is per attempt.
		client:   &http.Client{},
		ln:       ln,
		grpc:     grpc.NewServer(),
		done:     make(chan struct{}),
		queues:   map[string]*cloudtaskspb.Queue{},
		tasks:    map[string]*task{},
		reserved: map[string]time.Time{},
	}
	cloudtaskspb.RegisterCloudTasksServer(s.grpc, s)
	go func() { _ = s.grpc.Serve(ln) }()
	return s, nil
}

// Addr is the host:port the server listens on (for option.WithEndpoint).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stop ends the server: no further attempts start, attempts in flight are
// cancelled.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		close(s.done)
		s.grpc.Stop()
		s.wg.Wait()
	})
}

// CreateQueue creates a queue, filling unset retry settings with the
// cloud's defaults.
func (s *Server) CreateQueue(_ context.Context, req *cloudtaskspb.CreateQueueRequest) (*cloudtaskspb.Queue, error) {
	if !locationRe.MatchString(req.GetParent()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q is not projects/PROJECT/locations/LOCATION", req.GetParent())
	}
	q := req.GetQueue()
	if q == nil {
		return nil, status.Error(codes.InvalidArgument, "queue is required")
	}
	id, ok := strings.CutPrefix(q.GetName(), req.GetParent()+"/queues/")
	if !ok || !queueIDRe.MatchString(id) {
		return nil, status.Errorf(codes.InvalidArgument, "queue name %q is not %s/queues/QUEUE_ID", q.GetName(), req.GetParent())
	}
	if q.GetHttpTarget() != nil || q.GetAppEngineRoutingOverride() != nil {
		return nil, status.Error(codes.Unimplemented, "queue-level http_target and app_engine_routing_override are not supported by the local Cloud Tasks server")
	}
	retry, err := normalizeRetry(q.GetRetryConfig())
	if err != nil {
		return nil, err
	}
	stored := &cloudtaskspb.Queue{
		Name:        q.GetName(),
		RetryConfig: retry,
		RateLimits: &cloudtaskspb.RateLimits{
			MaxDispatchesPerSecond:  500,
			MaxBurstSize:            100,
			MaxConcurrentDispatches: 1000,
		},
		State: cloudtaskspb.Queue_RUNNING,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.queues[stored.Name]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "queue %s already exists", stored.Name)
	}
	s.queues[stored.Name] = stored
	return proto.Clone(stored).(*cloudtaskspb.Queue), nil
}

// GetQueue returns a queue.
func (s *Server) GetQueue(_ context.Context, req *cloudtaskspb.GetQueueRequest) (*cloudtaskspb.Queue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queues[req.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "queue %s does not exist", req.GetName())
	}
	return proto.Clone(q).(*cloudtaskspb.Queue), nil
}

// CreateTask adds an HTTP task to an existing queue.
func (s *Server) CreateTask(_ context.Context, req *cloudtaskspb.CreateTaskRequest) (*cloudtaskspb.Task, error) {
	in := req.GetTask()
	if in == nil {
		return nil, status.Error(codes.InvalidArgument, "task is required")
	}
	hr := in.GetHttpRequest()
	if hr == nil {
		return nil, status.Error(codes.Unimplemented, "only HTTP tasks (http_request) are supported by the local Cloud Tasks server")
	}
	if err := checkHTTPRequest(hr); err != nil {
		return nil, err
	}
	now := time.Now()
	t := proto.Clone(in).(*cloudtaskspb.Task)
	t.GetHttpRequest().HttpMethod = methodOf(hr)
	switch sched := in.GetScheduleTime(); {
	case sched == nil || sched.AsTime().Before(now):
		t.ScheduleTime = timestamppb.New(now)
	case sched.AsTime().After(now.Add(maxScheduleAhead)):
		return nil, status.Error(codes.InvalidArgument, "schedule_time is more than 30 days ahead")
	}
	switch d := in.GetDispatchDeadline(); {
	case d == nil:
		t.DispatchDeadline = durationpb.New(DefaultDispatchDeadline)
	case d.AsDuration() < minDispatchDeadline || d.AsDuration() > maxDispatchDeadline:
		return nil, status.Error(codes.InvalidArgument, "dispatch_deadline must be between 15s and 30m")
	}
	if in.GetRetryConfig() != nil {
		rc, err := normalizeRetry(in.GetRetryConfig())
		if err != nil {
			return nil, err
		}
		t.RetryConfig = rc
	}
	t.CreateTime = timestamppb.New(now.Truncate(time.Second))
	t.DispatchCount, t.ResponseCount = 0, 0
	t.FirstAttempt, t.LastAttempt = nil, nil

	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queues[req.GetParent()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "queue %s does not exist", req.GetParent())
	}
	if t.Name == "" {
		t.Name = req.GetParent() + "/tasks/" + newTaskID()
	} else if id, ok := strings.CutPrefix(t.Name, req.GetParent()+"/tasks/"); !ok || !taskIDRe.MatchString(id) {
		return nil, status.Errorf(codes.InvalidArgument, "task name %q is not %s/tasks/TASK_ID (letters, digits, '-', '_')", t.Name, req.GetParent())
	}
	if _, ok := s.tasks[t.Name]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "task %s already exists", t.Name)
	}
	if until, ok := s.reserved[t.Name]; ok {
		if now.Before(until) {
			return nil, status.Errorf(codes.AlreadyExists, "task %s already exists (the name of a finished or deleted task stays reserved until %s)", t.Name, until.UTC().Format(time.RFC3339))
		}
		delete(s.reserved, t.Name)
	}
	retry := t.GetRetryConfig()
	if retry == nil {
		retry = q.GetRetryConfig()
	}
	tk := &task{pb: t, retry: retry, cancel: make(chan struct{})}
	s.tasks[t.Name] = tk
	s.wg.Add(1)
	go s.run(tk)
	return view(t, req.GetResponseView()), nil
}

// GetTask returns a task that is still scheduled or being retried.
func (s *Server) GetTask(_ context.Context, req *cloudtaskspb.GetTaskRequest) (*cloudtaskspb.Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[req.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "task %s does not exist", req.GetName())
	}
	return view(t.pb, req.GetResponseView()), nil
}

// DeleteTask cancels a task and reserves its name.
func (s *Server) DeleteTask(_ context.Context, req *cloudtaskspb.DeleteTaskRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[req.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "task %s does not exist", req.GetName())
	}
	s.removeLocked(t, time.Now())
	return &emptypb.Empty{}, nil
}

// removeLocked forgets a task, stops its dispatcher and reserves its name.
func (s *Server) removeLocked(t *task, now time.Time) {
	delete(s.tasks, t.pb.Name)
	close(t.cancel)
	s.reserved[t.pb.Name] = now.Add(s.reservation)
}

// run dispatches one task until it succeeds, stops or is deleted.
func (s *Server) run(t *task) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		when := t.pb.ScheduleTime.AsTime()
		s.mu.Unlock()
		timer := time.NewTimer(time.Until(when))
		select {
		case <-timer.C:
		case <-t.cancel:
			timer.Stop()
			return
		case <-s.done:
			timer.Stop()
			return
		}

		s.mu.Lock()
		select {
		case <-t.cancel: // deleted while the timer fired
			s.mu.Unlock()
			return
		default:
		}
		start := time.Now()
		if t.firstTry.IsZero() {
			t.firstTry = start
			t.pb.FirstAttempt = &cloudtaskspb.Attempt{DispatchTime: timestamppb.New(start)}
		}
		req, deadline, err := s.requestLocked(t)
		t.pb.DispatchCount++
		s.mu.Unlock()

		code, reason := 0, ""
		if err == nil {
			code, err = s.send(req, deadline)
		}
		end := time.Now()
		ok := err == nil && code >= 200 && code < 300
		switch {
		case err != nil:
			reason = err.Error()
		case !ok:
			reason = fmt.Sprintf("HTTP %d", code)
		}

		s.mu.Lock()
		attempt := &cloudtaskspb.Attempt{
			ScheduleTime:   proto.Clone(t.pb.ScheduleTime).(*timestamppb.Timestamp),
			DispatchTime:   timestamppb.New(start),
			ResponseTime:   timestamppb.New(end),
			ResponseStatus: attemptStatus(code, err),
		}
		t.pb.LastAttempt = attempt
		if code != 0 {
			t.pb.ResponseCount++
			if code < 500 {
				t.executions++
			}
		}
		t.prevStatus, t.prevReason = code, reason
		select {
		case <-t.cancel: // deleted during the attempt: no retry
			s.mu.Unlock()
			return
		default:
		}
		if ok {
			s.removeLocked(t, end)
			s.mu.Unlock()
			return
		}
		attempts := int(t.pb.DispatchCount)
		if exhausted(t.retry, attempts, end.Sub(t.firstTry)) {
			s.log.Printf("task %s stopped after %d attempts (last: %s)", t.pb.Name, attempts, reason)
			s.removeLocked(t, end)
			s.mu.Unlock()
			return
		}
		wait := Backoff(t.retry, attempts-1)
		s.log.Printf("task %s attempt %d failed (%s); retry in %s", t.pb.Name, attempts, reason, wait)
		t.pb.ScheduleTime = timestamppb.New(end.Add(wait))
		s.mu.Unlock()
	}
}

// requestLocked builds the HTTP request of the task's next attempt.
func (s *Server) requestLocked(t *task) (*http.Request, time.Duration, error) {
	hr := t.pb.GetHttpRequest()
	var body io.Reader
	if len(hr.GetBody()) > 0 {
		body = strings.NewReader(string(hr.GetBody()))
	}
	req, err := http.NewRequest(hr.GetHttpMethod().String(), hr.GetUrl(), body)
	if err != nil {
		return nil, 0, err
	}
	for k, v := range hr.GetHeaders() {
		if ignoredHeader(k) {
			continue
		}
		req.Header.Set(k, v)
	}
	queue := t.pb.Name[:strings.Index(t.pb.Name, "/tasks/")]
	req.Header.Set("User-Agent", "Google-Cloud-Tasks")
	req.Header.Set("X-CloudTasks-QueueName", queue[strings.LastIndex(queue, "/")+1:])
	req.Header.Set("X-CloudTasks-TaskName", t.pb.Name[strings.LastIndex(t.pb.Name, "/")+1:])
	req.Header.Set("X-CloudTasks-TaskRetryCount", strconv.Itoa(int(t.pb.DispatchCount)))
	req.Header.Set("X-CloudTasks-TaskExecutionCount", strconv.Itoa(t.executions))
	eta := t.pb.ScheduleTime.AsTime()
	req.Header.Set("X-CloudTasks-TaskETA", strconv.FormatFloat(float64(eta.UnixMicro())/1e6, 'f', 6, 64))
	if t.pb.DispatchCount > 0 {
		req.Header.Set("X-CloudTasks-TaskPreviousResponse", strconv.Itoa(t.prevStatus))
		req.Header.Set("X-CloudTasks-TaskRetryReason", t.prevReason)
	}
	return req, t.pb.GetDispatchDeadline().AsDuration(), nil
}

// send makes one attempt and returns the status code (0 without an answer).
func (s *Server) send(req *http.Request, deadline time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	resp, err := s.client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Backoff is the wait before retry n (0 for the first retry) under rc,
// a normalized retry config: min_backoff doubled up to max_doublings
// times, then growing linearly by the last step, at most max_backoff.
// With 10s, 300s and 3 doublings: 10, 20, 40, 80, 160, 240, 300, 300, …
func Backoff(rc *cloudtaskspb.RetryConfig, n int) time.Duration {
	minB, maxB := rc.GetMinBackoff().AsDuration(), rc.GetMaxBackoff().AsDuration()
	d := int(rc.GetMaxDoublings())
	var wait time.Duration
	if n <= d {
		if n >= 62 {
			return maxB
		}
		wait = minB << n
	} else {
		if d >= 62 {
			return maxB
		}
		wait = (minB << d) * time.Duration(n-d+1)
	}
	if wait <= 0 || wait > maxB { // overflow or past the cap
		return maxB
	}
	return wait
}

// exhausted reports whether a task that failed attempts times, the first
// one elapsed ago, gets no further attempt.
func exhausted(rc *cloudtaskspb.RetryConfig, attempts int, elapsed time.Duration) bool {
	maxA := int(rc.GetMaxAttempts())
	maxD := rc.GetMaxRetryDuration().AsDuration()
	if maxA < 0 && maxD == 0 {
		return false
	}
	attemptsDone := maxA < 0 || attempts >= maxA
	durationDone := maxD == 0 || elapsed >= maxD
	if maxA < 0 {
		return durationDone
	}
	return attemptsDone && durationDone
}

// normalizeRetry validates rc and fills its unset (zero) fields with the
// cloud's defaults.
func normalizeRetry(rc *cloudtaskspb.RetryConfig) (*cloudtaskspb.RetryConfig, error) {
	out := &cloudtaskspb.RetryConfig{
		MaxAttempts:      DefaultMaxAttempts,
		MaxRetryDuration: durationpb.New(0),
		MinBackoff:       durationpb.New(DefaultMinBackoff),
		MaxBackoff:       durationpb.New(DefaultMaxBackoff),
		MaxDoublings:     DefaultMaxDoublings,
	}
	if rc == nil {
		return out, nil
	}
	if rc.GetMaxAttempts() < -1 {
		return nil, status.Error(codes.InvalidArgument, "retry_config.max_attempts must be -1 (unlimited) or more")
	}
	if rc.GetMaxAttempts() != 0 {
		out.MaxAttempts = rc.GetMaxAttempts()
	}
	for _, f := range []struct {
		name string
		in   *durationpb.Duration
		out  **durationpb.Duration
	}{
		{"max_retry_duration", rc.GetMaxRetryDuration(), &out.MaxRetryDuration},
		{"min_backoff", rc.GetMinBackoff(), &out.MinBackoff},
		{"max_backoff", rc.GetMaxBackoff(), &out.MaxBackoff},
	} {
		if f.in == nil {
			continue
		}
		if err := f.in.CheckValid(); err != nil || f.in.AsDuration() < 0 {
			return nil, status.Errorf(codes.InvalidArgument, "retry_config.%s is not a valid non-negative duration", f.name)
		}
		if f.in.AsDuration() > 0 {
			*f.out = durationpb.New(f.in.AsDuration())
		}
	}
	if rc.GetMaxDoublings() < 0 {
		return nil, status.Error(codes.InvalidArgument, "retry_config.max_doublings must not be negative")
	}
	if rc.GetMaxDoublings() != 0 {
		out.MaxDoublings = rc.GetMaxDoublings()
	}
	if out.MaxBackoff.AsDuration() < out.MinBackoff.AsDuration() {
		return nil, status.Error(codes.InvalidArgument, "retry_config.max_backoff must not be less than min_backoff")
	}
	return out, nil
}

func checkHTTPRequest(hr *cloudtaskspb.HttpRequest) error {
	u, err := url.Parse(hr.GetUrl())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(hr.GetUrl()) > maxURLLength {
		return status.Errorf(codes.InvalidArgument, "http_request.url %q must be an http or https URL of at most %d characters", hr.GetUrl(), maxURLLength)
	}
	switch methodOf(hr) {
	case cloudtaskspb.HttpMethod_POST, cloudtaskspb.HttpMethod_PUT, cloudtaskspb.HttpMethod_PATCH:
	default:
		if len(hr.GetBody()) > 0 {
			return status.Error(codes.InvalidArgument, "http_request.body is allowed only with POST, PUT or PATCH")
		}
	}
	return nil
}

func methodOf(hr *cloudtaskspb.HttpRequest) cloudtaskspb.HttpMethod {
	if hr.GetHttpMethod() == cloudtaskspb.HttpMethod_HTTP_METHOD_UNSPECIFIED {
		return cloudtaskspb.HttpMethod_POST
	}
	return hr.GetHttpMethod()
}

func ignoredHeader(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "host", "content-length", "user-agent":
		return true
	}
	return strings.HasPrefix(k, "x-google-") || strings.HasPrefix(k, "x-appengine-") || strings.HasPrefix(k, "x-cloudtasks-")
}

// view returns a copy of t as the response view asks: BASIC (the default)
// leaves out the body, as in the cloud.
func view(t *cloudtaskspb.Task, v cloudtaskspb.Task_View) *cloudtaskspb.Task {
	out := proto.Clone(t).(*cloudtaskspb.Task)
	if v == cloudtaskspb.Task_FULL {
		out.View = cloudtaskspb.Task_FULL
		return out
	}
	out.View = cloudtaskspb.Task_BASIC
	if hr := out.GetHttpRequest(); hr != nil {
		hr.Body = nil
	}
	return out
}

func attemptStatus(code int, err error) *spb.Status {
	switch {
	case err != nil && strings.Contains(err.Error(), "deadline exceeded"):
		return &spb.Status{Code: int32(codes.DeadlineExceeded), Message: err.Error()}
	case err != nil:
		return &spb.Status{Code: int32(codes.Unavailable), Message: err.Error()}
	case code >= 200 && code < 300:
		return &spb.Status{Code: int32(codes.OK)}
	default:
		return &spb.Status{Code: int32(codes.Unknown), Message: fmt.Sprintf("HTTP %d", code)}
	}
}

// newTaskID is a random decimal id, like the cloud's generated ones.
func newTaskID() string {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		panic(err)
	}
	return n.String()
}

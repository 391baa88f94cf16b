// Package outcomesend is the OutcomeSend function: the target of the
// outcome email tasks (Cloud Tasks POSTs each task's body). Its ingress is
// internal and its only invoker the tasks' service account, whose OIDC
// token Cloud Run checks before the request reaches it: the function
// itself checks no credentials. It answers 2xx when the task is done
// (sent, sent before, or nothing to send: Cloud Tasks stops), 503 when it
// must be tried again (Cloud Tasks retries with the queue's back-off), 4xx
// for a body that is not a task.
package outcomesend

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/outcome"
)

// Timeout bounds one delivery: below outcome.SendLease, so that a slow
// send is never taken for a dead one and doubled, and below the
// function's timeout (terraform: 120 s).
const Timeout = 100 * time.Second

// maxBody bounds a task's body.
const maxBody = 64 << 10

// New returns the HTTP handler: POST with a task's body.
func New(s outcome.Sender, log *slog.Logger) http.Handler {
	return ccai.Serve("OutcomeSend", ccai.Options{Methods: []string{http.MethodPost}, RawBody: true, Timeout: Timeout, Log: log},
		func(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
			body, err := io.ReadAll(io.LimitReader(req.HTTP.Body, maxBody+1))
			if err != nil || len(body) > maxBody {
				return ccai.Response{}, crm.Errorf(crm.Invalid, "the task body is over %d bytes or unreadable", maxBody)
			}
			t, err := outcome.ParseTask(body)
			if err != nil {
				return ccai.Response{}, err
			}
			res, err := s.Send(ctx, t, attempt(req.HTTP))
			if err != nil {
				return ccai.Response{}, err
			}
			return ccai.Response{Body: map[string]string{"result": string(res), "record_id": t.RecordID, "session": t.Session}}, nil
		})
}

// attempt is the number of this delivery of the task, 1 for the first:
// Cloud Tasks' X-CloudTasks-TaskRetryCount (the deliveries before this
// one) plus one.
func attempt(r *http.Request) int {
	n, err := strconv.Atoi(r.Header.Get("X-CloudTasks-TaskRetryCount"))
	if err != nil || n < 0 {
		return 1
	}
	return n + 1
}

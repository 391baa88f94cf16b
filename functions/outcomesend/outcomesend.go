// Package outcomesend is the OutcomeSend function: the target of the
// outcome email tasks (Cloud Tasks POSTs each task's body). Its ingress is
// internal and its only invoker the tasks' service account, whose OIDC
// token Cloud Run checks before the request reaches it. It answers 2xx
// when the task is done (sent, sent before, or nothing to send: Cloud
// Tasks stops), 503 when it must be tried again (Cloud Tasks retries with
// the queue's back-off), 4xx for a body that is not a task.
package outcomesend

import (
	"io"
	"net/http"
	"strconv"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/outcome"
)

// Handler sends the email of each task.
type Handler struct {
	Sender outcome.Sender
}

// ServeHTTP handles one task delivery.
func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		ccai.WriteError(w, crm.Errorf(crm.MethodNotAllowed, "POST the task body"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		ccai.WriteError(w, crm.Errorf(crm.Invalid, "the task body is too large or unreadable"))
		return
	}
	t, err := outcome.ParseTask(body)
	if err != nil {
		ccai.WriteError(w, err)
		return
	}
	res, err := h.Sender.Send(r.Context(), t, attempt(r))
	if err != nil {
		ccai.WriteError(w, err)
		return
	}
	ccai.WriteJSON(w, http.StatusOK, map[string]string{"result": string(res), "record_id": t.RecordID, "session": t.Session})
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

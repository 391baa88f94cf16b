package outcome

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"example.com/crm/shared/crm"
)

// Task is what the task that sends a session's outcome email carries: the
// record and the session. Who gets the email, and what it says, is decided
// when it is sent, from what the CRM knows of the session then (its
// metadata may arrive after the record update that said it finished).
type Task struct {
	RecordID string `json:"record_id"`
	Session  string `json:"session"` // crm.Session.Key, "call:1418"
}

// maxRecordID bounds a record id (the CRM's are short; Firestore's
// document ids are at most 1,500 bytes).
const maxRecordID = 1500

// maxTaskBody bounds a task's body (a record id and a session key).
const maxTaskBody = 4 << 10

// ParseTask decodes a task body strictly. Errors (Invalid): not a JSON
// object with exactly a record id and a session key of the CRM's forms.
func ParseTask(body []byte) (Task, error) {
	if len(body) > maxTaskBody {
		return Task{}, crm.Errorf(crm.Invalid, "the task body is over %d bytes", maxTaskBody)
	}
	var t Task
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil || dec.More() {
		return Task{}, crm.Errorf(crm.Invalid, `the task body is not {"record_id": …, "session": …}: %v`, err)
	}
	if t.RecordID == "" || len(t.RecordID) > maxRecordID {
		return Task{}, crm.Errorf(crm.Invalid, `"record_id" is empty or over %d bytes`, maxRecordID)
	}
	kind, id, _ := strings.Cut(t.Session, ":")
	if !slices.Contains(crm.SessionKinds, crm.SessionKind(kind)) || id == "" || len(id) > crm.MaxSessionID {
		return Task{}, crm.Errorf(crm.Invalid, `"session" %q is not a session key (call:ID, chat:ID, email:ID or session:ID)`, t.Session)
	}
	return t, nil
}

// Body is the task's JSON body.
func (t Task) Body() []byte {
	b, _ := json.Marshal(t) // two strings: cannot fail
	return b
}

// TaskID is the name (the last part) of the task of a session's outcome
// email: derived from the session alone, so that every report of its end
// names the same task, and hashed, as Cloud Tasks asks of names, so that
// they do not share prefixes.
func TaskID(sessionKey string) string {
	h := sha256.Sum256([]byte("outcome-task\x00" + sessionKey))
	return "outcome-" + hex.EncodeToString(h[:16])
}

// Queue creates the tasks (shared/gcptasks: Cloud Tasks).
type Queue interface {
	// Create creates the task named id to run at at. A task of that name
	// created before (its name is still reserved) is not an error: the
	// first one stands. Errors: Unavailable.
	Create(ctx context.Context, id string, at time.Time, body []byte) error
}

// Scheduler schedules a finished session's outcome email: one task per
// session, at its end plus Delay.
type Scheduler struct {
	Queue    Queue
	Settings interface {
		OutcomeSettings(ctx context.Context) (Settings, error)
	}
	// Delay is how long after the session's end the email goes out
	// (CCAI Platform's own is sent about 15 minutes after).
	Delay time.Duration
	Now   func() time.Time // time.Now when nil
}

// DefaultDelay is the delay after a session's end when none is set.
const DefaultDelay = 15 * time.Minute

// SessionFinished schedules the outcome email of the session key of record
// recordID, which finished at endedAt (the zero time: now). Nothing is
// scheduled while no setting is on (the defaults): no email could go out.
// Reporting the same session again creates nothing new. Errors:
// Unavailable (retry: nothing was scheduled).
func (s Scheduler) SessionFinished(ctx context.Context, recordID, sessionKey string, endedAt time.Time) error {
	set, err := s.Settings.OutcomeSettings(ctx)
	if err != nil {
		return err
	}
	if !set.AnyOn() {
		return nil
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if endedAt.IsZero() || endedAt.After(now()) {
		endedAt = now()
	}
	t := Task{RecordID: recordID, Session: sessionKey}
	if err := s.Queue.Create(ctx, TaskID(sessionKey), endedAt.Add(s.Delay), t.Body()); err != nil {
		return fmt.Errorf("schedule the outcome email of %s: %w", sessionKey, err)
	}
	return nil
}

// AnyOn reports whether any session could get an outcome email: the
// global setting or a queue's is on.
func (s Settings) AnyOn() bool {
	if s.Global.Enabled && s.Global.Address != "" {
		return true
	}
	for _, q := range s.Queues {
		if q.Enabled && q.Address != "" {
			return true
		}
	}
	return false
}

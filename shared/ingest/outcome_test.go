package ingest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/ingest"
)

// scheduled records the outcome emails the service schedules; fail makes
// the next calls fail.
type scheduled struct {
	mu    sync.Mutex
	calls []string
	fail  int
}

func (s *scheduled) SessionFinished(_ context.Context, recordID, session string, endedAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, recordID+" "+session)
	if s.fail > 0 {
		s.fail--
		return &crm.Error{Code: crm.Unavailable, Message: "queue unavailable", Err: errors.New("test")}
	}
	return nil
}

func (s *scheduled) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// A finished session's outcome email is scheduled with its end; when
// scheduling fails, the retry (however soon: storage retries within
// seconds) schedules it, and once scheduled, later deliveries do not.
func TestFinishedSessionSchedulesItsOutcomeEmailOnce(t *testing.T) {
	e := newEnv(t)
	sch := &scheduled{fail: 1}
	e.svc.Outcomes = sch
	ctx := context.Background()
	meta := ingest.Metadata{Raw: callMeta(t, 8101, nil), Kind: "call", Source: crm.SourceStorage}
	if _, err := e.svc.ApplyMetadata(ctx, meta); crm.ErrorCode(err) != crm.Unavailable {
		t.Fatalf("ApplyMetadata with the queue down: %v, want Unavailable (retried)", err)
	}
	e.apply(t, meta, ingest.Linked) // the retry, at once
	if sch.count() != 2 {
		t.Fatalf("scheduled %d times, want 2 (the failure, then the retry)", sch.count())
	}
	e.apply(t, meta, ingest.Linked)
	newer := ingest.Metadata{Raw: callMeta(t, 8101, func(m map[string]any) { m["updated_at"] = "2030-01-01T00:00:00Z" }), Kind: "call", Source: crm.SourceStorage}
	e.apply(t, newer, ingest.Linked)
	if sch.count() != 2 {
		t.Errorf("scheduled %d times, want still 2: %v", sch.count(), sch.calls)
	}
	rec := e.recordOf(t, "call:8101")
	if want := rec.ID + " call:8101"; sch.calls[1] != want {
		t.Errorf("scheduled %q, want %q", sch.calls[1], want)
	}
}

// Failed, abandoned and ongoing sessions schedule nothing.
func TestUnfinishedSessionsScheduleNothing(t *testing.T) {
	e := newEnv(t)
	sch := &scheduled{}
	e.svc.Outcomes = sch
	for i, status := range []string{"abandoned", "failed", "connected", "9"} {
		e.apply(t, ingest.Metadata{Raw: callMeta(t, 8200+i, func(m map[string]any) { m["status"] = status }), Kind: "call"}, ingest.Linked)
	}
	if sch.count() != 0 {
		t.Errorf("scheduled %v, want nothing", sch.calls)
	}
}

// A record update says a session finished by its status or a session
// status field; the sessions it names, else the record's newest.
func TestFinishedByUpdate(t *testing.T) {
	e := newEnv(t)
	rec := e.record(t, crm.Session{Kind: crm.SessionCall, ID: "1"}, crm.Session{Kind: crm.SessionCall, ID: "2"})
	for _, c := range []struct {
		patch crm.RecordPatch
		want  string // "" for nothing
	}{
		{crm.RecordPatch{Status: "finished"}, rec.ID + " call:2"},
		{crm.RecordPatch{Status: "Finished", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}}}, rec.ID + " call:1"},
		{crm.RecordPatch{Status: "8"}, rec.ID + " call:2"},
		{crm.RecordPatch{Custom: map[string]string{"Call Status": "finished"}}, rec.ID + " call:2"},
		{crm.RecordPatch{Custom: map[string]string{"chat_status": "finished"}}, rec.ID + " call:2"},
		{crm.RecordPatch{Status: "abandoned"}, ""},
		{crm.RecordPatch{Status: "closed"}, ""},
		{crm.RecordPatch{Custom: map[string]string{"note": "finished"}}, ""},
		{crm.RecordPatch{Subject: "finished"}, ""},
	} {
		sch := &scheduled{}
		e.svc.Outcomes = sch
		if err := e.svc.FinishedByUpdate(context.Background(), rec, c.patch); err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(sch.calls) > 0 {
			got = sch.calls[0]
		}
		if got != c.want || len(sch.calls) > 1 {
			t.Errorf("%+v: scheduled %v, want %q", c.patch, sch.calls, c.want)
		}
	}
}

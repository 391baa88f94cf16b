// Package journaltest holds the contract every agentpop.Journal keeps:
// the in-memory journal (Memory) and the Firestore store run the same
// cases.
package journaltest

import (
	"context"
	"testing"
	"time"

	"example.com/crm/shared/agentpop"
)

// TestJournal runs the contract on journals newJournal makes (a fresh,
// empty one per call): every event is kept under its session, and under
// the record it showed; listings are newest first and bounded.
func TestJournal(t *testing.T, newJournal func(t *testing.T) agentpop.Journal) {
	ctx := context.Background()
	j := newJournal(t)
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	add := func(i int, e agentpop.Entry) {
		t.Helper()
		e.At = t0.Add(time.Duration(i) * time.Second)
		if err := j.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	add(0, agentpop.Entry{Session: "call:1", Type: "New_Call", Known: true, User: "ann@example.com", AgentEmail: "agent@example.com", RecordID: "r1", AccountID: "a1", Event: `{"type":"New_Call"}`})
	add(1, agentpop.Entry{Session: "call:1", Type: "Strange", User: "ann@example.com", Event: `{"type":"Strange"}`})
	add(2, agentpop.Entry{Session: "chat:7", Type: "New_Chat", Known: true, User: "bob@example.com", RecordID: "r1"})
	add(3, agentpop.Entry{Type: "Agent_Login", Known: true, User: "bob@example.com"})
	add(4, agentpop.Entry{Session: "call:1", Type: "End_Call", Known: true, User: "ann@example.com", RecordID: "r/1"})
	add(5, agentpop.Entry{Session: "call/1", Type: "End_Call", Known: true})

	got, err := j.OfSession(ctx, "call:1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Type != "End_Call" || got[1].Type != "Strange" || got[2].Type != "New_Call" {
		t.Fatalf("session call:1: %+v", got)
	}
	if e := got[2]; e.User != "ann@example.com" || e.AgentEmail != "agent@example.com" || e.RecordID != "r1" || e.AccountID != "a1" ||
		!e.Known || e.Event != `{"type":"New_Call"}` || !e.At.Equal(t0) || e.ID == "" || e.Session != "call:1" {
		t.Errorf("entry read back: %+v", e)
	}
	if got[1].Known {
		t.Errorf("unknown event read back as known: %+v", got[1])
	}
	got, err = j.OfRecord(ctx, "r1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Session != "chat:7" || got[1].Session != "call:1" || got[0].ID == got[1].ID {
		t.Errorf("record r1: %+v", got)
	}
	if got, err := j.OfSession(ctx, "", 10); err != nil || len(got) != 1 || got[0].Type != "Agent_Login" {
		t.Errorf("no session: %+v %v", got, err)
	}
	if got, err := j.OfSession(ctx, "call/1", 10); err != nil || len(got) != 1 {
		t.Errorf("session call/1: %+v %v", got, err)
	}
	if got, err := j.OfSession(ctx, "call:1", 2); err != nil || len(got) != 2 || got[0].Type != "End_Call" {
		t.Errorf("limit 2: %+v %v", got, err)
	}
	if got, err := j.OfRecord(ctx, "r/1", 10); err != nil || len(got) != 0 {
		t.Errorf("a record id that names no record: %v %v", got, err)
	}
	if got, err := j.OfSession(ctx, "chat:404", 10); err != nil || len(got) != 0 {
		t.Errorf("a session with no events: %v %v", got, err)
	}
}

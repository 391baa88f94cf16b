package agentpop

import (
	"context"
	"time"
)

// Entry is one adapter event as the CRM page received it: which record
// was shown to which agent, and when. Every event is kept, known or not.
type Entry struct {
	ID string
	// Session is the event's session ("call:103646", "chat:73522"), ""
	// when the event names none.
	Session string
	// Type is the event's type as sent (at most MaxType bytes); Known
	// reports whether it is one of the documented ones (Types).
	Type  string
	Known bool
	// User is the CRM user signed in on the page; AgentEmail the
	// adapter's data.agent_email.
	User       string
	AgentEmail string
	// RecordID and AccountID: what the page was told to show, "" for
	// nothing.
	RecordID  string
	AccountID string
	At        time.Time
	// Event is the event's JSON as posted (at most MaxEvent bytes).
	Event string
}

// Journal keeps adapter events. Errors: crm.Unavailable.
type Journal interface {
	// Add keeps e (its ID is given by the journal).
	Add(ctx context.Context, e Entry) error
	// OfSession returns the newest limit events of session (as in
	// Entry.Session; "" for the events that name none), newest first.
	OfSession(ctx context.Context, session string, limit int) ([]Entry, error)
	// OfRecord returns the newest limit events that showed record id,
	// newest first.
	OfRecord(ctx context.Context, recordID string, limit int) ([]Entry, error)
}

package gcpfirestore

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"example.com/crm/shared/agentpop"
)

// JournalStore keeps the CRM page's adapter events (agentpop.Journal):
// each event in adapter_sessions/{session}/events/{id} and, when it showed
// a record, in records/{id}/adapter_events/{id} too, both written in one
// commit. Listing is one query on a subcollection ordered by time (a
// single-field index: no composite index to deploy).
type JournalStore struct {
	client *firestore.Client
	now    func() time.Time
}

var _ agentpop.Journal = (*JournalStore)(nil)

// Journal returns the adapter event journal on s's database.
func (s *Store) Journal() *JournalStore { return &JournalStore{client: s.client, now: s.Now} }

const (
	adapterSessionsCol = "adapter_sessions"
	adapterEventsCol   = "events"
	recordEventsCol    = "adapter_events"
	// noSession holds the events that name no session.
	noSession = "none"
)

type journalDoc struct {
	Session    string    `firestore:"session"`
	Type       string    `firestore:"type"`
	Known      bool      `firestore:"known"`
	User       string    `firestore:"user"`
	AgentEmail string    `firestore:"agent_email"`
	RecordID   string    `firestore:"record_id"`
	AccountID  string    `firestore:"account_id"`
	At         time.Time `firestore:"at"`
	Event      string    `firestore:"event"`
}

func (j *JournalStore) sessionEvents(session string) *firestore.CollectionRef {
	id := noSession
	if session != "" {
		id = "s:" + escapeID(session)
	}
	return j.client.Collection(adapterSessionsCol).Doc(id).Collection(adapterEventsCol)
}

// Add implements agentpop.Journal.
func (j *JournalStore) Add(ctx context.Context, e agentpop.Entry) error {
	if e.At.IsZero() {
		e.At = j.now()
	}
	d := journalDoc{Session: e.Session, Type: e.Type, Known: e.Known, User: e.User, AgentEmail: e.AgentEmail,
		RecordID: e.RecordID, AccountID: e.AccountID, At: e.At, Event: e.Event}
	ref := j.sessionEvents(e.Session).NewDoc()
	err := j.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(ref, d); err != nil {
			return err
		}
		if e.RecordID == "" || !validID(e.RecordID) {
			return nil
		}
		return tx.Create(j.client.Collection(recordsCol).Doc(e.RecordID).Collection(recordEventsCol).Doc(ref.ID), d)
	})
	return storeError("journal adapter event", err)
}

// OfSession implements agentpop.Journal.
func (j *JournalStore) OfSession(ctx context.Context, session string, limit int) ([]agentpop.Entry, error) {
	return j.list(ctx, j.sessionEvents(session), limit)
}

// OfRecord implements agentpop.Journal.
func (j *JournalStore) OfRecord(ctx context.Context, recordID string, limit int) ([]agentpop.Entry, error) {
	if !validID(recordID) {
		return nil, nil
	}
	return j.list(ctx, j.client.Collection(recordsCol).Doc(recordID).Collection(recordEventsCol), limit)
}

func (j *JournalStore) list(ctx context.Context, col *firestore.CollectionRef, limit int) ([]agentpop.Entry, error) {
	snaps, err := col.OrderBy("at", firestore.Desc).Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, storeError("list adapter events", err)
	}
	out := make([]agentpop.Entry, 0, len(snaps))
	for _, snap := range snaps {
		var d journalDoc
		if err := snap.DataTo(&d); err != nil {
			return nil, fmt.Errorf("decode adapter event %s: %w", snap.Ref.ID, err)
		}
		out = append(out, agentpop.Entry{ID: snap.Ref.ID, Session: d.Session, Type: d.Type, Known: d.Known, User: d.User,
			AgentEmail: d.AgentEmail, RecordID: d.RecordID, AccountID: d.AccountID, At: d.At, Event: d.Event})
	}
	return out, nil
}

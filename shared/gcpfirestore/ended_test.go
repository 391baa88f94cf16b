package gcpfirestore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/crm"
)

// The session.ended event is claimed once: the same ended metadata
// applied again (a redelivery, or the .json and the .txt of one session)
// before the first event was marked sent does not notify again, however
// many arrive at once; a claim whose sender never marked it is handed on
// after NotifyLease.
func TestSessionEndedNotifiesOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	acc, _, err := s.CreateAccount(ctx, crm.Account{Emails: []string{"ended@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "7001"}}})
	if err != nil {
		t.Fatal(err)
	}
	ended := crm.Session{Kind: crm.SessionCall, ID: "7001", Status: "finished", Ended: true, MetadataUpdatedAt: now.Add(-time.Minute)}
	var mu sync.Mutex
	notified := 0
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, notify, err := s.ApplySessionMetadata(ctx, rec.ID, ended)
			if err != nil {
				t.Error(err)
			}
			if notify {
				mu.Lock()
				notified++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if notified != 1 {
		t.Fatalf("6 simultaneous applications of ended metadata: %d notified, want 1", notified)
	}
	if _, notify, _ := s.ApplySessionMetadata(ctx, rec.ID, ended); notify {
		t.Error("applied again within the lease: notified again")
	}
	// The sender died without marking it: after the lease, the next one
	// sends it.
	now = now.Add(crm.NotifyLease + time.Second)
	if _, notify, _ := s.ApplySessionMetadata(ctx, rec.ID, ended); !notify {
		t.Error("after the lease: not notified, want the event handed on")
	}
	if err := s.MarkEndedNotified(ctx, rec.ID, ended.Key()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(crm.NotifyLease + time.Second)
	if _, notify, _ := s.ApplySessionMetadata(ctx, rec.ID, ended); notify {
		t.Error("after it was marked sent: notified again")
	}
}

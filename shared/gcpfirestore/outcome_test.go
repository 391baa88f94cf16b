package gcpfirestore_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/outcome"
)

func TestOutcomeSettingsDefaultsAndPut(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	got, err := s.OutcomeSettings(ctx)
	if err != nil || !reflect.DeepEqual(got, outcome.Settings{}) {
		t.Fatalf("settings never stored: %+v (%v), want the defaults (all off)", got, err)
	}
	want := outcome.Settings{
		Global: outcome.Setting{Enabled: true, Address: "all@example.com"},
		Queues: map[string]outcome.Setting{
			"8":                         {Enabled: true, Address: "by-id@example.com"},
			"Orders/Order confirmation": {Enabled: true},
			"a.b/c%d":                   {Address: "kept@example.com"},
		},
	}
	if err := s.PutOutcomeSettings(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err = s.OutcomeSettings(ctx); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %+v, read %+v (%v)", want, got, err)
	}
	// Bad values are refused, naming the field, and change nothing.
	bad := outcome.Settings{Global: outcome.Setting{Enabled: true, Address: "a@example.com, b@example.com"}}
	if err := s.PutOutcomeSettings(ctx, bad); crm.ErrorCode(err) != crm.Invalid {
		t.Fatalf("two addresses: %v, want Invalid", err)
	}
	if got, _ = s.OutcomeSettings(ctx); !reflect.DeepEqual(got, want) {
		t.Fatalf("a refused put changed the settings to %+v", got)
	}
	// A put replaces everything: queues left out are gone.
	off := outcome.Settings{Global: outcome.Setting{Address: "all@example.com"}}
	if err := s.PutOutcomeSettings(ctx, off); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.OutcomeSettings(ctx); !reflect.DeepEqual(got, off) {
		t.Fatalf("after replacing: %+v, want %+v", got, off)
	}
}

// claimN runs n claims of id at once and returns how many took it on;
// a claim that did not may only say "nothing to do" or "try later".
func claimN(t *testing.T, s *gcpfirestore.Store, id string, n int) (first int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			ok, err := s.ClaimSend(context.Background(), id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && crm.ErrorCode(err) != crm.Unavailable {
				t.Errorf("claim: %v", err)
			}
			if ok {
				first++
			}
		})
	}
	close(start)
	wg.Wait()
	return first
}

func sendState(t *testing.T, s *gcpfirestore.Store, id string) outcome.SendState {
	t.Helper()
	st, err := s.SendState(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestClaimSendOnceUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := outcome.EmailID("call:1418", "team@example.com")
	if got := claimN(t, s, id, 20); got != 1 {
		t.Fatalf("20 simultaneous claims: %d took the email on, want 1", got)
	}
	// While its sender holds it, a claim is told to try later.
	if ok, err := s.ClaimSend(ctx, id); ok || crm.ErrorCode(err) != crm.Unavailable {
		t.Fatalf("claim while sending: %v %v, want false and Unavailable", ok, err)
	}
	if err := s.MarkSent(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st := sendState(t, s, id); st.State != outcome.StateSent || st.Attempts != 1 || st.SentAt.IsZero() {
		t.Fatalf("after MarkSent: %+v", st)
	}
	// Sent: every later claim (a redelivered task, a third report of the
	// end) has nothing to do, without error.
	for range 3 {
		if ok, err := s.ClaimSend(ctx, id); ok || err != nil {
			t.Fatalf("claim of a sent email: %v %v, want false, nil", ok, err)
		}
	}
	if got := claimN(t, s, id, 20); got != 0 {
		t.Fatalf("20 claims of a sent email: %d took it on", got)
	}
	// A failure reported late (a sender whose lease ran out) leaves it sent.
	if err := s.RecordFailure(ctx, id, "late", false); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ClaimSend(ctx, id); ok || err != nil || sendState(t, s, id).State != outcome.StateSent {
		t.Fatalf("after a late failure: claim %v %v, state %+v", ok, err, sendState(t, s, id))
	}
	// Another address of the same session is another email.
	if ok, err := s.ClaimSend(ctx, outcome.EmailID("call:1418", "ops@example.com")); !ok || err != nil {
		t.Fatalf("another address: %v %v, want the first claim", ok, err)
	}
}

func TestClaimSendAfterFailure(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := outcome.EmailID("chat:135", "team@example.com")
	if ok, err := s.ClaimSend(ctx, id); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if err := s.RecordFailure(ctx, id, "dial tcp: connection refused", false); err != nil {
		t.Fatal(err)
	}
	if st := sendState(t, s, id); st.State != outcome.StateRetrying || st.LastError != "dial tcp: connection refused" || st.FailedAt.IsZero() {
		t.Fatalf("after a failure: %+v", st)
	}
	// The retry takes it on again, once however many race.
	if got := claimN(t, s, id, 20); got != 1 {
		t.Fatalf("20 simultaneous retries: %d took the email on, want 1", got)
	}
	if st := sendState(t, s, id); st.State != outcome.StateSending || st.Attempts != 2 {
		t.Fatalf("after the retry's claim: %+v", st)
	}
	// A final failure gives up: no claim sends it again.
	if err := s.RecordFailure(ctx, id, "550 mailbox unavailable", true); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ClaimSend(ctx, id); ok || err != nil {
		t.Fatalf("claim after a final failure: %v %v, want false, nil", ok, err)
	}
	if st := sendState(t, s, id); st.State != outcome.StateFailed || st.LastError != "550 mailbox unavailable" || st.Attempts != 2 {
		t.Fatalf("after giving up: %+v", st)
	}
}

// A sender that neither marks nor fails within the lease is replaced.
func TestClaimSendAfterLease(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	s.Now = func() time.Time { return now }
	id := outcome.EmailID("call:7", "team@example.com")
	if ok, err := s.ClaimSend(ctx, id); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	now = now.Add(outcome.SendLease - time.Second)
	if ok, err := s.ClaimSend(ctx, id); ok || crm.ErrorCode(err) != crm.Unavailable {
		t.Fatalf("claim within the lease: %v %v, want false and Unavailable", ok, err)
	}
	now = now.Add(time.Second)
	if ok, err := s.ClaimSend(ctx, id); !ok || err != nil {
		t.Fatalf("claim after the lease: %v %v, want the claim", ok, err)
	}
	if st := sendState(t, s, id); st.Attempts != 2 || !st.ClaimedAt.Equal(now) {
		t.Fatalf("after the second claim: %+v", st)
	}
}

func TestClaimSendRefusesBadIDs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, id := range []string{"", "call:1418", "../x", outcome.EmailID("a", "b")[:10]} {
		if _, err := s.ClaimSend(ctx, id); crm.ErrorCode(err) != crm.Invalid {
			t.Errorf("ClaimSend(%q) = %v, want Invalid", id, err)
		}
	}
	never := outcome.EmailID("call:1", "x@example.com")
	if err := s.MarkSent(ctx, never); crm.ErrorCode(err) != crm.NotFound {
		t.Errorf("MarkSent of an email never claimed = %v, want NotFound", err)
	}
	if err := s.RecordFailure(ctx, never, "x", false); crm.ErrorCode(err) != crm.NotFound {
		t.Errorf("RecordFailure of an email never claimed = %v, want NotFound", err)
	}
}

package auth

import (
	"strconv"
	"testing"
	"time"
)

// Whatever addresses an attacker sends, the limiter's memory stays
// bounded, and a client that is locked out stays locked out until its
// lockout ends.
func TestLimiterMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 150,000 clients")
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	l := NewLimiter()
	l.Now = func() time.Time { return now }
	for range l.MaxFailures {
		l.Failed("locked")
	}
	for i := range 150_000 {
		l.Failed(strconv.Itoa(i))
		if len(l.clients) > maxClients {
			t.Fatalf("after %d clients the limiter holds %d, more than %d", i+1, len(l.clients), maxClients)
		}
	}
	if l.Locked("locked") == 0 {
		t.Error("the locked-out client was forgotten within its lockout")
	}
	now = now.Add(l.Lockout + time.Second)
	for i := range maxClients {
		l.Failed("later-" + strconv.Itoa(i))
	}
	if _, known := l.clients["locked"]; known {
		t.Error("a client past its lockout is still held")
	}
	if l.Locked("later-1") > 0 {
		t.Error("one failure locked a client out")
	}
}

// A failure after the window, during a lockout, does not lift it.
func TestLateFailureKeepsLockout(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	l := &Limiter{MaxFailures: 3, Window: time.Minute, Lockout: 10 * time.Minute, Now: func() time.Time { return now }}
	for range 3 {
		l.Failed("a")
	}
	now = now.Add(2 * time.Minute)
	l.Failed("a")
	if l.Locked("a") == 0 {
		t.Error("a failure after the window lifted the lockout")
	}
}

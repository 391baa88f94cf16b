package auth

import (
	"strconv"
	"testing"
	"time"
)

// TestLimiterPrune fills the limiter past its bound of 100,000 clients
// (one locked out, the others with one failure): the next failure prunes
// the entries whose window and lockout have both passed.
func TestLimiterPrune(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 100,001 clients")
	}
	const locked = "locked"
	tests := []struct {
		name        string
		advance     time.Duration // after filling, before one more Failed
		wantClients int
		wantLocked  bool // the locked-out client is still known and locked
	}{
		{"within Window nothing is forgotten", time.Minute, 100_002, true},
		{"past Window the locked-out client stays", 5*time.Minute + time.Second, 2, true},
		{"past Lockout the locked-out client goes too", 15*time.Minute + time.Second, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
			l := NewLimiter()
			l.Now = func() time.Time { return now }
			for range l.MaxFailures {
				l.Failed(locked)
			}
			for i := range 100_000 {
				l.Failed(strconv.Itoa(i))
			}
			if got, want := len(l.clients), 100_001; got != want {
				t.Fatalf("clients before pruning: got %d, want %d", got, want)
			}
			now = now.Add(tt.advance)
			l.Failed("new")
			if got := len(l.clients); got != tt.wantClients {
				t.Errorf("clients: got %d, want %d", got, tt.wantClients)
			}
			if _, known := l.clients[locked]; known != tt.wantLocked {
				t.Errorf("locked-out client kept: got %v, want %v", known, tt.wantLocked)
			}
			if ok, _ := l.Allow(locked); ok == tt.wantLocked {
				t.Errorf("Allow(%q): got %v, want %v", locked, ok, !tt.wantLocked)
			}
			if ok, _ := l.Allow("new"); !ok {
				t.Errorf("Allow(%q) after one failure: got false, want true", "new")
			}
		})
	}
}

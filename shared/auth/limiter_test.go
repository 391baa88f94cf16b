package auth_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"example.com/crm/shared/auth"
)

// clock is a pinned time that a test moves on by hand.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// newTestLimiter is NewLimiter's policy on a pinned clock.
func newTestLimiter() (*auth.Limiter, *clock) {
	c := &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	l := auth.NewLimiter()
	l.Now = c.Now
	return l, c
}

func failN(l *auth.Limiter, client string, n int) {
	for range n {
		l.Failed(client)
	}
}

func TestNewLimiterPolicy(t *testing.T) {
	l := auth.NewLimiter()
	if got, want := l.MaxFailures, 10; got != want {
		t.Errorf("MaxFailures: got %d, want %d", got, want)
	}
	if got, want := l.Window, 5*time.Minute; got != want {
		t.Errorf("Window: got %v, want %v", got, want)
	}
	if got, want := l.Lockout, 15*time.Minute; got != want {
		t.Errorf("Lockout: got %v, want %v", got, want)
	}
	if l.Now == nil {
		t.Errorf("Now: got nil, want a clock")
	}
}

func TestLimiter(t *testing.T) {
	const a, b = "192.0.2.1", "192.0.2.2"
	tests := []struct {
		name string
		// run acts on a fresh limiter and its clock, then Allow(client)
		// is checked.
		run      func(l *auth.Limiter, c *clock)
		client   string
		wantOK   bool
		wantWait time.Duration
	}{
		{"unknown client", func(l *auth.Limiter, c *clock) {}, a, true, 0},
		{"9 failures allowed", func(l *auth.Limiter, c *clock) { failN(l, a, 9) }, a, true, 0},
		{"10th failure locks out", func(l *auth.Limiter, c *clock) { failN(l, a, 10) }, a, false, 15 * time.Minute},
		{"remaining wait shrinks", func(l *auth.Limiter, c *clock) {
			failN(l, a, 10)
			c.advance(4 * time.Minute)
		}, a, false, 11 * time.Minute},
		{"still locked a second before the end", func(l *auth.Limiter, c *clock) {
			failN(l, a, 10)
			c.advance(15*time.Minute - time.Second)
		}, a, false, time.Second},
		{"unlocked after Lockout", func(l *auth.Limiter, c *clock) {
			failN(l, a, 10)
			c.advance(15 * time.Minute)
		}, a, true, 0},
		{"10 failures spread within Window lock out", func(l *auth.Limiter, c *clock) {
			for range 10 {
				l.Failed(a)
				c.advance(30 * time.Second) // the 10th comes 4m30s after the first
			}
		}, a, false, 15*time.Minute - 30*time.Second},
		{"failures outside Window reset the count", func(l *auth.Limiter, c *clock) {
			failN(l, a, 9)
			c.advance(5*time.Minute + time.Second)
			l.Failed(a) // the first of a new window, not the 10th
		}, a, true, 0},
		{"a new window counts from 1 again", func(l *auth.Limiter, c *clock) {
			failN(l, a, 9)
			c.advance(6 * time.Minute)
			failN(l, a, 9)
		}, a, true, 0},
		{"a new window locks out after 10 again", func(l *auth.Limiter, c *clock) {
			failN(l, a, 9)
			c.advance(6 * time.Minute)
			failN(l, a, 10)
		}, a, false, 15 * time.Minute},
		{"Succeeded clears the count", func(l *auth.Limiter, c *clock) {
			failN(l, a, 9)
			l.Succeeded(a)
			failN(l, a, 9)
		}, a, true, 0},
		{"Succeeded does not lift an active lockout", func(l *auth.Limiter, c *clock) {
			failN(l, a, 10)
			c.advance(time.Minute)
			l.Succeeded(a)
		}, a, false, 14 * time.Minute},
		{"Succeeded after the lockout clears it", func(l *auth.Limiter, c *clock) {
			failN(l, a, 10)
			c.advance(16 * time.Minute)
			l.Succeeded(a)
			failN(l, a, 9)
		}, a, true, 0},
		{"another client is not locked out", func(l *auth.Limiter, c *clock) { failN(l, a, 10) }, b, true, 0},
		{"clients are counted apart", func(l *auth.Limiter, c *clock) {
			failN(l, a, 5)
			failN(l, b, 5)
		}, a, true, 0},
		{"Succeeded of another client does not clear", func(l *auth.Limiter, c *clock) {
			failN(l, a, 9)
			l.Succeeded(b)
			l.Failed(a)
		}, a, false, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, c := newTestLimiter()
			tt.run(l, c)
			ok, wait := l.Allow(tt.client)
			if ok != tt.wantOK || wait != tt.wantWait {
				t.Errorf("Allow(%q): got (%v, %v), want (%v, %v)", tt.client, ok, wait, tt.wantOK, tt.wantWait)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	tests := []struct {
		name       string
		remoteAddr string
		xff        string // X-Forwarded-For; "" for none
		want       string
	}{
		{"IPv4 with port", "192.0.2.1:1234", "", "192.0.2.1"},
		{"IPv6 with port", "[::1]:1234", "", "::1"},
		{"full IPv6 with port", "[2001:db8::1]:443", "", "2001:db8::1"},
		{"no port", "192.0.2.1", "", "192.0.2.1"},
		{"X-Forwarded-For single hop", "10.0.0.1:1234", "198.51.100.7", "198.51.100.7"},
		{"X-Forwarded-For: the hop the front end appended, not what the client sent", "10.0.0.1:1234", "198.51.100.7, 10.1.2.3,10.4.5.6", "10.4.5.6"},
		{"X-Forwarded-For trimmed", "10.0.0.1:1234", "  1.2.3.4 ,  198.51.100.7  ", "198.51.100.7"},
		{"X-Forwarded-For IPv6", "10.0.0.1:1234", "10.1.2.3, 2001:db8::7", "2001:db8::7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remoteAddr
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := auth.ClientAddr(r); got != tt.want {
				t.Errorf("ClientAddr(RemoteAddr %q, X-Forwarded-For %q): got %q, want %q", tt.remoteAddr, tt.xff, got, tt.want)
			}
		})
	}
}

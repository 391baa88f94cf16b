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
		// run acts on a fresh limiter and its clock, then Locked(client)
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
		{"failures go on extending the lockout", func(l *auth.Limiter, c *clock) {
			failN(l, a, 10)
			c.advance(10 * time.Minute)
			l.Failed(a)
		}, a, false, 15 * time.Minute},
		{"the same /64 is one IPv6 client", func(l *auth.Limiter, c *clock) {
			failN(l, "2001:db8:1:2::1", 5)
			failN(l, "2001:db8:1:2:ffff:ffff:ffff:ffff", 5)
		}, "2001:db8:1:2::abcd", false, 15 * time.Minute},
		{"another /64 is another client", func(l *auth.Limiter, c *clock) {
			failN(l, "2001:db8:1:2::1", 10)
		}, "2001:db8:1:3::1", true, 0},
		{"an IPv4-mapped IPv6 address is its IPv4 address", func(l *auth.Limiter, c *clock) {
			failN(l, "::ffff:192.0.2.1", 10)
		}, a, false, 15 * time.Minute},
		{"another client is not locked out", func(l *auth.Limiter, c *clock) { failN(l, a, 10) }, b, true, 0},
		{"clients are counted apart", func(l *auth.Limiter, c *clock) {
			failN(l, a, 5)
			failN(l, b, 5)
		}, a, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, c := newTestLimiter()
			tt.run(l, c)
			wait := l.Locked(tt.client)
			if ok := wait == 0; ok != tt.wantOK || wait != tt.wantWait {
				t.Errorf("Locked(%q): got %v, want %v", tt.client, wait, tt.wantWait)
			}
		})
	}
}

// Failed reports the throttle it decided, the same as Locked afterwards.
func TestLimiterFailedReportsLockout(t *testing.T) {
	l, c := newTestLimiter()
	for i := range 9 {
		if wait := l.Failed("192.0.2.1"); wait != 0 {
			t.Fatalf("failure %d: got wait %v, want 0", i+1, wait)
		}
	}
	if wait := l.Failed("192.0.2.1"); wait != 15*time.Minute {
		t.Fatalf("10th failure: got wait %v, want 15m", wait)
	}
	c.advance(time.Minute)
	if wait := l.Locked("192.0.2.1"); wait != 14*time.Minute {
		t.Errorf("Locked a minute later: got %v, want 14m", wait)
	}
}

func TestClientKey(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"not an address", "not an address"},
		{"", ""},
	} {
		if got := auth.ClientKey(tt.addr); got != tt.want {
			t.Errorf("ClientKey(%q): got %q, want %q", tt.addr, got, tt.want)
		}
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

package auth

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Limiter throttles a client (an address; an IPv6 client by its /64)
// after repeated failed authentications, so that guessing a key or a
// password gets nowhere. It only ever judges failures: callers check the
// credentials first, and a request whose credentials are valid is served
// whatever the limiter says, because CCAI Platform calls from a few shared
// egress addresses and does not retry a 429. A success does not clear the
// failures either, or a guesser sharing that address would never be
// throttled. It counts per instance: with several instances an attacker is
// slowed down in each of them.
type Limiter struct {
	// MaxFailures within Window throttle the client for Lockout.
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
	Now         func() time.Time

	mu      sync.Mutex
	clients map[string]*failures
}

type failures struct {
	count       int
	first       time.Time
	lockedUntil time.Time
}

// NewLimiter returns a Limiter: 10 failures in 5 minutes throttle a
// client's failures for 15 minutes.
func NewLimiter() *Limiter {
	return &Limiter{MaxFailures: 10, Window: 5 * time.Minute, Lockout: 15 * time.Minute, Now: time.Now, clients: map[string]*failures{}}
}

// Locked reports how much longer client's failed attempts are throttled
// (0: not throttled), without counting anything.
func (l *Limiter) Locked(client string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.clients[ClientKey(client)]; f != nil {
		return max(f.lockedUntil.Sub(l.Now()), 0)
	}
	return 0
}

// Failed counts a failed attempt of client and reports for how much
// longer its failures are throttled: 0 means answer it as a plain failure
// (401), more means answer 429 with that wait.
func (l *Limiter) Failed(client string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if l.clients == nil {
		l.clients = map[string]*failures{}
	}
	if len(l.clients) >= maxClients {
		l.prune(now)
	}
	key := ClientKey(client)
	f := l.clients[key]
	switch {
	case f == nil:
		f = &failures{first: now}
		l.clients[key] = f
	case now.Sub(f.first) > l.Window && !now.Before(f.lockedUntil):
		// a new window; an active lockout is never lifted by it
		f.count, f.first = 0, now
	}
	f.count++
	if f.count >= l.MaxFailures {
		// every failure from the limit on starts the lockout anew
		f.lockedUntil = now.Add(l.Lockout)
	}
	return max(f.lockedUntil.Sub(now), 0)
}

// ClientKey is the key a client address is counted under: an IPv4
// address as it is, an IPv6 address by its /64 (one subscriber gets a
// whole /64), anything unparsable as it is.
func ClientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}

// maxClients bounds the memory the limiter takes.
const maxClients = 100_000

// prune forgets clients whose window has passed; if that is not enough, it
// forgets every client that is not locked out, so memory stays bounded
// whatever an attacker sends.
func (l *Limiter) prune(now time.Time) {
	for k, f := range l.clients {
		if now.Sub(f.first) > l.Window && !now.Before(f.lockedUntil) {
			delete(l.clients, k)
		}
	}
	if len(l.clients) < maxClients/2 {
		return
	}
	for k, f := range l.clients {
		if !now.Before(f.lockedUntil) {
			delete(l.clients, k)
		}
	}
}

// ClientAddr is the caller's address: the last X-Forwarded-For entry, the
// one Google's front end appends for the connection it received (earlier
// entries are whatever the client sent, so they cannot be trusted), or
// the connection's address without its port.
func ClientAddr(r *http.Request) string {
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops := strings.Split(xff[len(xff)-1], ",")
		if last := strings.TrimSpace(hops[len(hops)-1]); last != "" {
			return last
		}
	}
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 {
		return strings.Trim(r.RemoteAddr[:i], "[]")
	}
	return r.RemoteAddr
}

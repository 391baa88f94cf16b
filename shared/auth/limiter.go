package auth

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Limiter locks a client (an address) out for a while after repeated
// failed authentications, so that guessing a key or a password gets
// nowhere. It counts per instance: with several instances an attacker is
// slowed down in each of them.
type Limiter struct {
	// MaxFailures within Window lock the client out for Lockout.
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

// NewLimiter returns a Limiter: 10 failures in 5 minutes lock a client out
// for 15 minutes.
func NewLimiter() *Limiter {
	return &Limiter{MaxFailures: 10, Window: 5 * time.Minute, Lockout: 15 * time.Minute, Now: time.Now, clients: map[string]*failures{}}
}

// Allow reports whether client may try now, and if not, for how long it
// is locked out.
func (l *Limiter) Allow(client string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.clients[client]
	if f == nil {
		return true, 0
	}
	if wait := f.lockedUntil.Sub(l.Now()); wait > 0 {
		return false, wait
	}
	return true, 0
}

// Failed counts a failed attempt of client.
func (l *Limiter) Failed(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if l.clients == nil {
		l.clients = map[string]*failures{}
	}
	if len(l.clients) >= maxClients {
		l.prune(now)
	}
	f := l.clients[client]
	switch {
	case f == nil:
		f = &failures{first: now}
		l.clients[client] = f
	case now.Sub(f.first) > l.Window && !now.Before(f.lockedUntil):
		// a new window; an active lockout is never lifted by it
		f.count, f.first = 0, now
	}
	f.count++
	if f.count >= l.MaxFailures {
		f.lockedUntil = now.Add(l.Lockout)
	}
}

// Succeeded forgets client's failures.
func (l *Limiter) Succeeded(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.clients[client]; f != nil && l.Now().After(f.lockedUntil) {
		delete(l.clients, client)
	}
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

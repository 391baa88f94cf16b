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
	if len(l.clients) > 100_000 {
		l.prune(now)
	}
	f := l.clients[client]
	if f == nil || now.Sub(f.first) > l.Window {
		f = &failures{first: now}
		l.clients[client] = f
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

func (l *Limiter) prune(now time.Time) {
	for k, f := range l.clients {
		if now.Sub(f.first) > l.Window && now.After(f.lockedUntil) {
			delete(l.clients, k)
		}
	}
}

// ClientAddr is the caller's address: the first X-Forwarded-For hop (set
// by Google's front end) or the connection's address without its port.
func ClientAddr(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		return strings.TrimSpace(strings.Split(xff, ",")[0])
	}
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 {
		return strings.Trim(r.RemoteAddr[:i], "[]")
	}
	return r.RemoteAddr
}

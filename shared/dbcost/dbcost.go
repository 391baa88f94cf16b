// Package dbcost counts the database operations of one request (document
// reads and writes, as Firestore bills them), so that every request's log
// line says what it cost.
package dbcost

import (
	"context"
	"sync/atomic"
)

// Counter holds one request's counts.
type Counter struct {
	reads  atomic.Int64
	writes atomic.Int64
}

// AddReads adds n document reads.
func (c *Counter) AddReads(n int) {
	if c != nil {
		c.reads.Add(int64(n))
	}
}

// AddWrites adds n document writes.
func (c *Counter) AddWrites(n int) {
	if c != nil {
		c.writes.Add(int64(n))
	}
}

// Reads is the number of document reads so far.
func (c *Counter) Reads() int64 {
	if c == nil {
		return 0
	}
	return c.reads.Load()
}

// Writes is the number of document writes so far.
func (c *Counter) Writes() int64 {
	if c == nil {
		return 0
	}
	return c.writes.Load()
}

type key struct{}

// WithCounter returns ctx carrying a new Counter.
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	return context.WithValue(ctx, key{}, c), c
}

// FromContext returns ctx's Counter, or nil (counting into nil is a no-op).
func FromContext(ctx context.Context) *Counter {
	c, _ := ctx.Value(key{}).(*Counter)
	return c
}

package signin

import (
	"context"
	"sync"
)

// MemorySessions keeps session generations in memory, for tests and a
// single process; a deployment keeps them in Firestore
// (gcpfirestore.SessionStore). signintest.TestSessions is the contract
// both pass.
type MemorySessions struct {
	mu  sync.Mutex
	gen map[string]int64
}

// NewMemorySessions returns an empty MemorySessions.
func NewMemorySessions() *MemorySessions {
	return &MemorySessions{gen: map[string]int64{}}
}

// Generation implements Sessions.
func (m *MemorySessions) Generation(ctx context.Context, user string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gen[user], nil
}

// Bump implements Sessions.
func (m *MemorySessions) Bump(ctx context.Context, user string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen[user]++
	return nil
}

package journaltest

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"example.com/crm/shared/agentpop"
)

// Memory is an in-memory agentpop.Journal for unit tests (it keeps the
// contract: TestJournal). A record id with "/" names no record, as in
// Firestore.
type Memory struct {
	mu      sync.Mutex
	entries []agentpop.Entry
}

var _ agentpop.Journal = (*Memory)(nil)

// Add implements agentpop.Journal.
func (m *Memory) Add(_ context.Context, e agentpop.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.ID = strconv.Itoa(len(m.entries) + 1)
	m.entries = append(m.entries, e)
	return nil
}

// OfSession implements agentpop.Journal.
func (m *Memory) OfSession(_ context.Context, session string, limit int) ([]agentpop.Entry, error) {
	return m.list(func(e agentpop.Entry) bool { return e.Session == session }, limit), nil
}

// OfRecord implements agentpop.Journal.
func (m *Memory) OfRecord(_ context.Context, id string, limit int) ([]agentpop.Entry, error) {
	if id == "" || slices.Contains([]byte(id), '/') {
		return nil, nil
	}
	return m.list(func(e agentpop.Entry) bool { return e.RecordID == id }, limit), nil
}

func (m *Memory) list(keep func(agentpop.Entry) bool, limit int) []agentpop.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []agentpop.Entry
	for _, e := range slices.Backward(m.entries) {
		if keep(e) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b agentpop.Entry) int { return b.At.Compare(a.At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

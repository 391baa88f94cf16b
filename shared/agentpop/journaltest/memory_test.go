package journaltest_test

import (
	"testing"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/agentpop/journaltest"
)

func TestMemory(t *testing.T) {
	journaltest.TestJournal(t, func(t *testing.T) agentpop.Journal { return &journaltest.Memory{} })
}

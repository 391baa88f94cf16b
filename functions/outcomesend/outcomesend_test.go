package outcomesend_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/functions/outcomesend"
	"example.com/crm/shared/outcome"
)

// What is not a task gets a 4xx with a clear body before anything is
// read or sent (the Sender here has nothing: any use would panic, which
// Serve would turn into a 500).
func TestBadTasks(t *testing.T) {
	h := outcomesend.New(outcome.Sender{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, c := range []struct {
		method, body string
		status       int
	}{
		{"GET", "", 405},
		{"POST", "", 400},
		{"POST", "not json", 400},
		{"POST", `{"record_id":"r1"}`, 400},
		{"POST", `{"record_id":"r1","session":"call:1","extra":1}`, 400},
		{"POST", `{"record_id":"r1","session":"meeting:1"}`, 400},
		{"POST", `{"record_id":"r1","session":"call:"}`, 400},
		{"POST", `{"record_id":"","session":"call:1"}`, 400},
		{"POST", `{"record_id":"r1","session":"call:1"} {}`, 400},
		{"POST", `{"record_id":"r1","session":"call:` + strings.Repeat("9", 200) + `"}`, 400},
		{"POST", strings.Repeat(" ", 70<<10), 400},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, "/", strings.NewReader(c.body)))
		if rec.Code != c.status && !(c.status == 400 && rec.Code == 422) {
			t.Errorf("%s %.40q: %d %s, want %d", c.method, c.body, rec.Code, rec.Body, c.status)
		}
		if rec.Code >= 400 && !strings.Contains(rec.Body.String(), "error") {
			t.Errorf("%s %.40q: body %s, want a JSON error", c.method, c.body, rec.Body)
		}
	}
}

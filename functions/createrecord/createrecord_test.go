package createrecord_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/functions/createrecord"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// capture is a store that keeps the record it is asked to create.
type capture struct {
	crm.RecordStore
	got crm.Record
}

func (c *capture) CreateRecord(_ context.Context, r crm.Record) (crm.Record, bool, error) {
	c.got = r
	r.ID = "r1"
	return r, true, nil
}

// requestKey sends one create request and returns the request key of
// the record it decoded.
func requestKey(t *testing.T, method, target, contentType, body string) string {
	t.Helper()
	store := &capture{}
	h := createrecord.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store, nil)
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusCreated {
		t.Fatalf("%s %s %s: got %d %s", method, target, body, w.Code, w.Body)
	}
	if len(store.got.Keys()) != 0 {
		t.Fatalf("%s: the record has identity keys %v", body, store.got.Keys())
	}
	return store.got.RequestKey()
}

// A record without a session: the same create in every form has one
// request key; a different body has another.
func TestRequestKeyOfEveryForm(t *testing.T) {
	const jsonType = "application/json"
	want := requestKey(t, "POST", "/records", jsonType,
		`{"record":{"account_id":"acc1","subject":"Refund","description":"","call_id":"","agent_email":"unassigned"}}`)
	same := []struct{ name, method, target, contentType, body string }{
		{"property", "POST", "/records", jsonType, `{"account_id":"acc1","subject":"Refund","agent_email":"unassigned"}`},
		{"order, spelling, status open", "PUT", "/records", jsonType, `{"Agent_Email":"unassigned","title":"Refund","status":"Open","contactId":"acc1"}`},
		{"account in the path", "POST", "/accounts/acc1/records", jsonType, `{"subject":"Refund","agent_email":"unassigned"}`},
		{"query string", "POST", "/records?account_id=acc1&subject=Refund&agent_email=unassigned", "", ""},
		{"container array", "PATCH", "/records", jsonType, `{"items":[{"account_id":"acc1"},{"subject":"Refund","agent_email":"unassigned"}]}`},
	}
	for _, tt := range same {
		if got := requestKey(t, tt.method, tt.target, tt.contentType, tt.body); got != want {
			t.Errorf("%s: got %s, want %s", tt.name, got, want)
		}
	}
	for name, body := range map[string]string{
		"another account": `{"account_id":"acc2","subject":"Refund","agent_email":"unassigned"}`,
		"another subject": `{"account_id":"acc1","subject":"Refunds","agent_email":"unassigned"}`,
		"a description":   `{"account_id":"acc1","subject":"Refund","description":"card","agent_email":"unassigned"}`,
		"closed":          `{"account_id":"acc1","subject":"Refund","status":"closed","agent_email":"unassigned"}`,
		"another custom":  `{"account_id":"acc1","subject":"Refund","agent_email":"a@example.com"}`,
	} {
		if got := requestKey(t, "POST", "/records", jsonType, body); got == want {
			t.Errorf("%s: got the same key %s", name, got)
		}
	}
}

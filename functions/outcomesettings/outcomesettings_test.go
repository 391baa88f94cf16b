package outcomesettings_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"example.com/crm/functions/outcomesettings"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/outcome"
	"example.com/crm/shared/testenv"
)

func TestOutcomeSettings(t *testing.T) {
	store := gcpfirestore.New(testenv.Firestore(t))
	srv := httptest.NewServer(outcomesettings.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store))
	defer srv.Close()
	do := func(method, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	stored := func() outcome.Settings {
		t.Helper()
		s, err := store.OutcomeSettings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// The defaults: everything off.
	if status, body := do("GET", ""); status != 200 || !strings.Contains(body, `"global":{"enabled":false,"address":""}`) {
		t.Fatalf("GET the defaults: %d %s", status, body)
	}
	good := `{"global":{"enabled":true,"address":"outcomes@example.com"},"queues":{"8":{"enabled":true,"address":"orders@example.com"},"Orders/Refunds":{"enabled":true,"address":""}}}`
	if status, body := do("PUT", good); status != 200 {
		t.Fatalf("PUT: %d %s", status, body)
	}
	var want outcome.Settings
	if err := json.Unmarshal([]byte(good), &want); err != nil {
		t.Fatal(err)
	}
	if got := stored(); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored: got %+v, want %+v", got, want)
	}
	status, body := do("GET", "")
	var got outcome.Settings
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GET after PUT: %d %s", status, body)
	}

	for _, tt := range []struct{ name, body, want string }{
		{"two addresses", `{"global":{"enabled":true,"address":"a@example.com, b@example.com"}}`, "global.address"},
		{"a display name", `{"global":{"enabled":true,"address":"Team <a@example.com>"}}`, "global.address"},
		{"a bad queue address", `{"queues":{"8":{"enabled":true,"address":"not an address"}}}`, "queues[8].address"},
		{"global on without an address", `{"global":{"enabled":true}}`, "global.address"},
		{"an unknown field", `{"global":{"enabled":true,"address":"a@example.com"},"cc":"x"}`, "cc"},
		{"a wrong type", `{"global":{"enabled":"yes"}}`, "enabled"},
		{"not JSON", `enabled=true`, "not outcome email settings"},
		{"two documents", `{} {}`, "more than one"},
		{"empty", ``, "not outcome email settings"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do("PUT", tt.body)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %s, want 422 naming %q", status, body, tt.want)
			}
			if got := stored(); !reflect.DeepEqual(got, want) {
				t.Errorf("the stored settings changed: %+v", got)
			}
		})
	}
	if status, _ := do("DELETE", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: got %d, want 405", status)
	}
}

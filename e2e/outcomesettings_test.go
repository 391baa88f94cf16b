package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The outcome email settings function, deployed: the Generic API's
// authentication guards it; settings put are read back; bad ones get 422.
func TestOutcomeSettingsEndpoint(t *testing.T) {
	p := newPlayer(t)
	key := p.Settings.Auth.CustomHeader[0]
	u := stack.URLs["OutcomeSettings"]
	do := func(method, body, apiKey string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if apiKey != "" {
			req.Header.Set(key.Key, apiKey)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, _ := do("GET", "", ""); status != http.StatusUnauthorized {
		t.Errorf("GET without credentials: got %d, want 401", status)
	}
	if status, _ := do("PUT", `{"global":{"enabled":true,"address":"x@example.com"}}`, "a-wrong-key-0123456789"); status != http.StatusUnauthorized {
		t.Errorf("PUT with a wrong key: got %d, want 401", status)
	}
	good := `{"global":{"enabled":true,"address":"outcomes@example.com"},"queues":{"8":{"enabled":false,"address":""}}}`
	if status, body := do("PUT", good, key.Value); status != 200 {
		t.Fatalf("PUT: %d %s", status, body)
	}
	if status, body := do("PUT", `{"global":{"enabled":true,"address":"two@example.com;three@example.com"}}`, key.Value); status != 422 || !strings.Contains(body, "global.address") {
		t.Errorf("PUT bad: got %d %s, want 422 naming global.address", status, body)
	}
	if status, body := do("GET", "", key.Value); status != 200 || !strings.Contains(body, "outcomes@example.com") {
		t.Errorf("GET: got %d %s, want the settings put", status, body)
	}
}

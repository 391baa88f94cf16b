package localstack

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var eventAttr = regexp.MustCompile(`data-event="([^"]*)"`)

// postedBy returns the event JSON strings of a page's buttons.
func postedBy(page string) []string {
	var out []string
	for _, m := range eventAttr.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// Each stand-in adapter offers its own events, posted exactly as set
// (markup in the data stays data); the call adapter frames the third
// origin's page, which offers every event.
func TestAdapterPages(t *testing.T) {
	a, err := StartAdapter("localhost:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	if !strings.HasPrefix(a.Origin, "http://localhost:") || !strings.HasPrefix(a.Foreign, "http://127.0.0.1:") {
		t.Fatalf("origins %s, %s", a.Origin, a.Foreign)
	}
	newCall := AdapterEvent{Adapter: "call", Type: "New_Call", Data: map[string]any{"call_id": 7, "queue_path": `A "B" </button><script>x</script>`}}
	newChat := AdapterEvent{Adapter: "chat", Type: "New_Chat", Data: map[string]any{"chat_id": 8}}
	a.SetEvents(newCall, newChat)

	status, call := get(t, a.Origin+"/agent/?type=call&from=custom")
	if got := postedBy(call); status != 200 || !slices.Equal(got, []string{newCall.JSON()}) {
		t.Errorf("call adapter: %d, posts %q, want %q", status, got, newCall.JSON())
	}
	if strings.Contains(call, "<script>x") || !strings.Contains(call, `<iframe name="foreign" title="A page of another origin" src="`+a.Foreign+`/">`) {
		t.Errorf("call adapter page:\n%s", call)
	}
	if status, chat := get(t, a.Origin+"/agent/?type=chat&from=custom"); status != 200 || !slices.Equal(postedBy(chat), []string{newChat.JSON()}) {
		t.Errorf("chat adapter: %d, posts %q", status, postedBy(chat))
	}
	if status, foreign := get(t, a.Foreign+"/"); status != 200 || !slices.Equal(postedBy(foreign), []string{newCall.JSON(), newChat.JSON()}) ||
		!strings.Contains(foreign, `data-target="grandparent"`) {
		t.Errorf("third origin: %d, posts %q", status, postedBy(foreign))
	}
	if status, js := get(t, a.Origin+"/adapter.js"); status != 200 || !strings.Contains(js, "postMessage(b.dataset.event, '*')") {
		t.Errorf("adapter.js: %d %s", status, js)
	}
	for _, u := range []string{a.Origin + "/agent/?type=sms", a.Origin + "/", a.Foreign + "/agent/?type=call"} {
		if status, _ := get(t, u); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, status)
		}
	}
	if got := newCall.Label(); got != "New_Call · call 7" {
		t.Errorf("label %q", got)
	}
}

package pages_test

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkPages measures each page as a signed-in browser gets it from
// the function on the emulators: server time (p50, p99) and weight.
// go test ./functions/pages -run '^$' -bench Pages
func BenchmarkPages(b *testing.B) {
	e := adminEnv(b, deployment(), nil)
	for _, p := range []struct{ name, path string }{
		{"account", "/accounts/" + e.account.ID},
		{"record", "/records/" + e.record.ID},
		{"search-phone", "/search?q=222.333.4444"},
		{"search-session", "/search?q=1418"},
		{"pop-none", "/pop?ani=+15550001111&menu_path=Support&channel=voice_call"},
		{"admin", "/admin"},
		{"css", "/static/pages.css"},
	} {
		b.Run(p.name, func(b *testing.B) {
			var times []time.Duration
			size := 0
			for b.Loop() {
				start := time.Now()
				resp, err := e.browser.Get(e.srv.URL + p.path)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				times = append(times, time.Since(start))
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p.path, resp.StatusCode)
				}
				size = len(body)
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}

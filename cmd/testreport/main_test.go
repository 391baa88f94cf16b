package main

import "testing"

func TestScreenshot(t *testing.T) {
	for line, want := range map[string]string{
		"    browser_test.go:69: screenshot: /tmp/s/pages-record.png (128385 bytes)\n": "/tmp/s/pages-record.png",
		"    browser_test.go:12: signed in\n":                                          "",
	} {
		if got, ok := screenshot(line); got != want || ok != (want != "") {
			t.Errorf("screenshot(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
}

package comment

import "testing"

func TestIsHTML(t *testing.T) {
	tests := []struct {
		name, flag, body string
		want             bool
	}{
		{"flag true", "true", "plain", true},
		{"flag 1", "1", "plain", true},
		{"flag yes", " YES ", "plain", true},
		{"flag html", "HTML", "plain", true},
		{"flag text/html", "text/html", "plain", true},
		{"flag false beats markup", "false", "<p>x</p>", false},
		{"flag 0", "0", "<p>x</p>", false},
		{"flag no", "no", "<p>x</p>", false},
		{"flag text", "text", "<b>x</b>", false},
		{"flag plain", "plain", "<b>x</b>", false},
		{"flag text/plain", "Text/Plain", "<b>x</b>", false},
		{"no flag, markup", "", "<p>Call ended</p>", true},
		{"no flag, entity", "", "Tom &amp; Jerry", true},
		{"no flag, text", "", "Call ended after 03:12", false},
		{"no flag, angle brackets in text", "", "James <james@mi6.gov.uk>", false},
		{"unknown flag, looks at body", "markdown", "<p>x</p>", true},
		{"unknown flag, text body", "markdown", "*x*", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isHTML(tt.flag, tt.body); got != tt.want {
				t.Errorf("isHTML(%q, %q): got %v, want %v", tt.flag, tt.body, got, tt.want)
			}
		})
	}
}

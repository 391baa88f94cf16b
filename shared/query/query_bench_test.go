package query

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkQuery1MiBSpaces parses expressions made mostly of one long run
// of spaces, and other hostile shapes, at growing sizes: the time per
// byte must stay flat.
func BenchmarkQuery1MiBSpaces(b *testing.B) {
	shapes := []struct {
		name string
		make func(n int) string
	}{
		{"spaces-in-bare-value", func(n int) string { return "phone:equals:1" + strings.Repeat(" ", n) + "2" }},
		{"spaces-in-paren-value", func(n int) string { return "(phone:equals:1" + strings.Repeat(" ", n) + "2)" }},
		{"spaces-after-or", func(n int) string { return "(phone:equals:1) or" + strings.Repeat(" ", n) + "(email:equals:a)" }},
		{"opening-parens-in-value", func(n int) string { return "phone:equals:" + strings.Repeat("(", n) }},
		{"words-in-value", func(n int) string { return "company:equals:" + strings.Repeat("Marks and ", n/10) }},
		{"many-terms", func(n int) string {
			return strings.TrimSuffix(strings.Repeat("(phone:equals:1) or ", n/20), " or ")
		}},
	}
	for _, shape := range shapes {
		for _, size := range []int{16 << 10, 64 << 10, 256 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%dKiB", shape.name, size>>10), func(b *testing.B) {
				s := shape.make(size)
				b.SetBytes(int64(len(s)))
				b.ReportAllocs()
				for b.Loop() {
					Parse(s)
					LooksLikeQuery(s)
				}
			})
		}
	}
}

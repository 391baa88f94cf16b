package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// terms returns n terms in the given shape.
func terms(shape string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("(f%d:equals:%d)", i, i)
	}
	switch shape {
	case "or":
		return strings.Join(parts, " or ")
	case "and":
		return strings.Join(parts, " and ")
	case "bare":
		for i := range parts {
			parts[i] = strings.Trim(parts[i], "()")
		}
		return strings.Join(parts, " or ")
	case "groups": // ((t0 and t1) or (t2 and t3)) ...
		var b strings.Builder
		for i := 0; i < n; i += 2 {
			if i > 0 {
				b.WriteString(" or ")
			}
			if i+1 < n {
				b.WriteString("(" + parts[i] + " and " + parts[i+1] + ")")
			} else {
				b.WriteString(parts[i])
			}
		}
		return b.String()
	}
	panic(shape)
}

var termShapes = []string{"or", "and", "bare", "groups"}

func TestParseAtTermCap(t *testing.T) {
	for _, shape := range termShapes {
		t.Run(shape, func(t *testing.T) {
			e, err := Parse(terms(shape, MaxTerms))
			if err != nil {
				t.Fatalf("Parse of %d terms: got error %v, want none", MaxTerms, err)
			}
			if got := CountTerms(e); got != MaxTerms {
				t.Errorf("CountTerms: got %d, want %d", got, MaxTerms)
			}
		})
	}
}

func TestParseOverTermCap(t *testing.T) {
	want := fmt.Sprintf("more than %d terms", MaxTerms)
	for _, shape := range termShapes {
		t.Run(shape, func(t *testing.T) {
			s := terms(shape, MaxTerms+1)
			e, err := Parse(s)
			var syn *SyntaxError
			if !errors.As(err, &syn) {
				t.Fatalf("Parse of %d terms: got (%v, %v), want a *SyntaxError", MaxTerms+1, e, err)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error: got %q, want it to name the limit (%q)", err, want)
			}
			if last := strings.LastIndex(s, fmt.Sprintf("f%d:", MaxTerms)); syn.Offset != last {
				t.Errorf("offset: got %d, want %d (the term over the cap)", syn.Offset, last)
			}
		})
	}
}

func TestCheckTerms(t *testing.T) {
	at, err := Parse(terms("or", MaxTerms))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckTerms(at); err != nil {
		t.Errorf("CheckTerms of %d terms: got %v, want nil", MaxTerms, err)
	}
	over := And{at, Term{Field: "status", Op: "equals", Value: "open"}}
	want := fmt.Sprintf("more than %d terms", MaxTerms)
	if err := CheckTerms(over); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("CheckTerms of %d terms: got %v, want an error naming %q", MaxTerms+1, err, want)
	}
}

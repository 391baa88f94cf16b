package ccaiplayer

import (
	"regexp"
	"strings"
)

// Vars are a session's variable values, keyed by name without braces
// ("PHONE_NUMBER", "Call_ID"). A missing variable is empty.
type Vars map[string]string

var varToken = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces the {VARIABLE} tokens of t; empty reports whether t
// had variables and all of them were empty.
func expand(t string, vars Vars, escape func(string) string) (out string, empty bool) {
	sawVar, sawValue := false, false
	out = varToken.ReplaceAllStringFunc(t, func(tok string) string {
		sawVar = true
		v := vars[tok[1:len(tok)-1]]
		if v != "" {
			sawValue = true
		}
		if escape != nil {
			return escape(v)
		}
		return v
	})
	return out, sawVar && !sawValue
}

// Evaluate computes a parameter value as CCAI Platform does: a template
// with variables, or a function (=DEFAULT_VALUE, =CONCAT_OR, =CONCAT_AND)
// whose arguments are templates. ok is false when the parameter is to be
// dropped (a function with an empty result).
func Evaluate(value string, vars Vars) (result string, isFunction, ok bool) {
	v := strings.TrimSpace(value)
	for _, fn := range []string{"=DEFAULT_VALUE(", "=CONCAT_OR(", "=CONCAT_AND("} {
		if !strings.HasPrefix(strings.ToUpper(v), fn) || !strings.HasSuffix(v, ")") {
			continue
		}
		var vals []string
		for _, arg := range splitArgs(v[len(fn) : len(v)-1]) {
			s, empty := expand(strings.TrimSpace(arg), vars, nil)
			if empty {
				s = ""
			}
			vals = append(vals, s)
		}
		var nonEmpty []string
		for _, s := range vals {
			if s != "" {
				nonEmpty = append(nonEmpty, s)
			}
		}
		switch fn {
		case "=DEFAULT_VALUE(":
			if len(nonEmpty) > 0 {
				result = nonEmpty[0]
			}
		case "=CONCAT_OR(":
			result = strings.Join(nonEmpty, " or ")
		case "=CONCAT_AND(":
			result = strings.Join(nonEmpty, " and ")
		}
		return result, true, result != ""
	}
	s, _ := expand(value, vars, nil)
	return s, false, true
}

// splitArgs splits a function's arguments at the commas outside
// parentheses.
func splitArgs(s string) []string {
	var args []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				args = append(args, s[start:i])
				start = i + 1
			}
		}
	}
	return append(args, s[start:])
}

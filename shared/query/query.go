// Package query parses the search expressions that CCAI Platform builds with
// =CONCAT_OR and =CONCAT_AND, such as
//
//	(Phone:equals:+12223334444) or (Email:equals:james.bond@007)
//
// An expression is terms joined with "and" and "or" (case-insensitive), "and"
// binding tighter than "or", with parentheses for grouping. A term is
// Field:op:value. The field is made of ASCII letters, digits, '_', '-' and '.'
// and is returned lower-cased; the only operator is "equals" (also written
// "eq", "is", "=" or "=="). The value is the rest of the term, with
// surrounding whitespace and one pair of surrounding quotes removed; it may
// hold spaces, colons and balanced parentheses, as in
// "(Phone:equals:(222) 333-4444)".
//
// Because values may contain " and " and " or " ("Marks and Spencer"), a
// keyword inside a value ends the value only when what follows it is another
// term (Field:op:, possibly after opening parentheses) or the end of the
// input. So "(Company:equals:Marks and Spencer)" is one term and
// "(a:equals:x and b:equals:y)" is two.
//
// Parsing takes time linear in the input. An expression holds at most
// MaxTerms terms, nested in at most maxDepth parentheses.
package query

import (
	"errors"
	"fmt"
	"strings"
)

// Expr is a parsed expression: a Term, an And or an Or.
type Expr interface{ isExpr() }

// Term is one Field:op:value comparison. Parse returns Field lower-cased and
// Op as "equals".
type Term struct{ Field, Op, Value string }

// And is a conjunction of two or more expressions, none of them an And.
type And []Expr

// Or is a disjunction of two or more expressions, none of them an Or.
type Or []Expr

func (Term) isExpr() {}
func (And) isExpr()  {}
func (Or) isExpr()   {}

// SyntaxError is the error Parse returns for malformed input. Offset is the
// byte offset in the input where the problem was found.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error returns the message and the offset, as in "unbalanced parenthesis at 17".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at %d", e.Msg, e.Offset)
}

// maxDepth bounds the nesting of parentheses, so that hostile input cannot
// exhaust the stack.
const maxDepth = 100

// MaxTerms bounds the terms of an expression: each one is a store query.
const MaxTerms = 50

// tooManyTerms is the error message for more than MaxTerms terms.
var tooManyTerms = fmt.Sprintf("more than %d terms", MaxTerms)

// operators maps each accepted spelling of an operator, lower-cased, to its
// normal form.
var operators = map[string]string{
	"equals": "equals",
	"eq":     "equals",
	"is":     "equals",
	"=":      "equals",
	"==":     "equals",
}

// Parse parses s. Errors are *SyntaxError with the byte offset and a message fit for an API client ("unbalanced parenthesis at 17", "unknown operator \"contains\" in term at 1", "empty value for field \"phone\"", "expected and/or at 30").
func Parse(s string) (Expr, error) {
	p := &parser{s: s}
	p.skipSpace()
	if p.pos == len(s) {
		return nil, p.errorf(p.pos, "empty expression")
	}
	e, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(s) {
		if s[p.pos] == ')' {
			return nil, p.errorf(p.pos, "unbalanced parenthesis")
		}
		return nil, p.errorf(p.pos, "expected and/or")
	}
	return e, nil
}

// LooksLikeQuery reports whether s looks like an expression (contains a `field:op:` term), so a plain value such as an email or phone isn't mistaken for one.
//
// Only the operators Parse accepts count, and the term must start s or follow
// whitespace or '(': "sip:alice@host:5060" and "james.bond@007" are not
// expressions, "(Email:equals:x)" and "Phone:eq:+1 222 333 4444" are.
func LooksLikeQuery(s string) bool {
	for i := 0; i < len(s); i++ {
		if i > 0 && !isSpace(s[i-1]) && s[i-1] != '(' {
			continue
		}
		if _, op, _, ok := termHead(s, i); ok {
			if _, known := operators[strings.ToLower(op)]; known {
				return true
			}
		}
	}
	return false
}

// String renders an Expr back in canonical form (for logs and golden tests).
//
// Every term is in parentheses and every group inside another is too:
// "((phone:equals:x) or (email:equals:y)) and (status:equals:open)". A value
// that Parse would trim or unquote is wrapped in double quotes.
func String(e Expr) string {
	var b strings.Builder
	write(&b, e, false)
	return b.String()
}

// write renders e on b, in parentheses if nested and e is a group.
func write(b *strings.Builder, e Expr, nested bool) {
	switch e := e.(type) {
	case Term:
		b.WriteString("(")
		b.WriteString(e.Field)
		b.WriteString(":")
		b.WriteString(e.Op)
		b.WriteString(":")
		b.WriteString(quoteValue(e.Value))
		b.WriteString(")")
	case And:
		writeGroup(b, []Expr(e), " and ", nested)
	case Or:
		writeGroup(b, []Expr(e), " or ", nested)
	}
}

// writeGroup renders the items of an And or Or joined by sep.
func writeGroup(b *strings.Builder, items []Expr, sep string, nested bool) {
	if len(items) == 1 {
		write(b, items[0], nested)
		return
	}
	if nested {
		b.WriteString("(")
	}
	for i, item := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		write(b, item, true)
	}
	if nested {
		b.WriteString(")")
	}
}

// quoteValue returns v as it must be written in a term so that Parse gives v
// back: in double quotes if Parse would otherwise trim or unquote it.
func quoteValue(v string) string {
	if v != strings.TrimSpace(v) || unquote(v) != v {
		return `"` + v + `"`
	}
	return v
}

// parser holds the input, the offset of the next byte to read and the
// number of terms read.
type parser struct {
	s     string
	pos   int
	terms int
}

// errorf returns a *SyntaxError at offset.
func (p *parser) errorf(offset int, format string, args ...any) error {
	return &SyntaxError{Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// skipSpace moves past whitespace.
func (p *parser) skipSpace() {
	for p.pos < len(p.s) && isSpace(p.s[p.pos]) {
		p.pos++
	}
}

// parseOr parses and-expressions joined by "or".
func (p *parser) parseOr(depth int) (Expr, error) {
	var items Or
	for {
		e, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		if or, ok := e.(Or); ok {
			items = append(items, or...)
		} else {
			items = append(items, e)
		}
		if !p.keyword("or") {
			break
		}
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return items, nil
}

// parseAnd parses primaries joined by "and".
func (p *parser) parseAnd(depth int) (Expr, error) {
	var items And
	for {
		e, err := p.parsePrimary(depth)
		if err != nil {
			return nil, err
		}
		if and, ok := e.(And); ok {
			items = append(items, and...)
		} else {
			items = append(items, e)
		}
		if !p.keyword("and") {
			break
		}
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return items, nil
}

// keyword consumes optional whitespace and the keyword kw if they come next,
// and reports whether it did.
func (p *parser) keyword(kw string) bool {
	start := p.pos
	p.skipSpace()
	if end, ok := keywordAt(p.s, p.pos, kw); ok {
		p.pos = end
		return true
	}
	p.pos = start
	return false
}

// parsePrimary parses a term, bare or in parentheses, or a group in parentheses.
func (p *parser) parsePrimary(depth int) (Expr, error) {
	p.skipSpace()
	if p.pos == len(p.s) {
		return nil, p.errorf(p.pos, "expected term")
	}
	if p.s[p.pos] != '(' {
		if !looksLikeTerm(p.s, p.pos) {
			return nil, p.errorf(p.pos, "expected term")
		}
		return p.parseBareTerm()
	}

	open := p.pos
	if depth >= maxDepth {
		return nil, p.errorf(open, "parentheses nested more than %d deep", maxDepth)
	}
	start := open + 1
	for start < len(p.s) && isSpace(p.s[start]) {
		start++
	}
	if start < len(p.s) && p.s[start] == ')' {
		return nil, p.errorf(open, "empty parentheses")
	}
	if looksLikeTerm(p.s, start) {
		if _, _, valueStart, ok := termHead(p.s, start); !ok || !splitsValue(p.s, valueStart) {
			return p.parseParenTerm(open, start)
		}
	}

	p.pos = open + 1
	e, err := p.parseOr(depth + 1)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos == len(p.s) {
		return nil, p.errorf(open, "unbalanced parenthesis")
	}
	if p.s[p.pos] != ')' {
		return nil, p.errorf(p.pos, "expected and/or")
	}
	p.pos++
	return e, nil
}

// parseParenTerm parses the term starting at start, inside the parenthesis at
// open, whose value runs to the parenthesis that balances open.
func (p *parser) parseParenTerm(open, start int) (Expr, error) {
	field, op, valueStart, err := p.head(start)
	if err != nil {
		return nil, err
	}
	end, _ := valueEnd(p.s, valueStart, false)
	if end == len(p.s) {
		return nil, p.errorf(open, "unbalanced parenthesis")
	}
	p.pos = end + 1 // past ')'
	return p.term(start, field, op, p.s[valueStart:end])
}

// parseBareTerm parses the term at p.pos, which is not in parentheses: its
// value ends before "and" or "or" followed by another term, or at a
// parenthesis that closes an enclosing group, or at the end of the input.
func (p *parser) parseBareTerm() (Expr, error) {
	start := p.pos
	field, op, valueStart, err := p.head(start)
	if err != nil {
		return nil, err
	}
	end, unclosed := valueEnd(p.s, valueStart, true)
	if unclosed >= 0 {
		return nil, p.errorf(unclosed, "unbalanced parenthesis")
	}
	p.pos = end
	return p.term(start, field, op, p.s[valueStart:end])
}

// head reads the "field:op:" of the term at start and checks the operator.
func (p *parser) head(start int) (field, op string, valueStart int, err error) {
	field, op, valueStart, ok := termHead(p.s, start)
	if !ok {
		if _, known := operators[strings.ToLower(op)]; known {
			return "", "", 0, p.errorf(start, "expected ':' after operator %q in term", op)
		}
		return "", "", 0, p.errorf(start, "missing operator in term")
	}
	normal, known := operators[strings.ToLower(op)]
	if !known {
		return "", "", 0, p.errorf(start, "unknown operator %q in term", op)
	}
	return strings.ToLower(field), normal, valueStart, nil
}

// term builds the Term for the term at start from its raw value.
func (p *parser) term(start int, field, op, raw string) (Expr, error) {
	if p.terms++; p.terms > MaxTerms {
		return nil, p.errorf(start, "%s", tooManyTerms)
	}
	value := unquote(strings.TrimSpace(raw))
	if value == "" {
		return nil, p.errorf(start, "empty value for field %q", field)
	}
	return Term{Field: field, Op: op, Value: value}, nil
}

// unquote removes one pair of surrounding double or single quotes from v.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// valueEnd returns where the value starting at i ends: at the first ')' that
// does not balance a '(' of the value, or at the end of s, or, if bare, before
// whitespace followed by a keyword that splits the value (see splitsValue).
// unclosed is the offset of a '(' of the value left open at the end, or -1.
func valueEnd(s string, i int, bare bool) (end, unclosed int) {
	depth, outer := 0, -1 // outer: the '(' that took depth from 0 to 1
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			if depth == 0 {
				outer = i
			}
			depth++
		case c == ')':
			if depth == 0 {
				return i, -1
			}
			depth--
		case bare && depth == 0 && isSpace(c):
			// A run of whitespace is looked at once, from its first
			// byte: looking again from each byte would take time
			// quadratic in its length.
			if connectiveAt(s, i) {
				return i, -1
			}
			for i+1 < len(s) && isSpace(s[i+1]) {
				i++
			}
		}
	}
	if depth > 0 {
		return len(s), outer
	}
	return len(s), -1
}

// splitsValue reports whether the value starting at i, read to its closing
// parenthesis, holds a keyword that ends it: it is then a group of terms.
func splitsValue(s string, i int) bool {
	end, _ := valueEnd(s, i, true)
	return end < len(s) && s[end] != ')'
}

// connectiveAt reports whether s at i, which is whitespace, holds more
// whitespace, "and" or "or", and then the end of s or another term, possibly
// after opening parentheses.
func connectiveAt(s string, i int) bool {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	end, ok := keywordAt(s, i, "and")
	if !ok {
		end, ok = keywordAt(s, i, "or")
	}
	if !ok {
		return false
	}
	for end < len(s) && (isSpace(s[end]) || s[end] == '(') {
		end++
	}
	if end == len(s) {
		return true
	}
	_, _, _, ok = termHead(s, end)
	return ok
}

// keywordAt reports whether s at i holds kw (case-insensitive) followed by
// whitespace, '(' or the end of s, and returns the offset after kw.
func keywordAt(s string, i int, kw string) (int, bool) {
	end := i + len(kw)
	if end > len(s) || !strings.EqualFold(s[i:end], kw) {
		return 0, false
	}
	if end < len(s) && !isSpace(s[end]) && s[end] != '(' {
		return 0, false
	}
	return end, true
}

// looksLikeTerm reports whether s at i holds a field name, optional
// whitespace and ':'.
func looksLikeTerm(s string, i int) bool {
	j := i
	for j < len(s) && isFieldByte(s[j]) {
		j++
	}
	if j == i {
		return false
	}
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	return j < len(s) && s[j] == ':'
}

// termHead reads "field:op:" at i, with optional whitespace around the colons.
// The operator is a run of bytes other than whitespace, ':' and parentheses.
// ok is false if any part is missing; op is then what was read of the operator.
func termHead(s string, i int) (field, op string, valueStart int, ok bool) {
	j := i
	for j < len(s) && isFieldByte(s[j]) {
		j++
	}
	field = s[i:j]
	if field == "" {
		return "", "", 0, false
	}
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	if j == len(s) || s[j] != ':' {
		return "", "", 0, false
	}
	j++
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	k := j
	for k < len(s) && !isSpace(s[k]) && s[k] != ':' && s[k] != '(' && s[k] != ')' {
		k++
	}
	op = s[j:k]
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	if op == "" || k == len(s) || s[k] != ':' {
		return field, op, 0, false
	}
	return field, op, k + 1, true
}

// isFieldByte reports whether c may appear in a field name.
func isFieldByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.'
}

// isSpace reports whether c is ASCII whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// CountTerms returns the number of terms in e.
func CountTerms(e Expr) int {
	switch e := e.(type) {
	case Term:
		return 1
	case And:
		return countAll(e)
	case Or:
		return countAll(e)
	}
	return 0
}

func countAll(items []Expr) int {
	n := 0
	for _, e := range items {
		n += CountTerms(e)
	}
	return n
}

// CheckTerms returns an error if e, an expression built from several
// parsed ones, has more than MaxTerms terms.
func CheckTerms(e Expr) error {
	if CountTerms(e) > MaxTerms {
		return errors.New(tooManyTerms)
	}
	return nil
}

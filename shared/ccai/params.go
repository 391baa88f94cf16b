package ccai

import (
	"bytes"
	"strings"

	"example.com/crm/shared/crm"
)

// MaxParams bounds the parameters of one request: every key and value
// received counts, a repeated or an empty one too, and in a JSON body every
// value, in an array or object too (CheckJSONParams), so that decoding a
// hostile request stops early and takes little memory. Beyond, the request
// is Invalid (422).
const MaxParams = 1000

// Params are the parameter values of one request, from its query string
// and its body. Keys match loosely: case, "_", "-", "." and spaces are
// ignored, so "contactId", "contact_id" and "Contact-ID" are one key. An
// empty value is the same as a missing one. Copies of a Params share its
// storage: keep using one of them only.
type Params struct {
	entries  []entry        // in the order received
	index    map[string]int // canonical key -> position in entries
	received int            // calls to Set, for MaxParams
}

type entry struct {
	key   string // as received
	value string
	used  bool
}

// NewParams returns Params holding key, value pairs, in order (at most
// MaxParams of them; the rest are dropped).
func NewParams(kv ...string) *Params {
	var p Params
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	return &p
}

// Canon is the form in which parameter keys are compared.
func Canon(key string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(key) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// tooManyParams reports whether n parameters are more than MaxParams, as
// an Invalid error naming the limit.
func tooManyParams(n int) error {
	if n > MaxParams {
		return crm.Errorf(crm.Invalid, "more than %d parameters", MaxParams)
	}
	return nil
}

// CheckParamCount returns an Invalid error naming MaxParams if n
// parameters are more than MaxParams (for a reader that counts them as
// it goes, as CheckJSONParams counts a JSON body's values).
func CheckParamCount(n int) error { return tooManyParams(n) }

// CheckJSONParams returns an Invalid error naming MaxParams if the JSON
// text body holds more values than MaxParams, counting scalars and empty
// objects and arrays (there is one more of them than commas outside
// strings). It reads body once without decoding it: check it before
// decoding, which takes many times the size of a body of tiny values.
func CheckJSONParams(body []byte) error {
	n := 1
	for {
		i := bytes.IndexAny(body, `",`)
		if i < 0 {
			return tooManyParams(n)
		}
		if body[i] == ',' {
			n++
			if err := tooManyParams(n); err != nil {
				return err
			}
			body = body[i+1:]
			continue
		}
		body = skipString(body[i+1:])
	}
}

// skipString returns what follows the JSON string whose content starts s.
func skipString(s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '"')
		if i < 0 {
			return nil
		}
		backslashes := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			backslashes++
		}
		s = s[i+1:]
		if backslashes%2 == 0 {
			return s
		}
	}
}

// Set sets key to value, replacing a value of the same canonical key (the
// parameter keeps its place in the order). Values are trimmed; an empty
// value is the same as a missing one, so it changes nothing. Every call
// counts towards MaxParams: past it, Set changes nothing and returns an
// Invalid error.
func (p *Params) Set(key, value string) error {
	p.received++
	if err := tooManyParams(p.received); err != nil {
		return err
	}
	value = strings.TrimSpace(value)
	c := Canon(key)
	if c == "" || value == "" {
		return nil
	}
	if i, ok := p.index[c]; ok {
		p.entries[i].key, p.entries[i].value = key, value
		return nil
	}
	if p.index == nil {
		p.index = map[string]int{}
	}
	p.index[c] = len(p.entries)
	p.entries = append(p.entries, entry{key: key, value: value})
	return nil
}

// lookup returns the entry of name's canonical key, or nil.
func (p *Params) lookup(name string) *entry {
	if i, ok := p.index[Canon(name)]; ok {
		return &p.entries[i]
	}
	return nil
}

// Get returns the value of the first of names that has one, and marks
// every one of names as used.
func (p *Params) Get(names ...string) string {
	v := ""
	for _, n := range names {
		if e := p.lookup(n); e != nil {
			e.used = true
			if v == "" {
				v = e.value
			}
		}
	}
	return v
}

// All returns the values of every one of names that has one, in the order
// of names, and marks them used.
func (p *Params) All(names ...string) []string {
	var out []string
	for _, n := range names {
		if v := p.Get(n); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Has reports whether any of names has a value, without marking it used.
func (p *Params) Has(names ...string) bool {
	for _, n := range names {
		if p.lookup(n) != nil {
			return true
		}
	}
	return false
}

// Unused returns the parameters that no Get has asked for, keyed by their
// lower-cased received key: the custom fields of a request.
func (p *Params) Unused() map[string]string {
	var out map[string]string
	for _, e := range p.entries {
		if e.used {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[strings.ToLower(e.key)] = e.value
	}
	return out
}

// Each calls fn for every parameter, in the order received.
func (p *Params) Each(fn func(key, value string)) {
	for _, e := range p.entries {
		fn(e.key, e.value)
	}
}

// Len is the number of parameters with a value.
func (p *Params) Len() int { return len(p.entries) }

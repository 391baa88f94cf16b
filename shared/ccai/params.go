package ccai

import (
	"strings"
)

// Params are the parameter values of one request, from its query string
// and its body. Keys match loosely: case, "_", "-", "." and spaces are
// ignored, so "contactId", "contact_id" and "Contact-ID" are one key. An
// empty value is the same as a missing one.
type Params struct {
	entries []entry
}

type entry struct {
	key   string // as received
	canon string
	value string
	used  bool
}

// NewParams returns Params holding key, value pairs, in order.
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

// Set sets key to value, replacing a value of the same canonical key.
// Values are trimmed; an empty value is the same as a missing one, so it
// changes nothing.
func (p *Params) Set(key, value string) {
	value = strings.TrimSpace(value)
	c := Canon(key)
	if c == "" || value == "" {
		return
	}
	for i := range p.entries {
		if p.entries[i].canon == c {
			p.entries[i].key, p.entries[i].value = key, value
			return
		}
	}
	p.entries = append(p.entries, entry{key: key, canon: c, value: value})
}

// Get returns the value of the first of names that has one, and marks
// every one of names as used.
func (p *Params) Get(names ...string) string {
	v := ""
	for _, n := range names {
		c := Canon(n)
		for i := range p.entries {
			if p.entries[i].canon == c {
				p.entries[i].used = true
				if v == "" {
					v = p.entries[i].value
				}
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
		c := Canon(n)
		for _, e := range p.entries {
			if e.canon == c {
				return true
			}
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

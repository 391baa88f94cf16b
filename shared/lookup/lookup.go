// Package lookup answers the "find" endpoints of the Generic API: it turns
// the parameters CCAI Platform sends (plain identifiers, or a search
// expression built with =CONCAT_OR / =CONCAT_AND) into store queries and
// picks the account or record to return.
package lookup

import (
	"context"
	"slices"
	"strings"
	"sync"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/phone"
	"example.com/crm/shared/query"
)

// perQuery bounds the candidates one store query returns.
const perQuery = 50

// MostRecent returns the most recently updated of accounts.
func MostRecent(accounts []crm.Account) (crm.Account, bool) {
	if len(accounts) == 0 {
		return crm.Account{}, false
	}
	best := accounts[0]
	for _, a := range accounts[1:] {
		if a.UpdatedAt.After(best.UpdatedAt) {
			best = a
		}
	}
	return best, true
}

// BestRecord returns the record to answer a find with: an open one before
// a closed one, then the most recently updated (crm.CompareRecords).
func BestRecord(records []crm.Record) (crm.Record, bool) {
	if len(records) == 0 {
		return crm.Record{}, false
	}
	best := records[0]
	for _, r := range records[1:] {
		if crm.CompareRecords(r, best) < 0 {
			best = r
		}
	}
	return best, true
}

// maxCalls bounds the store calls one find has in flight at once.
const maxCalls = 4

// Accounts evaluates e. The exact identities it names (a phone number in
// E.164 form, an email, a custom user id) are answered by their identity
// keys, read for the whole of e in one batch (AccountsByKey); any other
// term is one store query. The branches of an "or" run concurrently (at
// most maxCalls store calls at once) and are united; "and" intersects.
func Accounts(ctx context.Context, store crm.AccountStore, e query.Expr, region string) ([]crm.Account, error) {
	f := &accountFinder{store: store, region: region, slots: make(chan struct{}, maxCalls)}
	keys := f.keysOf(e, nil)
	f.held = sync.OnceValues(func() (held map[string]crm.Account, err error) {
		if len(keys) > 0 {
			err = f.call(func() (err error) {
				held, err = store.AccountsByKey(ctx, keys)
				return err
			})
		}
		return held, err
	})
	return f.eval(ctx, e)
}

type accountFinder struct {
	store  crm.AccountStore
	region string
	slots  chan struct{}
	// held reads every identity key of the search once.
	held func() (map[string]crm.Account, error)
}

// call runs a store call once a slot is free.
func (f *accountFinder) call(fn func() error) error {
	f.slots <- struct{}{}
	defer func() { <-f.slots }()
	return fn()
}

func (f *accountFinder) eval(ctx context.Context, e query.Expr) ([]crm.Account, error) {
	switch e := e.(type) {
	case query.Term:
		return f.term(ctx, e)
	case query.Or:
		found := make([][]crm.Account, len(e))
		errs := make([]error, len(e))
		var wg sync.WaitGroup
		for i, sub := range e {
			wg.Go(func() { found[i], errs[i] = f.eval(ctx, sub) })
		}
		wg.Wait()
		var out []crm.Account
		for i := range e {
			if errs[i] != nil {
				return nil, errs[i]
			}
			out = unite(out, found[i], accountID)
		}
		return out, nil
	case query.And:
		var out []crm.Account
		for i, sub := range e {
			got, err := f.eval(ctx, sub)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				out = got
			} else {
				out = intersect(out, got, accountID)
			}
			if len(out) == 0 {
				return nil, nil
			}
		}
		return out, nil
	}
	return nil, crm.Errorf(crm.Invalid, "unsupported expression")
}

func accountID(a crm.Account) string { return a.ID }
func recordID(r crm.Record) string   { return r.ID }

// keysOf appends to keys the identity keys that the terms of e are
// answered by.
func (f *accountFinder) keysOf(e query.Expr, keys []string) []string {
	switch e := e.(type) {
	case query.Term:
		for _, k := range f.exactKeys(e) {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	case query.Or:
		for _, sub := range e {
			keys = f.keysOf(sub, keys)
		}
	case query.And:
		for _, sub := range e {
			keys = f.keysOf(sub, keys)
		}
	}
	return keys
}

// exactKeys returns the identity keys that answer t, in order of
// preference (the holder of the first held one is the answer), or none
// when t is no exact identity: a phone number's E.164 form, then (for
// input in E.164 form, which has no national digits to search by) the
// same number stored without a known country, by its national digits or
// all its digits; an email; a custom user id.
func (f *accountFinder) exactKeys(t query.Term) []string {
	switch {
	case ccai.Is(t.Field, ccai.PhoneFields):
		s, err := phone.SearchFor(t.Value, f.region)
		if err != nil || s.E164 == "" {
			return nil
		}
		keys := []string{crm.PhoneKey(s.E164)}
		if s.Tail == "" {
			if d := phone.NationalDigits(s.E164); d != "" {
				keys = append(keys, crm.PhoneDigitsKey(d))
			}
			keys = append(keys, crm.PhoneDigitsKey(s.E164[1:]))
		}
		return keys
	case ccai.Is(t.Field, ccai.EmailFields):
		return []string{crm.EmailKey(NormalizeEmail(t.Value))}
	case ccai.Is(t.Field, ccai.CustomUserIDFields):
		return []string{crm.CustomUserIDKey(t.Value)}
	}
	return nil
}

func (f *accountFinder) term(ctx context.Context, t query.Term) ([]crm.Account, error) {
	if ccai.Is(t.Field, append([]string{"id"}, ccai.AccountIDFields...)) {
		return f.find(ctx, crm.AccountCondition{Field: crm.AccountByID, Value: t.Value})
	}
	if keys := f.exactKeys(t); len(keys) > 0 {
		held, err := f.held()
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if a, ok := held[k]; ok {
				return []crm.Account{a}, nil
			}
		}
	}
	switch {
	case ccai.Is(t.Field, ccai.PhoneFields):
		// a search pattern, or a national number whose E.164 form no
		// account holds: by its trailing digits
		s, err := phone.SearchFor(t.Value, f.region)
		if err != nil || len(s.Tail) < phone.MinTailDigits {
			return nil, nil // no phone number finds nothing
		}
		return f.find(ctx, crm.AccountCondition{Field: crm.AccountByPhoneTail, Value: s.Tail})
	case ccai.Is(t.Field, ccai.EmailFields), ccai.Is(t.Field, ccai.CustomUserIDFields):
		return nil, nil
	case ccai.Is(t.Field, ccai.NameFields):
		return f.find(ctx, crm.AccountCondition{Field: crm.AccountByName, Value: t.Value})
	default:
		return f.find(ctx, crm.AccountCondition{Field: crm.AccountByCustom, Key: strings.ToLower(t.Field), Value: t.Value})
	}
}

func (f *accountFinder) find(ctx context.Context, c crm.AccountCondition) (found []crm.Account, err error) {
	err = f.call(func() (err error) {
		found, err = f.store.FindAccounts(ctx, c, perQuery)
		return err
	})
	return found, err
}

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func unite[T any](a, b []T, id func(T) string) []T {
	for _, x := range b {
		if !slices.ContainsFunc(a, func(y T) bool { return id(y) == id(x) }) {
			a = append(a, x)
		}
	}
	return a
}

func intersect[T any](a, b []T, id func(T) string) []T {
	var out []T
	for _, x := range a {
		if slices.ContainsFunc(b, func(y T) bool { return id(y) == id(x) }) {
			out = append(out, x)
		}
	}
	return out
}

// Package lookup answers the "find" endpoints of the Generic API: it turns
// the parameters CCAI Platform sends (plain identifiers, or a search
// expression built with =CONCAT_OR / =CONCAT_AND) into store queries and
// picks the account or record to return.
package lookup

import (
	"context"
	"slices"
	"strings"

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

// Accounts evaluates e: a term is one store query, "and" intersects,
// "or" unites.
func Accounts(ctx context.Context, store crm.AccountStore, e query.Expr, region string) ([]crm.Account, error) {
	switch e := e.(type) {
	case query.Term:
		return accountTerm(ctx, store, e, region)
	case query.Or:
		var out []crm.Account
		for _, sub := range e {
			got, err := Accounts(ctx, store, sub, region)
			if err != nil {
				return nil, err
			}
			out = unite(out, got, accountID)
		}
		return out, nil
	case query.And:
		var out []crm.Account
		for i, sub := range e {
			got, err := Accounts(ctx, store, sub, region)
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

func accountTerm(ctx context.Context, store crm.AccountStore, t query.Term, region string) ([]crm.Account, error) {
	v := t.Value
	switch {
	case ccai.Is(t.Field, append([]string{"id"}, ccai.AccountIDFields...)):
		return store.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByID, Value: v}, perQuery)
	case ccai.Is(t.Field, ccai.PhoneFields):
		return AccountsByPhone(ctx, store, v, region)
	case ccai.Is(t.Field, ccai.EmailFields):
		return store.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByEmail, Value: NormalizeEmail(v)}, perQuery)
	case ccai.Is(t.Field, ccai.CustomUserIDFields):
		return store.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByCustomUserID, Value: v}, perQuery)
	case ccai.Is(t.Field, ccai.NameFields):
		return store.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByName, Value: v}, perQuery)
	default:
		return store.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByCustom, Key: strings.ToLower(t.Field), Value: v}, perQuery)
	}
}

// AccountsByPhone finds the accounts holding a phone number given in any
// format: the exact E.164 number first, else by trailing digits (wildcard
// patterns, national numbers of another country than the default region,
// and numbers stored without a known country). Input that is no phone
// number finds nothing.
func AccountsByPhone(ctx context.Context, store crm.AccountStore, raw, region string) ([]crm.Account, error) {
	s, err := phone.SearchFor(raw, region)
	if err != nil {
		return nil, nil
	}
	if s.E164 != "" {
		got, err := store.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByPhone, Value: s.E164}, perQuery)
		if err != nil || len(got) > 0 {
			return got, err
		}
	}
	tail := s.Tail
	if tail == "" {
		tail = phone.NationalDigits(s.E164)
	}
	if len(tail) < phone.MinTailDigits {
		return nil, nil
	}
	return store.FindAccounts(ctx, crm.AccountCondition{Field: crm.AccountByPhoneTail, Value: tail}, perQuery)
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

package crm

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Phone is a phone number of an account: as first received and in E.164
// form. When the country cannot be told (E164 empty), Digits holds its
// digits without a trunk prefix, by which it is still found; when the raw
// value is no phone number at all, both are empty and it finds nothing.
type Phone struct {
	Raw    string
	E164   string
	Digits string
}

// Account is the Account/Contact/Customer entity. Records belong to it.
type Account struct {
	ID        string
	Name      string
	FirstName string
	LastName  string
	Phones    []Phone
	Emails    []string // lower-cased, each once
	// CustomUserIDs are CCAI Platform's {CUSTOM_USER_ID} values.
	CustomUserIDs []string
	// Custom holds request fields the CRM has no column for, as received.
	Custom    map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Keys returns the identity keys of a: an account is the only one to hold
// each of them, which is what makes creating it twice leave one account.
func (a Account) Keys() []string {
	var keys []string
	for _, p := range a.Phones {
		switch {
		case p.E164 != "":
			keys = append(keys, PhoneKey(p.E164))
		case p.Digits != "":
			keys = append(keys, PhoneDigitsKey(p.Digits))
		}
	}
	for _, e := range a.Emails {
		keys = append(keys, EmailKey(e))
	}
	for _, c := range a.CustomUserIDs {
		keys = append(keys, CustomUserIDKey(c))
	}
	return dedupe(keys)
}

// The identity keys of an account (see Keys).

// PhoneKey is the key of a phone number in E.164 form.
func PhoneKey(e164 string) string { return "phone:" + e164 }

// PhoneDigitsKey is the key of a phone number whose country is not known,
// by its digits (Phone.Digits).
func PhoneDigitsKey(digits string) string { return "phonedigits:" + digits }

// EmailKey is the key of a (lower-cased) email address.
func EmailKey(email string) string { return "email:" + email }

// CustomUserIDKey is the key of a custom user id.
func CustomUserIDKey(id string) string { return "cuid:" + id }

// DisplayName is Name, or the first and last names joined.
func (a Account) DisplayName() string {
	if a.Name != "" {
		return a.Name
	}
	return strings.TrimSpace(a.FirstName + " " + a.LastName)
}

// Merge adds to a what b has and a lacks: phones, emails, custom user ids,
// empty names and custom fields. It never overwrites a value a has. It
// reports whether a changed.
func (a *Account) Merge(b Account) bool {
	changed := false
	for _, p := range b.Phones {
		if !slices.ContainsFunc(a.Phones, func(q Phone) bool { return samePhone(p, q) }) {
			a.Phones = append(a.Phones, p)
			changed = true
		}
	}
	for _, e := range b.Emails {
		if !slices.Contains(a.Emails, e) {
			a.Emails = append(a.Emails, e)
			changed = true
		}
	}
	for _, c := range b.CustomUserIDs {
		if !slices.Contains(a.CustomUserIDs, c) {
			a.CustomUserIDs = append(a.CustomUserIDs, c)
			changed = true
		}
	}
	changed = fill(&a.Name, b.Name) || changed
	changed = fill(&a.FirstName, b.FirstName) || changed
	changed = fill(&a.LastName, b.LastName) || changed
	for k, v := range b.Custom {
		if _, ok := a.Custom[k]; !ok {
			if a.Custom == nil {
				a.Custom = map[string]string{}
			}
			a.Custom[k] = v
			changed = true
		}
	}
	return changed
}

func samePhone(p, q Phone) bool {
	switch {
	case p.E164 != "" || q.E164 != "":
		return p.E164 == q.E164
	case p.Digits != "" || q.Digits != "":
		return p.Digits == q.Digits
	}
	return p.Raw == q.Raw
}

func fill(dst *string, v string) bool {
	if *dst == "" && v != "" {
		*dst = v
		return true
	}
	return false
}

func dedupe(s []string) []string {
	out := s[:0:0]
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// AccountField names what an AccountCondition compares.
type AccountField string

// The fields accounts can be found by.
const (
	AccountByID           AccountField = "id"
	AccountByPhone        AccountField = "phone"      // E.164, exact
	AccountByPhoneTail    AccountField = "phone_tail" // trailing digits, see shared/phone.Tails
	AccountByEmail        AccountField = "email"      // lower-cased
	AccountByCustomUserID AccountField = "custom_user_id"
	AccountByName         AccountField = "name"   // exact full name
	AccountByCustom       AccountField = "custom" // Custom[Key] == Value
)

// AccountCondition is one equality test that a store can answer with one
// query.
type AccountCondition struct {
	Field AccountField
	Key   string // the custom field, with AccountByCustom
	Value string
}

// AccountStore keeps accounts.
type AccountStore interface {
	// GetAccount returns the account with id. Errors: NotFound, Unavailable.
	GetAccount(ctx context.Context, id string) (Account, error)
	// FindAccounts returns the first limit accounts matching c, most
	// recently updated first, out of all the accounts that match, however
	// many they are. Errors: Invalid, Unavailable.
	FindAccounts(ctx context.Context, c AccountCondition, limit int) ([]Account, error)
	// AccountsByKey returns the accounts holding identity keys (as Keys
	// makes them), by key; a key no account holds is absent. It reads
	// the keys in one batch, then their holders in another.
	// Errors: Unavailable.
	AccountsByKey(ctx context.Context, keys []string) (map[string]Account, error)
	// CreateAccount stores a under a new id, unless an account already
	// holds one of a's Keys: then that account, with what a adds merged
	// in, is returned and created is false. An account with no Keys is
	// known by its RequestKey for RetryWindow: the same account created
	// again within it returns the first one as it is now (created false);
	// after it, makes a new one. Safe under concurrency: any number of
	// simultaneous identical calls leave one account.
	// Errors: Invalid (a, or the account merged, fails Validate: nothing
	// is stored), Unavailable.
	CreateAccount(ctx context.Context, a Account) (acc Account, created bool, err error)
}

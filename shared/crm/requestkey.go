package crm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// RetryWindow is how long a create that carries no identity key (an
// account with no phone number, email or custom user id; a record with no
// session) is known by its RequestKey: the same request within the window
// returns the entity the first one made. CCAI Platform retries a request
// answered 400 for up to a week, so the window is a week and a day. After
// it, the same request makes a new entity.
const RetryWindow = 8 * 24 * time.Hour

// RequestKey is the idempotency key of a create of a that carries no
// identity key: the endpoint and a hash of a as the domain sees it (what
// the request decoded to, whatever its form), without the id and times a
// store gives it and with sets in a fixed order. Equal accounts have equal
// keys; any stored difference makes another key.
func (a Account) RequestKey() string {
	phones := make([]string, len(a.Phones))
	for i, p := range a.Phones {
		phones[i] = p.E164 + "\x00" + p.Digits + "\x00" + p.Raw
	}
	return requestKey("create_account", struct {
		Name, FirstName, LastName string
		Phones, Emails, CUIDs     []string
		Custom                    map[string]string
	}{a.Name, a.FirstName, a.LastName, sortedSet(phones), sortedSet(a.Emails), sortedSet(a.CustomUserIDs), nonEmpty(a.Custom)})
}

// RequestKey is the idempotency key of a create of r that carries no
// session (see Account.RequestKey). A record without a status is open.
func (r Record) RequestKey() string {
	status := strings.ToLower(strings.TrimSpace(r.Status))
	if status == "" {
		status = StatusOpen
	}
	return requestKey("create_record", struct {
		AccountID, Subject, Description, Status string
		Sessions                                []string
		Custom                                  map[string]string
	}{r.AccountID, r.Subject, r.Description, status, sortedSet(r.Keys()), nonEmpty(r.Custom)})
}

// requestKey is endpoint and the SHA-256 of the JSON of entity (whose map
// keys encoding/json sorts), 128 bits of it in hex.
func requestKey(endpoint string, entity any) string {
	b, err := json.Marshal(entity)
	if err != nil {
		panic("crm: request key: " + err.Error()) // strings, lists and maps of strings always encode
	}
	sum := sha256.Sum256(b)
	return endpoint + ":" + hex.EncodeToString(sum[:16])
}

// sortedSet returns the distinct values of s in order, nil when none.
func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func nonEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

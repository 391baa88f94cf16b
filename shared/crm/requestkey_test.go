package crm_test

import (
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/crm"
)

// The request key of a create is the entity as the domain sees it: what
// the store adds (id, times) and the order of sets do not change it;
// any stored value does.
func TestAccountRequestKey(t *testing.T) {
	base := crm.Account{Name: "Guest", FirstName: "G", LastName: "Uest",
		Phones: []crm.Phone{{Raw: "anonymous"}, {Raw: "unknown"}}, Custom: map[string]string{"lang": "en", "ujet_id": "7"}}
	key := base.RequestKey()
	if !strings.HasPrefix(key, "create_account:") || len(key) < len("create_account:")+32 {
		t.Fatalf("RequestKey: got %q, want create_account:<hash>", key)
	}
	same := map[string]crm.Account{
		"id and times": {ID: "a1", Name: "Guest", FirstName: "G", LastName: "Uest", CreatedAt: time.Now(), UpdatedAt: time.Now(),
			Phones: []crm.Phone{{Raw: "anonymous"}, {Raw: "unknown"}}, Custom: map[string]string{"lang": "en", "ujet_id": "7"}},
		"phones in another order": {Name: "Guest", FirstName: "G", LastName: "Uest",
			Phones: []crm.Phone{{Raw: "unknown"}, {Raw: "anonymous"}}, Custom: map[string]string{"ujet_id": "7", "lang": "en"}},
	}
	for name, a := range same {
		if got := a.RequestKey(); got != key {
			t.Errorf("%s: got %s, want %s", name, got, key)
		}
	}
	if (crm.Account{Name: "Guest"}).RequestKey() != (crm.Account{Name: "Guest", Custom: map[string]string{}, Phones: []crm.Phone{}}).RequestKey() {
		t.Error("an empty map or list and none give different keys")
	}
	different := map[string]crm.Account{
		"name":         {Name: "Guests", FirstName: "G", LastName: "Uest", Phones: base.Phones, Custom: base.Custom},
		"first name":   {Name: "Guest", FirstName: "H", LastName: "Uest", Phones: base.Phones, Custom: base.Custom},
		"last name":    {Name: "Guest", FirstName: "G", LastName: "Uests", Phones: base.Phones, Custom: base.Custom},
		"a phone less": {Name: "Guest", FirstName: "G", LastName: "Uest", Phones: base.Phones[:1], Custom: base.Custom},
		"custom value": {Name: "Guest", FirstName: "G", LastName: "Uest", Phones: base.Phones, Custom: map[string]string{"lang": "fr", "ujet_id": "7"}},
		"custom key":   {Name: "Guest", FirstName: "G", LastName: "Uest", Phones: base.Phones, Custom: map[string]string{"language": "en", "ujet_id": "7"}},
		"name moved":   {FirstName: "Guest", LastName: "Uest", Phones: base.Phones, Custom: base.Custom},
		"an email":     {Name: "Guest", FirstName: "G", LastName: "Uest", Phones: base.Phones, Custom: base.Custom, Emails: []string{"g@example.com"}},
	}
	for name, a := range different {
		if got := a.RequestKey(); got == key {
			t.Errorf("%s: got the same key %s", name, got)
		}
	}
	// Values cannot run into each other.
	if (crm.Account{Name: "a", FirstName: "b"}).RequestKey() == (crm.Account{Name: "ab"}).RequestKey() {
		t.Error("name a + first name b and name ab give one key")
	}
}

func TestRecordRequestKey(t *testing.T) {
	base := crm.Record{AccountID: "acc1", Subject: "Refund", Description: "Card", Status: "open", Custom: map[string]string{"agent_email": "unassigned"}}
	key := base.RequestKey()
	if !strings.HasPrefix(key, "create_record:") {
		t.Fatalf("RequestKey: got %q, want create_record:<hash>", key)
	}
	same := map[string]crm.Record{
		"id and times":     {ID: "r1", AccountID: "acc1", Subject: "Refund", Description: "Card", Status: "open", Custom: base.Custom, CreatedAt: time.Now()},
		"no status (open)": {AccountID: "acc1", Subject: "Refund", Description: "Card", Custom: base.Custom},
		"status Open":      {AccountID: "acc1", Subject: "Refund", Description: "Card", Status: "Open", Custom: base.Custom},
	}
	for name, r := range same {
		if got := r.RequestKey(); got != key {
			t.Errorf("%s: got %s, want %s", name, got, key)
		}
	}
	different := map[string]crm.Record{
		"account":      {AccountID: "acc2", Subject: "Refund", Description: "Card", Custom: base.Custom},
		"subject":      {AccountID: "acc1", Subject: "Refunds", Description: "Card", Custom: base.Custom},
		"description":  {AccountID: "acc1", Subject: "Refund", Description: "Cash", Custom: base.Custom},
		"status":       {AccountID: "acc1", Subject: "Refund", Description: "Card", Status: "closed", Custom: base.Custom},
		"custom":       {AccountID: "acc1", Subject: "Refund", Description: "Card", Custom: map[string]string{"agent_email": "a@example.com"}},
		"a session":    {AccountID: "acc1", Subject: "Refund", Description: "Card", Custom: base.Custom, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}}},
		"no custom":    {AccountID: "acc1", Subject: "Refund", Description: "Card"},
		"text shifted": {AccountID: "acc1", Subject: "RefundCard", Custom: base.Custom},
	}
	for name, r := range different {
		if got := r.RequestKey(); got == key {
			t.Errorf("%s: got the same key %s", name, got)
		}
	}
	// An account and a record never share a key.
	if (crm.Account{}).RequestKey() == (crm.Record{}).RequestKey() {
		t.Error("an empty account and an empty record give one key")
	}
}

func TestRetryWindowCoversCCAIPlatformRetries(t *testing.T) {
	// CCAI Platform retries a request answered 400 for up to a week.
	if crm.RetryWindow < 7*24*time.Hour {
		t.Errorf("RetryWindow %v is shorter than CCAI Platform's week of retries", crm.RetryWindow)
	}
}

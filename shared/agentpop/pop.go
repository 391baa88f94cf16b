package agentpop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"sync"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/lookup"
	"example.com/crm/shared/query"
)

// Bounds on what a URL may carry (untrusted input).
const (
	// MaxParam bounds one URL parameter's value.
	MaxParam = 512
	// MaxMatches bounds the accounts a ticket pop lists.
	MaxMatches = 20
	// maxCalls bounds the store calls a pop has in flight at once.
	maxCalls = 4
)

// PopStore makes what a screen pop shows when its contact is not found
// (gcpfirestore.Store.OpenPop).
type PopStore interface {
	// OpenPop returns the account and record that the pop key made,
	// making them the first time: a (unless an account holds one of its
	// identity keys: then that one) and r on it. Any number of
	// simultaneous calls with one key make one account and one record.
	OpenPop(ctx context.Context, key string, a crm.Account, r crm.Record) (acc crm.Account, rec crm.Record, created bool, err error)
}

// Service answers the agents' pages. Its fields are required unless
// said otherwise.
type Service struct {
	Accounts crm.AccountStore
	Records  crm.RecordStore
	Pops     PopStore
	Journal  Journal
	// Region reads national phone numbers (config's default region).
	Region string
	// CRM says which URLs are this CRM's pages (CRM_Record_Pop).
	CRM Checker
	// RecordURL makes the URL of a record's page from its id
	// (portal.PageRecord under the Pages function's URL).
	RecordURL func(id string) string
}

// PopParams are the variables CCAI Platform fills into a custom lookup
// URL (portal.PagePopANI, portal.PagePopSDK); an empty one may be absent.
type PopParams struct {
	ANI, CUID, Email          string
	MenuPath, MenuID, Channel string
	Type                      string
}

// ParsePop reads a ticket pop's query. CCAI Platform fills the variables
// in without encoding them, so a "+" arrives as a space: the leading "+"
// of a phone number and the "+" of an email address are given back.
// Errors: crm.Invalid for a value
// over MaxParam or a URL with neither {ANI}, {CUID} nor {EMAIL}.
func ParsePop(q url.Values) (PopParams, error) {
	var p PopParams
	for _, f := range []struct {
		dst  *string
		name string
	}{{&p.ANI, "ani"}, {&p.CUID, "cuid"}, {&p.Email, "email"}, {&p.MenuPath, "menu_path"}, {&p.MenuID, "menu_id"}, {&p.Channel, "channel"}, {&p.Type, "type"}} {
		v := q.Get(f.name)
		if len(v) > MaxParam {
			return PopParams{}, crm.Errorf(crm.Invalid, "%s: at most %d bytes", f.name, MaxParam)
		}
		*f.dst = strings.TrimSpace(v)
	}
	p.ANI = plusOf(q.Get("ani"))
	p.Email = strings.ReplaceAll(p.Email, " ", "+")
	if p.ANI == "" && p.CUID == "" && p.Email == "" {
		return PopParams{}, crm.Errorf(crm.Invalid, "the link names no caller: want ani, cuid or email")
	}
	return p, nil
}

// Match is an account a pop found, with its records (most recently
// updated first; only ID, Subject, Status and UpdatedAt read).
type Match struct {
	Account crm.Account
	Records []crm.Record
}

// PopResult is what a ticket pop shows: one match, several (most
// recently updated first, at most MaxMatches), or none; with none, Draft
// is the account to offer to create with what the URL carried.
type PopResult struct {
	Params  PopParams
	Matches []Match
	Draft   crm.Account
}

// Lookup finds the accounts of a ticket pop by its phone number, email
// and custom user id (lookup.Accounts: the Generic API's rules).
func (s *Service) Lookup(ctx context.Context, p PopParams) (PopResult, error) {
	res := PopResult{Params: p}
	draft := ccai.NewParams()
	var terms query.Or
	add := func(field, value string) {
		if value != "" {
			terms = append(terms, query.Term{Field: field, Op: "equals", Value: value})
			draft.Set(field, value)
		}
	}
	add("phone", p.ANI)
	add("email", p.Email)
	add("custom_user_id", p.CUID)
	var e query.Expr = terms
	if len(terms) == 1 {
		e = terms[0]
	}
	found, err := lookup.Accounts(ctx, s.Accounts, e, s.Region)
	if err != nil {
		return PopResult{}, err
	}
	slices.SortStableFunc(found, func(a, b crm.Account) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	if len(found) > MaxMatches {
		found = found[:MaxMatches]
	}
	// the records of every match, maxCalls store calls at a time
	res.Matches = make([]Match, len(found))
	errs := make([]error, len(found))
	slots := make(chan struct{}, maxCalls)
	var wg sync.WaitGroup
	for i, a := range found {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			res.Matches[i].Account = a
			res.Matches[i].Records, errs[i] = s.Records.AccountRecords(ctx, a.ID)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return PopResult{}, err
		}
	}
	if len(res.Matches) == 0 {
		// what the create-account endpoint would make of these fields
		res.Draft, err = ccai.AccountFromParams(draft, s.Region)
		if err != nil {
			return PopResult{}, err
		}
	}
	return res, nil
}

// OpenParams are the variables of the Open Custom URL screen pop
// (portal.PageOpen): {ACCOUNT_ID} and {PHONE_NUMBER}.
type OpenParams struct {
	AccountID, Phone string
}

// ParseOpen reads a screen pop's query (a phone number's leading "+" given
// back, as ParsePop does). Errors: crm.Invalid for a value
// over MaxParam or a URL with neither account_id nor phone.
func ParseOpen(q url.Values) (OpenParams, error) {
	p := OpenParams{AccountID: strings.TrimSpace(q.Get("account_id")), Phone: plusOf(q.Get("phone"))}
	if len(p.AccountID) > MaxParam || len(p.Phone) > MaxParam {
		return OpenParams{}, crm.Errorf(crm.Invalid, "account_id, phone: at most %d bytes", MaxParam)
	}
	if p.AccountID == "" && p.Phone == "" {
		return OpenParams{}, crm.Errorf(crm.Invalid, "the link names no contact: want account_id or phone")
	}
	return p, nil
}

// plusOf trims a phone number that arrived in a URL, giving back the
// leading "+" that arrived as a space (" 447911123456").
func plusOf(v string) string {
	if len(v) > 1 && v[0] == ' ' && v[1] >= '0' && v[1] <= '9' {
		return "+" + strings.TrimSpace(v)
	}
	return strings.TrimSpace(v)
}

// Opened is what a screen pop shows: the account found (by id, else by
// phone) with its records, or, when the contact is not found, the
// temporary account and the record made for it (Record; Created when
// this opening made them). Temporary: the account is a temporary one
// (made by this pop or an earlier one), and Record is its newest record
// however it was found: a pop opened again shows the record the first
// opening made.
type Opened struct {
	Account   crm.Account
	Records   []crm.Record
	Record    *crm.Record
	Temporary bool
	Created   bool
}

// Custom fields of a temporary account.
const (
	// TemporaryField marks a temporary account ("true").
	TemporaryField = "temporary"
	// PopAccountIDField keeps the {ACCOUNT_ID} the pop carried.
	PopAccountIDField = "ccaip_account_id"
)

// Open answers the Open Custom URL screen pop as the vendor documents
// it: the account by id, else by phone number; when the contact is not
// found, a record with a temporary account (carrying the phone number),
// made once per pop (PopKey) however often and concurrently it opens.
func (s *Service) Open(ctx context.Context, p OpenParams) (Opened, error) {
	if p.AccountID != "" {
		a, err := s.Accounts.GetAccount(ctx, p.AccountID)
		if err == nil {
			return s.opened(ctx, a)
		}
		if crm.ErrorCode(err) != crm.NotFound {
			return Opened{}, err
		}
	}
	if p.Phone != "" {
		found, err := lookup.Accounts(ctx, s.Accounts, query.Term{Field: "phone", Op: "equals", Value: p.Phone}, s.Region)
		if err != nil {
			return Opened{}, err
		}
		if a, ok := lookup.MostRecent(found); ok {
			return s.opened(ctx, a)
		}
	}
	a := crm.Account{Name: "Temporary account", Custom: map[string]string{TemporaryField: "true"}}
	if p.Phone != "" {
		a.Phones = []crm.Phone{ccai.PhoneOf(p.Phone, s.Region)}
	}
	if p.AccountID != "" {
		a.Custom[PopAccountIDField] = p.AccountID
	}
	subject := "Screen pop"
	if p.Phone != "" {
		subject += " " + p.Phone
	}
	r := crm.Record{Subject: subject, Custom: map[string]string{TemporaryField: "true"}}
	acc, rec, created, err := s.Pops.OpenPop(ctx, s.PopKey(p), a, r)
	if err != nil {
		return Opened{}, err
	}
	return Opened{Account: acc, Records: []crm.Record{rec}, Record: &rec, Temporary: true, Created: created}, nil
}

// PopKey is the identity of a screen pop: its account id and its phone
// number as stored (E.164 when it is one), hashed.
func (s *Service) PopKey(p OpenParams) string {
	ph := ccai.PhoneOf(p.Phone, s.Region)
	num := ph.E164
	if num == "" {
		num = ph.Digits
	}
	sum := sha256.Sum256([]byte(p.AccountID + "\x00" + num))
	return "open:" + hex.EncodeToString(sum[:16])
}

func (s *Service) opened(ctx context.Context, a crm.Account) (Opened, error) {
	recs, err := s.Records.AccountRecords(ctx, a.ID)
	if err != nil {
		return Opened{}, err
	}
	o := Opened{Account: a, Records: recs, Temporary: a.Custom[TemporaryField] == "true"}
	if o.Temporary && len(recs) > 0 {
		o.Record = &recs[0] // newest first
	}
	return o, nil
}

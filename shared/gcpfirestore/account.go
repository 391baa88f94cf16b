package gcpfirestore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/phone"
)

type phoneDoc struct {
	Raw    string `firestore:"raw"`
	E164   string `firestore:"e164"`
	Digits string `firestore:"digits,omitempty"`
}

type accountDoc struct {
	Name          string            `firestore:"name"`
	FirstName     string            `firestore:"first_name"`
	LastName      string            `firestore:"last_name"`
	PhoneEntries  []phoneDoc        `firestore:"phone_entries"`
	Phones        []string          `firestore:"phones"`      // E.164, for array-contains
	PhoneTails    []string          `firestore:"phone_tails"` // see phone.Tails
	Emails        []string          `firestore:"emails"`
	CustomUserIDs []string          `firestore:"custom_user_ids"`
	Custom        map[string]string `firestore:"custom"`
	CreatedAt     time.Time         `firestore:"created_at"`
	UpdatedAt     time.Time         `firestore:"updated_at"`
}

func toAccountDoc(a crm.Account) accountDoc {
	d := accountDoc{
		Name: a.Name, FirstName: a.FirstName, LastName: a.LastName,
		Emails: nonNil(a.Emails), CustomUserIDs: nonNil(a.CustomUserIDs), Custom: a.Custom,
		Phones: []string{}, PhoneTails: []string{}, PhoneEntries: []phoneDoc{},
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
	for _, p := range a.Phones {
		d.PhoneEntries = append(d.PhoneEntries, phoneDoc{Raw: p.Raw, E164: p.E164, Digits: p.Digits})
		switch {
		case p.E164 != "":
			d.Phones = append(d.Phones, p.E164)
			d.PhoneTails = append(d.PhoneTails, phone.Tails(p.E164)...)
		case p.Digits != "":
			d.PhoneTails = append(d.PhoneTails, phone.Tails("+"+p.Digits)...)
		}
	}
	return d
}

func fromAccountDoc(id string, d accountDoc) crm.Account {
	a := crm.Account{
		ID: id, Name: d.Name, FirstName: d.FirstName, LastName: d.LastName,
		Emails: d.Emails, CustomUserIDs: d.CustomUserIDs, Custom: d.Custom,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	for _, p := range d.PhoneEntries {
		a.Phones = append(a.Phones, crm.Phone{Raw: p.Raw, E164: p.E164, Digits: p.Digits})
	}
	return a
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func decodeAccount(snap *firestore.DocumentSnapshot) (crm.Account, error) {
	var d accountDoc
	if err := snap.DataTo(&d); err != nil {
		return crm.Account{}, fmt.Errorf("decode account %s: %w", snap.Ref.ID, err)
	}
	return fromAccountDoc(snap.Ref.ID, d), nil
}

// GetAccount implements crm.AccountStore.
func (s *Store) GetAccount(ctx context.Context, id string) (crm.Account, error) {
	if !validID(id) {
		return crm.Account{}, crm.Errorf(crm.NotFound, "account %q not found", id)
	}
	snap, err := s.client.Collection(accountsCol).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return crm.Account{}, crm.Errorf(crm.NotFound, "account %q not found", id)
	}
	if err != nil {
		return crm.Account{}, storeError("get account "+id, err)
	}
	return decodeAccount(snap)
}

// FindAccounts implements crm.AccountStore. By phone tail or name: one
// indexed query, most recently updated first (indexes in
// terraform/firestore.tf). By exact phone, email or custom user id (which
// one account holds, see Keys) or by custom field (which no index can
// order by): every match is read and sorted.
func (s *Store) FindAccounts(ctx context.Context, c crm.AccountCondition, limit int) ([]crm.Account, error) {
	if limit <= 0 {
		return nil, nil
	}
	col := s.client.Collection(accountsCol)
	var q firestore.Query
	ordered := false
	switch c.Field {
	case crm.AccountByID:
		a, err := s.GetAccount(ctx, c.Value)
		if crm.ErrorCode(err) == crm.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []crm.Account{a}, nil
	case crm.AccountByPhone:
		q = col.Where("phones", "array-contains", c.Value)
	case crm.AccountByPhoneTail:
		q, ordered = col.Where("phone_tails", "array-contains", c.Value), true
	case crm.AccountByEmail:
		q = col.Where("emails", "array-contains", c.Value)
	case crm.AccountByCustomUserID:
		q = col.Where("custom_user_ids", "array-contains", c.Value)
	case crm.AccountByName:
		q, ordered = col.Where("name", "==", c.Value), true
	case crm.AccountByCustom:
		q = col.WherePath(firestore.FieldPath{"custom", c.Key}, "==", c.Value)
	default:
		return nil, crm.Errorf(crm.Invalid, "accounts cannot be searched by %q", c.Field)
	}
	page := scanPage
	if ordered {
		q, page = q.OrderBy("updated_at", firestore.Desc), limit
	}
	var out []crm.Account
	err := scan(ctx, q, page, func(snap *firestore.DocumentSnapshot) (bool, error) {
		a, err := decodeAccount(snap)
		if err != nil {
			return false, err
		}
		out = append(out, a)
		if !ordered && len(out) >= limit+scanPage {
			out = firstAccounts(out, limit)
		}
		return !ordered || len(out) < limit, nil
	})
	if err != nil {
		return nil, storeError("find accounts", err)
	}
	return firstAccounts(out, limit), nil
}

// firstAccounts sorts as most recently updated first and keeps the first
// limit.
func firstAccounts(as []crm.Account, limit int) []crm.Account {
	slices.SortStableFunc(as, func(a, b crm.Account) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	return as[:min(len(as), limit)]
}

// AccountsByKey implements crm.AccountStore.
func (s *Store) AccountsByKey(ctx context.Context, keys []string) (map[string]crm.Account, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	refs := make([]*firestore.DocumentRef, len(keys))
	for i, k := range keys {
		refs[i] = s.keyRef("account", k)
	}
	snaps, err := s.client.GetAll(ctx, refs)
	if err != nil {
		return nil, storeError("read identity keys", err)
	}
	holderOf := map[string]string{} // key -> account id
	var holders []*firestore.DocumentRef
	for i, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		var k keyDoc
		if err := snap.DataTo(&k); err != nil {
			return nil, fmt.Errorf("decode key %s: %w", snap.Ref.ID, err)
		}
		if !validID(k.Holder) {
			continue
		}
		if !slices.ContainsFunc(holders, func(r *firestore.DocumentRef) bool { return r.ID == k.Holder }) {
			holders = append(holders, s.client.Collection(accountsCol).Doc(k.Holder))
		}
		holderOf[keys[i]] = k.Holder
	}
	if len(holders) == 0 {
		return nil, nil
	}
	snaps, err = s.client.GetAll(ctx, holders)
	if err != nil {
		return nil, storeError("read accounts", err)
	}
	accounts := map[string]crm.Account{}
	for _, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		a, err := decodeAccount(snap)
		if err != nil {
			return nil, err
		}
		accounts[a.ID] = a
	}
	out := map[string]crm.Account{}
	for k, id := range holderOf {
		if a, ok := accounts[id]; ok {
			out[k] = a
		}
	}
	return out, nil
}

// CreateAccount implements crm.AccountStore.
func (s *Store) CreateAccount(ctx context.Context, a crm.Account) (crm.Account, bool, error) {
	if err := a.Validate(); err != nil {
		return crm.Account{}, false, err
	}
	now := s.Now()
	a.CreatedAt, a.UpdatedAt = now, now
	keys := a.Keys()
	if len(keys) == 0 {
		// Nothing identifies the account (an anonymous caller): the
		// request itself does, for the retry window.
		id, created, err := s.createOnce(ctx, "account", accountsCol, a.RequestKey(), toAccountDoc(a), nil, now)
		if err != nil {
			return crm.Account{}, false, err
		}
		if created {
			a.ID = id
			return a, true, nil
		}
		acc, err := s.GetAccount(ctx, id)
		return acc, false, err
	}
	keyRefs := make([]*firestore.DocumentRef, len(keys))
	for i, k := range keys {
		keyRefs[i] = s.keyRef("account", k)
	}
	for range maxCreateAttempts {
		holder, err := s.holderOf(ctx, keyRefs)
		if err != nil {
			return crm.Account{}, false, storeError("create account", err)
		}
		if holder != "" {
			acc, err := s.mergeAccount(ctx, holder, a, keyRefs, now)
			return acc, false, err
		}
		ref := s.client.Collection(accountsCol).NewDoc()
		a.ID = ref.ID
		err = s.createWithKeys(ctx, ref, toAccountDoc(a), keyRefs, "account", now)
		if lostRace(err) {
			continue // another create won: the next look finds it
		}
		if err != nil {
			return crm.Account{}, false, storeError("create account", err)
		}
		return a, true, nil
	}
	return crm.Account{}, false, crm.Errorf(crm.Unavailable, "too many simultaneous creates; try again")
}

// mergeAccount returns the account holder, with what a adds merged in
// (in a transaction, only when a adds something).
func (s *Store) mergeAccount(ctx context.Context, holder string, a crm.Account, keyRefs []*firestore.DocumentRef, now time.Time) (crm.Account, error) {
	existing, err := s.GetAccount(ctx, holder)
	if err != nil {
		return crm.Account{}, err
	}
	if probe := existing; !probe.Merge(a) {
		return existing, nil // a retry: nothing to add, nothing to lock
	}
	var result crm.Account
	err = s.claimRun(ctx, "merge account", func(ctx context.Context, tx *firestore.Transaction) error {
		_, free, err := readKeys(tx, keyRefs)
		if err != nil {
			return err
		}
		snap, err := tx.Get(s.client.Collection(accountsCol).Doc(holder))
		if err != nil {
			return fmt.Errorf("account %s named by a key: %w", holder, err)
		}
		existing, err := decodeAccount(snap)
		if err != nil {
			return err
		}
		result = existing
		if !existing.Merge(a) {
			return nil
		}
		if err := existing.Validate(); err != nil {
			return err // too many custom fields or identities together
		}
		existing.UpdatedAt = now
		result = existing
		if err := tx.Set(snap.Ref, toAccountDoc(existing)); err != nil {
			return err
		}
		return createKeys(tx, free, "account", existing.ID, now)
	})
	return result, err
}

// holderOf reads key documents outside a transaction: the holder of the
// first that exists, or "".
func (s *Store) holderOf(ctx context.Context, refs []*firestore.DocumentRef) (string, error) {
	snaps, err := s.client.GetAll(ctx, refs)
	if err != nil {
		return "", err
	}
	for _, snap := range snaps {
		if snap.Exists() {
			var k keyDoc
			if err := snap.DataTo(&k); err != nil {
				return "", fmt.Errorf("decode key %s: %w", snap.Ref.ID, err)
			}
			return k.Holder, nil
		}
	}
	return "", nil
}

// createWithKeys creates a document and its key documents in one atomic
// commit that reads nothing, so that simultaneous identical creates hold
// no locks and cannot time out on each other: one commit wins, the others
// fail with AlreadyExists (lostRace) and look again.
func (s *Store) createWithKeys(ctx context.Context, ref *firestore.DocumentRef, doc any, keyRefs []*firestore.DocumentRef, kind string, now time.Time) error {
	return s.createWith(ctx, ref, doc, func(tx *firestore.Transaction) error {
		return createKeys(tx, keyRefs, kind, ref.ID, now)
	})
}

// createWith creates a document and what claim writes in one atomic
// commit that reads nothing (see createWithKeys).
func (s *Store) createWith(ctx context.Context, ref *firestore.DocumentRef, doc any, claim func(*firestore.Transaction) error) error {
	return s.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(ref, doc); err != nil {
			return err
		}
		return claim(tx)
	}, firestore.MaxAttempts(1))
}

// lostRace reports whether a create failed because another one created a
// key first.
func lostRace(err error) bool {
	c := status.Code(err)
	return c == codes.AlreadyExists || c == codes.FailedPrecondition || c == codes.Aborted
}

// claimRun runs fn in a transaction, again when a concurrent transaction
// claimed a key first (the Create of a key then fails with AlreadyExists),
// so that the next run finds the winner.
func (s *Store) claimRun(ctx context.Context, op string, fn func(context.Context, *firestore.Transaction) error) error {
	var err error
	for range maxCreateAttempts {
		err = s.client.RunTransaction(ctx, fn)
		if !isAlreadyExists(err) && status.Code(err) != codes.Aborted {
			break
		}
	}
	return storeError(op, err)
}

// readKeys reads key documents: the holder of the first existing one, and
// the refs of those that do not exist.
func readKeys(tx *firestore.Transaction, refs []*firestore.DocumentRef) (holder string, free []*firestore.DocumentRef, err error) {
	snaps, err := tx.GetAll(refs)
	if err != nil {
		return "", nil, err
	}
	for i, snap := range snaps {
		if !snap.Exists() {
			free = append(free, refs[i])
			continue
		}
		var k keyDoc
		if err := snap.DataTo(&k); err != nil {
			return "", nil, fmt.Errorf("decode key %s: %w", snap.Ref.ID, err)
		}
		if holder == "" {
			holder = k.Holder
		}
	}
	return holder, free, nil
}

func createKeys(tx *firestore.Transaction, refs []*firestore.DocumentRef, kind, holder string, now time.Time) error {
	for _, ref := range refs {
		if err := tx.Create(ref, keyDoc{Kind: kind, Holder: holder, CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// validID reports whether id can name a document: a client-sent id that
// cannot is simply not found.
func validID(id string) bool {
	if id == "" || len(id) > 1500 || id == "." || id == ".." {
		return false
	}
	for _, r := range id {
		if r == '/' {
			return false
		}
	}
	return !(len(id) >= 4 && id[:2] == "__" && id[len(id)-2:] == "__")
}

package gcpfirestore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"example.com/crm/shared/crm"
)

type sessionDoc struct {
	Kind              string         `firestore:"kind"`
	ID                string         `firestore:"id"`
	Status            string         `firestore:"status,omitempty"`
	MetadataUpdatedAt time.Time      `firestore:"metadata_updated_at,omitempty"`
	Summary           map[string]any `firestore:"summary,omitempty"`
	Ended             bool           `firestore:"ended,omitempty"`
	EndedNotified     bool           `firestore:"ended_notified,omitempty"`
	EndedClaimedAt    time.Time      `firestore:"ended_claimed_at,omitempty"`
}

type recordDoc struct {
	AccountID   string            `firestore:"account_id"`
	Subject     string            `firestore:"subject"`
	Description string            `firestore:"description"`
	Status      string            `firestore:"status"`
	Open        bool              `firestore:"open"`
	Sessions    []sessionDoc      `firestore:"sessions"`
	SessionKeys []string          `firestore:"session_keys"` // for array-contains
	Custom      map[string]string `firestore:"custom"`
	CreatedAt   time.Time         `firestore:"created_at"`
	UpdatedAt   time.Time         `firestore:"updated_at"`
}

func toRecordDoc(r crm.Record) recordDoc {
	d := recordDoc{
		AccountID: r.AccountID, Subject: r.Subject, Description: r.Description,
		Status: r.Status, Open: r.Open(), Sessions: []sessionDoc{}, SessionKeys: nonNil(r.Keys()),
		Custom: r.Custom, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	for _, s := range r.Sessions {
		d.Sessions = append(d.Sessions, sessionDoc{Kind: string(s.Kind), ID: s.ID, Status: s.Status, MetadataUpdatedAt: s.MetadataUpdatedAt,
			Summary: s.Summary, Ended: s.Ended, EndedNotified: s.EndedNotified, EndedClaimedAt: s.EndedClaimedAt})
	}
	return d
}

func decodeRecord(snap *firestore.DocumentSnapshot) (crm.Record, error) {
	var d recordDoc
	if err := snap.DataTo(&d); err != nil {
		return crm.Record{}, fmt.Errorf("decode record %s: %w", snap.Ref.ID, err)
	}
	r := crm.Record{
		ID: snap.Ref.ID, AccountID: d.AccountID, Subject: d.Subject, Description: d.Description,
		Status: d.Status, Custom: d.Custom, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	for _, s := range d.Sessions {
		r.Sessions = append(r.Sessions, crm.Session{Kind: crm.SessionKind(s.Kind), ID: s.ID, Status: s.Status, MetadataUpdatedAt: s.MetadataUpdatedAt,
			Summary: s.Summary, Ended: s.Ended, EndedNotified: s.EndedNotified, EndedClaimedAt: s.EndedClaimedAt})
	}
	return r, nil
}

// GetRecord implements crm.RecordStore.
func (s *Store) GetRecord(ctx context.Context, id string) (crm.Record, error) {
	if !validID(id) {
		return crm.Record{}, crm.Errorf(crm.NotFound, "record %q not found", id)
	}
	snap, err := s.client.Collection(recordsCol).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return crm.Record{}, crm.Errorf(crm.NotFound, "record %q not found", id)
	}
	if err != nil {
		return crm.Record{}, storeError("get record "+id, err)
	}
	return decodeRecord(snap)
}

// FindRecords implements crm.RecordStore. A search by session or custom
// field reads every match (a session belongs to one record, so it matches
// one; no index can order by any custom field) and sorts them; a search by
// account alone runs indexed queries in the order of the answer (open
// records, then closed ones, each most recently updated first; indexes in
// terraform/firestore.tf) and stops at limit.
func (s *Store) FindRecords(ctx context.Context, f crm.RecordFilter, limit int) ([]crm.Record, error) {
	if limit <= 0 {
		return nil, nil
	}
	col := s.client.Collection(recordsCol)
	var out []crm.Record
	match := func(snap *firestore.DocumentSnapshot) error {
		r, err := decodeRecord(snap)
		if err == nil && f.Match(r) {
			out = append(out, r)
		}
		return err
	}
	switch {
	case f.SessionKey != "" || f.CustomKey != "":
		q := col.Where("session_keys", "array-contains", f.SessionKey)
		if f.SessionKey == "" {
			q = col.WherePath(firestore.FieldPath{"custom", f.CustomKey}, "==", f.CustomValue)
		}
		err := scan(ctx, q, scanPage, func(snap *firestore.DocumentSnapshot) (bool, error) {
			if err := match(snap); err != nil {
				return false, err
			}
			if len(out) >= limit+scanPage {
				out = firstRecords(out, limit)
			}
			return true, nil
		})
		if err != nil {
			return nil, storeError("find records", err)
		}
		return firstRecords(out, limit), nil
	case f.AccountID != "":
		for _, open := range []bool{true, false} {
			if open && f.ClosedOnly || !open && f.OpenOnly {
				continue
			}
			q := col.Where("account_id", "==", f.AccountID).Where("open", "==", open).OrderBy("updated_at", firestore.Desc)
			page := limit - len(out) // every document matches
			if f.Keep != nil {
				page = scanPage
			}
			err := scan(ctx, q, page, func(snap *firestore.DocumentSnapshot) (bool, error) {
				err := match(snap)
				return len(out) < limit, err
			})
			if err != nil {
				return nil, storeError("find records", err)
			}
			if len(out) >= limit {
				break
			}
		}
		return out, nil
	}
	return nil, crm.Errorf(crm.Invalid, "a record search needs an account, a session or a field")
}

// firstRecords sorts rs in the order of a find's answer and keeps the
// first limit.
func firstRecords(rs []crm.Record, limit int) []crm.Record {
	slices.SortStableFunc(rs, crm.CompareRecords)
	return rs[:min(len(rs), limit)]
}

// AccountRecords implements crm.RecordStore: one query reading only the
// listed fields.
func (s *Store) AccountRecords(ctx context.Context, accountID string) ([]crm.Record, error) {
	snaps, err := s.client.Collection(recordsCol).Where("account_id", "==", accountID).
		OrderBy("updated_at", firestore.Desc).Select("subject", "status", "updated_at").Documents(ctx).GetAll()
	if err != nil {
		return nil, storeError("list records of "+accountID, err)
	}
	out := make([]crm.Record, 0, len(snaps))
	for _, snap := range snaps {
		r, err := decodeRecord(snap)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// CreateRecord implements crm.RecordStore.
func (s *Store) CreateRecord(ctx context.Context, r crm.Record) (crm.Record, bool, error) {
	if err := r.Validate(); err != nil {
		return crm.Record{}, false, err
	}
	now := s.Now()
	r.CreatedAt, r.UpdatedAt = now, now
	if r.Status == "" {
		r.Status = crm.StatusOpen
	}
	keys := r.Keys()
	if len(keys) == 0 {
		// No session identifies the record: the request itself does,
		// for the retry window.
		check := func() error { return s.checkAccount(ctx, r.AccountID) }
		id, created, err := s.createOnce(ctx, "record", recordsCol, r.RequestKey(), toRecordDoc(r), check, now)
		if err != nil {
			return crm.Record{}, false, err
		}
		if created {
			r.ID = id
			return r, true, nil
		}
		rec, err := s.GetRecord(ctx, id)
		return rec, false, err
	}
	keyRefs := make([]*firestore.DocumentRef, len(keys))
	for i, k := range keys {
		keyRefs[i] = s.keyRef("record", k)
	}
	for range maxCreateAttempts {
		holder, err := s.holderOf(ctx, keyRefs)
		if err != nil {
			return crm.Record{}, false, storeError("create record", err)
		}
		if holder != "" {
			rec, err := s.fillRecord(ctx, holder, r, keyRefs, now)
			return rec, false, err
		}
		if err := s.checkAccount(ctx, r.AccountID); err != nil {
			return crm.Record{}, false, err
		}
		ref := s.client.Collection(recordsCol).NewDoc()
		r.ID = ref.ID
		err = s.createWithKeys(ctx, ref, toRecordDoc(r), keyRefs, "record", now)
		if lostRace(err) {
			continue
		}
		if err != nil {
			return crm.Record{}, false, storeError("create record", err)
		}
		return r, true, nil
	}
	return crm.Record{}, false, crm.Errorf(crm.Unavailable, "too many simultaneous creates; try again")
}

// checkAccount makes sure the account of a new record exists: Invalid
// when it does not.
func (s *Store) checkAccount(ctx context.Context, id string) error {
	_, err := s.GetAccount(ctx, id)
	if crm.ErrorCode(err) == crm.NotFound {
		return crm.Errorf(crm.Invalid, "account %q does not exist", id)
	}
	return err
}

// fillRecord returns the record holder, given what a repeated create r
// adds (in a transaction, only when it adds something).
func (s *Store) fillRecord(ctx context.Context, holder string, r crm.Record, keyRefs []*firestore.DocumentRef, now time.Time) (crm.Record, error) {
	existing, err := s.GetRecord(ctx, holder)
	if err != nil {
		return crm.Record{}, err
	}
	if probe := existing; !probe.Apply(fillPatch(existing, r)) {
		return existing, nil // a retry: nothing to add, nothing to lock
	}
	var result crm.Record
	err = s.claimRun(ctx, "update record", func(ctx context.Context, tx *firestore.Transaction) error {
		free, err := sessionKeysFor(tx, keyRefs, holder)
		if err != nil {
			return err
		}
		snap, err := tx.Get(s.client.Collection(recordsCol).Doc(holder))
		if err != nil {
			return fmt.Errorf("record %s named by a key: %w", holder, err)
		}
		existing, err := decodeRecord(snap)
		if err != nil {
			return err
		}
		result = existing
		if !existing.Apply(fillPatch(existing, r)) {
			return nil
		}
		if err := existing.Validate(); err != nil {
			return err // too many custom fields or sessions together
		}
		existing.UpdatedAt = now
		result = existing
		if err := tx.Set(snap.Ref, toRecordDoc(existing)); err != nil {
			return err
		}
		return createKeys(tx, free, "record", existing.ID, now)
	})
	return result, err
}

// fillPatch is the patch that gives existing what a repeated create r
// adds without overwriting anything existing already has: a retry must
// not undo an update made in between.
func fillPatch(existing, r crm.Record) crm.RecordPatch {
	p := crm.RecordPatch{Sessions: r.Sessions}
	if existing.Subject == "" {
		p.Subject = r.Subject
	}
	if existing.Description == "" {
		p.Description = r.Description
	}
	for k, v := range r.Custom {
		if _, ok := existing.Custom[k]; !ok {
			if p.Custom == nil {
				p.Custom = map[string]string{}
			}
			p.Custom[k] = v
		}
	}
	return p
}

// UpdateRecord implements crm.RecordStore.
func (s *Store) UpdateRecord(ctx context.Context, id string, p crm.RecordPatch) (crm.Record, error) {
	if !validID(id) {
		return crm.Record{}, crm.Errorf(crm.NotFound, "record %q not found", id)
	}
	if err := p.Validate(); err != nil {
		return crm.Record{}, err
	}
	now := s.Now()
	ref := s.client.Collection(recordsCol).Doc(id)
	var result crm.Record
	err := s.claimRun(ctx, "update record "+id, func(ctx context.Context, tx *firestore.Transaction) error {
		r, err := txRecord(tx, ref)
		if err != nil {
			return err
		}
		var newKeys []*firestore.DocumentRef
		for _, sess := range p.Sessions {
			if !r.HasSession(sess.Key()) {
				newKeys = append(newKeys, s.keyRef("record", sess.Key()))
			}
		}
		var free []*firestore.DocumentRef
		if len(newKeys) > 0 {
			if free, err = sessionKeysFor(tx, newKeys, id); err != nil {
				return err
			}
		}
		result = r
		if !r.Apply(p) {
			return nil
		}
		if err := r.Validate(); err != nil {
			return err // too many custom fields or sessions together
		}
		r.UpdatedAt = now
		result = r
		if err := tx.Set(ref, toRecordDoc(r)); err != nil {
			return err
		}
		return createKeys(tx, free, "record", id, now)
	})
	if err != nil {
		return crm.Record{}, err
	}
	return result, nil
}

// sessionKeysFor reads the key documents of sessions that record id is to
// hold: it returns those no record holds yet (to create with the record),
// or a Conflict naming the record that holds one of them already (a
// session belongs to one record).
func sessionKeysFor(tx *firestore.Transaction, refs []*firestore.DocumentRef, id string) ([]*firestore.DocumentRef, error) {
	snaps, err := tx.GetAll(refs)
	if err != nil {
		return nil, err
	}
	var free []*firestore.DocumentRef
	for i, snap := range snaps {
		if !snap.Exists() {
			free = append(free, refs[i])
			continue
		}
		var k keyDoc
		if err := snap.DataTo(&k); err != nil {
			return nil, fmt.Errorf("decode key %s: %w", snap.Ref.ID, err)
		}
		if k.Holder != id {
			session, _ := strings.CutPrefix(refs[i].ID, "record:")
			return nil, crm.Errorf(crm.Conflict, "session %s belongs to record %s: a session belongs to one record", session, k.Holder)
		}
	}
	return free, nil
}

// ApplySessionMetadata implements crm.RecordStore.
func (s *Store) ApplySessionMetadata(ctx context.Context, id string, sess crm.Session) (applied, notify bool, err error) {
	if !validID(id) {
		return false, false, crm.Errorf(crm.NotFound, "record %q not found", id)
	}
	ref := s.client.Collection(recordsCol).Doc(id)
	now := s.Now()
	err = s.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		applied, notify = false, false
		r, err := txRecord(tx, ref)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(r.Sessions, func(x crm.Session) bool { return x.Key() == sess.Key() })
		if i < 0 {
			r.Sessions = append(r.Sessions, crm.Session{Kind: sess.Kind, ID: sess.ID})
			i = len(r.Sessions) - 1
		}
		old := r.Sessions[i]
		newer := old.MetadataUpdatedAt.IsZero() || sess.MetadataUpdatedAt.After(old.MetadataUpdatedAt)
		if newer {
			sess.EndedNotified, sess.EndedClaimedAt = old.EndedNotified, old.EndedClaimedAt
			r.Sessions[i] = sess
			r.UpdatedAt = now
			applied = true
		}
		// An older or the same version changes nothing, but an event that
		// failed to go out before goes out now.
		cur := &r.Sessions[i]
		if cur.Ended && !cur.EndedNotified && now.Sub(cur.EndedClaimedAt) >= crm.NotifyLease {
			cur.EndedClaimedAt = now
			notify = true
		}
		if !applied && !notify {
			return nil
		}
		return tx.Set(ref, toRecordDoc(r))
	})
	if err != nil {
		return false, false, storeError("apply session metadata", err)
	}
	return applied, notify, nil
}

// MarkEndedNotified records that the session.ended event of session key
// of record id went out.
func (s *Store) MarkEndedNotified(ctx context.Context, id, key string) error {
	ref := s.client.Collection(recordsCol).Doc(id)
	err := s.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		r, err := txRecord(tx, ref)
		if err != nil {
			return err
		}
		for i := range r.Sessions {
			if r.Sessions[i].Key() == key {
				r.Sessions[i].EndedNotified = true
			}
		}
		return tx.Set(ref, toRecordDoc(r))
	})
	return storeError("mark session notified", err)
}

// ReleaseEndedClaim gives back the session.ended claim of session key of
// record id, unless the work was done since (EndedNotified).
func (s *Store) ReleaseEndedClaim(ctx context.Context, id, key string) error {
	if !validID(id) {
		return crm.Errorf(crm.NotFound, "record %q not found", id)
	}
	ref := s.client.Collection(recordsCol).Doc(id)
	err := s.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		r, err := txRecord(tx, ref)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(r.Sessions, func(x crm.Session) bool { return x.Key() == key })
		if i < 0 || r.Sessions[i].EndedNotified || r.Sessions[i].EndedClaimedAt.IsZero() {
			return nil
		}
		r.Sessions[i].EndedClaimedAt = time.Time{}
		return tx.Set(ref, toRecordDoc(r))
	})
	return storeError("release session end claim", err)
}

// txRecord reads a record in a transaction; NotFound when it does not
// exist.
func txRecord(tx *firestore.Transaction, ref *firestore.DocumentRef) (crm.Record, error) {
	snap, err := tx.Get(ref)
	if status.Code(err) == codes.NotFound {
		return crm.Record{}, crm.Errorf(crm.NotFound, "record %q not found", ref.ID)
	}
	if err != nil {
		return crm.Record{}, err
	}
	return decodeRecord(snap)
}

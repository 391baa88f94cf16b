package crm

import (
	"context"
	"slices"
	"strings"
	"time"
)

// SessionKind is the kind of CCAI Platform session a record was made for.
type SessionKind string

// The session kinds. Call, chat and email ids are separate sequences:
// call 1418 and email 1418 are different sessions, usually of different
// customers. SessionAny is a {SESSION_ID} whose kind is not known.
const (
	SessionCall  SessionKind = "call"
	SessionChat  SessionKind = "chat"
	SessionEmail SessionKind = "email"
	SessionAny   SessionKind = "session"
)

// SessionKinds are the session kinds.
var SessionKinds = []SessionKind{SessionCall, SessionChat, SessionEmail, SessionAny}

// Session is a CCAI Platform call, chat or email session attached to a
// record.
type Session struct {
	Kind SessionKind
	ID   string
	// Status, MetadataUpdatedAt and Summary come from the session
	// metadata file (the newest version received).
	Status            string
	MetadataUpdatedAt time.Time
	Summary           map[string]any
	// Ended: a metadata file said the session has ended; EndedNotified:
	// the session.ended event went out; EndedClaimedAt: when a sender
	// last took on sending it (see NotifyLease).
	Ended          bool
	EndedNotified  bool
	EndedClaimedAt time.Time
}

// NotifyLease is how long a sender that took on a session.ended event has
// to send it and mark it sent before another may take it on: the event
// goes out once, and again only when its sender failed.
const NotifyLease = time.Minute

// Key is the session's identity key, such as "call:1418".
func (s Session) Key() string { return string(s.Kind) + ":" + s.ID }

// Record is the Case/Ticket entity. It belongs to an account.
type Record struct {
	ID          string
	AccountID   string
	Subject     string
	Description string
	// Status is as received, lower-cased ("open" when never set).
	Status    string
	Sessions  []Session
	Custom    map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// StatusOpen is the status of a new record.
const StatusOpen = "open"

// closedStatuses are the status values (lower-cased) that mean a record is
// no longer open. Anything else counts as open.
var closedStatuses = []string{"closed", "close", "solved", "resolved", "done", "complete", "completed", "finished", "cancelled", "canceled"}

// IsClosedStatus reports whether status means the record is closed.
func IsClosedStatus(status string) bool {
	return slices.Contains(closedStatuses, strings.ToLower(strings.TrimSpace(status)))
}

// Open reports whether r is open.
func (r Record) Open() bool { return !IsClosedStatus(r.Status) }

// Keys returns the identity keys of r: its sessions' keys.
func (r Record) Keys() []string {
	var keys []string
	for _, s := range r.Sessions {
		keys = append(keys, s.Key())
	}
	return dedupe(keys)
}

// HasSession reports whether r has a session with key.
func (r Record) HasSession(key string) bool {
	return slices.ContainsFunc(r.Sessions, func(s Session) bool { return s.Key() == key })
}

// RecordPatch is an update of a record. Empty strings and nil maps change
// nothing: CCAI Platform sends empty values for what it does not know.
type RecordPatch struct {
	Subject     string
	Description string
	Status      string
	Sessions    []Session
	Custom      map[string]string
}

// Apply applies p to r and reports whether r changed.
func (r *Record) Apply(p RecordPatch) bool {
	changed := set(&r.Subject, p.Subject)
	changed = set(&r.Description, p.Description) || changed
	changed = set(&r.Status, strings.ToLower(p.Status)) || changed
	for _, s := range p.Sessions {
		if !r.HasSession(s.Key()) {
			r.Sessions = append(r.Sessions, s)
			changed = true
		}
	}
	for k, v := range p.Custom {
		if v == "" || r.Custom[k] == v {
			continue
		}
		if r.Custom == nil {
			r.Custom = map[string]string{}
		}
		r.Custom[k] = v
		changed = true
	}
	return changed
}

func set(dst *string, v string) bool {
	if v != "" && *dst != v {
		*dst = v
		return true
	}
	return false
}

// RecordFilter selects records. Empty fields do not filter.
type RecordFilter struct {
	AccountID  string
	SessionKey string // e.g. "call:1418"
	// CustomKey and CustomValue: Custom[CustomKey] == CustomValue.
	CustomKey   string
	CustomValue string
	OpenOnly    bool
	ClosedOnly  bool
	// Keep, when set, further tests the records that pass the fields
	// above (a literal status, a second term on a field already used).
	Keep func(Record) bool
}

// Match reports whether r passes f.
func (f RecordFilter) Match(r Record) bool {
	switch {
	case f.AccountID != "" && r.AccountID != f.AccountID,
		f.SessionKey != "" && !r.HasSession(f.SessionKey),
		f.CustomKey != "" && r.Custom[f.CustomKey] != f.CustomValue,
		f.OpenOnly && !r.Open(),
		f.ClosedOnly && r.Open():
		return false
	}
	return f.Keep == nil || f.Keep(r)
}

// CompareRecords orders records as a find answers them: open records
// before closed ones, then the most recently updated first.
func CompareRecords(a, b Record) int {
	if a.Open() != b.Open() {
		if a.Open() {
			return -1
		}
		return 1
	}
	return b.UpdatedAt.Compare(a.UpdatedAt)
}

// RecordStore keeps records and their comments.
type RecordStore interface {
	// GetRecord returns the record with id. Errors: NotFound, Unavailable.
	GetRecord(ctx context.Context, id string) (Record, error)
	// FindRecords returns the first limit records matching f (Match) in
	// the order of CompareRecords, out of all the records that match,
	// however many they are. Errors: Invalid, Unavailable.
	FindRecords(ctx context.Context, f RecordFilter, limit int) ([]Record, error)
	// CreateRecord stores r under a new id, unless a record already holds
	// one of r's session keys: then that record, with r applied as a
	// patch of what it lacks, is returned and created is false. A record
	// with no session is known by its RequestKey for RetryWindow, as an
	// account with no Keys is (AccountStore.CreateAccount). Safe under
	// concurrency. Errors: Invalid (no such account; r, or the record
	// filled, fails Validate: nothing is stored), Conflict (r's sessions
	// are held by two records), Unavailable.
	CreateRecord(ctx context.Context, r Record) (rec Record, created bool, err error)
	// UpdateRecord applies p to the record with id. Sessions that p adds
	// become the record's; a session belongs to one record, so one that
	// another record holds is a Conflict (naming that record) and nothing
	// is stored. Errors: NotFound, Invalid (p, or the record updated,
	// fails Validate: nothing is stored), Conflict, Unavailable.
	UpdateRecord(ctx context.Context, id string, p RecordPatch) (Record, error)
	// ApplySessionMetadata records what a session metadata file says
	// about session s (matched by its key) of record id, unless the
	// record already has a newer (or the same) version: applied says
	// whether it did; notify is true for one caller, the one that takes
	// on sending the session.ended event: the first to learn the session
	// ended, or, when its sender has not called MarkEndedNotified within
	// NotifyLease, the next one. Errors: NotFound, Unavailable.
	ApplySessionMetadata(ctx context.Context, id string, s Session) (applied, notify bool, err error)
	// MarkEndedNotified records that the session.ended event of session
	// key of record id went out. Errors: Unavailable.
	MarkEndedNotified(ctx context.Context, id, key string) error
	// ReleaseEndedClaim gives back the claim ApplySessionMetadata took on
	// the session.ended work of session key of record id, when its
	// sender failed: the next ApplySessionMetadata takes it at once,
	// without waiting for NotifyLease. Errors: NotFound, Unavailable.
	ReleaseEndedClaim(ctx context.Context, id, key string) error
	// AccountRecords lists the account's records, most recently updated
	// first, with only ID, Subject, Status and UpdatedAt read.
	// Errors: Unavailable.
	AccountRecords(ctx context.Context, accountID string) ([]Record, error)
	// AddComment adds c to the record recordID, unless a comment with the
	// same CommentID is there already: then that one is returned and
	// created is false. Errors: NotFound, Invalid (c fails Validate),
	// Unavailable.
	AddComment(ctx context.Context, recordID string, c Comment) (com Comment, created bool, err error)
	// Comments returns the record's comments, oldest first.
	// Errors: Unavailable.
	Comments(ctx context.Context, recordID string) ([]Comment, error)
}

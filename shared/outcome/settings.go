// Package outcome is the CRM's own session outcome emails: who gets one
// (the global and per-queue settings, with the inheritance of CCAI
// Platform's "Send session outcome via Email"), which sessions qualify, the
// message itself and its identity. Sending it (SMTP, on a delay with Cloud
// Tasks) is not here; the store keeps the settings and the sent state
// (Store).
package outcome

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
)

// Setting is one "Send session outcome via Email" switch with its address.
type Setting struct {
	Enabled bool `json:"enabled"`
	// Address is one bare email address ("team@example.com", no display
	// name), or "".
	Address string `json:"address"`
}

// Settings are the outcome email settings. The zero value is the default:
// everything off, so no email is sent until an administrator turns it on.
type Settings struct {
	Global Setting `json:"global"`
	// Queues are the per-queue settings by queue key: a queue id (the
	// last id of the session's menu path, "8" of "6/8": the portal's
	// MENU_ID) or a queue path of names ("Orders/Order confirmation", the
	// metadata's menu_path.name). A queue without a setting is off.
	Queues map[string]Setting `json:"queues"`
}

// Limits of the settings.
const (
	MaxQueues   = 1000 // queues with a setting
	MaxQueueKey = 512  // bytes of a queue key
)

// Recipient is the address a queue's session outcome goes to, "" for none,
// by the table of the vendor documentation ("Settings inheritance and
// overriding"):
//
//	global  queue  email goes to
//	off     off    none
//	off     on     the queue's address (the queue overrides the global off)
//	on      off    the global address (the queue inherits)
//	on      on     the queue's address; an empty queue address means none
func Recipient(global, queue Setting) string {
	switch {
	case queue.Enabled:
		return queue.Address
	case global.Enabled:
		return global.Address
	default:
		return ""
	}
}

// Queue is the setting of a session's queue: that of its queue id (the
// last id of summary.MenuPath), else that of its queue path
// (summary.QueuePath); off when neither has one.
func (s Settings) Queue(summary metadata.Summary) Setting {
	if ids := strings.Split(summary.MenuPath, "/"); ids[len(ids)-1] != "" {
		if q, ok := s.Queues[ids[len(ids)-1]]; ok {
			return q
		}
	}
	if summary.QueuePath != "" {
		if q, ok := s.Queues[summary.QueuePath]; ok {
			return q
		}
	}
	return Setting{}
}

// RecipientOf is the address the outcome of the session summary tells
// goes to, "" for none: none when the session does not qualify, else
// Recipient of the global setting and the session's queue's.
func (s Settings) RecipientOf(summary metadata.Summary) string {
	if !Qualifies(summary) {
		return ""
	}
	return Recipient(s.Global, s.Queue(summary))
}

// Qualifies reports whether a session gets an outcome email: only sessions
// that finished successfully (status "finished"); failed, abandoned and
// other ended sessions, and sessions still going on, do not.
func Qualifies(summary metadata.Summary) bool { return summary.Finished }

// Validate reports the first bad value as a crm.Invalid error naming its
// field: an address that is not one bare email address or is over
// crm.MaxEmail bytes, the global setting enabled without an address, a
// queue key empty, over MaxQueueKey bytes, with surrounding spaces or
// control characters, or more than MaxQueues queues. A queue enabled with
// no address is valid: it means none for that queue.
func (s Settings) Validate() error {
	if s.Global.Enabled && s.Global.Address == "" {
		return crm.Errorf(crm.Invalid, `"global.address" is required when "global.enabled" is true`)
	}
	if err := validAddress(`"global.address"`, s.Global.Address); err != nil {
		return err
	}
	if len(s.Queues) > MaxQueues {
		return crm.Errorf(crm.Invalid, `more than %d "queues" (the CRM's limit)`, MaxQueues)
	}
	keys := make([]string, 0, len(s.Queues))
	for k := range s.Queues {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same error every time
	for _, k := range keys {
		if err := validQueueKey(k); err != nil {
			return err
		}
		if err := validAddress(fmt.Sprintf(`"queues[%s].address"`, k), s.Queues[k].Address); err != nil {
			return err
		}
	}
	return nil
}

func validQueueKey(k string) error {
	switch {
	case k == "":
		return crm.Errorf(crm.Invalid, `a "queues" key is empty`)
	case len(k) > MaxQueueKey:
		return crm.Errorf(crm.Invalid, `"queues" key %q… is longer than %d bytes (the CRM's limit)`, strings.ToValidUTF8(k[:40], ""), MaxQueueKey)
	case !utf8.ValidString(k):
		return crm.Errorf(crm.Invalid, `a "queues" key is not valid UTF-8`)
	case strings.TrimSpace(k) != k:
		return crm.Errorf(crm.Invalid, `"queues" key %q has surrounding spaces`, k)
	case strings.ContainsFunc(k, unicode.IsControl):
		return crm.Errorf(crm.Invalid, `"queues" key %q has a control character`, k)
	}
	return nil
}

// validAddress checks that a is "" or one bare address.
func validAddress(field, a string) error {
	if a == "" {
		return nil
	}
	if len(a) > crm.MaxEmail {
		return crm.Errorf(crm.Invalid, "%s is longer than %d bytes (the CRM's limit)", field, crm.MaxEmail)
	}
	p, err := mail.ParseAddress(a)
	if err != nil {
		return crm.Errorf(crm.Invalid, "%s is not one email address: %v", field, err)
	}
	if p.Name != "" || p.Address != a {
		return crm.Errorf(crm.Invalid, "%s must be the bare address (%q), without a name or brackets", field, p.Address)
	}
	return nil
}

// Store keeps the settings and, per email, the sent state that makes it go
// out once (shared/gcpfirestore).
type Store interface {
	// OutcomeSettings returns the stored settings, the zero Settings (all
	// off) when none were ever stored. Errors: Unavailable.
	OutcomeSettings(ctx context.Context) (Settings, error)
	// PutOutcomeSettings replaces the settings. Errors: Invalid (s fails
	// Validate: nothing is stored), Unavailable.
	PutOutcomeSettings(ctx context.Context, s Settings) error
	// ClaimSend takes on sending the email id (EmailID): first is true for
	// one caller, the first, or the next one after its sender recorded a
	// failure that is not final or did neither mark it sent nor record a
	// failure within SendLease. It is false with a nil error when the email
	// was sent or given up on: nothing to do. While another sender holds
	// the claim it is false with an Unavailable error: try again later.
	// Errors: Invalid (not an EmailID), Unavailable.
	ClaimSend(ctx context.Context, id string) (first bool, err error)
	// MarkSent records that the email id went out. Errors: NotFound (never
	// claimed), Unavailable.
	MarkSent(ctx context.Context, id string) error
	// RecordFailure records that sending the email id failed with reason:
	// the claim is released for a retry, or, when final, the email is
	// given up on. An email already sent stays sent. Errors: NotFound
	// (never claimed), Unavailable.
	RecordFailure(ctx context.Context, id, reason string, final bool) error
	// SendState returns what is known of the email id. Errors: NotFound
	// (never claimed), Unavailable.
	SendState(ctx context.Context, id string) (SendState, error)
}

// SendLease is how long a sender that claimed an email has to send it and
// mark it (sent or failed) before another may claim it. It is longer than
// a send may take (the sender's deadline must be shorter), so a slow
// sender is not doubled; a sender that died is replaced after it.
const SendLease = 10 * time.Minute

// The states of an email.
const (
	StateSending  = "sending"  // claimed; being sent
	StateRetrying = "retrying" // the last try failed; the next claim sends
	StateSent     = "sent"     // went out: never again
	StateFailed   = "failed"   // given up (final failure): never again
)

// SendState is what the store knows of one email.
type SendState struct {
	ID    string
	State string // one of the State constants
	// Attempts counts the claims that took the email on.
	Attempts  int
	ClaimedAt time.Time
	SentAt    time.Time
	// LastError is the reason of the last recorded failure.
	LastError string
	FailedAt  time.Time
}

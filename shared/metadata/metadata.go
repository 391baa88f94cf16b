// Package metadata parses the session metadata file CCAI Platform writes for
// each call, chat and email session (ujet-metadata/call-{id}.json,
// metadata/chat-{id}.json,
// metadata-{id}.json or .txt) into the summary the CRM keeps on a record.
//
// Parsing is forward compatible: every field, unknown ones included, stays in
// File.Raw with numbers as json.Number, so ids keep their digits. Only a file
// that is not a JSON object or has no usable id is an error; a known field of
// an unexpected type or format is left at its zero value and noted in
// File.Warnings, because one odd field must not lose the whole session.
package metadata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrInvalid is wrapped by every error Parse returns: the bytes are not a
// session metadata file. A retry will not help.
var ErrInvalid = errors.New("invalid session metadata")

// File is a parsed session metadata file.
type File struct {
	// Raw holds every top-level field, unknown ones included, decoded with
	// json.Number for numbers.
	Raw map[string]any
	// Summary is what the CRM keeps.
	Summary Summary
	// Warnings name the known fields that were present but unusable, such as
	// "updated_at: cannot parse time \"yesterday\"". For logging.
	Warnings []string
}

// Summary is what the CRM keeps on a record's session.
type Summary struct {
	// Kind is "call", "chat" or "email": from call_type, chat_type or
	// email_type (when only one is there), else from session_type(_v2)
	// ("Voice ...", "Messaging ..." or "Email ..."), else from
	// call_duration, chat_duration or email_duration (when only one is
	// there), else the name's hint; "" when nothing tells. The file's
	// content wins over a contradicting hint. An email address in the
	// file (the end user's) says nothing about the kind.
	Kind string
	// ID is the call, chat or email session id (top-level "id") with its
	// digits as written.
	ID string
	// Type is call_type, chat_type or email_type verbatim (else
	// session_type), e.g. "Voice Inbound (IVR)".
	Type string
	// Status is the status string verbatim, e.g. "finished". A numeric
	// status code is turned into its documented name (8 is "finished");
	// unknown codes keep their digits.
	Status string
	// FailReason is fail_reason verbatim; "nothing" means no failure.
	FailReason string

	// Times keep the file's UTC offset and are zero when absent or null.
	// EndedAt is ends_at (ended_at for files that spell it so). StartedAt is
	// started_at when present, else the earliest of connected_at and
	// assigned_at: when the end-user first reached an agent or virtual agent.
	CreatedAt, QueuedAt, AssignedAt, StartedAt, ConnectedAt, EndedAt, UpdatedAt time.Time

	// DurationSeconds is the kind's own duration (call_duration,
	// chat_duration or email_duration, else another of them), WaitSeconds
	// wait_duration, HoldSeconds hold_duration, in whole seconds: fractional
	// values are rounded to the nearest second; null or absent gives 0.
	DurationSeconds, WaitSeconds, HoldSeconds int

	// QueueName is the name of the selected queue (selected_menu.name).
	QueueName string
	// QueuePath is the path of queue names (menu_path.name), e.g.
	// "menu-path-test/optional-dispositions_menu-8"; QueueName when the file
	// has no menu_path.
	QueuePath string
	// MenuPath is the path of queue ids (menu_path.materialized_path), e.g. "6/8".
	MenuPath string

	// Agent is the last agent who handled the session: agent_info, else the
	// last participant of type "agent".
	Agent Agent

	// RecordID is out_ticket_id: the CRM record CCAI Platform knows.
	RecordID string
	// RecordURL is out_ticket_url verbatim. It may point at CCAI Platform's
	// own media store when there is no CRM record.
	RecordURL string
	// RecordIsAccount is is_out_ticket_account: RecordID is then an account,
	// not a per-session record.
	RecordIsAccount bool
	// AccountID is end_user.out_contact_id.
	AccountID string
	// EndUser is the customer.
	EndUser EndUser

	// CSAT is set when the file has a rating or feedback text.
	CSAT *CSAT
	// Dispositions are the disposition codes, one per agent leg.
	Dispositions []Disposition
	// Transfers are the transfers, in the file's order.
	Transfers []Transfer

	// Ended reports that the status is final. The final statuses are
	// finished, failed, recovered, deflected, canceled (and cancelled),
	// abandoned, no_response, action_only_finished, voicemail_received and
	// voicemail_read; compared case-insensitively.
	Ended bool
	// Finished reports that the session ended with status "finished".
	Finished bool
}

// Agent is a CCAI Platform agent or virtual agent.
type Agent struct {
	ID    string
	Name  string
	Email string
	// Virtual is true for a virtual agent.
	Virtual bool
}

// EndUser is the customer of a session.
type EndUser struct {
	// ID is CCAI Platform's end_user.id.
	ID string
	// Identifier is end_user.identifier: the SDK identifier or an email.
	Identifier string
	Name       string
	// Email is the top-level email, else end_user.email, else Identifier
	// when it looks like an email.
	Email string
	// Phone is the phone_number of the end_user participant (E.164 in
	// practice, kept as given), else end_user.phone_number.
	Phone string
}

// CSAT is the customer satisfaction survey answer.
type CSAT struct {
	// Rating is the score given, 0 when only feedback text was left.
	Rating int
	// Feedback is the comment text.
	Feedback string
}

// Disposition is a disposition code an agent picked.
type Disposition struct {
	Code string
	// Path is the disposition list path (list_path, else list).
	Path string
	// Notes is the agent's note.
	Notes string
	// AgentID is the user_id of the agent who picked it.
	AgentID string
}

// Transfer is a transfer of the session.
type Transfer struct {
	// From and To are the queue paths (from_menu_path.name, to_menu_path.name).
	From, To string
	// FromAgent and ToAgent are the agents (or virtual agents) on each side.
	FromAgent, ToAgent Agent
	// Status is verbatim, e.g. "transferred".
	Status string
	// At is when the transfer was created.
	At time.Time
}

// Newer reports whether s was updated after than: s.UpdatedAt is after
// than.UpdatedAt. It is false when both are zero.
func (s Summary) Newer(than Summary) bool {
	return s.UpdatedAt.After(than.UpdatedAt)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// MaxFileSize is the largest session metadata file the CRM reads: a
// larger one is left alone by ingest and never read by outcome emails.
const MaxFileSize = 8 << 20

// Parse parses a metadata file's bytes (a .json file, or a .txt file whose
// content is JSON, with or without a byte order mark). kindHint is "call",
// "chat", "email" or "", from the object name. Errors wrap ErrInvalid: not JSON,
// anything but one JSON object, no id or an id that is not a whole number or
// a [A-Za-z0-9_-] string, or a bad kindHint.
func Parse(b []byte, kindHint string) (File, error) {
	if kindHint != "" && kindHint != "call" && kindHint != "chat" && kindHint != "email" {
		return File{}, fmt.Errorf("%w: kind hint %q", ErrInvalid, kindHint)
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(b, utf8BOM)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return File{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return File{}, fmt.Errorf("%w: data after the JSON object", ErrInvalid)
	}
	raw, ok := v.(map[string]any)
	if !ok {
		return File{}, fmt.Errorf("%w: not a JSON object", ErrInvalid)
	}
	id, err := sessionID(raw["id"])
	if err != nil {
		return File{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	r := &reader{}
	s := summarize(r, raw, kindHint)
	s.ID = id
	return File{Raw: raw, Summary: s, Warnings: r.warnings}, nil
}

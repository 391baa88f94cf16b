package agentpop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/lookup"
	"example.com/crm/shared/query"
)

// Bounds on an adapter event (untrusted input).
const (
	// MaxEvent bounds an event's JSON.
	MaxEvent = 64 << 10
	// MaxType bounds an event's type.
	MaxType = 64
	// MaxURL bounds data.recordUrl.
	MaxURL = 2048
	// MaxSessionID bounds data.call_id and data.chat_id.
	MaxSessionID = 128
	// journalLimit bounds what one listing of the journal returns.
	journalLimit = 200
)

// The adapter events the CRM acts on.
const (
	RecordPop  = "CRM_Record_Pop"
	NewCall    = "New_Call"
	NewChat    = "New_Chat"
	ActiveChat = "Active_Chat"
)

// Types are the documented adapter event types (the vendor's reference;
// for the four whose spelling is not documented, variants too; matched
// in any case, with or without underscores). Others are kept in the
// journal and not acted on.
var Types = []string{"Agent_Login", NewCall, "End_Call", NewChat, ActiveChat,
	"Chat_Inbound_Message", "Chat_Outbound_Message", "End_Chat", "Dismissed_Chat",
	"Cobrowse_Session_Started", "Cobrowse_Session_Remote_Control_Changed",
	"Cobrowse_Session_Full_Device_Changed", "Cobrowse_Session_Ended",
	"Transfer", "Call_Transfer", "Chat_Transfer",
	"Add_Party", "Add_Participant",
	"Agent_Connects_To_Session", "Agent_Connected", "Agent_Connected_To_Session",
	"Agent_Assist_Started", RecordPop}

// Event is an adapter event: the JSON string the adapter posts, {"type":
// …, "data": {…}}.
type Event struct {
	Type  string
	Known bool
	// Session is "call:{call_id}" or "chat:{chat_id}", "" when data names
	// neither.
	Session    string
	AgentEmail string
	// RecordURL is data.recordUrl (CRM_Record_Pop).
	RecordURL string
	// Data is data's members with string or number values, by name as
	// sent (to find the caller by any field alias: ccai.PhoneFields…).
	Data map[string]string
	Raw  string
}

// ParseEvent reads an adapter event. Errors: crm.Invalid for one over
// MaxEvent, not a JSON object, or without a string type of at most
// MaxType bytes, or with a call_id or chat_id over MaxSessionID bytes.
// An unknown type is no error (Known false).
func ParseEvent(raw []byte) (Event, error) {
	if len(raw) > MaxEvent {
		return Event{}, crm.Errorf(crm.Invalid, "event: at most %d bytes", MaxEvent)
	}
	var msg struct {
		Type *string                    `json:"type"`
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		// data may be null or not an object: read the type alone
		var typeOnly struct {
			Type *string `json:"type"`
		}
		if json.Unmarshal(raw, &typeOnly) != nil {
			return Event{}, crm.Errorf(crm.Invalid, "event: want a JSON object with a type")
		}
		msg.Type, msg.Data = typeOnly.Type, nil
	}
	if msg.Type == nil || *msg.Type == "" || len(*msg.Type) > MaxType {
		return Event{}, crm.Errorf(crm.Invalid, "event: want a type of 1 to %d bytes", MaxType)
	}
	e := Event{Type: *msg.Type, Known: known(*msg.Type), Data: map[string]string{}, Raw: string(raw)}
	for k, v := range msg.Data {
		if s, ok := scalar(v); ok && len(s) <= MaxURL {
			e.Data[k] = s
		}
	}
	if len(e.Data["chat_id"]) > MaxSessionID || len(e.Data["call_id"]) > MaxSessionID {
		return Event{}, crm.Errorf(crm.Invalid, "event: call_id, chat_id: at most %d bytes", MaxSessionID)
	}
	switch {
	case e.Data["chat_id"] != "":
		e.Session = string(crm.SessionChat) + ":" + e.Data["chat_id"]
	case e.Data["call_id"] != "":
		e.Session = string(crm.SessionCall) + ":" + e.Data["call_id"]
	}
	e.AgentEmail = e.Data["agent_email"]
	e.RecordURL = e.Data["recordUrl"]
	return e, nil
}

// known reports whether typ is one of Types, in any case and with or
// without underscores ("Add_Party", "AddParty": the spelling of some is
// not documented).
func known(typ string) bool {
	return slices.ContainsFunc(Types, func(t string) bool { return ccai.Canon(t) == ccai.Canon(typ) })
}

// scalar returns a JSON string or number as text.
func scalar(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s), true
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if d.Decode(&n) == nil {
		if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return strconv.FormatInt(i, 10), true
		}
		return n.String(), true
	}
	return "", false
}

// Checker says whether a URL points into this CRM: under one of its base
// URLs (the Pages function's, local and deployed).
type Checker struct {
	bases []*url.URL
}

// NewChecker returns a Checker for bases (absolute http or https URLs).
func NewChecker(bases ...string) (Checker, error) {
	var c Checker
	for _, b := range bases {
		u, err := url.Parse(strings.TrimRight(b, "/"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return Checker{}, errors.New("agentpop: base URL " + strconv.Quote(b) + ": want an absolute http(s) URL")
		}
		c.bases = append(c.bases, u)
	}
	return c, nil
}

// Into reports whether raw is an absolute http(s) URL under one of the
// bases: same scheme and host, path the base's or below it.
func (c Checker) Into(raw string) bool {
	_, ok := c.relative(raw)
	return ok
}

// RecordID returns the record id of a URL of this CRM's record page
// ({base}/records/{id}), "" for any other.
func (c Checker) RecordID(raw string) string {
	rest, ok := c.relative(raw)
	id, found := strings.CutPrefix(rest, "/records/")
	if !ok || !found || id == "" || strings.Contains(id, "/") {
		return ""
	}
	return id
}

// relative returns raw's path below the base it is under.
func (c Checker) relative(raw string) (string, bool) {
	if len(raw) > MaxURL {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" {
		return "", false
	}
	for _, b := range c.bases {
		if !strings.EqualFold(u.Scheme, b.Scheme) || !strings.EqualFold(u.Host, b.Host) {
			continue
		}
		if u.Path == b.Path {
			return "", true
		}
		if rest, ok := strings.CutPrefix(u.Path, b.Path+"/"); ok {
			return "/" + rest, true
		}
	}
	return "", false
}

// Show is what the CRM page shows for an event (the JSON the events
// endpoint answers, as functions/pages/crmpage.Show): the record's URL and
// id, the session it belongs to, who the session is with; empty for
// nothing new.
type Show struct {
	RecordURL string `json:"record_url,omitempty"`
	RecordID  string `json:"record_id,omitempty"`
	AccountID string `json:"account_id,omitempty"`
	Session   string `json:"session,omitempty"`
	Who       string `json:"who,omitempty"`
}

// Handle is the CRM page's events endpoint: it reads the adapter event
// raw posted by the page of CRM user user, decides what to show and
// keeps the event in the journal. Errors: crm.Invalid for an event that is not one
// (answer 400: ParseEvent), crm.Unavailable (the page may retry).
func (s *Service) Handle(ctx context.Context, user string, raw []byte) (Show, error) {
	e, err := ParseEvent(raw)
	if err != nil {
		return Show{}, err
	}
	// the event is journaled even when deciding failed (with nothing
	// shown): the page does not post it again
	show, decideErr := s.Decide(ctx, e)
	if decideErr != nil {
		show = Show{}
	}
	err = s.Journal.Add(ctx, Entry{Session: e.Session, Type: e.Type, Known: e.Known, User: user, AgentEmail: e.AgentEmail,
		RecordID: show.RecordID, AccountID: show.AccountID, Event: e.Raw})
	if decideErr != nil {
		return Show{}, decideErr
	}
	if err != nil {
		return Show{}, err
	}
	return show, nil
}

// Decide says what to show for e: for CRM_Record_Pop, data.recordUrl when
// it points into this CRM (else nothing) and whom its record is about;
// for New_Call, New_Chat and Active_Chat, the record of the session (the
// one holding its call or chat id; else the best record of the caller's
// account) and who calls (the account found by a phone number, email or
// custom user id in the event's data, else the record's account). Other
// events show nothing.
func (s *Service) Decide(ctx context.Context, e Event) (Show, error) {
	show := Show{Session: e.Session}
	switch e.Type {
	case RecordPop:
		if !s.CRM.Into(e.RecordURL) {
			return show, nil
		}
		show.RecordURL = e.RecordURL
		show.RecordID = s.CRM.RecordID(e.RecordURL)
		// who the record is about; the pop shows the record all the same
		// when that cannot be read
		if show.RecordID != "" {
			if rec, err := s.Records.GetRecord(ctx, show.RecordID); err == nil {
				if acc, err := s.Accounts.GetAccount(ctx, rec.AccountID); err == nil {
					show.AccountID, show.Who = acc.ID, who(acc)
				}
			}
		}
		return show, nil
	case NewCall, NewChat, ActiveChat:
	default:
		return show, nil
	}
	var rec crm.Record
	if e.Session != "" {
		recs, err := s.Records.FindRecords(ctx, crm.RecordFilter{SessionKey: e.Session}, 1)
		if err != nil {
			return Show{}, err
		}
		if len(recs) > 0 {
			rec = recs[0]
		}
	}
	acc, found, err := s.caller(ctx, e)
	if err != nil {
		return Show{}, err
	}
	if !found && rec.AccountID != "" {
		a, err := s.Accounts.GetAccount(ctx, rec.AccountID)
		if err != nil && crm.ErrorCode(err) != crm.NotFound {
			return Show{}, err
		}
		acc, found = a, err == nil
	}
	if rec.ID == "" && found {
		recs, err := s.Records.FindRecords(ctx, crm.RecordFilter{AccountID: acc.ID}, 1)
		if err != nil {
			return Show{}, err
		}
		if r, ok := lookup.BestRecord(recs); ok {
			rec = r
		}
	}
	if found {
		show.AccountID, show.Who = acc.ID, who(acc)
	}
	if rec.ID != "" {
		show.RecordID, show.RecordURL = rec.ID, s.RecordURL(rec.ID)
	}
	return show, nil
}

// who names an account for the page's header.
func who(a crm.Account) string {
	if n := a.DisplayName(); n != "" {
		return n
	}
	return "account " + a.ID
}

// caller finds the account by the identities in e's data, under any of
// their field aliases.
func (s *Service) caller(ctx context.Context, e Event) (crm.Account, bool, error) {
	var terms query.Or
	names := make([]string, 0, len(e.Data))
	for k := range e.Data {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if v := e.Data[k]; v != "" && (ccai.Is(k, ccai.PhoneFields) || ccai.Is(k, ccai.EmailFields) || ccai.Is(k, ccai.CustomUserIDFields)) {
			terms = append(terms, query.Term{Field: k, Op: "equals", Value: v})
		}
	}
	if len(terms) == 0 {
		return crm.Account{}, false, nil
	}
	var q query.Expr = terms
	if len(terms) == 1 {
		q = terms[0]
	}
	found, err := lookup.Accounts(ctx, s.Accounts, q, s.Region)
	if err != nil {
		return crm.Account{}, false, err
	}
	a, ok := lookup.MostRecent(found)
	return a, ok, nil
}

// SessionJournal lists the newest events of session, newest first.
func (s *Service) SessionJournal(ctx context.Context, session string) ([]Entry, error) {
	return s.Journal.OfSession(ctx, session, journalLimit)
}

// RecordJournal lists the newest events that showed record id, newest
// first.
func (s *Service) RecordJournal(ctx context.Context, id string) ([]Entry, error) {
	return s.Journal.OfRecord(ctx, id, journalLimit)
}

package ccai

import (
	"net/url"
	"strings"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
)

// AccountJSON is an account as the Generic API and the read API return
// it. Every id is a string; phones are E.164, each once.
type AccountJSON struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	FirstName     string            `json:"first_name"`
	LastName      string            `json:"last_name"`
	Phone         string            `json:"phone,omitempty"`
	Phones        []string          `json:"phones"`
	PhonesRaw     []string          `json:"phones_raw,omitempty"`
	Email         string            `json:"email,omitempty"`
	Emails        []string          `json:"emails"`
	CustomUserID  string            `json:"custom_user_id,omitempty"`
	CustomUserIDs []string          `json:"custom_user_ids,omitempty"`
	Custom        map[string]string `json:"custom,omitempty"`
	CreatedAt     string            `json:"created_at"`
	UpdatedAt     string            `json:"updated_at"`
}

// AccountDetailJSON is an account with its records, most recently
// updated first, as the read API returns it.
type AccountDetailJSON struct {
	AccountJSON
	Records []RecordListingJSON `json:"records"`
}

// RecordListingJSON is a record as its account lists it.
type RecordListingJSON struct {
	ID        string `json:"id"`
	Subject   string `json:"subject"`
	Status    string `json:"status"`
	Open      bool   `json:"open"`
	UpdatedAt string `json:"updated_at"`
}

// RecordListing returns the listing form of r.
func RecordListing(r crm.Record) RecordListingJSON {
	return RecordListingJSON{ID: r.ID, Subject: r.Subject, Status: r.Status, Open: r.Open(), UpdatedAt: timeString(r.UpdatedAt)}
}

// Account returns the JSON form of a.
func Account(a crm.Account) AccountJSON {
	j := AccountJSON{
		ID: a.ID, Name: a.DisplayName(), FirstName: a.FirstName, LastName: a.LastName,
		Phones: []string{}, Emails: []string{}, CustomUserIDs: a.CustomUserIDs, Custom: a.Custom,
		CreatedAt: timeString(a.CreatedAt), UpdatedAt: timeString(a.UpdatedAt),
	}
	for _, p := range a.Phones {
		if p.E164 == "" {
			j.PhonesRaw = append(j.PhonesRaw, p.Raw)
			continue
		}
		j.Phones = append(j.Phones, p.E164)
	}
	j.Emails = append(j.Emails, a.Emails...)
	if len(j.Phones) > 0 {
		j.Phone = j.Phones[0]
	}
	if len(j.Emails) > 0 {
		j.Email = j.Emails[0]
	}
	if len(a.CustomUserIDs) > 0 {
		j.CustomUserID = a.CustomUserIDs[0]
	}
	return j
}

// SessionJSON is a session of a record. The read API adds the summary of
// its metadata file, once one arrived.
type SessionJSON struct {
	Kind              string              `json:"kind"`
	ID                string              `json:"id"`
	Status            string              `json:"status,omitempty"`
	MetadataUpdatedAt string              `json:"metadata_updated_at,omitempty"`
	Summary           *SessionSummaryJSON `json:"summary,omitempty"`
}

// SessionSummaryJSON is what a session's metadata file told
// (metadata.Summary). Times are UTC RFC 3339, absent when the file has
// none; durations are whole seconds; text is as the file wrote it.
type SessionSummaryJSON struct {
	Type            string            `json:"type,omitempty"`
	Status          string            `json:"status,omitempty"`
	Ended           bool              `json:"ended"`
	Finished        bool              `json:"finished"`
	FailReason      string            `json:"fail_reason,omitempty"`
	CreatedAt       string            `json:"created_at,omitempty"`
	QueuedAt        string            `json:"queued_at,omitempty"`
	AssignedAt      string            `json:"assigned_at,omitempty"`
	StartedAt       string            `json:"started_at,omitempty"`
	ConnectedAt     string            `json:"connected_at,omitempty"`
	EndedAt         string            `json:"ended_at,omitempty"`
	UpdatedAt       string            `json:"updated_at,omitempty"`
	DurationSeconds int               `json:"duration_seconds"`
	WaitSeconds     int               `json:"wait_seconds"`
	HoldSeconds     int               `json:"hold_seconds"`
	QueueName       string            `json:"queue_name,omitempty"`
	QueuePath       string            `json:"queue_path,omitempty"`
	MenuPath        string            `json:"menu_path,omitempty"`
	Agent           *AgentJSON        `json:"agent,omitempty"`
	CSAT            *CSATJSON         `json:"csat,omitempty"`
	Dispositions    []DispositionJSON `json:"dispositions"`
	Transfers       []TransferJSON    `json:"transfers"`
}

// AgentJSON is an agent or virtual agent of a session.
type AgentJSON struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Virtual bool   `json:"virtual"`
}

// CSATJSON is the customer satisfaction survey answer.
type CSATJSON struct {
	Rating   int    `json:"rating"`
	Feedback string `json:"feedback,omitempty"`
}

// DispositionJSON is a disposition code an agent picked.
type DispositionJSON struct {
	Code    string `json:"code"`
	Path    string `json:"path,omitempty"`
	Notes   string `json:"notes,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
}

// TransferJSON is a transfer of the session between queues or agents.
type TransferJSON struct {
	From      string     `json:"from,omitempty"`
	To        string     `json:"to,omitempty"`
	FromAgent *AgentJSON `json:"from_agent,omitempty"`
	ToAgent   *AgentJSON `json:"to_agent,omitempty"`
	Status    string     `json:"status,omitempty"`
	At        string     `json:"at,omitempty"`
}

// SessionSummary returns the JSON form of s.
func SessionSummary(s metadata.Summary) *SessionSummaryJSON {
	j := &SessionSummaryJSON{
		Type: s.Type, Status: s.Status, Ended: s.Ended, Finished: s.Finished, FailReason: s.FailReason,
		CreatedAt: timeString(s.CreatedAt), QueuedAt: timeString(s.QueuedAt), AssignedAt: timeString(s.AssignedAt),
		StartedAt: timeString(s.StartedAt), ConnectedAt: timeString(s.ConnectedAt), EndedAt: timeString(s.EndedAt),
		UpdatedAt:       timeString(s.UpdatedAt),
		DurationSeconds: s.DurationSeconds, WaitSeconds: s.WaitSeconds, HoldSeconds: s.HoldSeconds,
		QueueName: s.QueueName, QueuePath: s.QueuePath, MenuPath: s.MenuPath,
		Agent: agent(s.Agent), Dispositions: []DispositionJSON{}, Transfers: []TransferJSON{},
	}
	if s.CSAT != nil {
		j.CSAT = &CSATJSON{Rating: s.CSAT.Rating, Feedback: s.CSAT.Feedback}
	}
	for _, d := range s.Dispositions {
		j.Dispositions = append(j.Dispositions, DispositionJSON{Code: d.Code, Path: d.Path, Notes: d.Notes, AgentID: d.AgentID})
	}
	for _, t := range s.Transfers {
		j.Transfers = append(j.Transfers, TransferJSON{From: t.From, To: t.To, FromAgent: agent(t.FromAgent), ToAgent: agent(t.ToAgent),
			Status: t.Status, At: timeString(t.At)})
	}
	return j
}

// agent is the JSON form of a, nil when the file names no agent.
func agent(a metadata.Agent) *AgentJSON {
	if a == (metadata.Agent{}) {
		return nil
	}
	return &AgentJSON{ID: a.ID, Name: a.Name, Email: a.Email, Virtual: a.Virtual}
}

// CommentJSON is a comment of a record.
type CommentJSON struct {
	ID       string `json:"id"`
	RecordID string `json:"record_id,omitempty"`
	Body     string `json:"body"`
	HTML     bool   `json:"html"`
	Session  string `json:"session,omitempty"`
	// Author is the CRM user who wrote it on the agent pages, absent for
	// the Generic API's.
	Author    string `json:"author,omitempty"`
	CreatedAt string `json:"created_at"`
}

// AttachmentJSON is a file attached to a record.
type AttachmentJSON struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	DownloadURL string `json:"download_url"`
	Source      string `json:"source"`
	Kind        string `json:"kind,omitempty"`
	Session     string `json:"session,omitempty"`
	CreatedAt   string `json:"created_at,omitempty"`
}

// RecordJSON is a record as the Generic API and the read API return it.
type RecordJSON struct {
	ID          string            `json:"id"`
	AccountID   string            `json:"account_id"`
	Subject     string            `json:"subject"`
	Description string            `json:"description"`
	Status      string            `json:"status"`
	Open        bool              `json:"open"`
	Sessions    []SessionJSON     `json:"sessions"`
	Custom      map[string]string `json:"custom,omitempty"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   string            `json:"updated_at"`
}

// RecordDetailJSON is a record with its comments and attachments, as the
// read API returns it.
type RecordDetailJSON struct {
	RecordJSON
	Comments    []CommentJSON    `json:"comments"`
	Attachments []AttachmentJSON `json:"attachments"`
}

// Record returns the JSON form of r.
func Record(r crm.Record) RecordJSON {
	j := RecordJSON{
		ID: r.ID, AccountID: r.AccountID, Subject: r.Subject, Description: r.Description,
		Status: r.Status, Open: r.Open(), Sessions: []SessionJSON{}, Custom: r.Custom,
		CreatedAt: timeString(r.CreatedAt), UpdatedAt: timeString(r.UpdatedAt),
	}
	for _, s := range r.Sessions {
		j.Sessions = append(j.Sessions, SessionJSON{Kind: string(s.Kind), ID: s.ID, Status: s.Status, MetadataUpdatedAt: timeString(s.MetadataUpdatedAt)})
	}
	return j
}

// Comment returns the JSON form of c, a comment of record recordID.
func Comment(recordID string, c crm.Comment) CommentJSON {
	return CommentJSON{ID: c.ID, RecordID: recordID, Body: c.Body, HTML: c.HTML, Session: c.SessionKey, Author: c.Author, CreatedAt: timeString(c.CreatedAt)}
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// DownloadURL is where an attachment is downloaded from: base is the URL
// of the UploadFile function.
func DownloadURL(base, recordID, attachmentID string) string {
	return strings.TrimRight(base, "/") + "/records/" + url.PathEscape(recordID) + "/attachments/" + url.PathEscape(attachmentID)
}

package ccai

import (
	"net/url"
	"strings"
	"time"

	"example.com/crm/shared/crm"
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

// AccountDetailJSON is an account with the ids of its records, as the read
// API returns it.
type AccountDetailJSON struct {
	AccountJSON
	Records []string `json:"records"`
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

// SessionJSON is a session of a record.
type SessionJSON struct {
	Kind              string `json:"kind"`
	ID                string `json:"id"`
	Status            string `json:"status,omitempty"`
	MetadataUpdatedAt string `json:"metadata_updated_at,omitempty"`
}

// CommentJSON is a comment of a record.
type CommentJSON struct {
	ID        string `json:"id"`
	RecordID  string `json:"record_id,omitempty"`
	Body      string `json:"body"`
	HTML      bool   `json:"html"`
	Session   string `json:"session,omitempty"`
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
	return CommentJSON{ID: c.ID, RecordID: recordID, Body: c.Body, HTML: c.HTML, Session: c.SessionKey, CreatedAt: timeString(c.CreatedAt)}
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

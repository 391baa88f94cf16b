package ccai

import (
	"slices"

	"example.com/crm/shared/crm"
)

// Field aliases: the names CCAI Platform administrators give these fields
// in endpoint parameters and search expressions. They match loosely
// (see Canon).
var (
	AccountIDFields    = []string{"account_id", "account", "contact_id", "customer_id"}
	PhoneFields        = []string{"phone", "phone_number", "mobile", "mobile_phone", "telephone", "tel", "ani", "caller"}
	EmailFields        = []string{"email", "email_address", "mail", "e_mail"}
	CustomUserIDFields = []string{"custom_user_id", "cuid", "custom_uid", "uid"}
	NameFields         = []string{"name", "full_name", "display_name"}
	FirstNameFields    = []string{"first_name", "given_name"}
	LastNameFields     = []string{"last_name", "surname", "family_name"}
	RecordIDFields     = []string{"record_id", "ticket_id", "case_id"}
	CallIDFields       = []string{"call_id"}
	ChatIDFields       = []string{"chat_id"}
	EmailIDFields      = []string{"email_id", "email_session_id"}
	SessionIDFields    = []string{"session_id"}
	StatusFields       = []string{"status", "state"}
	// SessionStatusFields hold a session's status in a record update
	// ("call_status": "finished"); kept as custom fields.
	SessionStatusFields = []string{"session_status", "call_status", "chat_status", "email_status"}
	SubjectFields       = []string{"subject", "title", "ticket_subject", "summary"}
	DescriptionFields   = []string{"description", "ticket_description", "details"}
	DescriptionHTML     = []string{"description_html", "ticket_description_html"}
	CommentBodyFields   = []string{"comment", "body", "comment_body", "text", "note", "message", "content"}
	CommentHTMLFields   = []string{"html", "is_html", "format", "content_type", "text_format"}
	QueryFields         = []string{"q", "query", "criteria", "search", "filter", "where"}
)

// SessionFields are the parameters that name a session, with the kind of
// session each names, in the order sessions are read from a request.
var SessionFields = []struct {
	Kind   crm.SessionKind
	Fields []string
}{
	{crm.SessionCall, CallIDFields},
	{crm.SessionChat, ChatIDFields},
	{crm.SessionEmail, EmailIDFields},
	{crm.SessionAny, SessionIDFields},
}

// SessionKindOf returns the kind of session field names ("call_id":
// call), or "" when field names no session.
func SessionKindOf(field string) crm.SessionKind {
	for _, s := range SessionFields {
		if Is(field, s.Fields) {
			return s.Kind
		}
	}
	return ""
}

// Is reports whether field is one of aliases.
func Is(field string, aliases ...[]string) bool {
	c := Canon(field)
	for _, as := range aliases {
		if slices.ContainsFunc(as, func(a string) bool { return Canon(a) == c }) {
			return true
		}
	}
	return false
}

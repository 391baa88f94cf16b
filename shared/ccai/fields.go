package ccai

import "slices"

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
	SessionIDFields    = []string{"session_id"}
	StatusFields       = []string{"status", "state"}
	SubjectFields      = []string{"subject", "title", "ticket_subject", "summary"}
	DescriptionFields  = []string{"description", "ticket_description", "details"}
	DescriptionHTML    = []string{"description_html", "ticket_description_html"}
	CommentBodyFields  = []string{"comment", "body", "comment_body", "text", "note", "message", "content"}
	CommentHTMLFields  = []string{"html", "is_html", "format", "content_type", "text_format"}
	QueryFields        = []string{"q", "query", "criteria", "search", "filter", "where"}
)

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

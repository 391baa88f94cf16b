package crm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The limits of what the CRM stores. Lengths are in bytes of UTF-8 (a
// letter of a non-Latin script takes 2 to 4). A value over its limit is
// refused with an Invalid error naming the field, never cut. Together
// they keep an account or a record well below Firestore's 1 MiB per
// document.
const (
	MaxPhone        = 64       // each phone number, as received
	MaxEmail        = 254      // each email address (RFC 5321)
	MaxName         = 512      // name, first name, last name
	MaxCustomUserID = 256      // each custom user id
	MaxSessionID    = 128      // each call, chat or session id
	MaxStatus       = 64       // a record's status
	MaxSubject      = 1024     // a record's subject
	MaxDescription  = 64 << 10 // a record's description
	MaxCommentBody  = 64 << 10 // a comment's body
	MaxCustomKey    = 128      // a custom field's name
	MaxCustomValue  = 4 << 10  // a custom field's value
	MaxCustomFields = 100      // custom fields of an account or a record
	MaxIdentities   = 20       // phone numbers, emails, custom user ids of an account, each
	MaxSessions     = 200      // sessions of a record
)

// Validate reports the first field of a over its limit or not UTF-8.
func (a Account) Validate() error {
	var v validator
	v.text(`"name"`, a.Name, MaxName)
	v.text(`"first_name"`, a.FirstName, MaxName)
	v.text(`"last_name"`, a.LastName, MaxName)
	v.count("phone numbers", len(a.Phones), MaxIdentities)
	for _, p := range a.Phones {
		v.text(`"phone"`, p.Raw, MaxPhone)
	}
	v.count("emails", len(a.Emails), MaxIdentities)
	for _, e := range a.Emails {
		v.text(`"email"`, e, MaxEmail)
	}
	v.count("custom user ids", len(a.CustomUserIDs), MaxIdentities)
	for _, c := range a.CustomUserIDs {
		v.text(`"custom_user_id"`, c, MaxCustomUserID)
	}
	v.custom(a.Custom)
	return v.err
}

// Validate reports the first field of r over its limit or not UTF-8.
func (r Record) Validate() error {
	var v validator
	v.text(`"subject"`, r.Subject, MaxSubject)
	v.text(`"description"`, r.Description, MaxDescription)
	v.text(`"status"`, r.Status, MaxStatus)
	v.count("sessions", len(r.Sessions), MaxSessions)
	for _, s := range r.Sessions {
		v.text(strconv.Quote(s.idField()), s.ID, MaxSessionID)
	}
	v.custom(r.Custom)
	return v.err
}

// Validate reports the first field of p over its limit or not UTF-8 (the
// limits of a Record).
func (p RecordPatch) Validate() error {
	return Record{Subject: p.Subject, Description: p.Description, Status: p.Status, Sessions: p.Sessions, Custom: p.Custom}.Validate()
}

// Validate reports whether c's body or session id is over its limit or
// not UTF-8.
func (c Comment) Validate() error {
	var v validator
	v.text(`"comment"`, c.Body, MaxCommentBody)
	v.text(`"author"`, c.Author, MaxEmail)
	if c.SessionKey != "" {
		kind, id, _ := strings.Cut(c.SessionKey, ":")
		v.text(strconv.Quote(Session{Kind: SessionKind(kind)}.idField()), id, MaxSessionID)
	}
	return v.err
}

// idField is the request field of s's id: call_id, chat_id, session_id.
func (s Session) idField() string { return string(s.Kind) + "_id" }

// validator keeps the first error found.
type validator struct{ err error }

// text checks a string value; label names its field, quoted.
func (v *validator) text(label, s string, limit int) {
	switch {
	case v.err != nil:
	case len(s) > limit:
		v.err = Errorf(Invalid, "%s is longer than %d bytes (the CRM's limit)", label, limit)
	case !utf8.ValidString(s):
		v.err = Errorf(Invalid, "%s is not valid UTF-8", label)
	}
}

func (v *validator) count(what string, n, limit int) {
	if v.err == nil && n > limit {
		v.err = Errorf(Invalid, "more than %d %s (the CRM's limit)", limit, what)
	}
}

// custom checks custom fields in the order of their names, so that the
// error is always the same.
func (v *validator) custom(m map[string]string) {
	v.count("custom fields", len(m), MaxCustomFields)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case v.err != nil:
			return
		case len(k) > MaxCustomKey:
			v.err = Errorf(Invalid, "custom field name %s is longer than %d bytes (the CRM's limit)", quoteShort(k), MaxCustomKey)
		case !utf8.ValidString(k):
			v.err = Errorf(Invalid, "custom field name %s is not valid UTF-8", quoteShort(k))
		default:
			v.text(fmt.Sprintf("custom field %q", k), m[k], MaxCustomValue)
		}
	}
}

// quoteShort quotes the start of s, for an error message.
func quoteShort(s string) string {
	const n = 40
	if len(s) <= n {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…", strings.ToValidUTF8(s[:n], ""))
}

package ccai

import (
	"net/mail"
	"strings"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/phone"
)

// AccountFromParams reads a create-account request. Several phone, email
// or custom user id fields may be given; every other non-empty parameter
// becomes a custom field. A phone value that is no phone number is kept
// as received but identifies nothing; an email that is no address is
// Invalid, and so are a request that names nobody and a field over its
// limit (crm.Account.Validate).
func AccountFromParams(p *Params, region string) (crm.Account, error) {
	a := crm.Account{
		Name:      p.Get(NameFields...),
		FirstName: p.Get(FirstNameFields...),
		LastName:  p.Get(LastNameFields...),
	}
	// CCAI Platform sends "--" for a missing last name.
	if a.LastName == "--" {
		a.LastName = ""
	}
	a.Name = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(a.Name), " --"))
	if a.Name == "--" {
		a.Name = ""
	}
	for _, raw := range p.All(PhoneFields...) {
		a.Phones = append(a.Phones, PhoneOf(raw, region))
	}
	for _, raw := range p.All(EmailFields...) {
		e, err := NormalizeEmail(raw)
		if err != nil {
			return crm.Account{}, err
		}
		a.Emails = append(a.Emails, e)
	}
	a.CustomUserIDs = p.All(CustomUserIDFields...)
	p.Get("id") // a client does not choose the id
	a.Custom = p.Unused()
	if len(a.Phones) == 0 && len(a.Emails) == 0 && len(a.CustomUserIDs) == 0 && a.DisplayName() == "" {
		return crm.Account{}, crm.Errorf(crm.Invalid, "an account needs a phone number, an email, a custom user id or a name")
	}
	var deduped crm.Account
	deduped.Merge(a)
	return deduped, deduped.Validate()
}

// PhoneOf normalises a phone number for storage. The search pattern of the
// "automatic" format (*222*333*4444) is read as a national number.
func PhoneOf(raw, region string) crm.Phone {
	n, err := phone.Parse(strings.ReplaceAll(raw, "*", ""), region)
	if err != nil {
		return crm.Phone{Raw: raw, Digits: phone.LocalDigits(raw)}
	}
	return crm.Phone{Raw: n.Raw, E164: n.E164}
}

// NormalizeEmail lower-cases and checks an email address: a bare
// address (no display name) with one "@".
func NormalizeEmail(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || strings.Count(s, "@") != 1 {
		return "", crm.Errorf(crm.Invalid, "email %q is not an email address", shorten(raw))
	}
	return s, nil
}

// SessionsFromParams reads the call, chat, email session and session ids
// of a request.
func SessionsFromParams(p *Params) []crm.Session {
	var out []crm.Session
	for _, s := range SessionFields {
		for _, id := range p.All(s.Fields...) {
			out = append(out, crm.Session{Kind: s.Kind, ID: id})
		}
	}
	return out
}

// RecordPatchFromParams reads the record fields of a create or update
// request. Every parameter that is not a known field becomes a custom
// field. A field over its limit is Invalid (crm.RecordPatch.Validate).
func RecordPatchFromParams(p *Params) (crm.RecordPatch, error) {
	patch := crm.RecordPatch{
		Subject:     p.Get(SubjectFields...),
		Description: p.Get(DescriptionFields...),
		Status:      p.Get(StatusFields...),
		Sessions:    SessionsFromParams(p),
	}
	if html := p.Get(DescriptionHTML...); patch.Description == "" {
		patch.Description = html
	}
	p.Get("id")
	p.Get(RecordIDFields...)
	patch.Custom = p.Unused()
	return patch, patch.Validate()
}

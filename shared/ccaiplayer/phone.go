package ccaiplayer

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// The phone number formats of the portal.
var PhoneFormats = []string{"automatic", "e164", "us_local", "us_local_standard", "international"}

// FormatPhone renders an E.164 number as CCAI Platform sends it in
// format. search selects the search form of "automatic" (a wildcard
// pattern such as *222*333*4444). The US formats of a non-US number fall
// back to its national format.
func FormatPhone(e164, format string, search bool) string {
	n, err := phonenumbers.Parse(e164, "US")
	if err != nil {
		return e164
	}
	intl := phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
	groups := strings.FieldsFunc(intl, func(r rune) bool { return r == ' ' || r == '-' })
	spaced := strings.Join(groups, " ") // "+1 222 333 4444"
	national := phonenumbers.GetNationalSignificantNumber(n)
	switch format {
	case "e164":
		return phonenumbers.Format(n, phonenumbers.E164)
	case "us_local":
		if n.GetCountryCode() == 1 {
			return national
		}
		return digits(phonenumbers.Format(n, phonenumbers.NATIONAL))
	case "us_local_standard":
		if n.GetCountryCode() == 1 && len(national) == 10 {
			return "(" + national[:3] + ") " + national[3:6] + "-" + national[6:]
		}
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	case "international":
		return spaced
	default: // automatic
		if search {
			return "*" + strings.Join(groups[1:], "*")
		}
		return spaced
	}
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

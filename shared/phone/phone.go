// Package phone normalises phone numbers so that one account is found
// whichever format CCAI Platform sends: "+1 222 333 4444", "+12223334444",
// "2223334444", "(222) 333-4444" or the search pattern "*222*333*4444".
//
// Numbers are parsed with github.com/nyaruka/phonenumbers but are not required
// to be valid: CCAI Platform sends numbers such as +1 222 333 4444, whose area
// code does not exist, and the CRM must still accept them. What is rejected is
// input that cannot be a phone number:
//
//   - no digits, fewer than MinTailDigits national digits, or more than 15
//     digits in the E.164 form;
//   - more digits than any number of the country has (per the library's
//     metadata), such as "020 7946 0958" read as a US number;
//   - letters of any kind. Keypad letters ("555-CALL-NOW") are not mapped to
//     digits, and extensions ("x12", ";ext=12") and "tel:" URIs are not
//     accepted: CCAI Platform sends digits only, and mapping letters would turn
//     caller-ID labels into numbers;
//   - characters other than ASCII digits, spaces, tabs and "+-.()/", and input
//     longer than 64 bytes.
//
// Error messages never repeat the number itself: phone numbers are personal
// data and errors end up in logs.
package phone

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Number is a phone number as received and in E.164 form.
type Number struct {
	Raw  string // as received, trimmed
	E164 string // "+12223334444"
}

// ErrInvalid is returned for input that is not a phone number.
var ErrInvalid = errors.New("phone: not a phone number")

// MinTailDigits is the fewest digits a search by tail may use (7).
const MinTailDigits = 7

// maxDigits is the most digits an E.164 number has, country code included.
const maxDigits = 15

// maxInputLen bounds the input handed to the library.
const maxInputLen = 64

// defaultRegion is the region used when the caller passes "".
const defaultRegion = "US"

// Parse normalises raw in the default region (ISO 3166 code such as "US"; "" means "US").
// It returns an error wrapping ErrInvalid for junk and for wildcard patterns.
//
// A leading "00" is read as the international prefix ("0044 20 7946 0958" is
// +442079460958) even in regions, such as the US, whose own international
// prefix is different. An unknown region is a configuration error: it is
// reported with an error that does not wrap ErrInvalid.
func Parse(raw, region string) (Number, error) {
	raw = strings.TrimSpace(raw)
	region, err := normaliseRegion(region)
	if err != nil {
		return Number{}, err
	}
	if IsPattern(raw) {
		return Number{}, invalid("wildcard pattern")
	}
	if err := checkChars(raw, false); err != nil {
		return Number{}, err
	}
	if countDigits(raw) < MinTailDigits {
		return Number{}, invalid("fewer than 7 digits")
	}

	n, err := phonenumbers.ParseAndKeepRawInput(raw, region)
	if err != nil {
		return Number{}, invalid(err.Error())
	}
	if strings.HasPrefix(raw, "00") && n.GetCountryCodeSource() != phonenumbers.PhoneNumber_FROM_NUMBER_WITH_IDD {
		// The region does not use 00 as its international prefix: read it as '+'.
		n, err = phonenumbers.ParseAndKeepRawInput("+"+raw[2:], region)
		if err != nil {
			return Number{}, invalid(err.Error())
		}
	}

	national := phonenumbers.GetNationalSignificantNumber(n)
	if len(national) < MinTailDigits {
		return Number{}, invalid("fewer than 7 national digits")
	}
	if strings.Trim(national, "0") == "" {
		return Number{}, invalid("national number is all zeros")
	}
	if phonenumbers.IsPossibleNumberWithReason(n) == phonenumbers.TOO_LONG {
		return Number{}, invalid("too long for its country")
	}
	if n.GetCountryCode() == 1 && (national[0] == '0' || national[0] == '1') {
		// No North American area code starts with 0 or 1: "03 1234 5678"
		// is another country's national number, not +1 031 234 5678.
		return Number{}, invalid("not a North American number")
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	if !isE164(e164) {
		return Number{}, invalid("more than 15 digits")
	}
	return Number{Raw: raw, E164: e164}, nil
}

// IsPattern reports whether s is a wildcard search pattern such as "*222*333*4444" (contains '*').
func IsPattern(s string) bool {
	return strings.Contains(s, "*")
}

// Tails returns the suffixes of the E.164 digits (without '+') that are at least MinTailDigits long,
// shortest first: for +12223334444: "3334444", "23334444", "223334444", "2223334444", "12223334444".
// Stored on an account so that a wildcard pattern or a national number finds it with one array-contains query.
//
// It returns nil if e164 is not in E.164 form ('+' and 7 to 15 digits).
func Tails(e164 string) []string {
	if !isE164(e164) {
		return nil
	}
	digits := e164[1:]
	tails := make([]string, 0, len(digits)-MinTailDigits+1)
	for i := len(digits) - MinTailDigits; i >= 0; i-- {
		tails = append(tails, digits[i:])
	}
	return tails
}

// Search describes how to look a raw search input up.
type Search struct {
	E164 string // exact E.164 match to try first ("" if none)
	Tail string // digits to look up in Tails ("" if none): used for patterns, and as a fallback for inputs without a country code
}

// SearchFor turns a raw search input (any of the formats above, or a pattern) into a Search.
// Patterns: the digits of the pattern (leading zeros stripped, trunk prefix) become Tail; fewer than MinTailDigits digits is ErrInvalid. Patterns never set E164.
// Inputs starting with '+' (or "00" international prefix): E164 only.
// Other inputs: E164 from Parse in the region, and Tail = the digits with leading zeros stripped (if >= MinTailDigits), so that "2079460958" or "020 7946 0958" finds a stored +442079460958 when the default region is US.
//
// For other inputs, either half may be missing: "020 7946 0958" in the US
// region has no E164 (it is too long for a US number) but has a Tail. Only when
// both are missing is the error ErrInvalid. A pattern is read as a suffix:
// "*2223334444*" searches like "*2223334444".
func SearchFor(raw, region string) (Search, error) {
	raw = strings.TrimSpace(raw)
	if IsPattern(raw) {
		if _, err := normaliseRegion(region); err != nil {
			return Search{}, err
		}
		if err := checkChars(raw, true); err != nil {
			return Search{}, err
		}
		tail := strings.TrimLeft(digitsOf(raw), "0")
		if len(tail) < MinTailDigits {
			return Search{}, invalid("pattern has fewer than 7 digits")
		}
		if len(tail) > maxDigits {
			return Search{}, invalid("pattern has more than 15 digits")
		}
		return Search{Tail: tail}, nil
	}

	n, err := Parse(raw, region)
	if strings.HasPrefix(raw, "+") || strings.HasPrefix(raw, "00") {
		if err != nil {
			return Search{}, err
		}
		return Search{E164: n.E164}, nil
	}
	if err != nil && !errors.Is(err, ErrInvalid) {
		return Search{}, err // unknown region
	}
	if err == nil {
		// Parse has checked the characters; the digits are a usable tail unless too long.
		s := Search{E164: n.E164}
		if tail := strings.TrimLeft(digitsOf(raw), "0"); len(tail) >= MinTailDigits && len(tail) <= maxDigits {
			s.Tail = tail
		}
		return s, nil
	}
	if err := checkChars(raw, false); err != nil {
		return Search{}, err
	}
	tail := strings.TrimLeft(digitsOf(raw), "0")
	if len(tail) < MinTailDigits || len(tail) > maxDigits {
		return Search{}, err
	}
	return Search{Tail: tail}, nil
}

// normaliseRegion upper-cases region, defaults it to "US" and checks that the
// library knows it.
func normaliseRegion(region string) (string, error) {
	if region == "" {
		return defaultRegion, nil
	}
	region = strings.ToUpper(region)
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", fmt.Errorf("phone: unknown region %q", region)
	}
	return region, nil
}

// checkChars rejects input that is too long or holds characters that have no
// place in a phone number. '*' is allowed only when pattern is true.
func checkChars(s string, pattern bool) error {
	if s == "" {
		return invalid("empty")
	}
	if len(s) > maxInputLen {
		return invalid("longer than 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c == ' ' || c == '\t' || c == '+' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		case c == '*' && pattern:
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			return invalid("contains letters")
		default:
			return invalid(fmt.Sprintf("unexpected character at %d", i))
		}
	}
	return nil
}

// digitsOf returns the ASCII digits of s.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// countDigits returns how many ASCII digits s holds.
func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// isE164 reports whether s is '+' followed by MinTailDigits to 15 ASCII digits.
func isE164(s string) bool {
	if len(s) < 1+MinTailDigits || len(s) > 1+maxDigits || s[0] != '+' {
		return false
	}
	return countDigits(s) == len(s)-1
}

// invalid returns an error wrapping ErrInvalid with the reason.
func invalid(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalid, reason)
}

// CheckRegion reports whether region is a region code the phone number
// library knows ("US", "GB", ...).
func CheckRegion(region string) error {
	_, err := normaliseRegion(region)
	return err
}

// LocalDigits returns the digits of raw with leading zeros (a trunk
// prefix) stripped, when raw is made of phone number characters and has
// MinTailDigits to 15 such digits; else "". A number whose country is not
// known (a national number of another country than the default region)
// is kept and searched by these.
func LocalDigits(raw string) string {
	if checkChars(raw, true) != nil {
		return ""
	}
	d := strings.TrimLeft(digitsOf(raw), "0")
	if len(d) < MinTailDigits || len(d) > maxDigits {
		return ""
	}
	return d
}

// NationalDigits returns the national significant number of an E.164
// number ("2223334444" for "+12223334444"), or "".
func NationalDigits(e164 string) string {
	n, err := phonenumbers.Parse(e164, defaultRegion)
	if err != nil {
		return ""
	}
	return phonenumbers.GetNationalSignificantNumber(n)
}

// Display returns an E.164 number formatted for reading
// ("+1 222-333-4444", "+44 20 7946 0958"), or e164 as given when it is
// not one.
func Display(e164 string) string {
	if !isE164(e164) {
		return e164
	}
	n, err := phonenumbers.Parse(e164, defaultRegion)
	if err != nil {
		return e164
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

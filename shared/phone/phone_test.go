package phone

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, raw, region, want string
	}{
		// The five formats CCAI Platform sends for one US number.
		{"automatic create / international", "+1 222 333 4444", "US", "+12223334444"},
		{"e164", "+12223334444", "US", "+12223334444"},
		{"us_local", "2223334444", "US", "+12223334444"},
		{"us_local_standard", "(222) 333-4444", "US", "+12223334444"},
		{"us_local_standard, region empty", "(222) 333-4444", "", "+12223334444"},
		{"surrounding spaces", "  +1 222 333 4444\t", "US", "+12223334444"},
		{"national prefix 1", "1 222 333 4444", "US", "+12223334444"},
		{"dots", "222.333.4444", "US", "+12223334444"},
		{"US IDD", "011 44 20 7946 0958", "US", "+442079460958"},
		{"00 prefix in US", "0044 20 7946 0958", "US", "+442079460958"},
		{"00 prefix in GB", "00 44 20 7946 0958", "GB", "+442079460958"},
		{"0011 prefix in AU", "0011 44 20 7946 0958", "AU", "+442079460958"},
		{"seven digit local", "333-4444", "US", "+13334444"},
		{"lower-case region", "020 7946 0958", "gb", "+442079460958"},

		// International numbers.
		{"UK", "+44 20 7946 0958", "US", "+442079460958"},
		{"UK with (0)", "+44 (0)20 7946 0958", "US", "+442079460958"},
		{"UK national in GB", "020 7946 0958", "GB", "+442079460958"},
		{"France", "+33 1 23 45 67 89", "US", "+33123456789"},
		{"France national in FR", "01 23 45 67 89", "FR", "+33123456789"},
		{"Japan", "+81 3-1234-5678", "US", "+81312345678"},
		{"Italy keeps leading zero", "+39 06 1234 5678", "US", "+390612345678"},
		{"UK number from GB region", "+44 20 7946 0958", "GB", "+442079460958"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.raw, tt.region)
			if err != nil {
				t.Fatalf("Parse(%q, %q): got error %v, want %s", tt.raw, tt.region, err, tt.want)
			}
			if got.E164 != tt.want {
				t.Errorf("Parse(%q, %q).E164: got %q, want %q", tt.raw, tt.region, got.E164, tt.want)
			}
			if want := strings.TrimSpace(tt.raw); got.Raw != want {
				t.Errorf("Parse(%q, %q).Raw: got %q, want %q", tt.raw, tt.region, got.Raw, want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name, raw string
	}{
		{"empty", ""},
		{"spaces", "   "},
		{"plus only", "+"},
		{"letters", "abc"},
		{"anonymous", "anonymous"},
		{"restricted", "Restricted"},
		{"too few digits", "123"},
		{"six digits", "333-444"},
		{"six national digits", "+1 333 444"},
		{"vanity number", "555-CALL-NOW"},
		{"vanity with plus", "+1 800 FLOWERS"},
		{"extension", "2223334444 ext 12"},
		{"tel URI", "tel:+12223334444"},
		{"wildcard pattern", "*222*333*4444"},
		{"more than 15 digits", "+1234567890123456"},
		{"too long for the US", "12345678901234567"},
		{"GB national read in US", "020 7946 0958"},
		{"too long for its country", "+1 222 333 4444 5"},
		{"unknown country code", "+999 1234567"},
		{"country code zero", "+0 1234567"},
		{"all zeros", "000 0000"},
		{"hash", "2223334444#"},
		{"non-ASCII digits", "٢٢٢٣٣٣٤٤٤٤"},
		{"too long input", "+1 222 333 4444" + strings.Repeat(" ", 60) + "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.raw, "US")
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q, US): got %+v, %v, want error wrapping ErrInvalid", tt.raw, got, err)
			}
			if got != (Number{}) {
				t.Errorf("Parse(%q, US): got %+v, want zero Number with error", tt.raw, got)
			}
		})
	}
}

func TestParseUnknownRegion(t *testing.T) {
	tests := []struct {
		name, raw, region string
	}{
		{"national number", "2223334444", "XX"},
		{"international number", "+12223334444", "ZZ"},
		{"junk", "abc", "Nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.raw, tt.region)
			if err == nil || errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q, %q): got error %v, want a region error not wrapping ErrInvalid", tt.raw, tt.region, err)
			}
			_, err = SearchFor(tt.raw, tt.region)
			if err == nil || errors.Is(err, ErrInvalid) {
				t.Errorf("SearchFor(%q, %q): got error %v, want a region error not wrapping ErrInvalid", tt.raw, tt.region, err)
			}
		})
	}
}

func TestIsPattern(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"*222*333*4444", true},
		{"*", true},
		{"+12223334444", false},
		{"(222) 333-4444", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := IsPattern(tt.s); got != tt.want {
				t.Errorf("IsPattern(%q): got %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func TestTails(t *testing.T) {
	tests := []struct {
		name, e164 string
		want       []string
	}{
		{"US", "+12223334444", []string{"3334444", "23334444", "223334444", "2223334444", "12223334444"}},
		{"UK", "+442079460958", []string{"9460958", "79460958", "079460958", "2079460958", "42079460958", "442079460958"}},
		{"seven national digits", "+13334444", []string{"3334444", "13334444"}},
		{"seven digits", "+1234567", []string{"1234567"}},
		{"no plus", "12223334444", nil},
		{"too short", "+123456", nil},
		{"too long", "+1234567890123456", nil},
		{"not digits", "+1222333444x", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tails(tt.e164); !slices.Equal(got, tt.want) {
				t.Errorf("Tails(%q): got %q, want %q", tt.e164, got, tt.want)
			}
		})
	}
}

func TestSearchFor(t *testing.T) {
	tests := []struct {
		name, raw, region string
		want              Search
	}{
		{"automatic create / international", "+1 222 333 4444", "US", Search{E164: "+12223334444"}},
		{"e164", "+12223334444", "US", Search{E164: "+12223334444"}},
		{"us_local", "2223334444", "US", Search{E164: "+12223334444", Tail: "2223334444"}},
		{"us_local_standard", "(222) 333-4444", "US", Search{E164: "+12223334444", Tail: "2223334444"}},
		{"automatic search pattern", "*222*333*4444", "US", Search{Tail: "2223334444"}},
		{"pattern with country code", "*1*222*333*4444", "US", Search{Tail: "12223334444"}},
		{"pattern with trunk prefix", "*020*7946*0958", "US", Search{Tail: "2079460958"}},
		{"UK pattern", "*20*7946*0958", "US", Search{Tail: "2079460958"}},
		{"pattern with 00 prefix", "*0044*20*7946*0958", "US", Search{Tail: "442079460958"}},
		{"pattern with trailing star", "*2223334444*", "US", Search{Tail: "2223334444"}},
		{"seven digit pattern", "*333*4444", "US", Search{Tail: "3334444"}},
		{"UK international", "+44 20 7946 0958", "US", Search{E164: "+442079460958"}},
		{"UK 00 prefix", "0044 20 7946 0958", "US", Search{E164: "+442079460958"}},
		{"UK national in US region", "020 7946 0958", "US", Search{Tail: "2079460958"}},
		{"UK national digits in US region", "2079460958", "US", Search{E164: "+12079460958", Tail: "2079460958"}},
		{"UK national in GB region", "020 7946 0958", "GB", Search{E164: "+442079460958", Tail: "2079460958"}},
		{"France", "+33 1 23 45 67 89", "US", Search{E164: "+33123456789"}},
		{"Japan", "+81 3-1234-5678", "US", Search{E164: "+81312345678"}},
		{"US with national prefix", "1 222 333 4444", "", Search{E164: "+12223334444", Tail: "12223334444"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SearchFor(tt.raw, tt.region)
			if err != nil {
				t.Fatalf("SearchFor(%q, %q): got error %v, want %+v", tt.raw, tt.region, err, tt.want)
			}
			if got != tt.want {
				t.Errorf("SearchFor(%q, %q): got %+v, want %+v", tt.raw, tt.region, got, tt.want)
			}
		})
	}
}

func TestSearchForInvalid(t *testing.T) {
	tests := []struct {
		name, raw string
	}{
		{"empty", ""},
		{"letters", "abc"},
		{"anonymous", "anonymous"},
		{"too few digits", "123"},
		{"plus only", "+"},
		{"international junk", "+12"},
		{"international too long", "+1234567890123456"},
		{"pattern with six digits", "*333*444"},
		{"pattern of stars", "***"},
		{"pattern with zeros only", "*000*0000000"},
		{"pattern with letters", "*CALL*NOW"},
		{"pattern too long", "*1234567890123456"},
		{"vanity number", "555-CALL-NOW"},
		{"national too long", "12345678901234567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SearchFor(tt.raw, "US")
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("SearchFor(%q, US): got %+v, %v, want error wrapping ErrInvalid", tt.raw, got, err)
			}
		})
	}
}

// TestSameAccount checks the promise of the spec: a number stored once, in any
// of the formats CCAI Platform sends, is found by all of them.
func TestSameAccount(t *testing.T) {
	formats := []string{"+1 222 333 4444", "+12223334444", "2223334444", "(222) 333-4444", "*222*333*4444"}
	for _, stored := range formats[:4] {
		n, err := Parse(stored, "US")
		if err != nil {
			t.Fatalf("Parse(%q): %v", stored, err)
		}
		tails := Tails(n.E164)
		for _, input := range formats {
			t.Run(stored+" found by "+input, func(t *testing.T) {
				s, err := SearchFor(input, "US")
				if err != nil {
					t.Fatalf("SearchFor(%q): %v", input, err)
				}
				if got := s.E164 == n.E164 || slices.Contains(tails, s.Tail); !got {
					t.Errorf("SearchFor(%q) = %+v finds %s: got false, want true", input, s, n.E164)
				}
			})
		}
	}
}

// TestInternationalFoundByNational checks that a stored foreign number is found
// by its national digits when the default region is US.
func TestInternationalFoundByNational(t *testing.T) {
	tests := []struct {
		stored, input string
	}{
		{"+44 20 7946 0958", "020 7946 0958"},
		{"+44 20 7946 0958", "2079460958"},
		{"+44 20 7946 0958", "*20*7946*0958"},
		{"+33 1 23 45 67 89", "01 23 45 67 89"},
		{"+81 3-1234-5678", "03-1234-5678"},
	}
	for _, tt := range tests {
		t.Run(tt.stored+" found by "+tt.input, func(t *testing.T) {
			n, err := Parse(tt.stored, "US")
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.stored, err)
			}
			s, err := SearchFor(tt.input, "US")
			if err != nil {
				t.Fatalf("SearchFor(%q): %v", tt.input, err)
			}
			if got := slices.Contains(Tails(n.E164), s.Tail); !got {
				t.Errorf("Tails(%s) contains SearchFor(%q).Tail %q: got false, want true", n.E164, tt.input, s.Tail)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"+1 222 333 4444", "+12223334444", "2223334444", "(222) 333-4444", "*222*333*4444",
		"+44 20 7946 0958", "+33 1 23 45 67 89", "+81 3-1234-5678", "0044 20 7946 0958",
		"abc", "123", "anonymous", "", "+", "555-CALL-NOW", "000 0000", "+0 1234567",
	} {
		f.Add(s, "US")
	}
	f.Add("020 7946 0958", "GB")
	f.Add("0011 44 20 7946 0958", "AU")
	f.Fuzz(func(t *testing.T, raw, region string) {
		n, err := Parse(raw, region)
		if err == nil {
			if !isE164(n.E164) {
				t.Errorf("Parse(%q, %q).E164: got %q, want '+' and 7 to 15 digits", raw, region, n.E164)
			}
			if len(Tails(n.E164)) == 0 {
				t.Errorf("Tails(%q): got none, want at least one", n.E164)
			}
		}
		s, err := SearchFor(raw, region)
		if err == nil {
			if s.E164 == "" && s.Tail == "" {
				t.Errorf("SearchFor(%q, %q): got empty Search without error", raw, region)
			}
			if s.E164 != "" && !isE164(s.E164) {
				t.Errorf("SearchFor(%q, %q).E164: got %q, want '+' and 7 to 15 digits", raw, region, s.E164)
			}
			if s.Tail != "" && len(Tails("+"+s.Tail)) == 0 {
				t.Errorf("SearchFor(%q, %q).Tail: got %q, want 7 to 15 digits", raw, region, s.Tail)
			}
		}
	})
}

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{
		"+12223334444":  "+1 222-333-4444",
		"+442079460958": "+44 20 7946 0958",
		"2223334444":    "2223334444", // not E.164: as given
		"":              "",
	} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}
}

package lookup_test

import (
	"testing"
	"time"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/lookup"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func TestMostRecent(t *testing.T) {
	tests := []struct {
		name     string
		accounts []crm.Account
		want     string // id; "" for not found
	}{
		{"none", nil, ""},
		{"empty", []crm.Account{}, ""},
		{"one", []crm.Account{{ID: "a", UpdatedAt: at(0)}}, "a"},
		{"latest last", []crm.Account{{ID: "a", UpdatedAt: at(0)}, {ID: "b", UpdatedAt: at(5)}}, "b"},
		{"latest first", []crm.Account{{ID: "a", UpdatedAt: at(5)}, {ID: "b", UpdatedAt: at(0)}}, "a"},
		{"latest in the middle", []crm.Account{{ID: "a", UpdatedAt: at(1)}, {ID: "b", UpdatedAt: at(9)}, {ID: "c", UpdatedAt: at(3)}}, "b"},
		{"tie keeps the first", []crm.Account{{ID: "a", UpdatedAt: at(1)}, {ID: "b", UpdatedAt: at(1)}}, "a"},
		{"zero time loses", []crm.Account{{ID: "a"}, {ID: "b", UpdatedAt: at(-1000)}}, "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lookup.MostRecent(tt.accounts)
			if ok != (tt.want != "") || got.ID != tt.want {
				t.Errorf("MostRecent: got (%q, %v), want (%q, %v)", got.ID, ok, tt.want, tt.want != "")
			}
		})
	}
}

func TestBestRecord(t *testing.T) {
	open := func(id string, m int) crm.Record { return crm.Record{ID: id, Status: "open", UpdatedAt: at(m)} }
	closed := func(id string, m int) crm.Record { return crm.Record{ID: id, Status: "Closed", UpdatedAt: at(m)} }
	tests := []struct {
		name    string
		records []crm.Record
		want    string
	}{
		{"none", nil, ""},
		{"one closed", []crm.Record{closed("c", 0)}, "c"},
		{"open before a newer closed", []crm.Record{closed("c", 9), open("o", 1)}, "o"},
		{"open before a newer closed, open first", []crm.Record{open("o", 1), closed("c", 9)}, "o"},
		{"most recent open", []crm.Record{open("o1", 1), closed("c", 9), open("o2", 5), open("o3", 3)}, "o2"},
		{"most recent closed when all closed", []crm.Record{closed("c1", 1), closed("c2", 7), closed("c3", 3)}, "c2"},
		{"unknown status counts as open", []crm.Record{closed("c", 9), {ID: "p", Status: "pending", UpdatedAt: at(0)}}, "p"},
		{"empty status counts as open", []crm.Record{{ID: "e", UpdatedAt: at(0)}, closed("c", 9)}, "e"},
		{"tie keeps the first", []crm.Record{open("o1", 2), open("o2", 2)}, "o1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lookup.BestRecord(tt.records)
			if ok != (tt.want != "") || got.ID != tt.want {
				t.Errorf("BestRecord: got (%q, %v), want (%q, %v)", got.ID, ok, tt.want, tt.want != "")
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	if got, want := lookup.NormalizeEmail("  James.Bond@MI6.gov.UK "), "james.bond@mi6.gov.uk"; got != want {
		t.Errorf("NormalizeEmail: got %q, want %q", got, want)
	}
}

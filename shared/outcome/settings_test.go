package outcome_test

import (
	"strings"
	"testing"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/outcome"
)

// The table of the vendor documentation ("Settings inheritance and
// overriding"), every row, with the addresses present or empty.
func TestRecipientInheritanceTable(t *testing.T) {
	on := func(a string) outcome.Setting { return outcome.Setting{Enabled: true, Address: a} }
	off := func(a string) outcome.Setting { return outcome.Setting{Address: a} }
	const g, q = "global@example.com", "queue@example.com"
	for _, c := range []struct {
		name          string
		global, queue outcome.Setting
		want          string
	}{
		{"global off, queue off: none", off(g), off(q), ""},
		{"global off, queue off, no addresses: none", off(""), off(""), ""},
		{"global off, queue on: the queue's address", off(g), on(q), q},
		{"global off (no address), queue on: the queue's address", off(""), on(q), q},
		{"global off, queue on with no address: none", off(g), on(""), ""},
		{"global on, queue off: the global address", on(g), off(""), g},
		{"global on, queue off with its own address: still the global address", on(g), off(q), g},
		{"global on, queue not configured: the global address", on(g), outcome.Setting{}, g},
		{"global on, queue on: the queue's address", on(g), on(q), q},
		{"global on, queue on with an empty address: none", on(g), on(""), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := outcome.Recipient(c.global, c.queue); got != c.want {
				t.Errorf("Recipient(%+v, %+v) = %q, want %q", c.global, c.queue, got, c.want)
			}
		})
	}
}

// A session's queue is found by its queue id, else by its queue path;
// only finished sessions get an email.
func TestRecipientOfSession(t *testing.T) {
	s := outcome.Settings{
		Global: outcome.Setting{Enabled: true, Address: "all@example.com"},
		Queues: map[string]outcome.Setting{
			"8":               {Enabled: true, Address: "by-id@example.com"},
			"Orders/Support":  {Enabled: true, Address: "orders@example.com"},
			"Orders/Silenced": {Enabled: true},
		},
	}
	finished := func(menuPath, queuePath string) metadata.Summary {
		return metadata.Summary{Kind: "call", ID: "1", Status: "finished", Ended: true, Finished: true, MenuPath: menuPath, QueuePath: queuePath}
	}
	for _, c := range []struct {
		name    string
		summary metadata.Summary
		want    string
	}{
		{"queue id", finished("6/8", "Orders/Support"), "by-id@example.com"},
		{"queue path", finished("6/9", "Orders/Support"), "orders@example.com"},
		{"queue on, empty address", finished("6/10", "Orders/Silenced"), ""},
		{"queue without a setting inherits", finished("7", "Other"), "all@example.com"},
		{"no queue at all inherits", finished("", ""), "all@example.com"},
		{"failed", metadata.Summary{Status: "failed", Ended: true, MenuPath: "6/8"}, ""},
		{"abandoned", metadata.Summary{Status: "abandoned", Ended: true, MenuPath: "6/8"}, ""},
		{"in progress", metadata.Summary{Status: "connected", MenuPath: "6/8"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := s.RecipientOf(c.summary); got != c.want {
				t.Errorf("RecipientOf = %q, want %q", got, c.want)
			}
		})
	}
}

// Qualifies follows the metadata file's status: a parsed "finished" file
// qualifies, "failed" and "abandoned" ones do not.
func TestQualifiesFromMetadataStatus(t *testing.T) {
	for status, want := range map[string]bool{"finished": true, "Finished": true, "8": true, "failed": false, "abandoned": false, "canceled": false, "connected": false} {
		raw := `{"id": 7, "call_type": "Voice Inbound (IVR)", "status": "` + status + `"}`
		if status == "8" {
			raw = `{"id": 7, "call_type": "Voice Inbound (IVR)", "status": 8}`
		}
		f, err := metadata.Parse([]byte(raw), "call")
		if err != nil {
			t.Fatal(err)
		}
		if got := outcome.Qualifies(f.Summary); got != want {
			t.Errorf("status %q: Qualifies = %v, want %v", status, got, want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	long := strings.Repeat("a", 250) + "@example.com" // 262 bytes
	valid := []outcome.Settings{
		{},
		{Global: outcome.Setting{Address: "ops@example.com"}},
		{Global: outcome.Setting{Enabled: true, Address: "ops@example.com"}},
		{Queues: map[string]outcome.Setting{"8": {Enabled: true}, "Orders/Order confirmation": {Enabled: true, Address: "o@example.com"}}},
	}
	for _, s := range valid {
		if err := s.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", s, err)
		}
	}
	q := func(key, address string) outcome.Settings {
		return outcome.Settings{Queues: map[string]outcome.Setting{key: {Enabled: true, Address: address}}}
	}
	g := func(address string) outcome.Settings {
		return outcome.Settings{Global: outcome.Setting{Enabled: true, Address: address}}
	}
	many := outcome.Settings{Queues: map[string]outcome.Setting{}}
	for i := range outcome.MaxQueues + 1 {
		many.Queues[strings.Repeat("q", i%7+1)+string(rune('0'+i%10))+strings.Repeat("x", i/70)] = outcome.Setting{}
	}
	for len(many.Queues) <= outcome.MaxQueues {
		many.Queues["extra"+strings.Repeat("y", len(many.Queues))] = outcome.Setting{}
	}
	for _, c := range []struct {
		name string
		s    outcome.Settings
		want string // in the message
	}{
		{"not an address", g("not an address"), `"global.address"`},
		{"two addresses", g("a@example.com, b@example.com"), `"global.address"`},
		{"two addresses with semicolon", g("a@example.com; b@example.com"), `"global.address"`},
		{"display name", g("Ops <ops@example.com>"), `"global.address"`},
		{"brackets", g("<ops@example.com>"), `"global.address"`},
		{"over-long", g(long), `"global.address" is longer than 254`},
		{"enabled without address", g(""), `"global.address" is required`},
		{"queue bad address", q("8", "nope"), `"queues[8].address"`},
		{"queue two addresses", q("Orders", "a@example.com, b@example.com"), `"queues[Orders].address"`},
		{"queue over-long address", q("8", long), `"queues[8].address" is longer than 254`},
		{"empty queue key", q("", "a@example.com"), `"queues" key is empty`},
		{"over-long queue key", q(strings.Repeat("k", outcome.MaxQueueKey+1), ""), `longer than 512`},
		{"queue key with spaces around", q(" 8", ""), `surrounding spaces`},
		{"queue key with a control character", q("a\nb", ""), `control character`},
		{"queue key not UTF-8", q("a\xffb", ""), `not valid UTF-8`},
		{"too many queues", many, `more than 1000 "queues"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.s.Validate()
			if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), c.want) {
				t.Errorf("Validate = %v, want Invalid naming %s", err, c.want)
			}
		})
	}
}

package metadata_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/metadata"
	"example.com/crm/shared/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// readFixture reads a real metadata file of the repository's testdata/metadata.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	return testenv.Fixture(t, "metadata/"+name)
}

func TestParseFixturesGolden(t *testing.T) {
	tests := []struct {
		fixture, hint, golden string
	}{
		{"call-1418.json", "call", "call-1418.summary.golden.json"},
		{"chat-135.json", "chat", "chat-135.summary.golden.json"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f, err := metadata.Parse(readFixture(t, tt.fixture), tt.hint)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(f.Warnings) != 0 {
				t.Errorf("Warnings = %q, want none", f.Warnings)
			}
			got, err := json.MarshalIndent(f.Summary, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("summary of %s\n got %s\nwant %s", tt.fixture, got, want)
			}

			// Without a hint the content tells the kind.
			noHint, err := metadata.Parse(readFixture(t, tt.fixture), "")
			if err != nil {
				t.Fatalf("Parse without hint: %v", err)
			}
			if got, want := noHint.Summary.Kind, tt.hint; got != want {
				t.Errorf("Kind without hint = %q, want %q", got, want)
			}
		})
	}
}

func TestParseFixturesKeepEveryField(t *testing.T) {
	for _, name := range []string{"call-1418.json", "chat-135.json"} {
		t.Run(name, func(t *testing.T) {
			b := readFixture(t, name)
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(b, &keys); err != nil {
				t.Fatal(err)
			}
			f, err := metadata.Parse(b, "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for k, v := range keys {
				raw, err := json.Marshal(f.Raw[k])
				if err != nil {
					t.Fatalf("marshal Raw[%q]: %v", k, err)
				}
				// Re-encoding sorts object keys; json.Number keeps the digits.
				dec := json.NewDecoder(bytes.NewReader(v))
				dec.UseNumber()
				var value any
				if err := dec.Decode(&value); err != nil {
					t.Fatal(err)
				}
				canonical, err := json.Marshal(value)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := string(raw), string(canonical); got != want {
					t.Errorf("Raw[%q] = %s, want %s", k, got, want)
				}
			}
			if got, want := len(f.Raw), len(keys); got != want {
				t.Errorf("len(Raw) = %d, want %d", got, want)
			}
		})
	}
}

func TestParseKeepsUnknownFields(t *testing.T) {
	in := `{"id": 12345678901234567890, "call_type": "Voice Outbound",
		"brand_new": {"nested": [1, 2.50, "x"]}, "big": 123456789012345678901234567890,
		"redaction": 2.940}`
	f, err := metadata.Parse([]byte(in), "call")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"id digits", f.Summary.ID, "12345678901234567890"},
		{"raw id", f.Raw["id"], json.Number("12345678901234567890")},
		{"big number", f.Raw["big"], json.Number("123456789012345678901234567890")},
		{"decimal kept as written", f.Raw["redaction"], json.Number("2.940")},
		{"nested object", f.Raw["brand_new"], map[string]any{"nested": []any{json.Number("1"), json.Number("2.50"), "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name, in, hint string
	}{
		{"empty", "", ""},
		{"blank", " \n\t", ""},
		{"not JSON", "id=1", ""},
		{"truncated", `{"id": 1`, ""},
		{"null", "null", ""},
		{"array", `[{"id": 1}]`, ""},
		{"number", "1418", ""},
		{"string", `"call-1418"`, ""},
		{"boolean", "true", ""},
		{"two objects", `{"id": 1} {"id": 2}`, ""},
		{"trailing garbage", `{"id": 1} x`, ""},
		{"no id", `{"call_type": "Voice Outbound"}`, ""},
		{"empty object", `{}`, ""},
		{"null id", `{"id": null}`, ""},
		{"empty id", `{"id": ""}`, ""},
		{"blank id", `{"id": "  "}`, ""},
		{"fractional id", `{"id": 14.18}`, ""},
		{"exponent id", `{"id": 1e3}`, ""},
		{"negative id", `{"id": -1}`, ""},
		{"object id", `{"id": {"value": 1}}`, ""},
		{"array id", `{"id": [1]}`, ""},
		{"boolean id", `{"id": true}`, ""},
		{"id with space", `{"id": "14 18"}`, ""},
		{"id with slash", `{"id": "../1"}`, ""},
		{"invalid UTF-8", "{\"id\": 1, \"x\": \"\xff\"\x00}", ""},
		{"bad hint", `{"id": 1}`, "sms"},
		{"upper-case hint", `{"id": 1}`, "CALL"},
		{"bom only", "\xEF\xBB\xBF", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := metadata.Parse([]byte(tt.in), tt.hint)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, nil; want an error", tt.in, f.Summary)
			}
			if !errors.Is(err, metadata.ErrInvalid) {
				t.Errorf("Parse(%q) error = %v, want one wrapping ErrInvalid", tt.in, err)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestParseFields(t *testing.T) {
	type field = func(metadata.Summary) any
	kind := func(s metadata.Summary) any { return s.Kind }
	status := func(s metadata.Summary) any { return [3]any{s.Status, s.Ended, s.Finished} }
	updated := func(s metadata.Summary) any { return s.UpdatedAt.Format(time.RFC3339Nano) }
	durations := func(s metadata.Summary) any { return [3]int{s.DurationSeconds, s.WaitSeconds, s.HoldSeconds} }
	tests := []struct {
		name, in, hint string
		field          field
		want           any
	}{
		{"kind from call_type", `{"id":1,"call_type":"Voice Outbound"}`, "", kind, "call"},
		{"kind from chat_type", `{"id":1,"chat_type":"Messaging (SMS)"}`, "", kind, "chat"},
		{"content beats hint", `{"id":1,"chat_type":"Messaging (SMS)"}`, "call", kind, "chat"},
		{"kind from session_type", `{"id":1,"session_type":"Voice Internal"}`, "", kind, "call"},
		{"kind from session_type_v2", `{"id":1,"session_type_v2":"messaging inbound (web chat)"}`, "", kind, "chat"},
		{"kind from chat_duration", `{"id":1,"chat_duration":3}`, "", kind, "chat"},
		{"kind from hint", `{"id":1}`, "chat", kind, "chat"},
		{"kind unknown", `{"id":1}`, "", kind, ""},
		{"both types use hint", `{"id":1,"call_type":"a","chat_type":"b"}`, "chat", kind, "chat"},
		{"type verbatim", `{"id":1,"call_type":"Voice Inbound (IVR)"}`, "", func(s metadata.Summary) any { return s.Type }, "Voice Inbound (IVR)"},
		{"type from session_type", `{"id":1,"session_type":"Voice Internal"}`, "", func(s metadata.Summary) any { return s.Type }, "Voice Internal"},
		{"string id", `{"id":"abc-1"}`, "", func(s metadata.Summary) any { return s.ID }, "abc-1"},
		{"finished", `{"id":1,"status":"finished"}`, "", status, [3]any{"finished", true, true}},
		{"failed", `{"id":1,"status":"failed"}`, "", status, [3]any{"failed", true, false}},
		{"canceled", `{"id":1,"status":"canceled"}`, "", status, [3]any{"canceled", true, false}},
		{"no_response", `{"id":1,"status":"no_response"}`, "", status, [3]any{"no_response", true, false}},
		{"deflected", `{"id":1,"status":"deflected"}`, "", status, [3]any{"deflected", true, false}},
		{"voicemail_received", `{"id":1,"status":"voicemail_received"}`, "", status, [3]any{"voicemail_received", true, false}},
		{"upper-case finished", `{"id":1,"status":"Finished"}`, "", status, [3]any{"Finished", true, true}},
		{"queued", `{"id":1,"status":"queued"}`, "", status, [3]any{"queued", false, false}},
		{"connected", `{"id":1,"status":"connected"}`, "", status, [3]any{"connected", false, false}},
		{"unknown status", `{"id":1,"status":"teleported"}`, "", status, [3]any{"teleported", false, false}},
		{"no status", `{"id":1}`, "", status, [3]any{"", false, false}},
		{"numeric finished", `{"id":1,"status":8}`, "", status, [3]any{"finished", true, true}},
		{"numeric failed", `{"id":1,"status":9}`, "", status, [3]any{"failed", true, false}},
		{"numeric unknown", `{"id":1,"status":19}`, "", status, [3]any{"19", false, false}},
		{"time with offset", `{"id":1,"updated_at":"2026-03-23T13:16:58.000-07:00"}`, "", updated, "2026-03-23T13:16:58-07:00"},
		{"time Z millis", `{"id":1,"updated_at":"2026-03-23T20:15:35.473Z"}`, "", updated, "2026-03-23T20:15:35.473Z"},
		{"time with space", `{"id":1,"updated_at":"2026-03-23 20:15:35Z"}`, "", updated, "2026-03-23T20:15:35Z"},
		{"time without zone is UTC", `{"id":1,"updated_at":"2026-03-23T20:15:35"}`, "", updated, "2026-03-23T20:15:35Z"},
		{"time offset without colon", `{"id":1,"updated_at":"2026-03-23T13:16:58-0700"}`, "", updated, "2026-03-23T13:16:58-07:00"},
		{"time Unix seconds", `{"id":1,"updated_at":1774296958}`, "", updated, "2026-03-23T20:15:58Z"},
		{"time null", `{"id":1,"updated_at":null}`, "", func(s metadata.Summary) any { return s.UpdatedAt.IsZero() }, true},
		{"bad time is zero", `{"id":1,"updated_at":"yesterday"}`, "", func(s metadata.Summary) any { return s.UpdatedAt.IsZero() }, true},
		{"ended_at spelling", `{"id":1,"ended_at":"2026-03-23T20:15:35Z"}`, "", func(s metadata.Summary) any { return s.EndedAt.Format(time.RFC3339) }, "2026-03-23T20:15:35Z"},
		{"started_at wins", `{"id":1,"started_at":"2026-01-01T00:00:00Z","connected_at":"2025-01-01T00:00:00Z"}`, "", func(s metadata.Summary) any { return s.StartedAt.Format(time.RFC3339) }, "2026-01-01T00:00:00Z"},
		{"started is earliest of connected and assigned", `{"id":1,"connected_at":"2026-01-01T00:00:10Z","assigned_at":"2026-01-01T00:00:05Z"}`, "", func(s metadata.Summary) any { return s.StartedAt.Format(time.RFC3339) }, "2026-01-01T00:00:05Z"},
		{"call durations", `{"id":1,"call_type":"x","call_duration":126,"wait_duration":27,"hold_duration":5}`, "", durations, [3]int{126, 27, 5}},
		{"chat durations", `{"id":1,"chat_type":"x","chat_duration":59,"wait_duration":5,"hold_duration":null}`, "", durations, [3]int{59, 5, 0}},
		{"fractional durations round", `{"id":1,"call_duration":2.5,"wait_duration":2.4,"hold_duration":"3.6"}`, "", durations, [3]int{3, 2, 4}},
		{"bad duration is zero", `{"id":1,"call_duration":"long","wait_duration":true,"hold_duration":1e300}`, "", durations, [3]int{0, 0, 0}},
		{"menu path object", `{"id":1,"menu_path":{"name":"a/b","materialized_path":"6/8"},"selected_menu":{"name":"b"}}`, "",
			func(s metadata.Summary) any { return [3]string{s.QueueName, s.QueuePath, s.MenuPath} }, [3]string{"b", "a/b", "6/8"}},
		{"menu path string", `{"id":1,"menu_path":"a/b"}`, "",
			func(s metadata.Summary) any { return [3]string{s.QueueName, s.QueuePath, s.MenuPath} }, [3]string{"", "a/b", ""}},
		{"queue path from selected menu", `{"id":1,"selected_menu":{"name":"b"}}`, "",
			func(s metadata.Summary) any { return [3]string{s.QueueName, s.QueuePath, s.MenuPath} }, [3]string{"b", "b", ""}},
		{"agent from first and last name", `{"id":1,"agent_info":{"id":5,"first_name":"Jane","last_name":"Smith","email":"j@x"}}`, "",
			func(s metadata.Summary) any { return s.Agent }, metadata.Agent{ID: "5", Name: "Jane Smith", Email: "j@x"}},
		{"virtual agent", `{"id":1,"agent_info":{"id":6,"name":"bot","va_alias":null}}`, "",
			func(s metadata.Summary) any { return s.Agent }, metadata.Agent{ID: "6", Name: "bot", Virtual: true}},
		{"agent from last agent participant", `{"id":1,"participants":[{"type":"agent","user_id":5,"first_name":"A"},{"type":"agent","user_id":7,"first_name":"B","last_name":"C","email":"b@x"},{"type":"end_user"}]}`, "",
			func(s metadata.Summary) any { return s.Agent }, metadata.Agent{ID: "7", Name: "B C", Email: "b@x"}},
		{"record ids", `{"id":1,"out_ticket_id":"500ak","out_ticket_url":"https://x/500ak","is_out_ticket_account":true,"end_user":{"out_contact_id":"003ak"}}`, "",
			func(s metadata.Summary) any { return [4]any{s.RecordID, s.RecordURL, s.RecordIsAccount, s.AccountID} }, [4]any{"500ak", "https://x/500ak", true, "003ak"}},
		{"numeric record id", `{"id":1,"out_ticket_id":12345678901234567890}`, "", func(s metadata.Summary) any { return s.RecordID }, "12345678901234567890"},
		{"end user phone from participant", `{"id":1,"end_user":{"id":42,"identifier":"u-1"},"participants":[{"type":"agent","phone_number":"+1999"},{"type":"end_user","phone_number":"+15550100100"}]}`, "",
			func(s metadata.Summary) any { return s.EndUser }, metadata.EndUser{ID: "42", Identifier: "u-1", Phone: "+15550100100"}},
		{"end user email from identifier", `{"id":1,"end_user":{"id":19,"identifier":"c@example.com","phone_number":"+1555"}}`, "",
			func(s metadata.Summary) any { return s.EndUser }, metadata.EndUser{ID: "19", Identifier: "c@example.com", Email: "c@example.com", Phone: "+1555"}},
		{"top-level email wins", `{"id":1,"email":"top@example.com","end_user":{"identifier":"c@example.com","email":"eu@example.com"}}`, "",
			func(s metadata.Summary) any { return s.EndUser.Email }, "top@example.com"},
		{"no CSAT", `{"id":1,"rating":null,"feedback":null}`, "", func(s metadata.Summary) any { return s.CSAT }, (*metadata.CSAT)(nil)},
		{"CSAT", `{"id":1,"rating":4,"feedback":"ok"}`, "", func(s metadata.Summary) any { return s.CSAT }, &metadata.CSAT{Rating: 4, Feedback: "ok"}},
		{"feedback only", `{"id":1,"feedback":"slow"}`, "", func(s metadata.Summary) any { return s.CSAT }, &metadata.CSAT{Feedback: "slow"}},
		{"dispositions", `{"id":1,"dispositions":[{"code":"a","list_path":"L/P","note":"n","user_id":5},{"code":"b","list":"L"},"junk"]}`, "",
			func(s metadata.Summary) any { return s.Dispositions },
			[]metadata.Disposition{{Code: "a", Path: "L/P", Notes: "n", AgentID: "5"}, {Code: "b", Path: "L"}}},
		{"transfers", `{"id":1,"transfers":[{"status":"transferring","created_at":"2026-01-01T00:00:00Z","from_menu":{"name":"q1"},"to_menu_path":{"name":"q2"},"from_virtual_agent":{"id":6,"name":"bot"},"to_agent":{"id":5,"name":"Jane"}}]}`, "",
			func(s metadata.Summary) any { return s.Transfers },
			[]metadata.Transfer{{From: "q1", To: "q2", FromAgent: metadata.Agent{ID: "6", Name: "bot", Virtual: true}, ToAgent: metadata.Agent{ID: "5", Name: "Jane"}, Status: "transferring", At: mustTime(t, "2026-01-01T00:00:00Z")}}},
		{"no transfers", `{"id":1,"transfers":[]}`, "", func(s metadata.Summary) any { return s.Transfers }, []metadata.Transfer(nil)},
		{"txt with byte order mark", "\xEF\xBB\xBF{\"id\":7,\"chat_type\":\"x\"}\r\n", "", func(s metadata.Summary) any { return s.ID + "/" + s.Kind }, "7/chat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := metadata.Parse([]byte(tt.in), tt.hint)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := tt.field(f.Summary); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		name, in, hint string
		want           []string
	}{
		{"clean", `{"id":1,"call_type":"x","updated_at":"2026-01-01T00:00:00Z"}`, "call", nil},
		{"bad time", `{"id":1,"updated_at":"yesterday"}`, "", []string{`updated_at: cannot parse time "yesterday"`}},
		{"wrong types", `{"id":1,"status":true,"agent_info":[1],"transfers":{}}`, "", []string{
			"status: want a string, got bool", "agent_info: want an object, got []interface {}", "transfers: want an array, got map[string]interface {}"}},
		{"kind mismatch", `{"id":1,"chat_type":"x"}`, "call", []string{"kind: the name says call, the content chat"}},
		{"bad nested", `{"id":1,"transfers":[{"created_at":"soon"}]}`, "", []string{`transfers[0].created_at: cannot parse time "soon"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := metadata.Parse([]byte(tt.in), tt.hint)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := slices.Clone(f.Warnings)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Warnings\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestSummaryNewer(t *testing.T) {
	at := func(s string) metadata.Summary {
		if s == "" {
			return metadata.Summary{}
		}
		return metadata.Summary{UpdatedAt: mustTime(t, s)}
	}
	tests := []struct {
		name, s, than string
		want          bool
	}{
		{"later", "2026-03-23T13:31:58-07:00", "2026-03-23T13:16:58-07:00", true},
		{"earlier", "2026-03-23T13:16:58-07:00", "2026-03-23T13:31:58-07:00", false},
		{"same", "2026-03-23T13:16:58-07:00", "2026-03-23T13:16:58-07:00", false},
		{"same instant, other offset", "2026-03-23T20:16:58Z", "2026-03-23T13:16:58-07:00", false},
		{"later instant, earlier wall clock", "2026-03-23T20:16:59Z", "2026-03-23T13:16:58-07:00", true},
		{"millisecond later", "2026-03-23T20:16:58.001Z", "2026-03-23T20:16:58Z", true},
		{"both zero", "", "", false},
		{"than zero", "2026-03-23T20:16:58Z", "", true},
		{"s zero", "", "2026-03-23T20:16:58Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := at(tt.s).Newer(at(tt.than)); got != tt.want {
				t.Errorf("Newer(%q than %q) = %v, want %v", tt.s, tt.than, got, tt.want)
			}
		})
	}
}

func TestNewerAcrossRewrites(t *testing.T) {
	first, err := metadata.Parse(readFixture(t, "call-1418.json"), "call")
	if err != nil {
		t.Fatal(err)
	}
	// The ~15 minute update of the same object.
	b := strings.Replace(string(readFixture(t, "call-1418.json")),
		`"updated_at": "2026-03-23T13:16:58.000-07:00"`, `"updated_at": "2026-03-23T13:32:10.000-07:00"`, 1)
	second, err := metadata.Parse([]byte(b), "call")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := second.Summary.Newer(first.Summary), true; got != want {
		t.Errorf("update.Newer(initial) = %v, want %v", got, want)
	}
	if got, want := first.Summary.Newer(second.Summary), false; got != want {
		t.Errorf("initial.Newer(update) = %v, want %v", got, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(readFixture(f, "call-1418.json"), "call")
	f.Add(readFixture(f, "chat-135.json"), "")
	for _, s := range []string{`{"id":1}`, `{"id":"a","status":8,"transfers":[null,{}]}`, `[]`, `{"id":1.5}`, `{"id":1,"participants":[1,{"type":"agent"}]}`} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, b []byte, hint string) {
		file, err := metadata.Parse(b, hint)
		if err != nil {
			if !errors.Is(err, metadata.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		s := file.Summary
		if s.ID == "" || file.Raw == nil {
			t.Errorf("Parse(%q) ok with ID %q and Raw %v", b, s.ID, file.Raw)
		}
		if s.Kind != "" && s.Kind != "call" && s.Kind != "chat" && s.Kind != "email" {
			t.Errorf("Kind = %q", s.Kind)
		}
		if s.Finished && !s.Ended {
			t.Errorf("Finished without Ended: %q", s.Status)
		}
		if _, err := json.Marshal(s); err != nil {
			t.Errorf("Summary does not marshal: %v", err)
		}
	})
}

package agentpop_test

import (
	"context"
	"strings"
	"testing"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
)

func TestParseEvent(t *testing.T) {
	e, err := agentpop.ParseEvent([]byte(`{"type":"New_Call","data":{"agent_id":1,"agent_email":"james.bond@agents.co","queue_path":"Developers / James","call_id":103646,"session_type":"Voice Campaign (UJET)","custom_data_not_secured":{"x":1}}}`))
	if err != nil || e.Type != "New_Call" || !e.Known || e.Session != "call:103646" || e.AgentEmail != "james.bond@agents.co" || e.Data["queue_path"] != "Developers / James" {
		t.Errorf("New_Call: %+v %v", e, err)
	}
	e, err = agentpop.ParseEvent([]byte(`{"type":"End_Chat","data":{"chat_id":73522,"queue_id":null,"queue_path":null}}`))
	if err != nil || e.Session != "chat:73522" || !e.Known {
		t.Errorf("End_Chat: %+v %v", e, err)
	}
	e, err = agentpop.ParseEvent([]byte(`{"type":"CRM_Record_Pop","data":{"recordUrl":"https://pages.example.run.app/records/r1"}}`))
	if err != nil || e.RecordURL != "https://pages.example.run.app/records/r1" || e.Session != "" {
		t.Errorf("CRM_Record_Pop: %+v %v", e, err)
	}
	e, err = agentpop.ParseEvent([]byte(`{"type":"Something_New","data":"not an object"}`))
	if err != nil || e.Known || e.Type != "Something_New" {
		t.Errorf("unknown event: %+v %v (kept, not known)", e, err)
	}
	for _, typ := range []string{"Add_Party", "AddParty", "add_party", "Agent_Connects_To_Session", "Transfer", "Cobrowse_Session_Ended"} {
		if e, err := agentpop.ParseEvent([]byte(`{"type":"` + typ + `"}`)); err != nil || !e.Known || e.Type != typ {
			t.Errorf("%s: %+v %v, want known", typ, e, err)
		}
	}
	for name, raw := range map[string]string{
		"not JSON":     `New_Call`,
		"a string":     `"New_Call"`,
		"no type":      `{"data":{}}`,
		"number type":  `{"type":7}`,
		"empty type":   `{"type":""}`,
		"long type":    `{"type":"` + strings.Repeat("x", agentpop.MaxType+1) + `"}`,
		"long call id": `{"type":"New_Call","data":{"call_id":"` + strings.Repeat("1", agentpop.MaxSessionID+1) + `"}}`,
		"too big":      `{"type":"New_Call","data":{"x":"` + strings.Repeat("x", agentpop.MaxEvent) + `"}}`,
	} {
		if _, err := agentpop.ParseEvent([]byte(raw)); crm.ErrorCode(err) != crm.Invalid {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
}

func TestChecker(t *testing.T) {
	c, err := agentpop.NewChecker("https://pages.example.run.app/", "http://127.0.0.1:8080/pages")
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]string{
		"https://pages.example.run.app/records/r1":         "r1",
		"https://PAGES.example.run.app/records/r1?x=1":     "r1",
		"http://127.0.0.1:8080/pages/records/r2":           "r2",
		"https://pages.example.run.app/accounts/a1":        "-",
		"https://pages.example.run.app":                    "-",
		"http://127.0.0.1:8080/pagesx/records/r2":          "",
		"http://127.0.0.1:8080/records/r2":                 "",
		"http://pages.example.run.app/records/r1":          "",
		"https://pages.example.run.app.evil.com/records/1": "",
		"https://evil.com/records/r1":                      "",
		"https://user@pages.example.run.app/records/r1":    "",
		"javascript:alert(1)":                              "",
		"/records/r1":                                      "",
		"":                                                 "",
	} {
		into, id := c.Into(u), c.RecordID(u)
		switch want {
		case "":
			if into || id != "" {
				t.Errorf("%q: into %v id %q, want outside", u, into, id)
			}
		case "-":
			if !into || id != "" {
				t.Errorf("%q: into %v id %q, want inside, no record", u, into, id)
			}
		default:
			if !into || id != want {
				t.Errorf("%q: into %v id %q, want record %s", u, into, id, want)
			}
		}
	}
	if _, err := agentpop.NewChecker("/pages"); err == nil {
		t.Error("a relative base URL is accepted")
	}
}

// What the page shows for each event, and the journal of every event.
func TestHandle(t *testing.T) {
	ctx := context.Background()
	svc, s := newService(t)
	ann := mustAccount(t, s, crm.Account{Name: "Ann", Phones: []crm.Phone{phoneOf("+14155550134")}, Emails: []string{"ann@example.com"}})
	call := mustRecord(t, s, crm.Record{AccountID: ann.ID, Subject: "Call", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "103646"}}})
	bob := mustAccount(t, s, crm.Account{Name: "Bob", Emails: []string{"bob@example.com"}})
	bobRec := mustRecord(t, s, crm.Record{AccountID: bob.ID, Subject: "Bob's order"})

	tests := []struct {
		name, event string
		want        agentpop.Show
	}{
		{"record pop into the CRM", `{"type":"CRM_Record_Pop","data":{"recordUrl":"https://pages.example.run.app/records/` + call.ID + `"}}`,
			agentpop.Show{RecordURL: "https://pages.example.run.app/records/" + call.ID, RecordID: call.ID, AccountID: ann.ID, Who: "Ann"}},
		{"record pop of a record not found", `{"type":"CRM_Record_Pop","data":{"recordUrl":"https://pages.example.run.app/records/nope"}}`,
			agentpop.Show{RecordURL: "https://pages.example.run.app/records/nope", RecordID: "nope"}},
		{"record pop elsewhere", `{"type":"CRM_Record_Pop","data":{"recordUrl":"https://evil.example.com/records/` + call.ID + `"}}`, agentpop.Show{}},
		{"new call of a known session", `{"type":"New_Call","data":{"agent_email":"agent@example.com","call_id":103646}}`,
			agentpop.Show{RecordURL: recordURL(call.ID), RecordID: call.ID, AccountID: ann.ID, Session: "call:103646", Who: "Ann"}},
		{"new chat with the end user's email", `{"type":"New_Chat","data":{"chat_id":"73522","email":"BOB@example.com"}}`,
			agentpop.Show{RecordURL: recordURL(bobRec.ID), RecordID: bobRec.ID, AccountID: bob.ID, Session: "chat:73522", Who: "Bob"}},
		{"new call with a phone number only", `{"type":"New_Call","data":{"call_id":"5","phone_number":"(415) 555-0134"}}`,
			agentpop.Show{RecordURL: recordURL(call.ID), RecordID: call.ID, AccountID: ann.ID, Session: "call:5", Who: "Ann"}},
		{"new call nobody knows", `{"type":"New_Call","data":{"call_id":"6"}}`, agentpop.Show{Session: "call:6"}},
		{"active chat", `{"type":"Active_Chat","data":{"chat_id":73522,"email":"bob@example.com"}}`,
			agentpop.Show{RecordURL: recordURL(bobRec.ID), RecordID: bobRec.ID, AccountID: bob.ID, Session: "chat:73522", Who: "Bob"}},
		{"end call: nothing to show", `{"type":"End_Call","data":{"call_id":103646}}`, agentpop.Show{Session: "call:103646"}},
		{"unknown event: kept, not acted on", `{"type":"Mystery","data":{"call_id":103646,"recordUrl":"https://pages.example.run.app/records/x"}}`, agentpop.Show{Session: "call:103646"}},
	}
	for _, tt := range tests {
		got, err := svc.Handle(ctx, "agent@crm.example.com", []byte(tt.event))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
	if _, err := svc.Handle(ctx, "agent@crm.example.com", []byte(`{"data":{}}`)); crm.ErrorCode(err) != crm.Invalid {
		t.Errorf("no type: %v, want Invalid", err)
	}

	j, err := svc.SessionJournal(ctx, "call:103646")
	if err != nil {
		t.Fatal(err)
	}
	if len(j) != 3 || j[0].Type != "Mystery" || j[0].Known || j[1].Type != "End_Call" || j[2].Type != "New_Call" ||
		j[2].RecordID != call.ID || j[2].AccountID != ann.ID || j[2].User != "agent@crm.example.com" || j[2].AgentEmail != "agent@example.com" {
		t.Errorf("journal of call:103646: %+v", j)
	}
	j, err = svc.RecordJournal(ctx, call.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(j) != 3 { // the record pop, the new call, the call by phone
		t.Errorf("journal of record %s: %d entries, want 3: %+v", call.ID, len(j), j)
	}
	if j, _ := svc.SessionJournal(ctx, ""); len(j) != 3 {
		t.Errorf("events without a session: %d, want the 3 record pops", len(j))
	}
}

// failingRecords is a record store whose finds fail (the database down).
type failingRecords struct{ crm.RecordStore }

func (failingRecords) FindRecords(context.Context, crm.RecordFilter, int) ([]crm.Record, error) {
	return nil, crm.Errorf(crm.Unavailable, "the database is unavailable; try again")
}

// An event whose record cannot be looked up is journaled all the same,
// and the error says to try again.
func TestHandleJournalsWhenDecidingFails(t *testing.T) {
	ctx := context.Background()
	svc, s := newService(t)
	svc.Records = failingRecords{s}
	_, err := svc.Handle(ctx, "agent@crm.example.com", []byte(`{"type":"New_Call","data":{"call_id":42}}`))
	if crm.ErrorCode(err) != crm.Unavailable {
		t.Errorf("Handle: %v, want Unavailable", err)
	}
	j, err := svc.SessionJournal(ctx, "call:42")
	if err != nil || len(j) != 1 || j[0].Type != "New_Call" || j[0].RecordID != "" {
		t.Errorf("journal: %+v %v, want the event", j, err)
	}
}

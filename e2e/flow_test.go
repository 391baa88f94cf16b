package e2e

import (
	"context"
	"testing"

	"example.com/crm/shared/ccaiplayer"
)

// A call and a chat go through the platform's flows: find or create the
// account, find or create the record, update it, comment on it; the read
// API shows what the CRM made of them.
func TestSessionFlows(t *testing.T) {
	ctx := context.Background()
	p := newPlayer(t)
	number := uniquePhone(t, "1")
	email := "flow" + uniqueID(t) + "@example.com"
	callID := uniqueID(t)
	call1 := ccaiplayer.Vars{"NAME": "Flow Caller", "FIRST_NAME": "Flow", "LAST_NAME": "Caller", "PHONE_NUMBER": number, "EMAIL": email,
		"Call_ID": callID, "SESSION_TYPE": "Voice Inbound", "CHANNEL": "voice_call", "QUEUE_NAME": "Billing",
		"TICKET_SUBJECT": "Inbound call", "TICKET_DESCRIPTION": "Caller asks about an invoice"}
	accountID, err := p.FindOrCreateAccount(ctx, call1)
	if err != nil {
		t.Fatal(err)
	}
	call1["ACCOUNT_ID"] = accountID
	recordID, err := p.FindOrCreateRecord(ctx, call1)
	if err != nil {
		t.Fatal(err)
	}
	call1["RECORD_ID"] = recordID
	call1["RATING"], call1["FEEDBACK"], call1["CALL_DURATION"] = "5", "Great help", "03:12"
	call1["TICKET_SUBJECT"] = "Invoice question"
	upd := call(t, p, "update_record", call1, 200)
	if upd.ID != recordID {
		t.Fatalf("update answered record %s, want %s", upd.ID, recordID)
	}
	for _, body := range []string{"Call started", "Call ended", "CSAT rating: 5"} {
		call1["COMMENT_BODY"] = body
		call(t, p, "comment", call1, 201)
	}

	r := record(t, p, recordID)
	if r.AccountID != accountID || r.Subject != "Invoice question" || r.Description != "Caller asks about an invoice" || r.Status != "open" {
		t.Errorf("record: got %+v", r.RecordJSON)
	}
	if len(r.Sessions) != 1 || r.Sessions[0].Kind != "call" || r.Sessions[0].ID != callID {
		t.Errorf("sessions: got %+v, want the call %s", r.Sessions, callID)
	}
	if len(r.Comments) != 3 || r.Comments[0].Body != "Call started" || r.Comments[2].Body != "CSAT rating: 5" {
		t.Errorf("comments: got %+v", r.Comments)
	}
	if r.Custom["rating"] != "5" || r.Custom["feedback"] != "Great help" || r.Custom["queue"] != "Billing" || r.Custom["call_duration"] != "03:12" {
		t.Errorf("custom fields: got %v", r.Custom)
	}
	a := account(t, p, accountID)
	if a.Name != "Flow Caller" || a.FirstName != "Flow" || a.LastName != "Caller" || a.Emails[0] != email || len(a.Records) != 1 {
		t.Errorf("account: got %+v", a)
	}

	// A chat of the same person (known by email only) reuses the open
	// record; the update names the chat, which joins the record.
	chatID := uniqueID(t)
	chat := ccaiplayer.Vars{"NAME": "Flow Caller", "EMAIL": email, "Chat_ID": chatID, "SESSION_TYPE": "Messaging (Web)", "CHANNEL": "chat", "LAST_NAME": "--"}
	acc2, err := p.FindOrCreateAccount(ctx, chat)
	if err != nil || acc2 != accountID {
		t.Fatalf("chat account: got %s %v, want %s", acc2, err, accountID)
	}
	chat["ACCOUNT_ID"] = acc2
	rec2, err := p.FindOrCreateRecord(ctx, chat)
	if err != nil || rec2 != recordID {
		t.Fatalf("chat record: got %s %v, want the open record %s", rec2, err, recordID)
	}
	chat["RECORD_ID"] = rec2
	call(t, p, "update_record", chat, 200)
	r = record(t, p, recordID)
	if len(r.Sessions) != 2 || r.Sessions[1].Kind != "chat" || r.Sessions[1].ID != chatID {
		t.Errorf("sessions after the chat: got %+v", r.Sessions)
	}

	// Closed records are not reused: the next call gets a new record, and a
	// find by the old call still finds the old one.
	raw := p.Endpoint("update_record")
	raw.Parameters = append(raw.Parameters, ccaiPortalParam("status", "closed"))
	call(t, p, "update_record", ccaiplayer.Vars{"RECORD_ID": recordID}, 200)
	call2 := ccaiplayer.Vars{"PHONE_NUMBER": number, "Call_ID": uniqueID(t), "TICKET_SUBJECT": "Second call"}
	acc3, err := p.FindOrCreateAccount(ctx, call2)
	if err != nil || acc3 != accountID {
		t.Fatalf("second call account: got %s %v", acc3, err)
	}
	call2["ACCOUNT_ID"] = acc3
	rec3, err := p.FindOrCreateRecord(ctx, call2)
	if err != nil || rec3 == recordID {
		t.Fatalf("second call record: got %s %v, want a new record", rec3, err)
	}
	old := call(t, p, "find_record_by_query", ccaiplayer.Vars{"Call_ID": callID, "ACCOUNT_ID": accountID}, 200)
	if old.ID != recordID {
		t.Errorf("find by the first call: got %s, want %s", old.ID, recordID)
	}
	if a := account(t, p, accountID); len(a.Records) != 2 || a.Records[0].ID != rec3 {
		t.Errorf("account records: got %v, want [%s %s]", a.Records, rec3, recordID)
	}
}

// Find account by id: the id the SDK knows is used; an unknown one
// answers 404 and the flow falls back to find by query.
func TestFindAccountByID(t *testing.T) {
	ctx := context.Background()
	p := newPlayer(t)
	number := uniquePhone(t, "1")
	created := call(t, p, "create_account", ccaiplayer.Vars{"NAME": "By Id", "PHONE_NUMBER": number}, 201)
	got := call(t, p, "find_account_by_id", ccaiplayer.Vars{"ACCOUNT_ID": created.ID}, 200)
	if got.ID != created.ID {
		t.Fatalf("got %s, want %s", got.ID, created.ID)
	}
	call(t, p, "find_account_by_id", ccaiplayer.Vars{"ACCOUNT_ID": "no-such-account"}, 404)
	id, err := p.FindOrCreateAccount(ctx, ccaiplayer.Vars{"ACCOUNT_ID": "no-such-account", "PHONE_NUMBER": number})
	if err != nil || id != created.ID {
		t.Fatalf("fallback: got %s %v, want %s", id, err, created.ID)
	}
}

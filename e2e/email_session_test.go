package e2e

import (
	"context"
	"testing"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/testenv"
)

// Call, chat and email ids are separate sequences: email-{id}.pdf reaches
// neither the record of call {id} nor that of chat {id}; it waits until a
// record holds email session {id} (made here by its metadata file, whose
// name tells no kind), and is linked there.
func TestStorageEmailTranscriptOnlyOnItsEmailSession(t *testing.T) {
	p := newPlayer(t)
	id := uniqueID(t)
	var others []string
	for _, v := range []ccaiplayer.Vars{
		{"NAME": "Call Caller", "PHONE_NUMBER": uniquePhone(t, "1"), "Call_ID": id, "TICKET_SUBJECT": "Call"},
		{"NAME": "Chat Writer", "EMAIL": "chat-" + id + "@example.com", "Chat_ID": id, "TICKET_SUBJECT": "Chat"},
	} {
		acc, err := p.FindOrCreateAccount(context.Background(), v)
		if err != nil {
			t.Fatal(err)
		}
		v["ACCOUNT_ID"] = acc
		rec, err := p.FindOrCreateRecord(context.Background(), v)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, rec)
	}
	put(t, "ujet-emails/email-"+id+".pdf", "application/pdf", []byte("%PDF-1.7 email "+id))
	time.Sleep(1500 * time.Millisecond) // the trigger has run by now
	for _, rec := range others {
		if r := record(t, p, rec); len(r.Attachments) != 0 {
			t.Errorf("record %s (sessions %+v) got %+v, want no attachment", rec, r.Sessions, r.Attachments)
		}
	}

	address := "email-" + id + "@example.com"
	put(t, "ujet-metadata/metadata-"+id+".json", "application/json", testenv.EmailSessionMetadata(t, id, address))
	var accountID string
	for deadline := time.Now().Add(storageWait); accountID == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res := call(t, p, "find_account_by_query", ccaiplayer.Vars{"EMAIL": address}, 200, 404)
		if res.Found() {
			accountID = res.ID
		}
	}
	if accountID == "" {
		t.Fatalf("no account for the email session's writer %s\n%s", address, storageEvents(id))
	}
	a := account(t, p, accountID)
	if len(a.Records) != 1 {
		t.Fatalf("records of the writer: %+v, want the email session's", a.Records)
	}
	r := waitRecord(t, p, a.Records[0].ID, func(r ccai.RecordDetailJSON) bool { return len(r.Attachments) == 2 })
	if len(r.Sessions) != 1 || r.Sessions[0].Kind != "email" || r.Sessions[0].ID != id {
		t.Fatalf("sessions: %+v, want email %s", r.Sessions, id)
	}
	if sum := r.Sessions[0].Summary; sum == nil || sum.Type != "Email Inbound" || sum.DurationSeconds != 1522 || sum.QueuePath != "billing_email" {
		t.Errorf("the read API's summary of the email session: %+v", sum)
	}
	if k := kinds(r); k["email_transcript"] != 1 || k["session_metadata"] != 1 {
		t.Errorf("attachments: %v, want the transcript and the metadata file", k)
	}
	for _, rec := range others {
		if r := record(t, p, rec); len(r.Attachments) != 0 {
			t.Errorf("record %s got %+v, want no attachment", rec, r.Attachments)
		}
	}
}

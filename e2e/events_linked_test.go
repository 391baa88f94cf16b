package e2e

import (
	"context"
	"testing"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/ccaiplayer"
)

// Files that waited for their session publish attachment.added exactly
// once each when they are linked, whichever trigger gives a record the
// session: the storage event of the session's metadata file, create
// record, or update record.
func TestEventsForWaitingFilesEveryTrigger(t *testing.T) {
	triggers := map[string]func(t *testing.T, p *ccaiplayer.Player, callID, phone string) string{
		"storage event": func(t *testing.T, p *ccaiplayer.Player, callID, phone string) string {
			put(t, "ujet-metadata/call-"+callID+".json", "application/json", metadataFile(t, callID, "connected", "2026-03-23T13:01:00.000-07:00", phone, ""))
			return recordOfCall(t, p, callID)
		},
		"create record": func(t *testing.T, p *ccaiplayer.Player, callID, phone string) string {
			v := ccaiplayer.Vars{"NAME": "Waiting Caller", "PHONE_NUMBER": phone, "Call_ID": callID, "TICKET_SUBJECT": "Call"}
			acc, err := p.FindOrCreateAccount(context.Background(), v)
			if err != nil {
				t.Fatal(err)
			}
			v["ACCOUNT_ID"] = acc
			return call(t, p, "create_record", v, 201).ID
		},
		"update record": func(t *testing.T, p *ccaiplayer.Player, callID, phone string) string {
			v := ccaiplayer.Vars{"NAME": "Waiting Caller", "PHONE_NUMBER": phone, "TICKET_SUBJECT": "Call"}
			acc, err := p.FindOrCreateAccount(context.Background(), v)
			if err != nil {
				t.Fatal(err)
			}
			v["ACCOUNT_ID"] = acc
			v["RECORD_ID"] = call(t, p, "create_record", v, 201).ID // no session yet
			v["Call_ID"] = callID
			call(t, p, "update_record", v, 200)
			return v["RECORD_ID"]
		},
	}
	for name, trigger := range triggers {
		t.Run(name, func(t *testing.T) {
			pull := subscribe(t)
			p := newPlayer(t)
			callID, phone := uniqueID(t), uniquePhone(t, "1")
			put(t, "ujet-voice-recordings/call-"+callID+".mp3", "audio/mpeg", []byte("ID3 audio "+callID))
			put(t, "ujet-media/call-"+callID+"-photo-1.jpg", "image/jpeg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, callID...))
			time.Sleep(1500 * time.Millisecond) // both wait by now
			recordID := trigger(t, p, callID, phone)
			r := waitRecord(t, p, recordID, func(r ccai.RecordDetailJSON) bool {
				k := kinds(r)
				return k["call_recording"] == 1 && k["photo"] == 1
			})
			time.Sleep(1500 * time.Millisecond) // any late or duplicate event is out by now
			added := map[string]int{}
			for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
				for _, e := range pull() {
					if e["record_id"] == recordID && e["type"] == "attachment.added" {
						added[e["attachment_id"].(string)]++
					}
				}
			}
			for _, a := range r.Attachments {
				if a.Kind != "call_recording" && a.Kind != "photo" {
					continue
				}
				if added[a.ID] != 1 {
					t.Errorf("attachment.added of the %s (%s): %d, want exactly 1 (all: %v)", a.Kind, a.ID, added[a.ID], added)
				}
			}
		})
	}
}

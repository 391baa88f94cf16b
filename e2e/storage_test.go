package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

// bucket writes into the external storage bucket as CCAI Platform does.
func put(t *testing.T, name, contentType string, data []byte) {
	t.Helper()
	ctx := context.Background()
	c, err := localstack.NewStorageClient(ctx, stack.GCSHost)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := c.Bucket(stack.CCAIBucket).Object(name).NewWriter(ctx)
	w.ContentType = contentType
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// exists reports whether the external storage bucket still holds name.
func exists(t *testing.T, name string) bool {
	t.Helper()
	ctx := context.Background()
	c, err := localstack.NewStorageClient(ctx, stack.GCSHost)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Bucket(stack.CCAIBucket).Object(name).Attrs(ctx)
	if err == storage.ErrObjectNotExist {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// metadataFile is the real call fixture made into call id's metadata, at
// updatedAt, with status, for the end user's phone; recordID (when set)
// is out_ticket_id.
func metadataFile(t *testing.T, id, status, updatedAt, phone, recordID string) []byte {
	t.Helper()
	b := testenv.Fixture(t, "metadata/call-1418.json")
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = json.Number(id)
	m["status"], m["updated_at"] = status, updatedAt
	delete(m, "out_ticket_id")
	if recordID != "" {
		m["out_ticket_id"] = recordID
	}
	if eu, ok := m["end_user"].(map[string]any); ok {
		delete(eu, "out_contact_id")
	}
	for _, p := range m["participants"].([]any) {
		if pm := p.(map[string]any); pm["type"] == "end_user" {
			pm["phone_number"] = phone
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitRecord polls the read API until ok accepts the record.
func waitRecord(t *testing.T, p *ccaiplayer.Player, id string, ok func(ccai.RecordDetailJSON) bool) ccai.RecordDetailJSON {
	t.Helper()
	var r ccai.RecordDetailJSON
	for deadline := time.Now().Add(storageWait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		r = record(t, p, id)
		if ok(r) {
			return r
		}
	}
	var events []string
	for _, s := range r.Sessions {
		events = append(events, storageEvents(s.ID))
	}
	t.Fatalf("record %s never got there: %+v\n%s", id, r, strings.Join(events, "\n"))
	return r
}

// recordOfCall waits until a record holds the call (made from metadata).
func recordOfCall(t *testing.T, p *ccaiplayer.Player, callID string) string {
	t.Helper()
	for deadline := time.Now().Add(storageWait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res, err := p.Call(context.Background(), "find_record_by_query", ccaiplayer.Vars{"Call_ID": callID})
		if err != nil {
			t.Fatal(err)
		}
		if res.Found() {
			return res.ID
		}
	}
	t.Fatalf("no record for call %s\n%s", callID, storageEvents(callID))
	return ""
}

func kinds(r ccai.RecordDetailJSON) map[string]int {
	k := map[string]int{}
	for _, a := range r.Attachments {
		k[a.Kind]++
	}
	return k
}

// The files of one call reach its record whatever their order, however
// often they arrive, before or after the record exists.
func TestStorageFilesInAnyOrder(t *testing.T) {
	orders := []string{"RAPM", "APRM", "AMPR", "MAPR", "PAMR", "AAMPPR"}
	for _, order := range orders {
		t.Run(order, func(t *testing.T) {
			p := newPlayer(t)
			callID, phone := uniqueID(t), uniquePhone(t, "1")
			audio := []byte("ID3\x04\x00 fake mp3 of call " + callID)
			photo := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, []byte("jpeg of "+callID)...)
			recordID := ""
			for _, step := range order {
				switch step {
				case 'R': // the Generic API flow
					v := ccaiplayer.Vars{"NAME": "Stored Caller", "PHONE_NUMBER": phone, "Call_ID": callID, "TICKET_SUBJECT": "Call"}
					acc, err := p.FindOrCreateAccount(context.Background(), v)
					if err != nil {
						t.Fatal(err)
					}
					v["ACCOUNT_ID"] = acc
					if recordID, err = p.FindOrCreateRecord(context.Background(), v); err != nil {
						t.Fatal(err)
					}
				case 'A':
					put(t, "ujet-voice-recordings/call-"+callID+".mp3", "audio/mpeg", audio)
				case 'P':
					put(t, "ujet-media/call-"+callID+"-photo-7.jpg", "image/jpeg", photo)
				case 'M':
					put(t, "ujet-metadata/call-"+callID+".json", "application/json", metadataFile(t, callID, "finished", "2026-03-23T13:16:58.000-07:00", phone, ""))
				}
			}
			if recordID == "" {
				recordID = recordOfCall(t, p, callID)
			}
			r := waitRecord(t, p, recordID, func(r ccai.RecordDetailJSON) bool { return len(r.Attachments) >= 3 })
			time.Sleep(300 * time.Millisecond) // any duplicate would land by now
			r = record(t, p, recordID)
			if k := kinds(r); k["call_recording"] != 1 || k["photo"] != 1 || k["session_metadata"] != 1 || len(r.Attachments) != 3 {
				t.Errorf("attachments: got %v, want one recording, one photo, one metadata file", k)
			}
			if len(r.Sessions) != 1 || r.Sessions[0].Status != "finished" || r.Sessions[0].MetadataUpdatedAt == "" {
				t.Errorf("session: got %+v", r.Sessions)
			}
			for _, a := range r.Attachments {
				if a.Source != "storage" || a.Size == 0 || len(a.SHA256) != 64 {
					t.Errorf("attachment %+v", a)
				}
				if a.Kind == "call_recording" {
					resp, body, err := p.Download(context.Background(), a.DownloadURL, "")
					if err != nil || resp.StatusCode != 200 || string(body) != string(audio) {
						t.Errorf("download of the recording: %v %v %q", err, resp.StatusCode, body)
					}
				}
			}
			// The account is the caller's, whoever made it.
			if a := account(t, p, r.AccountID); len(a.Phones) != 1 || a.Phones[0] != phone {
				t.Errorf("account phones: got %v, want [%s]", a.Phones, phone)
			}
			if !exists(t, "ujet-voice-recordings/call-"+callID+".mp3") {
				t.Error("the recording was removed from the bucket")
			}
		})
	}
}

// Folder path, date folders and the newer metadata name are recognised;
// an older metadata version arriving last changes nothing.
func TestStorageMetadataVersions(t *testing.T) {
	p := newPlayer(t)
	callID, phone := uniqueID(t), uniquePhone(t, "1")
	newer := metadataFile(t, callID, "finished", "2026-03-23T13:16:58.000-07:00", phone, "")
	older := metadataFile(t, callID, "connected", "2026-03-23T13:01:00.000-07:00", phone, "")
	put(t, "ujet-metadata/2026/03/23/metadata-"+callID+".json", "application/json", newer)
	recordID := recordOfCall(t, p, callID)
	waitRecord(t, p, recordID, func(r ccai.RecordDetailJSON) bool { return len(r.Sessions) == 1 && r.Sessions[0].Status == "finished" })
	put(t, "ujet-metadata/call-"+callID+".json", "application/json", older)
	time.Sleep(1500 * time.Millisecond)
	r := record(t, p, recordID)
	if r.Sessions[0].Status != "finished" || !strings.HasPrefix(r.Sessions[0].MetadataUpdatedAt, "2026-03-23T20:16:58") {
		t.Errorf("an older version changed the session: %+v", r.Sessions[0])
	}
	if k := kinds(r); k["session_metadata"] != 1 {
		t.Errorf("metadata attachments: got %d, want 1", k["session_metadata"])
	}
}

// A name CCAI Platform does not write is left alone; a file whose session
// never comes is reported once by the sweep.
func TestStorageForeignAndUnlinkedFiles(t *testing.T) {
	put(t, "exports/report.csv", "text/csv", []byte("a,b\n"))
	orphan := "ujet-voice-recordings/call-" + uniqueID(t) + ".wav"
	put(t, orphan, "audio/wav", []byte("RIFF\x00\x00\x00\x00WAVEfmt "))
	time.Sleep(2500 * time.Millisecond) // CRM_UNLINKED_AFTER=2s in this stack
	sweep := func() []string {
		resp, err := http.Post(stack.URLs["SweepUnlinked"], "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Objects []string }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("sweep: %d %v", resp.StatusCode, err)
		}
		return out.Objects
	}
	want := stack.CCAIBucket + "/" + orphan
	reported := false
	for deadline := time.Now().Add(storageWait); !reported && time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		reported = contains(sweep(), want) // once the file has waited 2s
	}
	if !reported {
		t.Errorf("the sweep never reported %s\n%s", want, storageEvents(orphan))
	}
	if got := sweep(); contains(got, want) {
		t.Errorf("second sweep reported %s again", want)
	}
	if !exists(t, "exports/report.csv") || !exists(t, orphan) {
		t.Error("a file was removed from the bucket")
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// storageWait is how long a test waits for what an object written into
// the CCAI bucket makes (localstack.StorageEventWithin).
const storageWait = localstack.StorageEventWithin

// storageEvents returns, for a failure message, what StorageObject logged
// about the objects whose names hold s (a session id or an object name):
// nothing means no notification reached it.
func storageEvents(s string) string {
	b, err := os.ReadFile(stackLog)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		if strings.Contains(line, `"storage event`) && strings.Contains(line, s) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	if len(out) == 0 {
		return "StorageObject never received an object named with " + s
	}
	return "StorageObject logged:\n" + strings.Join(out, "\n")
}

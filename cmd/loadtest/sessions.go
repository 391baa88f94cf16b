package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/localstack"
)

// The Firestore operations of whole sessions (-sessions n): n calls of new
// callers, then n calls of the same callers again, each as CCAI Platform
// makes it with the settings file (re-use existing records on): find or
// create the account, find or create the record, update it when the agent
// answers and when the call ends, three comments (call started, call
// ended, CSAT), and external storage's recording and finished session
// metadata file (two storage events). It prints, per kind of session, the
// calls, reads and writes each function's log lines report, per session.
// This is what the README's cost estimate multiplies.

// sessionKind is one kind of call measured.
type sessionKind struct {
	label     string
	returning bool
}

func sessions(ctx context.Context, stack *localstack.Stack, p *ccaiplayer.Player, n int, run, logPath string) error {
	storage, err := localstack.NewStorageClient(ctx, stack.GCSHost)
	if err != nil {
		return err
	}
	defer storage.Close()
	put := func(name, contentType string, data []byte) error {
		w := storage.Bucket(stack.CCAIBucket).Object(name).NewWriter(ctx)
		w.ContentType = contentType
		w.Write(data)
		return w.Close()
	}
	offset, err := logSize(logPath)
	if err != nil {
		return err
	}
	fmt.Printf("Firestore operations per session, %d sessions of each kind, %s authentication (log lines of every function)\n", n, p.Settings.Auth.Method)
	for k, kind := range []sessionKind{{"new caller (account and record created)", false}, {"returning caller (finds the account and its open record)", true}} {
		for i := range n {
			callID := fmt.Sprint(900_000_000 + k*1_000_000 + i)
			phone := fmt.Sprintf("+1404%07d", 1_000_000+i)
			v := ccaiplayer.Vars{"NAME": "Session " + fmt.Sprint(i), "PHONE_NUMBER": phone, "Call_ID": callID, "SESSION_TYPE": "Voice Inbound",
				"CHANNEL": "voice_call", "QUEUE_NAME": "Support", "TICKET_SUBJECT": "Inbound call " + run}
			acc, err := p.FindOrCreateAccount(ctx, v)
			if err != nil {
				return err
			}
			v["ACCOUNT_ID"] = acc
			rec, err := p.FindOrCreateRecord(ctx, v)
			if err != nil {
				return err
			}
			v["RECORD_ID"] = rec
			v["AGENT_EMAIL"] = "agent@example.com"
			steps := []struct {
				name string
				vars map[string]string
			}{
				{"update_record", nil},
				{"comment", map[string]string{"COMMENT_BODY": "Call started"}},
				{"update_record", map[string]string{"RATING": "5", "CALL_DURATION": "03:12", "DISCONNECTED_BY": "end_user"}},
				{"comment", map[string]string{"COMMENT_BODY": "Call ended"}},
				{"comment", map[string]string{"COMMENT_BODY": "CSAT rating: 5"}},
			}
			for _, st := range steps {
				for key, val := range st.vars {
					v[key] = val
				}
				res, err := p.Call(ctx, st.name, v)
				if err != nil || res.Status/100 != 2 {
					return fmt.Errorf("session %s: %s: %v %d %s", callID, st.name, err, res.Status, res.Body)
				}
			}
			audio := make([]byte, 64<<10)
			copy(audio, "ID3")
			if err := put("ujet-voice-recordings/call-"+callID+".mp3", "audio/mpeg", audio); err != nil {
				return err
			}
			meta, _ := json.Marshal(map[string]any{"id": json.Number(callID), "status": "finished", "call_type": "Voice Inbound",
				"updated_at": time.Now().UTC().Format(time.RFC3339), "out_ticket_id": rec,
				"participants": []any{map[string]any{"type": "end_user", "phone_number": phone}}})
			if err := put("ujet-metadata/call-"+callID+".json", "application/json", meta); err != nil {
				return err
			}
		}
		byEndpoint, end, err := waitTally(logPath, offset, 2*n)
		if err != nil {
			return err
		}
		offset = end
		printTally(kind.label, byEndpoint, n)
	}
	return nil
}

// storageEvents is the tally key of the storage event log lines.
const storageEvents = "storage events"

// tally is what the log lines of one function (or of the storage events)
// report.
type tally struct{ lines, reads, writes int64 }

// waitTally reads the request and storage event log lines from offset
// until events storage events are there (the events arrive after the
// calls), then for a second more, and sums them by function.
func waitTally(path string, offset, events int) (map[string]*tally, int, error) {
	deadline := time.Now().Add(60 * time.Second)
	settled := time.Time{}
	for {
		t, end, err := readTally(path, offset)
		if err != nil {
			return nil, 0, err
		}
		if ev := t[storageEvents]; ev != nil && ev.lines >= int64(events) {
			if settled.IsZero() {
				settled = time.Now().Add(time.Second)
			} else if time.Now().After(settled) {
				return t, end, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, 0, fmt.Errorf("%d storage events never logged: %v", events, t[storageEvents])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// readTally sums the request and storage event log lines from byte offset
// on by function (storageEvents for the storage events), and returns where
// it stopped.
func readTally(path string, offset int) (map[string]*tally, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	if _, err := f.Seek(int64(offset), 0); err != nil {
		return nil, 0, err
	}
	t := map[string]*tally{}
	end := offset
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		end += len(line) + 1
		e, ok := dbcost.ParseLogLine(line)
		key := e.Endpoint
		switch {
		case !ok:
			continue
		case e.Message == "storage event":
			key = storageEvents
		case e.Message != "request":
			continue
		}
		if t[key] == nil {
			t[key] = &tally{}
		}
		t[key].lines++
		t[key].reads += e.Reads
		t[key].writes += e.Writes
	}
	return t, end, sc.Err()
}

func printTally(label string, t map[string]*tally, n int) {
	fmt.Printf("\n%s, per session:\n", label)
	fmt.Printf("| %-20s | %6s | %6s | %6s |\n", "function", "calls", "reads", "writes")
	fmt.Printf("|%s|%s|%s|%s|\n", dashes(22), dashes(8), dashes(8), dashes(8))
	var keys []string
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var total tally
	per := func(v int64) float64 { return float64(v) / float64(n) }
	for _, k := range keys {
		c := t[k]
		fmt.Printf("| %-20s | %6.2f | %6.2f | %6.2f |\n", k, per(c.lines), per(c.reads), per(c.writes))
		total.lines += c.lines
		total.reads += c.reads
		total.writes += c.writes
	}
	fmt.Printf("| %-20s | %6.2f | %6.2f | %6.2f |\n", "total", per(total.lines), per(total.reads), per(total.writes))
}

func logSize(path string) (int, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return int(fi.Size()), nil
}

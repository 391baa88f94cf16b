package e2e

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"

	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/portal"
)

func ccaiPortalParam(k, v string) portal.Parameter { return portal.Parameter{Key: k, Value: v} }

// CCAI Platform retries a call for a week; any write received again
// leaves what the first one made.
func TestRetriesOfEveryWrite(t *testing.T) {
	p := newPlayer(t)
	v := ccaiplayer.Vars{"NAME": "Retry", "PHONE_NUMBER": uniquePhone(t, "1"), "EMAIL": "retry" + uniqueID(t) + "@example.com",
		"Call_ID": uniqueID(t), "TICKET_SUBJECT": "Retried", "COMMENT_BODY": "Call started"}
	first := call(t, p, "create_account", v, 201)
	for range 3 {
		if again := call(t, p, "create_account", v, 200); again.ID != first.ID {
			t.Fatalf("create account again: got %s, want %s", again.ID, first.ID)
		}
	}
	v["ACCOUNT_ID"] = first.ID
	rec := call(t, p, "create_record", v, 201)
	for range 3 {
		if again := call(t, p, "create_record", v, 200); again.ID != rec.ID {
			t.Fatalf("create record again: got %s, want %s", again.ID, rec.ID)
		}
	}
	v["RECORD_ID"] = rec.ID
	upd := call(t, p, "update_record", v, 200)
	for range 3 {
		if again := call(t, p, "update_record", v, 200); string(again.Body) != string(upd.Body) {
			t.Fatalf("update again changed the record:\n%s\n%s", upd.Body, again.Body)
		}
	}
	com := call(t, p, "comment", v, 201)
	for range 3 {
		if again := call(t, p, "comment", v, 200); again.ID != com.ID {
			t.Fatalf("comment again: got %s, want %s", again.ID, com.ID)
		}
	}
	a := account(t, p, first.ID)
	if len(a.Records) != 1 {
		t.Errorf("account records: got %v, want one", a.Records)
	}
	if r := record(t, p, rec.ID); len(r.Comments) != 1 || len(r.Sessions) != 1 {
		t.Errorf("record: got %d comments and %d sessions, want 1 and 1", len(r.Comments), len(r.Sessions))
	}
}

// Twenty simultaneous identical creates (a retry racing the original)
// make one account and one record.
func TestConcurrentCreatesOverHTTP(t *testing.T) {
	p := newPlayer(t)
	v := ccaiplayer.Vars{"NAME": "Race", "PHONE_NUMBER": uniquePhone(t, "1"), "Call_ID": uniqueID(t)}
	ids := race(t, p, "create_account", v)
	v["ACCOUNT_ID"] = ids[0]
	race(t, p, "create_record", v)
	if a := account(t, p, ids[0]); len(a.Records) != 1 {
		t.Errorf("records: got %v, want one", a.Records)
	}
}

func race(t *testing.T, p *ccaiplayer.Player, name string, v ccaiplayer.Vars) []string {
	t.Helper()
	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			res, err := p.Call(context.Background(), name, v)
			if err != nil || res.Status/100 != 2 {
				t.Errorf("%s %d: %v %d %s", name, i, err, res.Status, res.Body)
			}
			ids[i] = res.ID
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if ids[i] != ids[0] {
			t.Fatalf("%s %d got %s, %s 0 got %s", name, i, ids[i], name, ids[0])
		}
	}
	return ids
}

// An account with only a name and a record without a session have no
// identity: the request is their key for the retry window, so retries
// (in whatever form) make one, and a different body makes another.
func TestRetriesOfCreatesWithoutIdentity(t *testing.T) {
	p := newPlayer(t)
	v := ccaiplayer.Vars{"NAME": "Guest " + uniqueID(t), "LANG": "en"}
	acc := sendFive(t, p, "create_account", v)
	// The same request in another form.
	ep := p.Endpoint("create_account")
	ep.RequestDataFormat, ep.ContainerType, ep.ContainerName = "container", "array", "data"
	if again := call(t, p, "create_account", v, 200); again.ID != acc {
		t.Errorf("create account in container form: got %s, want %s", again.ID, acc)
	}
	v["LANG"] = "fr"
	if other := call(t, p, "create_account", v, 201); other.ID == acc {
		t.Errorf("a different body got the same account %s", acc)
	}

	r := ccaiplayer.Vars{"ACCOUNT_ID": acc, "TICKET_SUBJECT": "Callback request"}
	rec := sendFive(t, p, "create_record", r)
	r["TICKET_SUBJECT"] = "Another request"
	if other := call(t, p, "create_record", r, 201); other.ID == rec {
		t.Errorf("a different body got the same record %s", rec)
	}
	if a := account(t, p, acc); len(a.Records) != 2 {
		t.Errorf("account records: got %v, want two", a.Records)
	}
}

// sendFive sends the same create five times: 201 and then 200, one id.
func sendFive(t *testing.T, p *ccaiplayer.Player, name string, v ccaiplayer.Vars) string {
	t.Helper()
	first := call(t, p, name, v, 201)
	for i := range 4 {
		if again := call(t, p, name, v, 200); again.ID != first.ID {
			t.Fatalf("%s, send %d: got %s, want %s", name, i+2, again.ID, first.ID)
		}
	}
	return first.ID
}

// A session belongs to one record: an update that adds a call another
// record holds answers 409 naming that record (not 400, which CCAI
// Platform would retry for a week) and changes neither record.
func TestUpdateAddingAnotherRecordsSessionConflicts(t *testing.T) {
	p := newPlayer(t)
	acc := call(t, p, "create_account", ccaiplayer.Vars{"NAME": "Conflict", "PHONE_NUMBER": uniquePhone(t, "1")}, 201)
	callX, callY := uniqueID(t), uniqueID(t)
	a := call(t, p, "create_record", ccaiplayer.Vars{"ACCOUNT_ID": acc.ID, "Call_ID": callX, "TICKET_SUBJECT": "A"}, 201)
	b := call(t, p, "create_record", ccaiplayer.Vars{"ACCOUNT_ID": acc.ID, "Call_ID": callY, "TICKET_SUBJECT": "B"}, 201)
	beforeA, beforeB := record(t, p, a.ID), record(t, p, b.ID)

	res := call(t, p, "update_record", ccaiplayer.Vars{"RECORD_ID": b.ID, "Call_ID": callX, "TICKET_SUBJECT": "B changed"}, 409)
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(res.Body, &body); err != nil || body.Error.Code != "conflict" || !strings.Contains(body.Error.Message, a.ID) {
		t.Errorf("409 body: got %s (%v), want code conflict naming record %s", res.Body, err, a.ID)
	}
	if afterA, afterB := record(t, p, a.ID), record(t, p, b.ID); !reflect.DeepEqual(afterA, beforeA) || !reflect.DeepEqual(afterB, beforeB) {
		t.Errorf("records changed:\nA %+v\n  %+v\nB %+v\n  %+v", beforeA, afterA, beforeB, afterB)
	}
	if found := call(t, p, "find_record_by_query", ccaiplayer.Vars{"Call_ID": callX}, 200); found.ID != a.ID {
		t.Errorf("find by call X: got %s, want %s", found.ID, a.ID)
	}
	// A create for call X is still a retry of A's create.
	if again := call(t, p, "create_record", ccaiplayer.Vars{"ACCOUNT_ID": acc.ID, "Call_ID": callX}, 200); again.ID != a.ID {
		t.Errorf("create for call X: got %s, want %s", again.ID, a.ID)
	}
}

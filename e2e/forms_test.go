package e2e

import (
	"context"
	"testing"

	"example.com/crm/shared/ccaiplayer"
)

// Every request shape the portal can produce reaches the same data:
// property and container (map or array, any name) bodies, values as
// strings or JSON numbers, empty parameters sent or left out, POST, PUT
// or PATCH.
func TestRequestForms(t *testing.T) {
	type form struct {
		format, containerType, containerName, method string
		numbers, sendEmpty                           bool
	}
	forms := []form{
		{"property", "", "", "POST", false, false},
		{"property", "", "", "PUT", true, true},
		{"container", "map", "account", "POST", true, false},
		{"container", "array", "data", "PATCH", false, true},
		{"container", "array", "items", "POST", true, true},
	}
	for _, f := range forms {
		t.Run(f.format+"/"+f.containerType+"/"+f.method, func(t *testing.T) {
			p := newPlayer(t)
			p.NumbersAsJSON, p.SendEmpty = f.numbers, f.sendEmpty
			for _, name := range []string{"create_account", "create_record", "update_record", "comment"} {
				ep := p.Endpoint(name)
				ep.RequestDataFormat, ep.ContainerType, ep.ContainerName = f.format, f.containerType, f.containerName
				if name != "update_record" {
					ep.Method = f.method
				}
			}
			callID := uniqueID(t)
			v := ccaiplayer.Vars{"NAME": "Form " + f.format, "PHONE_NUMBER": uniquePhone(t, "1"), "UJET_ID": "4242",
				"Call_ID": callID, "TICKET_SUBJECT": "Forms", "RATING": "4", "COMMENT_BODY": "<p>Rated <b>4</b></p>"}
			acc := call(t, p, "create_account", v, 201)
			v["ACCOUNT_ID"] = acc.ID
			rec := call(t, p, "create_record", v, 201)
			v["RECORD_ID"] = rec.ID
			call(t, p, "update_record", v, 200)
			call(t, p, "comment", v, 201)
			a := account(t, p, acc.ID)
			if a.Name != "Form "+f.format || a.Custom["ujet_id"] != "4242" {
				t.Errorf("account: got %+v", a)
			}
			r := record(t, p, rec.ID)
			if r.Subject != "Forms" || r.Custom["rating"] != "4" || len(r.Sessions) != 1 || r.Sessions[0].ID != callID {
				t.Errorf("record: got %+v", r.RecordJSON)
			}
			if len(r.Comments) != 1 || !r.Comments[0].HTML {
				t.Errorf("comments: got %+v, want one HTML comment", r.Comments)
			}
			// Empty values sent as "" never erase anything.
			call(t, p, "update_record", ccaiplayer.Vars{"RECORD_ID": rec.ID}, 200)
			if r2 := record(t, p, rec.ID); r2.Subject != "Forms" || r2.Custom["rating"] != "4" {
				t.Errorf("an empty update erased data: %+v", r2.RecordJSON)
			}
		})
	}
}

// The search expression of the portal settings, with one of its values
// empty (an unknown email), still finds by the others.
func TestConcatOrWithEmptyValues(t *testing.T) {
	ctx := context.Background()
	p := newPlayer(t)
	cuid := "cuid-" + uniqueID(t)
	acc := call(t, p, "create_account", ccaiplayer.Vars{"NAME": "Cuid", "CUSTOM_USER_ID": cuid}, 201)
	for _, v := range []ccaiplayer.Vars{
		{"CUSTOM_USER_ID": cuid},
		{"CUSTOM_USER_ID": cuid, "PHONE_NUMBER": uniquePhone(t, "1")},
		{"CUSTOM_USER_ID": cuid, "EMAIL": "nobody-" + uniqueID(t) + "@example.com"},
	} {
		id, err := p.FindOrCreateAccount(ctx, v)
		if err != nil || id != acc.ID {
			t.Errorf("%v: got %s %v, want %s", v, id, err, acc.ID)
		}
	}
}

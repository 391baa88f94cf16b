package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/testenv"
)

// Every field of accounts, records and comments over its limit, or a
// JSON object or array where its value belongs, answers 422 naming the
// field, over HTTP through every Generic API endpoint that stores it;
// reading the account (with its records) and the record (with its
// comments) back through the read API shows nothing changed. Each bad
// request names the existing account or record, so that a request
// wrongly accepted would show there.
func TestFieldLimits(t *testing.T) {
	p := newPlayer(t)
	ep := p.Settings.Endpoints
	key := p.Settings.Auth.CustomHeader[0]
	send := func(method, u, body string) (int, ccai.ErrorBody, string) {
		t.Helper()
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(key.Key, key.Value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var raw json.RawMessage
		var e ccai.ErrorBody
		if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v", method, u, err)
		}
		json.Unmarshal(raw, &e)
		return resp.StatusCode, e, string(raw)
	}
	cuid := "limits-" + uniqueID(t)
	callID := uniqueID(t)
	status, _, body := send("POST", ep.CreateAccount.URL, testenv.JSON("custom_user_id", cuid))
	var acc, rec struct{ ID string }
	if json.Unmarshal([]byte(body), &acc); status != http.StatusCreated {
		t.Fatalf("create account: %d %s", status, body)
	}
	status, _, body = send("POST", ep.CreateRecord.URL, testenv.JSON("account_id", acc.ID, "call_id", callID))
	if json.Unmarshal([]byte(body), &rec); status != http.StatusCreated {
		t.Fatalf("create record: %d %s", status, body)
	}
	recURL := func(u string) string { return strings.ReplaceAll(u, "{RECORD_ID}", rec.ID) }

	over := func(limit int) string { return strings.Repeat("x", limit+1) }
	custom := func(base ...string) string {
		for i := range crm.MaxCustomFields + 1 {
			base = append(base, fmt.Sprintf("field_%d", i), "v")
		}
		return testenv.JSON(base...)
	}
	type test struct{ name, method, url, body, want string }
	var tests []test
	// Create account: merged into the account of cuid if accepted.
	for _, f := range []struct {
		field, value, want string
	}{
		{"name", over(crm.MaxName), `"name"`},
		{"first_name", over(crm.MaxName), `"first_name"`},
		{"last_name", over(crm.MaxName), `"last_name"`},
		{"phone", strings.Repeat("2", 10000), `"phone"`},
		{"phone_number", "+1" + strings.Repeat("2", crm.MaxPhone), `"phone"`},
		{"email", strings.Repeat("a", crm.MaxEmail) + "@example.com", `"email"`},
		{"uid", over(crm.MaxCustomUserID), `"custom_user_id"`},
		{"lang", over(crm.MaxCustomValue), `custom field "lang"`},
		{over(crm.MaxCustomKey), "x", "custom field name"},
	} {
		tests = append(tests, test{"create account/" + f.field, "POST", ep.CreateAccount.URL, testenv.JSON("custom_user_id", cuid, f.field, f.value), f.want})
	}
	tests = append(tests, test{"create account/custom fields", "POST", ep.CreateAccount.URL, custom("custom_user_id", cuid), "custom fields"})
	for _, f := range []string{"name", "first_name", "last_name", "phone", "email", "custom_user_id", "lang"} {
		tests = append(tests,
			test{"create account/" + f + " object", "POST", ep.CreateAccount.URL, testenv.JSON(f, `{"$gt":""}`, "custom_user_id", cuid), fmt.Sprintf("field %q", f)},
			test{"create account/" + f + " array in a container", "POST", ep.CreateAccount.URL, `{"account":` + testenv.JSON("custom_user_id", cuid, f, `["x"]`) + "}", fmt.Sprintf("field %q", f)})
	}
	// Create record: fills the record of callID if accepted (a new record
	// would show in the account's records).
	recordFields := []struct {
		field, value, want string
	}{
		{"subject", over(crm.MaxSubject), `"subject"`},
		{"description", over(crm.MaxDescription), `"description"`},
		{"status", over(crm.MaxStatus), `"status"`},
		{"chat_id", over(crm.MaxSessionID), `"chat_id"`},
		{"session_id", over(crm.MaxSessionID), `"session_id"`},
		{"queue", over(crm.MaxCustomValue), `custom field "queue"`},
		{over(crm.MaxCustomKey), "x", "custom field name"},
	}
	// An update also sets another field, which would show if the bad
	// one were only ignored.
	update := func(field, value string) string {
		if field == "status" {
			return testenv.JSON(field, value, "subject", "changed")
		}
		return testenv.JSON(field, value, "status", "closed")
	}
	for _, f := range recordFields {
		tests = append(tests,
			test{"create record/" + f.field, "POST", ep.CreateRecord.URL, testenv.JSON("account_id", acc.ID, "call_id", callID, f.field, f.value), f.want},
			test{"update record/" + f.field, "PATCH", recURL(ep.UpdateRecord.URL), update(f.field, f.value), f.want})
	}
	tests = append(tests,
		test{"create record/call_id", "POST", ep.CreateRecord.URL, testenv.JSON("account_id", acc.ID, "call_id", over(crm.MaxSessionID)), `"call_id"`},
		test{"update record/call_id", "PATCH", recURL(ep.UpdateRecord.URL), update("call_id", over(crm.MaxSessionID)), `"call_id"`},
		test{"create record/custom fields", "POST", ep.CreateRecord.URL, custom("account_id", acc.ID, "call_id", callID), "custom fields"},
		test{"update record/custom fields", "PATCH", recURL(ep.UpdateRecord.URL), custom("status", "closed"), "custom fields"},
		test{"comment/comment", "POST", recURL(ep.Comment.URL), testenv.JSON("comment", over(crm.MaxCommentBody)), `"comment"`},
		test{"comment/call_id", "POST", recURL(ep.Comment.URL), testenv.JSON("comment", "hi", "call_id", over(crm.MaxSessionID)), `"call_id"`},
	)
	for _, f := range []string{"subject", "description", "status", "call_id", "chat_id", "session_id", "queue"} {
		tests = append(tests,
			test{"create record/" + f + " object", "POST", ep.CreateRecord.URL, testenv.JSON(f, `{"$gt":""}`, "account_id", acc.ID, "call_id", callID), fmt.Sprintf("field %q", f)},
			test{"update record/" + f + " array in a container", "PATCH", recURL(ep.UpdateRecord.URL), `{"record":[` + update(f, `["x"]`) + "]}", fmt.Sprintf("field %q", f)})
	}
	for _, f := range []string{"comment", "call_id", "html"} {
		tests = append(tests, test{"comment/" + f + " object", "POST", recURL(ep.Comment.URL), testenv.JSON(f, `{"$gt":""}`, "message", "hi"), fmt.Sprintf("field %q", f)})
	}
	tests = append(tests, test{"create account/name not UTF-8 in the query string", "POST",
		ep.CreateAccount.URL + "?" + url.Values{"custom_user_id": {cuid}}.Encode() + "&name=%FF", "", `"name"`})

	beforeAccount, beforeRecord := account(t, p, acc.ID), record(t, p, rec.ID)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, e, raw := send(tc.method, tc.url, tc.body)
			if status != http.StatusUnprocessableEntity || e.Error.Code != string(crm.Invalid) || !strings.Contains(e.Error.Message, tc.want) {
				t.Errorf("got %d %.300s, want 422 invalid naming %s", status, raw, tc.want)
			}
			afterAccount, afterRecord := account(t, p, acc.ID), record(t, p, rec.ID)
			if !jsonEqual(t, beforeAccount, afterAccount) || !jsonEqual(t, beforeRecord, afterRecord) {
				t.Errorf("the refused request changed stored data:\n%.500v\n%.500v\n%.500v\n%.500v", beforeAccount, afterAccount, beforeRecord, afterRecord)
				beforeAccount, beforeRecord = afterAccount, afterRecord
			}
		})
	}
}

package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/portal"
	"example.com/crm/shared/query"
)

// Bad input gets a clear 4xx JSON error, never a 5xx, and changes nothing
// already stored.
func TestBadInput(t *testing.T) {
	p := newPlayer(t)
	v := ccaiplayer.Vars{"NAME": "Keep Me", "PHONE_NUMBER": uniquePhone(t, "1"), "Call_ID": uniqueID(t), "COMMENT_BODY": "kept"}
	acc := call(t, p, "create_account", v, 201)
	v["ACCOUNT_ID"] = acc.ID
	rec := call(t, p, "create_record", v, 201)
	v["RECORD_ID"] = rec.ID
	call(t, p, "comment", v, 201)
	beforeAccount, beforeRecord := account(t, p, acc.ID), record(t, p, rec.ID)

	s := p.Settings
	ep := s.Endpoints
	key := s.Auth.CustomHeader[0]
	recURL := func(e *portal.Endpoint) string { return strings.ReplaceAll(e.URL, "{RECORD_ID}", rec.ID) }
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	manyParams := `{"name":"x"` + strings.Repeat(`,"f":"x"`, ccai.MaxParams) + `}`
	manyTerms := url.QueryEscape(strings.Repeat("(phone:equals:1) or ", query.MaxTerms) + "(email:equals:a@b.co)")
	tests := []struct {
		name, method, url, contentType, body string
		header                               map[string]string
		want                                 int
	}{
		{"malformed JSON", "POST", ep.CreateAccount.URL, "application/json", `{"name": "x",`, nil, 422},
		{"JSON string", "POST", ep.CreateAccount.URL, "application/json", `"hello"`, nil, 422},
		{"array of numbers", "POST", ep.CreateAccount.URL, "application/json", `{"account":[1,2]}`, nil, 422},
		{"XML", "POST", ep.CreateAccount.URL, "application/xml", `<account/>`, nil, 415},
		{"body too large", "POST", ep.CreateAccount.URL, "application/json", big, nil, 413},
		{"nobody", "POST", ep.CreateAccount.URL, "application/json", `{"source":"ccaip"}`, nil, 422},
		{"not an email", "POST", ep.CreateAccount.URL, "application/json", `{"email":"not-an-email"}`, nil, 422},
		{"GET on create", "GET", ep.CreateAccount.URL, "", "", nil, 405},
		{"DELETE on update", "DELETE", recURL(ep.UpdateRecord), "", "", nil, 405},
		{"no credentials", "GET", ep.FindAccountByQuery.URL + "?phone=2223334444", "", "", map[string]string{key.Key: ""}, 401},
		{"wrong key", "GET", ep.FindAccountByQuery.URL + "?phone=2223334444", "", "", map[string]string{key.Key: "wrong-key-0123456789"}, 401},
		{"malformed query", "GET", ep.FindAccountByQuery.URL + "?q=%28phone%3Aequals%3A1", "", "", nil, 422},
		{"unknown operator", "GET", ep.FindAccountByQuery.URL + "?q=%28phone%3Acontains%3A1%29", "", "", nil, 422},
		{"no criteria", "GET", ep.FindAccountByQuery.URL, "", "", nil, 422},
		{"record search without criteria", "GET", ep.FindRecordByQuery.URL + "?source=x", "", "", nil, 422},
		{"status alone", "GET", ep.FindRecordByQuery.URL + "?q=%28status%3Aequals%3Aopen%29", "", "", nil, 422},
		{"unknown account id", "GET", strings.ReplaceAll(ep.FindAccountByID.URL, "{ACCOUNT_ID}", "nope"), "", "", nil, 404},
		{"record without account", "POST", ep.CreateRecord.URL, "application/json", `{"record":{"subject":"x"}}`, nil, 422},
		{"record of unknown account", "POST", ep.CreateRecord.URL, "application/json", `{"record":{"account_id":"nope","call_id":"1"}}`, nil, 422},
		{"update unknown record", "PATCH", strings.ReplaceAll(ep.UpdateRecord.URL, "{RECORD_ID}", "nope"), "application/json", `{"subject":"x"}`, nil, 404},
		{"update without id", "PATCH", strings.ReplaceAll(ep.UpdateRecord.URL, "{RECORD_ID}", ""), "application/json", `{"subject":"x"}`, nil, 422},
		{"empty comment", "POST", recURL(ep.Comment), "application/json", `{"comment":""}`, nil, 422},
		{"comment on unknown record", "POST", strings.ReplaceAll(ep.Comment.URL, "{RECORD_ID}", "nope"), "application/json", `{"comment":"hi"}`, nil, 404},
		{"comment without record", "POST", strings.ReplaceAll(ep.Comment.URL, "{RECORD_ID}", ""), "application/json", `{"comment":"hi"}`, nil, 422},
		{"read unknown account", "GET", strings.ReplaceAll(s.CRMAPI.AccountURL, "{ACCOUNT_ID}", "nope"), "", "", nil, 404},
		{"read unknown record", "GET", strings.ReplaceAll(s.CRMAPI.RecordURL, "{RECORD_ID}", "nope"), "", "", nil, 404},
		{"read nothing", "GET", strings.TrimSuffix(s.CRMAPI.RecordURL, "/records/{RECORD_ID}") + "/", "", "", nil, 404},
		{"id with a slash", "GET", strings.ReplaceAll(ep.FindAccountByID.URL, "{ACCOUNT_ID}", "a%2Fb"), "", "", nil, 404},
		{"not UTF-8", "POST", ep.CreateAccount.URL, "application/json", "{\"name\":\"\xff\xfe\"}", nil, 422},
		{"too many parameters", "POST", ep.CreateAccount.URL, "application/json", manyParams, nil, 422},
		{"too many search terms", "GET", ep.FindAccountByQuery.URL + "?q=" + manyTerms, "", "", nil, 422},
		{"too many record search terms", "GET", ep.FindRecordByQuery.URL + "?q=" + manyTerms, "", "", nil, 422},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			req.Header.Set(key.Key, key.Value)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body ccai.ErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if resp.StatusCode != tc.want {
				t.Errorf("got %d %+v, want %d", resp.StatusCode, body, tc.want)
			}
			if body.Error.Code == "" || body.Error.Message == "" {
				t.Errorf("error body without code or message: %+v", body)
			}
		})
	}

	afterAccount, afterRecord := account(t, p, acc.ID), record(t, p, rec.ID)
	if !jsonEqual(t, beforeAccount, afterAccount) || !jsonEqual(t, beforeRecord, afterRecord) {
		t.Errorf("bad input changed stored data:\n%+v\n%+v\n%+v\n%+v", beforeAccount, afterAccount, beforeRecord, afterRecord)
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(x, y)
}

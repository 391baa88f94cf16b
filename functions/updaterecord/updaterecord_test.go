package updaterecord_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/functions/updaterecord"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// over is a value one byte over limit.
func over(limit int) string { return strings.Repeat("x", limit+1) }

// Every field of a record over its limit, or a JSON object or array in
// its place, is refused with 422 naming it, and the record is unchanged.
func TestUpdateRecordRefusesBadFields(t *testing.T) {
	ctx := context.Background()
	client := testenv.Firestore(t)
	store := gcpfirestore.New(client)
	h := updaterecord.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store, nil)
	acc, _, err := store.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1418"}}})
	if err != nil {
		t.Fatal(err)
	}
	patch := func(body string) *http.Request {
		r := httptest.NewRequest("PATCH", "/records/"+rec.ID, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	with := func(kv ...string) string { return testenv.JSON(append([]string{"status", "closed"}, kv...)...) }
	var many []string
	for i := range crm.MaxCustomFields + 1 {
		many = append(many, fmt.Sprintf("field_%d", i), "v")
	}
	type test struct {
		name string
		r    *http.Request
		want string
	}
	tests := []test{
		{"subject", patch(with("subject", over(crm.MaxSubject))), `"subject"`},
		{"subject alias", patch(with("summary", over(crm.MaxSubject))), `"subject"`},
		{"description", patch(with("description", over(crm.MaxDescription))), `"description"`},
		{"description as HTML", patch(with("ticket_description_html", over(crm.MaxDescription))), `"description"`},
		{"status", patch(testenv.JSON("status", over(crm.MaxStatus))), `"status"`},
		{"call id", patch(with("call_id", over(crm.MaxSessionID))), `"call_id"`},
		{"chat id", patch(with("chat_id", over(crm.MaxSessionID))), `"chat_id"`},
		{"session id", patch(with("session_id", over(crm.MaxSessionID))), `"session_id"`},
		{"custom field value", patch(with("queue", over(crm.MaxCustomValue))), `custom field "queue"`},
		{"custom field name", patch(with(over(crm.MaxCustomKey), "x")), "custom field name"},
		{"too many custom fields", patch(testenv.JSON(many...)), "custom fields"},
		{"subject in a container", patch(`{"record":` + with("subject", over(crm.MaxSubject)) + "}"), `"subject"`},
		{"subject in an array container", patch(`{"data":[` + with("subject", over(crm.MaxSubject)) + "]}"), `"subject"`},
		{"subject in the query string", httptest.NewRequest("PATCH", "/records/"+rec.ID+"?subject="+over(crm.MaxSubject), nil), `"subject"`},
		{"subject not UTF-8 in the query string", httptest.NewRequest("PATCH", "/records/"+rec.ID+"?subject=%C3", nil), `"subject"`},
	}
	for _, field := range []string{"subject", "description", "status", "call_id", "chat_id", "session_id", "queue"} {
		for _, v := range []string{`{"$gt":""}`, `["x"]`, `{}`} {
			tests = append(tests, test{field + " as " + v, patch(testenv.JSON(field, v, "status", "closed")), fmt.Sprintf("field %q", field)})
		}
		tests = append(tests, test{field + " as an object in a container", patch(`{"record":` + with(field, `{"$gt":""}`) + "}"), fmt.Sprintf("field %q", field)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.Refused(t, client, h, tt.r, tt.want)
		})
	}
}

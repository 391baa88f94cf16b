package createrecord_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/functions/createrecord"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// over is a value one byte over limit.
func over(limit int) string { return strings.Repeat("x", limit+1) }

func post(body string) *http.Request {
	r := httptest.NewRequest("POST", "/records", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// Every field of a record over its limit, or a JSON object or array in
// its place, is refused with 422 naming it, and nothing is stored. Each
// request carries the call of an existing record, which it would
// otherwise fill.
func TestCreateRecordRefusesBadFields(t *testing.T) {
	ctx := context.Background()
	client := testenv.Firestore(t)
	store := gcpfirestore.New(client)
	h := createrecord.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store, nil)
	acc, _, err := store.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1418"}}}); err != nil {
		t.Fatal(err)
	}
	base := []string{"account_id", acc.ID, "call_id", "1418"}
	with := func(kv ...string) string { return testenv.JSON(append(base[:4:4], kv...)...) }
	many := base[:4:4]
	for i := range crm.MaxCustomFields + 1 {
		many = append(many, fmt.Sprintf("field_%d", i), "v")
	}
	type test struct {
		name string
		r    *http.Request
		want string
	}
	tests := []test{
		{"subject", post(with("subject", over(crm.MaxSubject))), `"subject"`},
		{"subject alias", post(with("title", over(crm.MaxSubject))), `"subject"`},
		{"description", post(with("description", over(crm.MaxDescription))), `"description"`},
		{"description as HTML", post(with("description_html", over(crm.MaxDescription))), `"description"`},
		{"status", post(with("status", over(crm.MaxStatus))), `"status"`},
		{"call id", post(testenv.JSON("account_id", acc.ID, "call_id", over(crm.MaxSessionID))), `"call_id"`},
		{"chat id", post(with("chat_id", over(crm.MaxSessionID))), `"chat_id"`},
		{"session id", post(with("session_id", over(crm.MaxSessionID))), `"session_id"`},
		{"custom field value", post(with("queue", over(crm.MaxCustomValue))), `custom field "queue"`},
		{"custom field name", post(with(over(crm.MaxCustomKey), "x")), "custom field name"},
		{"too many custom fields", post(testenv.JSON(many...)), "custom fields"},
		{"subject in a container", post(`{"record":` + with("subject", over(crm.MaxSubject)) + "}"), `"subject"`},
		{"subject in an array container", post(`{"record":[` + with("subject", over(crm.MaxSubject)) + "]}"), `"subject"`},
		{"subject in the query string", httptest.NewRequest("POST", "/records?account_id="+acc.ID+"&call_id=1418&subject="+over(crm.MaxSubject), nil), `"subject"`},
	}
	for _, field := range []string{"subject", "description", "status", "call_id", "chat_id", "session_id", "account_id", "queue"} {
		for _, v := range []string{`{"$gt":""}`, `["x"]`, `{}`} {
			tests = append(tests, test{field + " as " + v, post(testenv.JSON(append([]string{field, v}, base...)...)), fmt.Sprintf("field %q", field)})
		}
		tests = append(tests, test{field + " as an object in a container", post(`{"record":` + with(field, `{"$gt":""}`) + "}"), fmt.Sprintf("field %q", field)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.Refused(t, client, h, tt.r, tt.want)
		})
	}
}

// A value at its limit is stored whole.
func TestCreateRecordAtLimits(t *testing.T) {
	ctx := context.Background()
	store := gcpfirestore.New(testenv.Firestore(t))
	h := createrecord.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store, nil)
	acc, _, err := store.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}})
	if err != nil {
		t.Fatal(err)
	}
	at := func(limit int) string { return strings.Repeat("x", limit) }
	kv := []string{
		"account_id", acc.ID, "subject", at(crm.MaxSubject), "description", at(crm.MaxDescription), "status", at(crm.MaxStatus),
		"call_id", at(crm.MaxSessionID), "chat_id", at(crm.MaxSessionID), "session_id", at(crm.MaxSessionID),
	}
	for i := range crm.MaxCustomFields {
		kv = append(kv, fmt.Sprintf("%s%03d", at(crm.MaxCustomKey-3), i), at(crm.MaxCustomValue))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, post(testenv.JSON(kv...)))
	if rec.Code != http.StatusCreated {
		t.Fatalf("got %d %.300s, want 201", rec.Code, rec.Body)
	}
	rs, err := store.FindRecords(ctx, crm.RecordFilter{SessionKey: "call:" + at(crm.MaxSessionID)}, 2)
	if err != nil || len(rs) != 1 {
		t.Fatalf("FindRecords: got %d records, %v; want 1", len(rs), err)
	}
	r := rs[0]
	got := []int{len(r.Subject), len(r.Description), len(r.Status), len(r.Sessions), len(r.Sessions[2].ID), len(r.Custom)}
	want := []int{crm.MaxSubject, crm.MaxDescription, crm.MaxStatus, 3, crm.MaxSessionID, crm.MaxCustomFields}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored lengths: got %v, want %v", got, want)
	}
}

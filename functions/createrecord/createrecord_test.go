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

// capture is a store that keeps the record it is asked to create.
type capture struct {
	crm.RecordStore
	got crm.Record
}

func (c *capture) CreateRecord(_ context.Context, r crm.Record) (crm.Record, bool, error) {
	c.got = r
	r.ID = "r1"
	return r, true, nil
}

// requestKey sends one create request and returns the request key of
// the record it decoded.
func requestKey(t *testing.T, method, target, contentType, body string) string {
	t.Helper()
	store := &capture{}
	h := createrecord.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store, nil)
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusCreated {
		t.Fatalf("%s %s %s: got %d %s", method, target, body, w.Code, w.Body)
	}
	if len(store.got.Keys()) != 0 {
		t.Fatalf("%s: the record has identity keys %v", body, store.got.Keys())
	}
	return store.got.RequestKey()
}

// A record without a session: the same create in every form has one
// request key; a different body has another.
func TestRequestKeyOfEveryForm(t *testing.T) {
	const jsonType = "application/json"
	want := requestKey(t, "POST", "/records", jsonType,
		`{"record":{"account_id":"acc1","subject":"Refund","description":"","call_id":"","agent_email":"unassigned"}}`)
	same := []struct{ name, method, target, contentType, body string }{
		{"property", "POST", "/records", jsonType, `{"account_id":"acc1","subject":"Refund","agent_email":"unassigned"}`},
		{"order, spelling, status open", "PUT", "/records", jsonType, `{"Agent_Email":"unassigned","title":"Refund","status":"Open","contactId":"acc1"}`},
		{"account in the path", "POST", "/accounts/acc1/records", jsonType, `{"subject":"Refund","agent_email":"unassigned"}`},
		{"query string", "POST", "/records?account_id=acc1&subject=Refund&agent_email=unassigned", "", ""},
		{"container array", "PATCH", "/records", jsonType, `{"items":[{"account_id":"acc1"},{"subject":"Refund","agent_email":"unassigned"}]}`},
	}
	for _, tt := range same {
		if got := requestKey(t, tt.method, tt.target, tt.contentType, tt.body); got != want {
			t.Errorf("%s: got %s, want %s", tt.name, got, want)
		}
	}
	for name, body := range map[string]string{
		"another account": `{"account_id":"acc2","subject":"Refund","agent_email":"unassigned"}`,
		"another subject": `{"account_id":"acc1","subject":"Refunds","agent_email":"unassigned"}`,
		"a description":   `{"account_id":"acc1","subject":"Refund","description":"card","agent_email":"unassigned"}`,
		"closed":          `{"account_id":"acc1","subject":"Refund","status":"closed","agent_email":"unassigned"}`,
		"another custom":  `{"account_id":"acc1","subject":"Refund","agent_email":"a@example.com"}`,
	} {
		if got := requestKey(t, "POST", "/records", jsonType, body); got == want {
			t.Errorf("%s: got the same key %s", name, got)
		}
	}
}

package createaccount_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"example.com/crm/functions/createaccount"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// over is a value one byte over limit.
func over(limit int) string { return strings.Repeat("x", limit+1) }

func post(body string) *http.Request {
	r := httptest.NewRequest("POST", "/accounts", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// Every field of an account over its limit, or a JSON object or array in
// its place, is refused with 422 naming it, and nothing is stored. Each
// request carries the custom user id of an existing account, into which
// it would otherwise be merged.
func TestCreateAccountRefusesBadFields(t *testing.T) {
	client := testenv.Firestore(t)
	store := gcpfirestore.New(client)
	h := createaccount.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store, "US")
	const cuid = "keep-me"
	if _, _, err := store.CreateAccount(context.Background(), crm.Account{CustomUserIDs: []string{cuid}}); err != nil {
		t.Fatal(err)
	}
	many := []string{"custom_user_id", cuid}
	for i := range crm.MaxCustomFields + 1 {
		many = append(many, fmt.Sprintf("field_%d", i), "v")
	}
	longEmail := strings.Repeat("a", crm.MaxEmail-len("@example.com")+1) + "@example.com"
	tests := []struct {
		name string
		r    *http.Request
		want string
	}{
		{"name", post(testenv.JSON("custom_user_id", cuid, "name", over(crm.MaxName))), `"name"`},
		{"name alias", post(testenv.JSON("custom_user_id", cuid, "full_name", over(crm.MaxName))), `"name"`},
		{"first name", post(testenv.JSON("custom_user_id", cuid, "first_name", over(crm.MaxName))), `"first_name"`},
		{"last name", post(testenv.JSON("custom_user_id", cuid, "last_name", over(crm.MaxName))), `"last_name"`},
		{"phone", post(testenv.JSON("custom_user_id", cuid, "phone", "+1"+strings.Repeat("2", crm.MaxPhone-1))), `"phone"`},
		{"phone of 10,000 characters", post(testenv.JSON("custom_user_id", cuid, "phone", strings.Repeat("2", 10000))), `"phone"`},
		{"phone alias", post(testenv.JSON("custom_user_id", cuid, "ani", over(crm.MaxPhone))), `"phone"`},
		{"email", post(testenv.JSON("custom_user_id", cuid, "email", longEmail)), `"email"`},
		{"custom user id", post(testenv.JSON("custom_user_id", cuid, "uid", over(crm.MaxCustomUserID))), `"custom_user_id"`},
		{"custom field value", post(testenv.JSON("custom_user_id", cuid, "lang", over(crm.MaxCustomValue))), `custom field "lang"`},
		{"custom field name", post(testenv.JSON("custom_user_id", cuid, over(crm.MaxCustomKey), "x")), "custom field name"},
		{"too many custom fields", post(testenv.JSON(many...)), "custom fields"},
		{"name not UTF-8 in the query string", httptest.NewRequest("POST", "/accounts?custom_user_id="+cuid+"&name=%FF", nil), `"name"`},
		{"phone in a form body", func() *http.Request {
			r := httptest.NewRequest("POST", "/accounts", strings.NewReader(url.Values{"custom_user_id": {cuid}, "phone": {over(crm.MaxPhone)}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(), `"phone"`},
		{"phone in a container", post(`{"account":` + testenv.JSON("custom_user_id", cuid, "phone", over(crm.MaxPhone)) + "}"), `"phone"`},
	}
	for _, field := range []string{"name", "first_name", "last_name", "phone", "email", "custom_user_id", "lang"} {
		for _, v := range []string{`{"$gt":""}`, `["+12223334444"]`, `{}`} {
			tests = append(tests, struct {
				name string
				r    *http.Request
				want string
			}{field + " as " + v, post(testenv.JSON("custom_user_id", cuid, field, v)), fmt.Sprintf("field %q", field)})
		}
		tests = append(tests, struct {
			name string
			r    *http.Request
			want string
		}{field + " as an object in a container", post(`{"account":` + testenv.JSON("custom_user_id", cuid, field, `{"$gt":""}`) + "}"), fmt.Sprintf("field %q", field)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.Refused(t, client, h, tt.r, tt.want)
		})
	}
}

// A value at its limit is stored whole.
func TestCreateAccountAtLimits(t *testing.T) {
	store := gcpfirestore.New(testenv.Firestore(t))
	h := createaccount.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store, "US")
	at := func(limit int) string { return strings.Repeat("x", limit) }
	kv := []string{
		"name", at(crm.MaxName), "first_name", at(crm.MaxName), "last_name", at(crm.MaxName),
		"phone", strings.Repeat("2", crm.MaxPhone),
		"email", strings.Repeat("a", crm.MaxEmail-len("@example.com")) + "@example.com",
		"custom_user_id", at(crm.MaxCustomUserID),
	}
	for i := range crm.MaxCustomFields {
		kv = append(kv, fmt.Sprintf("%s%03d", at(crm.MaxCustomKey-3), i), at(crm.MaxCustomValue))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, post(testenv.JSON(kv...)))
	if rec.Code != http.StatusCreated {
		t.Fatalf("got %d %.300s, want 201", rec.Code, rec.Body)
	}
	accs, err := store.FindAccounts(context.Background(), crm.AccountCondition{Field: crm.AccountByCustomUserID, Value: at(crm.MaxCustomUserID)}, 2)
	if err != nil || len(accs) != 1 {
		t.Fatalf("FindAccounts: got %d accounts, %v; want 1", len(accs), err)
	}
	a := accs[0]
	got := []int{len(a.Name), len(a.FirstName), len(a.LastName), len(a.Phones[0].Raw), len(a.Emails[0]), len(a.CustomUserIDs[0]), len(a.Custom)}
	want := []int{crm.MaxName, crm.MaxName, crm.MaxName, crm.MaxPhone, crm.MaxEmail, crm.MaxCustomUserID, crm.MaxCustomFields}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored lengths: got %v, want %v", got, want)
	}
}

// capture is a store that keeps the account it is asked to create.
type capture struct {
	crm.AccountStore
	got crm.Account
}

func (c *capture) CreateAccount(_ context.Context, a crm.Account) (crm.Account, bool, error) {
	c.got = a
	a.ID = "a1"
	return a, true, nil
}

// requestKey sends one create request and returns the request key of
// the account it decoded.
func requestKey(t *testing.T, method, target, contentType, body string) string {
	t.Helper()
	store := &capture{}
	h := createaccount.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store, "US")
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
		t.Fatalf("%s: the account has identity keys %v", body, store.got.Keys())
	}
	return store.got.RequestKey()
}

// The same create in every form the portal can send it (parameter order,
// key spelling, query string, property or container body, numbers as
// JSON, empty values sent) has one request key; a different body has
// another.
func TestRequestKeyOfEveryForm(t *testing.T) {
	const jsonType = "application/json"
	want := requestKey(t, "POST", "/accounts", jsonType, `{"name":"Guest User","lang":"en","ujet_id":"7"}`)
	same := []struct{ name, method, target, contentType, body string }{
		{"query string", "POST", "/accounts?name=Guest%20User&lang=en&ujet_id=7", "", ""},
		{"order, spelling, number", "PUT", "/accounts", jsonType, `{"UJET_ID":7,"Lang":"en","fullName":"Guest User"}`},
		{"container map", "POST", "/accounts", jsonType, `{"account":{"name":"Guest User","lang":"en","ujet_id":"7"}}`},
		{"container array", "PATCH", "/accounts", jsonType, `{"data":[{"ujet_id":"7"},{"display_name":"Guest User","lang":"en"}]}`},
		{"form", "POST", "/accounts", "application/x-www-form-urlencoded", "ujet_id=7&name=Guest+User&lang=en"},
		{"empty values and --", "POST", "/accounts", jsonType, `{"name":"Guest User --","last_name":"--","first_name":"","email":"","phone":" ","lang":"en","ujet_id":"7"}`},
	}
	for _, tt := range same {
		if got := requestKey(t, tt.method, tt.target, tt.contentType, tt.body); got != want {
			t.Errorf("%s: got %s, want %s", tt.name, got, want)
		}
	}
	for name, body := range map[string]string{
		"another name":   `{"name":"Guest Users","lang":"en","ujet_id":"7"}`,
		"another value":  `{"name":"Guest User","lang":"fr","ujet_id":"7"}`,
		"one more field": `{"name":"Guest User","lang":"en","ujet_id":"7","queue":"sales"}`,
		"one field less": `{"name":"Guest User","lang":"en"}`,
		"first name":     `{"first_name":"Guest User","lang":"en","ujet_id":"7"}`,
	} {
		if got := requestKey(t, "POST", "/accounts", jsonType, body); got == want {
			t.Errorf("%s: got the same key %s", name, got)
		}
	}
}

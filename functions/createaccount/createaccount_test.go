package createaccount_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/functions/createaccount"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

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

package ccaiplayer_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/portal"
)

func TestEvaluate(t *testing.T) {
	full := ccaiplayer.Vars{"PHONE_NUMBER": "+1 222 333 4444", "EMAIL": "a@b.co", "AGENT_EMAIL": "agent@x.io", "CUSTOM_USER_ID": "c1"}
	tests := []struct {
		name       string
		value      string
		vars       ccaiplayer.Vars
		want       string
		isFunction bool
		ok         bool
	}{
		{"plain text", "ccaip", nil, "ccaip", false, true},
		{"number", "42", nil, "42", false, true},
		{"variable", "{EMAIL}", full, "a@b.co", false, true},
		{"variables in text", "{EMAIL} / {PHONE_NUMBER}", full, "a@b.co / +1 222 333 4444", false, true},
		{"empty variable is empty, still sent", "{EMAIL}", nil, "", false, true},
		{"unknown variable is empty", "{NOPE}", full, "", false, true},
		{"variable case matters", "{call_id}", ccaiplayer.Vars{"Call_ID": "1"}, "", false, true},
		{"Call_ID spelling", "{Call_ID}", ccaiplayer.Vars{"Call_ID": "1418"}, "1418", false, true},
		{"braces that are no variable", "{ not a var }", full, "{ not a var }", false, true},

		{"DEFAULT_VALUE first", "=DEFAULT_VALUE({AGENT_EMAIL}, unassigned)", full, "agent@x.io", true, true},
		{"DEFAULT_VALUE fallback", "=DEFAULT_VALUE({AGENT_EMAIL}, unassigned)", nil, "unassigned", true, true},
		{"DEFAULT_VALUE all empty dropped", "=DEFAULT_VALUE({AGENT_EMAIL}, {AGENT_ID})", nil, "", true, false},
		{"DEFAULT_VALUE lower case", "=default_value({AGENT_EMAIL}, x)", nil, "x", true, true},
		{"DEFAULT_VALUE surrounding space", "  =DEFAULT_VALUE({AGENT_EMAIL}, x)  ", nil, "x", true, true},

		{"CONCAT_OR all", "=CONCAT_OR((phone:equals:{PHONE_NUMBER}), (email:equals:{EMAIL}))", full,
			"(phone:equals:+1 222 333 4444) or (email:equals:a@b.co)", true, true},
		{"CONCAT_OR empty args dropped", "=CONCAT_OR((phone:equals:{PHONE_NUMBER}), (email:equals:{EMAIL}), (custom_user_id:equals:{CUSTOM_USER_ID}))",
			ccaiplayer.Vars{"EMAIL": "a@b.co"}, "(email:equals:a@b.co)", true, true},
		{"CONCAT_OR all empty dropped", "=CONCAT_OR((phone:equals:{PHONE_NUMBER}), (email:equals:{EMAIL}))", nil, "", true, false},
		{"CONCAT_AND", "=CONCAT_AND((account_id:equals:{ACCOUNT_ID}), (status:equals:open))",
			ccaiplayer.Vars{"ACCOUNT_ID": "a1"}, "(account_id:equals:a1) and (status:equals:open)", true, true},
		{"CONCAT_AND empty variable arg dropped, constant kept", "=CONCAT_AND((account_id:equals:{ACCOUNT_ID}), (status:equals:open))",
			nil, "(status:equals:open)", true, true},
		{"argument with nested parentheses and commas inside", "=CONCAT_OR((phone:equals:(222) 333-4444), (note:equals:a, b))", nil,
			"(phone:equals:(222) 333-4444) or (note:equals:a, b)", true, true},
		{"argument with colons in the value", "=CONCAT_OR((url:equals:http://x.io:8080/{EMAIL}))", full,
			"(url:equals:http://x.io:8080/a@b.co)", true, true},
		{"value with a comma not split", "=CONCAT_OR((name:equals:{NAME}))", ccaiplayer.Vars{"NAME": "Bond, James"},
			"(name:equals:Bond, James)", true, true},
		{"one argument with two variables, one empty, kept", "=CONCAT_OR({FIRST_NAME} {LAST_NAME})", ccaiplayer.Vars{"FIRST_NAME": "James"},
			"James ", true, true},
		{"not a function without closing parenthesis", "=CONCAT_OR(a, b", nil, "=CONCAT_OR(a, b", false, true},
		{"unknown function is text", "=UPPER({EMAIL})", full, "=UPPER(a@b.co)", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, isFn, ok := ccaiplayer.Evaluate(tt.value, tt.vars)
			if got != tt.want || isFn != tt.isFunction || ok != tt.ok {
				t.Errorf("Evaluate(%q): got (%q, %v, %v), want (%q, %v, %v)", tt.value, got, isFn, ok, tt.want, tt.isFunction, tt.ok)
			}
		})
	}
}

func TestFormatPhone(t *testing.T) {
	tests := []struct {
		e164, format string
		search       bool
		want         string
	}{
		{"+12223334444", "automatic", false, "+1 222 333 4444"},
		{"+12223334444", "automatic", true, "*222*333*4444"},
		{"+12223334444", "", false, "+1 222 333 4444"},
		{"+12223334444", "e164", false, "+12223334444"},
		{"+12223334444", "e164", true, "+12223334444"},
		{"+12223334444", "us_local", false, "2223334444"},
		{"+12223334444", "us_local", true, "2223334444"},
		{"+12223334444", "us_local_standard", false, "(222) 333-4444"},
		{"+12223334444", "international", false, "+1 222 333 4444"},
		{"+12223334444", "international", true, "+1 222 333 4444"},

		{"+442079460958", "automatic", false, "+44 20 7946 0958"},
		{"+442079460958", "automatic", true, "*20*7946*0958"},
		{"+442079460958", "e164", false, "+442079460958"},
		{"+442079460958", "us_local", false, "02079460958"},
		{"+442079460958", "us_local_standard", false, "020 7946 0958"},
		{"+442079460958", "international", false, "+44 20 7946 0958"},

		{"not a number", "e164", false, "not a number"},
	}
	for _, tt := range tests {
		name := tt.e164 + "/" + tt.format
		if tt.search {
			name += "/search"
		}
		t.Run(name, func(t *testing.T) {
			if got := ccaiplayer.FormatPhone(tt.e164, tt.format, tt.search); got != tt.want {
				t.Errorf("FormatPhone(%q, %q, %v): got %q, want %q", tt.e164, tt.format, tt.search, got, tt.want)
			}
		})
	}
}

func TestLocate(t *testing.T) {
	doc := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, body, location string
		wantID               string
		wantNil              bool
	}{
		{"root object", `{"id":"a1","name":"x"}`, "", "a1", false},
		{"root array first", `[{"id":"a1"},{"id":"a2"}]`, "", "a1", false},
		{"root empty array", `[]`, "", "", true},
		{"root null", `null`, "", "", true},
		{"root empty object", `{}`, "", "", false},
		{"data", `{"data":{"id":"a1"}}`, "data", "a1", false},
		{"data array", `{"data":[{"id":"a1"}]}`, "data", "a1", false},
		{"data.0", `{"data":[{"id":"a1"},{"id":"a2"}]}`, "data.0", "a1", false},
		{"data.1", `{"data":[{"id":"a1"},{"id":"a2"}]}`, "data.1", "a2", false},
		{"data.2 out of range", `{"data":[{"id":"a1"}]}`, "data.2", "", true},
		{"data.x not an index", `{"data":[{"id":"a1"}]}`, "data.x", "", true},
		{"data.-1", `{"data":[{"id":"a1"}]}`, "data.-1", "", true},
		{"result.items", `{"result":{"items":[{"id":"r9"}]}}`, "result.items", "r9", false},
		{"result.items empty", `{"result":{"items":[]}}`, "result.items", "", true},
		{"missing path", `{"data":{"id":"a1"}}`, "result", "", true},
		{"missing deep path", `{"data":{"id":"a1"}}`, "data.x.y", "", true},
		{"through a string", `{"data":"a1"}`, "data.id", "", true},
		{"numeric id", `{"id":1418}`, "", "1418", false},
		{"big numeric id", `{"id":9007199254740991}`, "", "9007199254740991", false},
		{"decimal id", `{"id":12.5}`, "", "12.5", false},
		{"boolean id", `{"id":true}`, "", "", false},
		{"array of strings", `{"data":["a1"]}`, "data", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, id := ccaiplayer.Locate(doc(tt.body), tt.location)
			if id != tt.wantID {
				t.Errorf("Locate(%s, %q) id: got %q, want %q", tt.body, tt.location, id, tt.wantID)
			}
			if (obj == nil) != tt.wantNil {
				t.Errorf("Locate(%s, %q) object: got %v, want nil=%v", tt.body, tt.location, obj, tt.wantNil)
			}
		})
	}
}

// settings is a small portal settings file with one endpoint of each form.
func settings(format string) portal.Settings {
	return portal.Settings{
		Version: 1, CRM: "custom", PhoneNumberFormat: format, APIRequestTimeoutSeconds: 5,
		Auth: portal.Auth{Method: "custom_header", CustomHeader: []portal.HeaderField{{Key: "X-Api-Key", Value: "k-0123456789abcdef"}, {Key: "X-Tenant", Value: "t1"}}},
		Endpoints: portal.Endpoints{
			FindAccountByQuery: &portal.Endpoint{URL: "https://crm.example/accounts/search?source=ccaip", Method: "GET", Parameters: []portal.Parameter{
				{Key: "phone", Value: "{PHONE_NUMBER}"},
				{Key: "q", Value: "=CONCAT_OR((phone:equals:{PHONE_NUMBER}), (email:equals:{EMAIL}))"},
				{Key: "name", Value: "{NAME}"},
			}},
			FindAccountByID: &portal.Endpoint{URL: "https://crm.example/accounts/{ACCOUNT_ID}", Method: "GET", Parameters: []portal.Parameter{}},
			CreateAccount: &portal.Endpoint{URL: "https://crm.example/accounts", Method: "POST", RequestDataFormat: "property", Parameters: []portal.Parameter{
				{Key: "phone", Value: "{PHONE_NUMBER}"},
				{Key: "name", Value: "{NAME}"},
				{Key: "rating", Value: "{RATING}"},
				{Key: "agent", Value: "=DEFAULT_VALUE({AGENT_EMAIL}, {AGENT_ID})"},
			}},
			CreateRecord: &portal.Endpoint{URL: "https://crm.example/records", Method: "POST", RequestDataFormat: "container", ContainerType: "map", ContainerName: "record",
				Parameters: []portal.Parameter{{Key: "account_id", Value: "{ACCOUNT_ID}"}, {Key: "subject", Value: "{TICKET_SUBJECT}"}}},
			UpdateRecord: &portal.Endpoint{URL: "https://crm.example/records/{RECORD_ID}", Method: "PATCH", RequestDataFormat: "container", ContainerType: "array", ContainerName: "data",
				Parameters: []portal.Parameter{{Key: "rating", Value: "{RATING}"}, {Key: "amount", Value: "{FEEDBACK}"}, {Key: "call_id", Value: "{Call_ID}"}}},
		},
	}
}

func readBody(t *testing.T, r *http.Request) string {
	t.Helper()
	if r.Body == nil {
		return ""
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewRequest(t *testing.T) {
	vars := ccaiplayer.Vars{"PHONE_NUMBER": "+12223334444", "EMAIL": "a+b@c.co", "NAME": "James & Bond", "ACCOUNT_ID": "a/1 x",
		"RECORD_ID": "r?1", "RATING": "5", "FEEDBACK": "12.50", "Call_ID": "12345678901234567890", "TICKET_SUBJECT": "Order 7"}
	tests := []struct {
		name          string
		endpoint      string
		format        string
		vars          ccaiplayer.Vars
		numbersAsJSON bool
		sendEmpty     bool
		wantMethod    string
		wantURL       string
		wantBody      string // compact JSON; "" for none
	}{
		{
			name: "GET query escaping, automatic search form", endpoint: "find_account_by_query", format: "automatic", vars: vars,
			wantMethod: "GET",
			wantURL:    "https://crm.example/accounts/search?name=James+%26+Bond&phone=%2A222%2A333%2A4444&q=%28phone%3Aequals%3A%2A222%2A333%2A4444%29+or+%28email%3Aequals%3Aa%2Bb%40c.co%29&source=ccaip",
		},
		{
			name: "GET empty plain parameter left out, empty function dropped", endpoint: "find_account_by_query", format: "e164",
			vars:       ccaiplayer.Vars{"PHONE_NUMBER": "+12223334444"},
			wantMethod: "GET",
			wantURL:    "https://crm.example/accounts/search?phone=%2B12223334444&q=%28phone%3Aequals%3A%2B12223334444%29&source=ccaip",
		},
		{
			name: "GET SendEmpty sends empty plain parameters, never empty functions", endpoint: "find_account_by_query", format: "e164",
			vars: ccaiplayer.Vars{}, sendEmpty: true,
			wantMethod: "GET",
			wantURL:    "https://crm.example/accounts/search?name=&phone=&source=ccaip",
		},
		{
			name: "GET URL variable path-escaped", endpoint: "find_account_by_id", format: "automatic", vars: vars,
			wantMethod: "GET", wantURL: "https://crm.example/accounts/a%2F1%20x",
		},
		{
			name: "POST property, create form of automatic", endpoint: "create_account", format: "automatic", vars: vars,
			wantMethod: "POST", wantURL: "https://crm.example/accounts",
			wantBody: `{"name":"James & Bond","phone":"+1 222 333 4444","rating":"5"}`,
		},
		{
			name: "POST property, numbers as JSON", endpoint: "create_account", format: "us_local", vars: vars, numbersAsJSON: true,
			wantMethod: "POST", wantURL: "https://crm.example/accounts",
			wantBody: `{"name":"James & Bond","phone":2223334444,"rating":5}`,
		},
		{
			name: "POST property, function default", endpoint: "create_account", format: "e164", vars: ccaiplayer.Vars{"AGENT_ID": "7"},
			wantMethod: "POST", wantURL: "https://crm.example/accounts",
			wantBody: `{"agent":"7"}`,
		},
		{
			name: "POST property, SendEmpty", endpoint: "create_account", format: "e164", vars: ccaiplayer.Vars{"NAME": "J"}, sendEmpty: true,
			wantMethod: "POST", wantURL: "https://crm.example/accounts",
			wantBody: `{"name":"J","phone":"","rating":""}`,
		},
		{
			name: "POST container map", endpoint: "create_record", format: "e164", vars: vars,
			wantMethod: "POST", wantURL: "https://crm.example/records",
			wantBody: `{"record":{"account_id":"a/1 x","subject":"Order 7"}}`,
		},
		{
			name: "PATCH container array, numbers as JSON but big id and decimals", endpoint: "update_record", format: "e164", vars: vars, numbersAsJSON: true,
			wantMethod: "PATCH", wantURL: "https://crm.example/records/r%3F1",
			wantBody: `{"data":[{"amount":12.50,"call_id":"12345678901234567890","rating":5}]}`,
		},
		{
			name: "PATCH container array, strings", endpoint: "update_record", format: "e164", vars: vars,
			wantMethod: "PATCH", wantURL: "https://crm.example/records/r%3F1",
			wantBody: `{"data":[{"amount":"12.50","call_id":"12345678901234567890","rating":"5"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ccaiplayer.New(settings(tt.format))
			p.NumbersAsJSON, p.SendEmpty = tt.numbersAsJSON, tt.sendEmpty
			req, err := p.NewRequest(context.Background(), tt.endpoint, tt.vars)
			if err != nil {
				t.Fatalf("NewRequest: %v", err)
			}
			if req.Method != tt.wantMethod {
				t.Errorf("method: got %s, want %s", req.Method, tt.wantMethod)
			}
			if got := req.URL.String(); got != tt.wantURL {
				t.Errorf("URL:\ngot  %s\nwant %s", got, tt.wantURL)
			}
			if got, want := req.Header.Get("X-Api-Key"), "k-0123456789abcdef"; got != want {
				t.Errorf("X-Api-Key: got %q, want %q", got, want)
			}
			if got, want := req.Header.Get("X-Tenant"), "t1"; got != want {
				t.Errorf("X-Tenant: got %q, want %q", got, want)
			}
			body := readBody(t, req)
			if !sameJSON(t, body, tt.wantBody) {
				t.Errorf("body:\ngot  %s\nwant %s", body, tt.wantBody)
			}
			wantType := ""
			if tt.wantBody != "" {
				wantType = "application/json"
			}
			if got := req.Header.Get("Content-Type"); got != wantType {
				t.Errorf("Content-Type: got %q, want %q", got, wantType)
			}
		})
	}
}

// sameJSON compares two JSON texts as values, keeping numbers as written
// (so 5 and "5", 12.50 and 12.5 differ).
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	if a == "" || b == "" {
		return a == b
	}
	decode := func(s string) any {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("JSON %s: %v", s, err)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}

func TestNewRequestBasicAuth(t *testing.T) {
	s := settings("e164")
	s.Auth = portal.Auth{Method: "basic", Basic: &portal.Basic{Username: "ccaip", Password: "p:w"}}
	req, err := ccaiplayer.New(s).NewRequest(context.Background(), "find_account_by_id", ccaiplayer.Vars{"ACCOUNT_ID": "a1"})
	if err != nil {
		t.Fatal(err)
	}
	u, pw, ok := req.BasicAuth()
	if !ok || u != "ccaip" || pw != "p:w" {
		t.Errorf("BasicAuth: got (%q, %q, %v), want (ccaip, p:w, true)", u, pw, ok)
	}
	if got := req.Header.Get("X-Api-Key"); got != "" {
		t.Errorf("X-Api-Key with basic auth: got %q, want none", got)
	}
}

func TestNewRequestNotConfigured(t *testing.T) {
	_, err := ccaiplayer.New(settings("e164")).NewRequest(context.Background(), "upload_file", nil)
	if err == nil || !strings.Contains(err.Error(), "upload_file") {
		t.Errorf("NewRequest(upload_file): got %v, want an error naming the endpoint", err)
	}
}

// A variable in the query part of an endpoint URL must arrive as its
// value: "+1 222 333 4444", not " 1 222 333 4444".
func TestNewRequestVariableInURLQuery(t *testing.T) {
	s := settings("international")
	s.Endpoints.FindAccountByQuery = &portal.Endpoint{URL: "https://crm.example/accounts/search?phone={PHONE_NUMBER}", Method: "GET", Parameters: []portal.Parameter{}}
	req, err := ccaiplayer.New(s).NewRequest(context.Background(), "find_account_by_query", ccaiplayer.Vars{"PHONE_NUMBER": "+12223334444"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := req.URL.Query().Get("phone"), "+1 222 333 4444"; got != want {
		t.Errorf("phone in the query: got %q, want %q (URL %s)", got, want, req.URL)
	}
}

func TestCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "k-0123456789abcdef" {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/accounts/a1":
			w.Write([]byte(`{"id":"a1","name":"x"}`))
		case "/accounts/num":
			w.Write([]byte(`{"id":42}`))
		case "/accounts/empty":
			w.Write([]byte(`[]`))
		case "/accounts/bad":
			w.Write([]byte(`<html>`))
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"error":{"code":"not_found","message":"x"}}`))
		}
	}))
	defer srv.Close()
	s := settings("e164")
	s.Endpoints.FindAccountByID.URL = srv.URL + "/accounts/{ACCOUNT_ID}"
	p := ccaiplayer.New(s)
	tests := []struct {
		id         string
		wantStatus int
		wantID     string
		wantFound  bool
		wantErr    bool
	}{
		{"a1", 200, "a1", true, false},
		{"num", 200, "42", true, false},
		{"empty", 200, "", false, false},
		{"missing", 404, "", false, false},
		{"bad", 200, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			res, err := p.Call(context.Background(), "find_account_by_id", ccaiplayer.Vars{"ACCOUNT_ID": tt.id})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Call: got error %v, want error=%v", err, tt.wantErr)
			}
			if res.Status != tt.wantStatus || res.ID != tt.wantID || res.Found() != tt.wantFound {
				t.Errorf("Call: got status %d id %q found %v, want %d %q %v", res.Status, res.ID, res.Found(), tt.wantStatus, tt.wantID, tt.wantFound)
			}
		})
	}
}

func TestURLs(t *testing.T) {
	p := ccaiplayer.New(portal.Settings{CRMAPI: portal.CRMAPI{AccountURL: "https://r.example/accounts/{ACCOUNT_ID}", RecordURL: "https://r.example/records/{RECORD_ID}"}})
	if got, want := p.AccountURL("a/1"), "https://r.example/accounts/a%2F1"; got != want {
		t.Errorf("AccountURL: got %q, want %q", got, want)
	}
	if got, want := p.RecordURL("r 1"), "https://r.example/records/r%201"; got != want {
		t.Errorf("RecordURL: got %q, want %q", got, want)
	}
}

func TestEndpointNames(t *testing.T) {
	s := settings("e164")
	p := ccaiplayer.New(s)
	want := map[string]*portal.Endpoint{
		"find_account_by_query": s.Endpoints.FindAccountByQuery, "find_account_by_id": s.Endpoints.FindAccountByID,
		"create_account": s.Endpoints.CreateAccount, "create_record": s.Endpoints.CreateRecord,
		"update_record": s.Endpoints.UpdateRecord,
	}
	for name, ep := range want {
		if got := p.Endpoint(name); !reflect.DeepEqual(got, ep) || got == nil {
			t.Errorf("Endpoint(%q): got %+v, want %+v", name, got, ep)
		}
	}
	for _, name := range []string{"comment", "upload_file", "nope"} {
		if got := p.Endpoint(name); got != nil {
			t.Errorf("Endpoint(%q): got %+v, want nil", name, got)
		}
	}
}

// A CRM may answer numeric ids above 2^53 (64-bit database ids); the id
// the platform keeps must be the one sent.
func TestCallBigNumericID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id":12345678901234567890}`))
	}))
	defer srv.Close()
	s := settings("e164")
	s.Endpoints.FindAccountByID.URL = srv.URL + "/accounts/{ACCOUNT_ID}"
	res, err := ccaiplayer.New(s).Call(context.Background(), "find_account_by_id", ccaiplayer.Vars{"ACCOUNT_ID": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.ID, "12345678901234567890"; got != want {
		t.Errorf("ID: got %q, want %q", got, want)
	}
}

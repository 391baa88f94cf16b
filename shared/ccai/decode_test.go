package ccai_test

import (
	"bytes"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// paramsOf returns p as a map of received key to value.
func paramsOf(p *ccai.Params) map[string]string {
	out := map[string]string{}
	p.Each(func(k, v string) { out[k] = v })
	return out
}

func newRequest(method, target, contentType, body string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func multipartBody(t *testing.T, fields map[string]string, file string) (contentType, body string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range []string{"subject", "call_id", "comment"} {
		if v, ok := fields[k]; ok {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if file != "" {
		fw, err := w.CreateFormFile("file", "call-1.mp3")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(file))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.String()
}

func TestDecodeParams(t *testing.T) {
	mpType, mpBody := multipartBody(t, map[string]string{"subject": "Order 7", "call_id": "1418"}, "ID3 not a field")
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		want        map[string]string // by received key
	}{
		{"GET query", "GET", "/accounts/search?phone=%2B12223334444&email=a%40b.c", "", "",
			map[string]string{"phone": "+12223334444", "email": "a@b.c"}},
		{"GET query plus sign is a space", "GET", "/accounts/search?phone=+1+222+333+4444", "", "",
			map[string]string{"phone": "1 222 333 4444"}},
		{"GET empty value is missing", "GET", "/accounts/search?phone=&email=a%40b.c", "", "",
			map[string]string{"email": "a@b.c"}},
		{"GET value trimmed", "GET", "/accounts/search?email=%20a%40b.c%20", "", "",
			map[string]string{"email": "a@b.c"}},
		{"POST property", "POST", "/accounts", "application/json",
			`{"name":"James Bond","phone":"+12223334444"}`,
			map[string]string{"name": "James Bond", "phone": "+12223334444"}},
		{"POST container map", "POST", "/records", "application/json",
			`{"record":{"subject":"Order 7","account_id":"acc1"}}`,
			map[string]string{"subject": "Order 7", "account_id": "acc1"}},
		{"POST container array", "POST", "/records", "application/json",
			`{"record":[{"subject":"Order 7","account_id":"acc1"}]}`,
			map[string]string{"subject": "Order 7", "account_id": "acc1"}},
		{"POST container any name", "POST", "/records", "application/json",
			`{"ticket_fields_v2":{"subject":"Order 7"}}`,
			map[string]string{"subject": "Order 7"}},
		{"POST container array any name", "POST", "/records", "application/json",
			`{"Data":[{"subject":"Order 7"}]}`,
			map[string]string{"subject": "Order 7"}},
		{"POST top-level array of objects", "POST", "/records", "application/json",
			`[{"subject":"Order 7"},{"call_id":"1418"}]`,
			map[string]string{"subject": "Order 7", "call_id": "1418"}},
		{"JSON integer", "POST", "/records", "application/json",
			`{"rating":5}`, map[string]string{"rating": "5"}},
		{"JSON decimal as written", "POST", "/records", "application/json",
			`{"amount":12.50}`, map[string]string{"amount": "12.50"}},
		{"JSON big id exact", "POST", "/records", "application/json",
			`{"account_id":12345678901234567890}`, map[string]string{"account_id": "12345678901234567890"}},
		{"JSON big id in container exact", "POST", "/records", "application/json",
			`{"record":[{"account_id":12345678901234567890}]}`, map[string]string{"account_id": "12345678901234567890"}},
		{"JSON negative exponent as written", "POST", "/records", "application/json",
			`{"x":1e-3}`, map[string]string{"x": "1e-3"}},
		{"JSON booleans", "POST", "/comments", "application/json",
			`{"html":true,"urgent":false}`, map[string]string{"html": "true", "urgent": "false"}},
		{"JSON null is missing", "POST", "/accounts", "application/json",
			`{"email":null,"name":"x"}`, map[string]string{"name": "x"}},
		{"JSON empty string is missing", "POST", "/accounts", "application/json",
			`{"email":"","name":"x"}`, map[string]string{"name": "x"}},
		{"JSON whitespace-only is missing", "POST", "/accounts", "application/json",
			`{"email":"   ","name":"x"}`, map[string]string{"name": "x"}},
		{"body wins over query", "POST", "/records?subject=from-query&source=ccaip", "application/json",
			`{"subject":"from-body"}`,
			map[string]string{"subject": "from-body", "source": "ccaip"}},
		{"body wins over query through an alias spelling", "POST", "/records?callId=1", "application/json",
			`{"call_id":"2"}`,
			map[string]string{"call_id": "2"}},
		{"form-urlencoded", "POST", "/accounts", "application/x-www-form-urlencoded",
			"name=James+Bond&phone=%2B12223334444&email=", map[string]string{"name": "James Bond", "phone": "+12223334444"}},
		{"form-urlencoded first of repeated", "POST", "/accounts", "application/x-www-form-urlencoded",
			"phone=1&phone=2", map[string]string{"phone": "1"}},
		{"JSON sent as form content type", "POST", "/accounts", "application/x-www-form-urlencoded",
			`{"name":"James Bond"}`, map[string]string{"name": "James Bond"}},
		{"JSON sent as form content type with leading space", "POST", "/accounts", "application/x-www-form-urlencoded",
			"\n  {\"name\":\"James Bond\"}", map[string]string{"name": "James Bond"}},
		{"text/plain JSON", "POST", "/accounts", "text/plain; charset=utf-8",
			`{"name":"James Bond"}`, map[string]string{"name": "James Bond"}},
		{"no content type JSON", "POST", "/accounts", "",
			`{"name":"James Bond"}`, map[string]string{"name": "James Bond"}},
		{"vendor +json", "POST", "/accounts", "application/vnd.api+json",
			`{"name":"James Bond"}`, map[string]string{"name": "James Bond"}},
		{"json with charset", "POST", "/accounts", "application/json; charset=UTF-8",
			`{"name":"Zoë"}`, map[string]string{"name": "Zoë"}},
		{"empty body with any type", "POST", "/accounts?name=q", "application/xml", "   ",
			map[string]string{"name": "q"}},
		{"multipart fields, file part skipped", "POST", "/upload", mpType, mpBody,
			map[string]string{"subject": "Order 7", "call_id": "1418"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ccai.DecodeParams(newRequest(tt.method, tt.target, tt.contentType, tt.body), ccai.DefaultMaxBody)
			if err != nil {
				t.Fatalf("DecodeParams: got error %v, want none", err)
			}
			if got := paramsOf(&p); !maps.Equal(got, tt.want) {
				t.Errorf("params: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecodeParamsAliases(t *testing.T) {
	// "contactId", "contact_id" and "Contact-ID" are one key.
	for _, key := range []string{"contactId", "contact_id", "Contact-ID", "CONTACT.ID", "contact id"} {
		t.Run(key, func(t *testing.T) {
			r := newRequest("POST", "/records", "application/json", `{"`+key+`":"c1"}`)
			p, err := ccai.DecodeParams(r, ccai.DefaultMaxBody)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Get(ccai.AccountIDFields...); got != "c1" {
				t.Errorf("Get(AccountIDFields): got %q, want %q", got, "c1")
			}
			if got := p.Get("contact_id"); got != "c1" {
				t.Errorf("Get(contact_id): got %q, want %q", got, "c1")
			}
		})
	}
}

func TestDecodeParamsErrors(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		maxBody     int64
		wantCode    crm.Code
		wantStatus  int
	}{
		{"malformed JSON", "application/json", `{"name":`, 0, crm.Invalid, 422},
		{"malformed JSON without content type", "", `{name: "x"}`, 0, crm.Invalid, 422},
		{"two JSON values", "application/json", `{"a":"1"} {"b":"2"}`, 0, crm.Invalid, 422},
		{"array of non-objects", "application/json", `[1,2,3]`, 0, crm.Invalid, 422},
		{"array mixing objects and strings", "application/json", `[{"a":"1"},"b"]`, 0, crm.Invalid, 422},
		{"top-level string", "application/json", `"james"`, 0, crm.Invalid, 422},
		{"top-level number", "application/json", `42`, 0, crm.Invalid, 422},
		{"top-level null", "application/json", `null`, 0, crm.Invalid, 422},
		{"text/plain that is no JSON", "text/plain", `hello`, 0, crm.Invalid, 422},
		{"form type with malformed JSON", "application/x-www-form-urlencoded", `{"a":`, 0, crm.Invalid, 422},
		{"malformed form", "application/x-www-form-urlencoded", `a=%zz`, 0, crm.Invalid, 422},
		{"multipart without boundary", "multipart/form-data", "--x\r\n", 0, crm.Invalid, 422},
		{"application/xml", "application/xml", `<account><name>x</name></account>`, 0, crm.UnsupportedMediaType, 415},
		{"text/html", "text/html", `<p>x</p>`, 0, crm.UnsupportedMediaType, 415},
		{"body over maxBody", "application/json", `{"name":"` + strings.Repeat("x", 100) + `"}`, 64, crm.TooLarge, 413},
		{"body over DefaultMaxBody", "application/json", `{"name":"` + strings.Repeat("x", ccai.DefaultMaxBody) + `"}`, 0, crm.TooLarge, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.maxBody
			if max == 0 {
				max = ccai.DefaultMaxBody
			}
			_, err := ccai.DecodeParams(newRequest("POST", "/x", tt.contentType, tt.body), max)
			if got := crm.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("error code: got %q (%v), want %q", got, err, tt.wantCode)
			}
			if got := ccai.StatusOf(err); got != tt.wantStatus {
				t.Errorf("StatusOf: got %d, want %d", got, tt.wantStatus)
			}
		})
	}
}

func TestDecodeParamsBodyAtLimit(t *testing.T) {
	body := `{"name":"` + strings.Repeat("x", 50) + `"}`
	p, err := ccai.DecodeParams(newRequest("POST", "/x", "application/json", body), int64(len(body)))
	if err != nil {
		t.Fatalf("body of exactly maxBody bytes: got error %v, want none", err)
	}
	if got, want := len(p.Get("name")), 50; got != want {
		t.Errorf("len(name): got %d, want %d", got, want)
	}
}

func TestParams(t *testing.T) {
	var p ccai.Params
	p.Set("Phone", "+1")
	p.Set("mobile", "+2")
	p.Set("lang", "en")
	p.Set("UJET_ID", "u1")
	p.Set("", "ignored")
	p.Set("---", "ignored")

	if got, want := p.Len(), 4; got != want {
		t.Fatalf("Len: got %d, want %d", got, want)
	}
	if !p.Has("phone_number", "phone") {
		t.Errorf("Has(phone): got false, want true")
	}
	if got, want := p.All(ccai.PhoneFields...), []string{"+1", "+2"}; !slices.Equal(got, want) {
		t.Errorf("All(PhoneFields): got %q, want %q", got, want)
	}
	if got, want := p.Get("lang"), "en"; got != want {
		t.Errorf("Get(lang): got %q, want %q", got, want)
	}
	if got, want := p.Unused(), map[string]string{"ujet_id": "u1"}; !maps.Equal(got, want) {
		t.Errorf("Unused: got %v, want %v", got, want)
	}
	p.Set("PHONE", "+3")
	if got, want := p.Get("phone"), "+3"; got != want {
		t.Errorf("Get(phone) after Set(PHONE): got %q, want %q", got, want)
	}
	p.Set("phone", "") // empty is the same as missing: it changes nothing
	if got, want := p.Get("phone"), "+3"; got != want {
		t.Errorf("Get(phone) after Set(phone, \"\"): got %q, want %q", got, want)
	}
}

func TestCanon(t *testing.T) {
	tests := []struct{ in, want string }{
		{"contactId", "contactid"},
		{"contact_id", "contactid"},
		{"Contact-ID", "contactid"},
		{"contact.id", "contactid"},
		{" contact id ", "contactid"},
		{"Call_ID", "callid"},
		{"Straße", "straße"},
		{"___", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ccai.Canon(tt.in); got != tt.want {
				t.Errorf("Canon(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// An empty or null body value is a missing one (Params: "An empty value is
// the same as a missing one"), so it must not erase the query's value.
func TestDecodeParamsEmptyBodyValueKeepsQuery(t *testing.T) {
	for _, body := range []string{`{"source":""}`, `{"source":null}`, `{}`} {
		t.Run(body, func(t *testing.T) {
			p, err := ccai.DecodeParams(newRequest("POST", "/records?source=ccaip", "application/json", body), ccai.DefaultMaxBody)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := p.Get("source"), "ccaip"; got != want {
				t.Errorf("source: got %q, want %q", got, want)
			}
		})
	}
}

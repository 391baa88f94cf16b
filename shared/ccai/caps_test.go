package ccai_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

var tooManyParams = fmt.Sprintf("more than %d parameters", ccai.MaxParams)

// capRequest returns a request carrying n distinct parameters in form.
func capRequest(t *testing.T, form string, n int) *http.Request {
	t.Helper()
	pairs := make([]string, n)
	for i := range pairs {
		pairs[i] = fmt.Sprintf("k%d", i)
	}
	jsonPairs := func(sep string) string {
		var b strings.Builder
		for i, k := range pairs {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, sep, k)
		}
		return b.String()
	}
	urlPairs := func() string {
		var b strings.Builder
		for i, k := range pairs {
			if i > 0 {
				b.WriteString("&")
			}
			b.WriteString(k + "=v")
		}
		return b.String()
	}
	switch form {
	case "query":
		return newRequest("GET", "/accounts/search?"+urlPairs(), "", "")
	case "query and body":
		half := n / 2
		var b strings.Builder
		for i := half; i < n; i++ {
			if i > half {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":"v"`, i)
		}
		q := strings.Join(strings.Split(urlPairs(), "&")[:half], "&")
		return newRequest("POST", "/records?"+q, "application/json", "{"+b.String()+"}")
	case "json":
		return newRequest("POST", "/records", "application/json", "{"+jsonPairs(`"%s":"v"`)+"}")
	case "json numbers":
		return newRequest("POST", "/records", "application/json", "{"+jsonPairs(`"%s":1`)+"}")
	case "json container map":
		return newRequest("POST", "/records", "application/json", `{"record":{`+jsonPairs(`"%s":"v"`)+"}}")
	case "json container array":
		return newRequest("POST", "/records", "application/json", `{"record":[`+jsonPairs(`{"%s":"v"}`)+"]}")
	case "json top-level array":
		return newRequest("POST", "/records", "application/json", "["+jsonPairs(`{"%s":"v"}`)+"]")
	case "form":
		return newRequest("POST", "/records", "application/x-www-form-urlencoded", urlPairs())
	case "multipart":
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for _, k := range pairs {
			if err := w.WriteField(k, "v"); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return newRequest("POST", "/records", w.FormDataContentType(), b.String())
	}
	t.Fatalf("unknown form %q", form)
	return nil
}

var capForms = []string{"query", "query and body", "json", "json numbers", "json container map",
	"json container array", "json top-level array", "form", "multipart"}

func TestDecodeParamsAtCap(t *testing.T) {
	for _, form := range capForms {
		t.Run(form, func(t *testing.T) {
			p, err := ccai.DecodeParams(capRequest(t, form, ccai.MaxParams), ccai.DefaultMaxBody)
			if err != nil {
				t.Fatalf("DecodeParams of %d parameters: got error %v, want none", ccai.MaxParams, err)
			}
			if got := p.Len(); got != ccai.MaxParams {
				t.Errorf("Len: got %d, want %d", got, ccai.MaxParams)
			}
		})
	}
}

func TestDecodeParamsOverCap(t *testing.T) {
	for _, form := range capForms {
		sizes := []int{ccai.MaxParams + 1}
		if form == "query" || form == "form" {
			// Go's parser of query strings and forms gives up past
			// 10000 pairs; that must be named as our limit too.
			sizes = append(sizes, 20000)
		}
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", form, n), func(t *testing.T) {
				_, err := ccai.DecodeParams(capRequest(t, form, n), ccai.DefaultMaxBody)
				if got := crm.ErrorCode(err); got != crm.Invalid {
					t.Fatalf("DecodeParams of %d parameters: got error %v, want an Invalid one", n, err)
				}
				if got := ccai.StatusOf(err); got != http.StatusUnprocessableEntity {
					t.Errorf("StatusOf: got %d, want 422", got)
				}
				if msg := crm.ErrorMessage(err); !strings.Contains(msg, tooManyParams) {
					t.Errorf("message: got %q, want it to name the limit (%q)", msg, tooManyParams)
				}
			})
		}
	}
}

// Every Set counts, a repeated key too: a stream of one name repeated
// (multipart uploads) stops at the cap as well.
func TestParamsSetCap(t *testing.T) {
	for _, distinct := range []bool{true, false} {
		t.Run(fmt.Sprintf("distinct=%v", distinct), func(t *testing.T) {
			var p ccai.Params
			key := func(i int) string {
				if distinct {
					return fmt.Sprintf("k%d", i)
				}
				return "k"
			}
			for i := range ccai.MaxParams {
				if err := p.Set(key(i), "v"); err != nil {
					t.Fatalf("Set #%d: got error %v, want none", i+1, err)
				}
			}
			err := p.Set(key(ccai.MaxParams), "v")
			if got := crm.ErrorCode(err); got != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), tooManyParams) {
				t.Fatalf("Set #%d: got error %v, want Invalid %q", ccai.MaxParams+1, err, tooManyParams)
			}
			if got := p.Get(key(ccai.MaxParams)); distinct && got != "" {
				t.Errorf("the parameter over the cap was kept: %q", got)
			}
		})
	}
}

func TestServeParamsCap(t *testing.T) {
	echo := func(ctx context.Context, req *ccai.Request) (ccai.Response, error) {
		return ccai.Response{Status: http.StatusCreated, Body: map[string]int{"params": req.Params.Len()}}, nil
	}
	h := ccai.Serve("Test", ccai.Options{Methods: []string{"POST"}, Log: quietLog()}, echo)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, capRequest(t, "json", ccai.MaxParams))
	if want := fmt.Sprintf(`{"params":%d}`, ccai.MaxParams); rec.Code != http.StatusCreated || strings.TrimSpace(rec.Body.String()) != want {
		t.Errorf("%d parameters: got %d %s, want 201 %s", ccai.MaxParams, rec.Code, rec.Body, want)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, capRequest(t, "json", ccai.MaxParams+1))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("%d parameters: got status %d (%s), want 422", ccai.MaxParams+1, rec.Code, rec.Body)
	}
	e := decodeError(t, rec.Body.Bytes())
	if e.Error.Code != string(crm.Invalid) || !strings.Contains(e.Error.Message, tooManyParams) {
		t.Errorf("error body: got %+v, want code %q and a message naming %q", e.Error, crm.Invalid, tooManyParams)
	}
}

// In a JSON body every value counts, inside a misplaced array too, so that
// a body is never decoded into many times its size.
func TestDecodeParamsJSONValuesCap(t *testing.T) {
	values := func(n int, v string) string { return strings.TrimSuffix(strings.Repeat(v+",", n), ",") }
	for name, body := range map[string]string{
		"array of values": `{"tags":[` + values(ccai.MaxParams+1, "1") + "]}",
		"empty objects":   "[" + values(ccai.MaxParams+1, "{}") + "]",
		"nested empty":    `{"record":[` + values(ccai.MaxParams+1, "[]") + "]}",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ccai.DecodeParams(newRequest("POST", "/records", "application/json", body), ccai.DefaultMaxBody)
			if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), tooManyParams) {
				t.Errorf("DecodeParams: got error %v, want Invalid naming %q", err, tooManyParams)
			}
		})
	}
	// Commas and brackets inside strings are no values.
	body := `{"record":[{"note":"` + values(5000, `a\\\"b[{\"x\":1}]`) + `"},` + values(ccai.MaxParams-1, `{"k":1}`) + "]}"
	if _, err := ccai.DecodeParams(newRequest("POST", "/records", "application/json", body), ccai.DefaultMaxBody); err != nil {
		t.Errorf("DecodeParams of %d values with commas in a string: got error %v, want none", ccai.MaxParams, err)
	}
}

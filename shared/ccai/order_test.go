package ccai_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// orderedRequest sends keys (each with the value "v"+key) in the given
// form, in the order of keys.
func orderedRequest(t *testing.T, form string, keys []string) *http.Request {
	t.Helper()
	var pairs, objs, fields []string
	for _, k := range keys {
		pairs = append(pairs, url.QueryEscape(k)+"="+url.QueryEscape("v"+k))
		fields = append(fields, fmt.Sprintf("%q:%q", k, "v"+k))
		objs = append(objs, fmt.Sprintf("{%q:%q}", k, "v"+k))
	}
	query := strings.Join(pairs, "&")
	switch form {
	case "query":
		return newRequest("GET", "/records/search?"+query, "", "")
	case "form":
		return newRequest("POST", "/records", "application/x-www-form-urlencoded", query)
	case "json":
		return newRequest("POST", "/records", "application/json", "{"+strings.Join(fields, ",")+"}")
	case "json container map":
		return newRequest("POST", "/records", "application/json", `{"record":{`+strings.Join(fields, ",")+"}}")
	case "json container array":
		return newRequest("POST", "/records", "application/json", `{"record":[`+strings.Join(objs, ",")+"]}")
	case "json top-level array":
		return newRequest("POST", "/records", "application/json", "["+strings.Join(objs, ",")+"]")
	case "multipart":
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for _, k := range keys {
			if err := w.WriteField(k, "v"+k); err != nil {
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

// Params.Each gives the parameters in the order received, in every form:
// the same parameters in two orders give two orders, every time.
func TestDecodeParamsKeepsOrder(t *testing.T) {
	keys := []string{"account_id", "customer_id", "zeta", "alpha", "call_id", "m", "contact_id", "b", "subject", "a"}
	reversed := slices.Clone(keys)
	slices.Reverse(reversed)
	for _, form := range []string{"query", "form", "json", "json container map", "json container array", "json top-level array", "multipart"} {
		for _, order := range [][]string{keys, reversed} {
			t.Run(form+"/"+order[0], func(t *testing.T) {
				for range 100 {
					p, err := ccai.DecodeParams(orderedRequest(t, form, order), ccai.DefaultMaxBody)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					p.Each(func(k, v string) {
						if v != "v"+k {
							t.Errorf("value of %q: got %q, want %q", k, v, "v"+k)
						}
						got = append(got, k)
					})
					if !slices.Equal(got, order) {
						t.Fatalf("Each order:\ngot  %q\nwant %q", got, order)
					}
				}
			})
		}
	}
}

// The body's values come after the query's, and a body value replaces
// the query's in its place.
func TestDecodeParamsOrderQueryThenBody(t *testing.T) {
	for range 100 {
		p, err := ccai.DecodeParams(newRequest("POST", "/records?b=1&subject=q&a=1", "application/json", `{"z":"1","subject":"body","c":"1"}`), ccai.DefaultMaxBody)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		p.Each(func(k, v string) { got = append(got, k+"="+v) })
		if want := []string{"b=1", "subject=body", "a=1", "z=1", "c=1"}; !slices.Equal(got, want) {
			t.Fatalf("Each: got %q, want %q", got, want)
		}
	}
}

// Query strings and form bodies follow net/url's rules: "&" separates,
// "+" is a space, and a semicolon or an invalid escape is an error (422),
// in the query string as in a form body. Of a repeated key, the first
// value wins.
func TestDecodeParamsQueryRules(t *testing.T) {
	good := []struct {
		name, query string
		want        []string // key=value in order
	}{
		{"plus is space", "name=James+Bond", []string{"name=James Bond"}},
		{"escapes in keys and values", "first%5Fname=Zo%C3%AB&e%2Dmail=a%40b.co", []string{"first_name=Zoë", "e-mail=a@b.co"}},
		{"key without value", "flag&name=x", []string{"name=x"}},
		{"empty pairs", "&&name=x&&", []string{"name=x"}},
		{"first of repeated", "phone=1&phone=2", []string{"phone=1"}},
		{"first of repeated through an alias spelling", "callId=1&call_id=2", []string{"callId=1"}},
		{"empty first value is missing", "phone=&phone=2", []string{"phone=2"}},
		{"value with =", "q=a=b", []string{"q=a=b"}},
	}
	for _, form := range []string{"query", "form"} {
		for _, tt := range good {
			t.Run(form+"/"+tt.name, func(t *testing.T) {
				r := newRequest("GET", "/x?"+tt.query, "", "")
				if form == "form" {
					r = newRequest("POST", "/x", "application/x-www-form-urlencoded", tt.query)
				}
				p, err := ccai.DecodeParams(r, ccai.DefaultMaxBody)
				if err != nil {
					t.Fatalf("got error %v", err)
				}
				var got []string
				p.Each(func(k, v string) { got = append(got, k+"="+v) })
				if !slices.Equal(got, tt.want) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			})
		}
		for name, query := range map[string]string{
			"semicolon":           "name=x;phone=1",
			"invalid escape":      "name=%zz",
			"invalid escape key":  "na%5me=x",
			"truncated escape":    "name=x%2",
			"semicolon after one": "name=x&a=1;b=2",
		} {
			t.Run(form+"/"+name, func(t *testing.T) {
				r := newRequest("GET", "/x?"+query, "", "")
				if form == "form" {
					r = newRequest("POST", "/x", "application/x-www-form-urlencoded", query)
				}
				_, err := ccai.DecodeParams(r, ccai.DefaultMaxBody)
				if crm.ErrorCode(err) != crm.Invalid || ccai.StatusOf(err) != 422 {
					t.Errorf("got error %v, want Invalid (422)", err)
				}
			})
		}
	}
}

// A JSON object or array where a value belongs is refused, naming the
// field; containers (an object or an array of objects under any name,
// when the body holds nothing else) are not values.
func TestDecodeParamsNotAValue(t *testing.T) {
	bad := []struct {
		name, body, field string
	}{
		{"object in property form", `{"name":"x","phone":{"$gt":""}}`, "phone"},
		{"object before the values", `{"phone":{"$gt":""},"name":"x"}`, "phone"},
		{"array in property form", `{"name":"x","email":["a@b.co"]}`, "email"},
		{"array of objects in property form", `{"name":"x","data":[{"phone":"1"}]}`, "data"},
		{"empty object in property form", `{"name":"x","extra":{}}`, "extra"},
		{"object inside a container map", `{"account":{"name":"x","phone":{"$gt":""}}}`, "phone"},
		{"array inside a container map", `{"record":{"subject":"s","tags":[1,"a"]}}`, "tags"},
		{"object inside a container array", `{"record":[{"subject":"s","custom":{"k":"v"}}]}`, "custom"},
		{"object inside a top-level array", `[{"subject":{"a":"b"}}]`, "subject"},
		{"array of scalars under a key", `{"tags":[1,"a"]}`, "tags"},
		{"array of arrays under a key", `{"tags":[[{"a":"1"}]]}`, "tags"},
		{"deep nesting", `{"record":{"a":[[[[[{"b":1}]]]]]}}`, "a"},
		{"deep nesting in an array container", `{"record":[{"a":[[[[[{"b":1}]]]]]}]}`, "a"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ccai.DecodeParams(newRequest("POST", "/accounts", "application/json", tt.body), ccai.DefaultMaxBody)
			if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), `"`+tt.field+`"`) {
				t.Errorf("got error %v, want Invalid naming %q", err, tt.field)
			}
		})
	}
	good := []struct {
		name, body string
		want       []string
	}{
		{"container map", `{"account":{"name":"x","phone":"1"}}`, []string{"name=x", "phone=1"}},
		{"container map named like a field", `{"caller":{"name":"x"}}`, []string{"name=x"}},
		{"container array", `{"data":[{"name":"x"},{"phone":"1"}]}`, []string{"name=x", "phone=1"}},
		{"two containers", `{"a":{"name":"x"},"b":[{"phone":"1"}]}`, []string{"name=x", "phone=1"}},
		{"empty container", `{"record":{}}`, nil},
		{"empty array container", `{"record":[]}`, nil},
		{"scalars of every kind", `{"a":"s","b":1.50,"c":true,"d":null}`, []string{"a=s", "b=1.50", "c=true"}},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ccai.DecodeParams(newRequest("POST", "/accounts", "application/json", tt.body), ccai.DefaultMaxBody)
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			var got []string
			p.Each(func(k, v string) { got = append(got, k+"="+v) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// A body nested a million deep is refused quickly, without a deep stack.
func TestDecodeParamsDeepNesting(t *testing.T) {
	for _, body := range []string{
		strings.Repeat("[", 500000) + strings.Repeat("]", 500000),
		`{"a":` + strings.Repeat(`{"a":`, 150000) + "1" + strings.Repeat("}", 150001),
	} {
		_, err := ccai.DecodeParams(newRequest("POST", "/accounts", "application/json", body), ccai.DefaultMaxBody)
		if crm.ErrorCode(err) != crm.Invalid {
			t.Errorf("got error %v, want Invalid", err)
		}
	}
}

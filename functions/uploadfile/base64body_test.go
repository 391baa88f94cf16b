package uploadfile

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// The values beside the file are the request's parameters, whatever the
// form: strings unescaped, numbers and booleans as written, null as
// missing, containers looked into three levels deep; a string that is
// not the file stays a parameter.
func TestJSONBodyParams(t *testing.T) {
	file := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("recording ", 200)))
	long := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", 900))) // over 1 KiB of base64
	tests := []struct {
		name, body string
		want       map[string]string
		wantSize   int64 // of the file; 0: none
	}{
		{"property", `{"file":"` + file + `","call_id":"1418","n":12.5,"ok":true,"gone":null,"note":"a \"b\" \u00e9\/"}`,
			map[string]string{"call_id": "1418", "n": "12.5", "ok": "true", "note": `a "b" é/`}, 2000},
		{"container", `{"upload":{"call_id":1418,"file":"` + file + `"}}`, map[string]string{"call_id": "1418"}, 2000},
		{"array container", `{"files":[null,{"chat_id":"7"},{"file":"` + file + `"}]}`, map[string]string{"chat_id": "7"}, 2000},
		{"three levels deep", `{"a":{"b":{"c":{"d":"4"}}}}`, map[string]string{"d": "4"}, 0},
		{"deeper is skipped", `{"a":{"b":{"c":{"d":{"e":"5","f":[1,{"g":"x"}]}}}}}`, map[string]string{}, 0},
		{"a file field's other values stay parameters", `{"content":"a note","file":"` + file + `"}`, map[string]string{"content": "a note"}, 2000},
		{"a long base64 string beside the named file", `{"other":"` + long + `","file":"` + file + `"}`, map[string]string{"other": long}, 2000},
		{"the longest base64 string", `{"other":"` + long + `","payload":"` + file + `"}`, map[string]string{"other": long}, 2000},
		{"short base64 strings are parameters", `{"a":"QUJD","b":"` + long[:1000] + `"}`, map[string]string{"a": "QUJD", "b": long[:1000]}, 0},
		{"empty object and arrays", `{"a":{},"b":[],"c":" "}`, map[string]string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p ccai.Params
			blob, found, err := jsonBody(strings.NewReader(tt.body), &p, discardSink{})
			if err != nil {
				t.Fatalf("jsonBody: %v", err)
			}
			if found != (tt.wantSize > 0) || blob.Size != tt.wantSize {
				t.Errorf("file: found %v, %d bytes; want %d bytes", found, blob.Size, tt.wantSize)
			}
			got := map[string]string{}
			p.Each(func(k, v string) { got[k] = v })
			if !maps.Equal(got, tt.want) {
				t.Errorf("params: got %v, want %v", got, tt.want)
			}
		})
	}
}

// A string over 64 KiB that cannot be the file is refused, not kept
// whole in memory.
func TestJSONBodyLongValue(t *testing.T) {
	var p ccai.Params
	_, _, err := jsonBody(strings.NewReader(`{"note":"`+strings.Repeat("a long note. ", 6000)+`"}`), &p, discardSink{})
	if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), `"note"`) {
		t.Errorf("got %v, want Invalid naming \"note\"", err)
	}
}

// The scanner accepts only valid JSON, and never panics.
func FuzzJSONBody(f *testing.F) {
	for _, seed := range []string{
		`{"file":"QUJD","call_id":"1418"}`, `{"a":{"b":[{"c":1},null]}}`, `{"a":"\u00e9\"\\"}`, `{"a":[[[1]]]}`,
		`{"a":1e5,"b":-0.5,"c":false}`, `{"file":"data:x\/y;base64,QUJD"}`, `{"a":"b"} `, `{"a":}`, `{"a" 1}`, `[1]`, ``,
		`{"a":tru}`, `{"a":"b",}`, `{"a":01}`, "{\"a\":\"\x01\"}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var p ccai.Params
		_, _, err := jsonBody(strings.NewReader(body), &p, discardSink{})
		if err == nil && !json.Valid([]byte(body)) {
			t.Errorf("accepted invalid JSON %q", body)
		}
		if err != nil && crm.ErrorCode(err) != crm.Invalid {
			t.Errorf("%q: got %v, want no error or Invalid", body, err)
		}
	})
}

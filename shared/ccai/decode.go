package ccai

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"example.com/crm/shared/crm"
)

// DefaultMaxBody is the largest request body the Generic API endpoints
// (uploads aside) read.
const DefaultMaxBody = 1 << 20

// DecodeParams reads the query string and, for a request with a body, the
// body of r into Params. Bodies may be JSON (property form, or container
// form: one or more keys holding an object or an array of objects, whose
// fields become parameters), form-encoded, or multipart form fields.
// Values in the body win over the query string.
//
// Errors: TooLarge past maxBody bytes, UnsupportedMediaType for another
// content type, Invalid for a malformed body or more than MaxParams
// parameters.
func DecodeParams(r *http.Request, maxBody int64) (Params, error) {
	var p Params
	// Go's parser of query strings and forms gives up, parsing nothing,
	// past 10000 "&"-separated pairs: count them first.
	if err := tooManyParams(strings.Count(r.URL.RawQuery, "&") + 1); err != nil {
		return p, err
	}
	if err := setFirst(&p, r.URL.Query()); err != nil {
		return p, err
	}
	if r.Body == nil || r.Body == http.NoBody {
		return p, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return p, crm.Errorf(crm.TooLarge, "request body is larger than %d bytes", maxBody)
		}
		return p, crm.Errorf(crm.Invalid, "reading request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	if !utf8.Valid(body) {
		return p, crm.Errorf(crm.Invalid, "request body is not UTF-8")
	}
	mediaType, mparams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mediaType = "" // absent or unparsable: look at the body
	}
	trimmed := bytes.TrimSpace(body)
	looksJSON := trimmed[0] == '{' || trimmed[0] == '['
	switch {
	case mediaType == "application/x-www-form-urlencoded" && !looksJSON:
		if err := tooManyParams(bytes.Count(body, []byte("&")) + 1); err != nil {
			return p, err
		}
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return p, crm.Errorf(crm.Invalid, "malformed form body: %v", err)
		}
		return p, setFirst(&p, values)
	case mediaType == "multipart/form-data":
		return p, decodeMultipartFields(&p, body, mparams["boundary"])
	case mediaType == "", mediaType == "application/json", strings.HasSuffix(mediaType, "+json"),
		mediaType == "text/plain", mediaType == "text/json", looksJSON && mediaType == "application/x-www-form-urlencoded":
		return p, decodeJSON(&p, body)
	default:
		return p, crm.Errorf(crm.UnsupportedMediaType, "content type %q is not accepted: send application/json", mediaType)
	}
}

// setFirst sets the first value of every key of values.
func setFirst(p *Params, values url.Values) error {
	for k, vs := range values {
		if len(vs) == 0 {
			continue
		}
		if err := p.Set(k, vs[0]); err != nil {
			return err
		}
	}
	return nil
}

func decodeJSON(p *Params, body []byte) error {
	if err := CheckJSONParams(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return crm.Errorf(crm.Invalid, "malformed JSON body: %v", err)
	}
	if dec.More() {
		return crm.Errorf(crm.Invalid, "malformed JSON body: more than one JSON value")
	}
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			if err := addValue(p, k, val); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if !allObjects(v) {
			return crm.Errorf(crm.Invalid, "a JSON array body must hold objects")
		}
		return addObjects(p, v)
	default:
		return crm.Errorf(crm.Invalid, "JSON body must be an object, not %s", jsonKind(v))
	}
}

// addValue adds one top-level key: a scalar is a parameter; an object or an
// array of objects is a container whose fields are parameters; another
// array is a parameter holding its JSON.
func addValue(p *Params, key string, v any) error {
	switch v := v.(type) {
	case map[string]any:
		return addFields(p, v)
	case []any:
		if allObjects(v) {
			return addObjects(p, v)
		}
	}
	return p.Set(key, scalar(v))
}

// allObjects reports whether every item is a JSON object.
func allObjects(items []any) bool {
	for _, it := range items {
		if _, ok := it.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// addObjects adds the fields of an array of objects (the array container
// form).
func addObjects(p *Params, items []any) error {
	for _, it := range items {
		if err := addFields(p, it.(map[string]any)); err != nil {
			return err
		}
	}
	return nil
}

// addFields adds the fields of a container object; a value that is an
// object or an array is a parameter holding its JSON.
func addFields(p *Params, obj map[string]any) error {
	for k, val := range obj {
		if err := p.Set(k, scalar(val)); err != nil {
			return err
		}
	}
	return nil
}

// scalar renders a JSON value as a parameter value: strings as they are,
// numbers as written, booleans as true/false, null as empty, anything else
// as compact JSON.
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "that"
}

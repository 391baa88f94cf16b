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
// content type, Invalid for a malformed body.
func DecodeParams(r *http.Request, maxBody int64) (Params, error) {
	var p Params
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p.Set(k, vs[0])
		}
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
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return p, crm.Errorf(crm.Invalid, "malformed form body: %v", err)
		}
		for k, vs := range values {
			p.Set(k, vs[0])
		}
		return p, nil
	case mediaType == "multipart/form-data":
		return p, decodeMultipartFields(&p, body, mparams["boundary"])
	case mediaType == "", mediaType == "application/json", strings.HasSuffix(mediaType, "+json"),
		mediaType == "text/plain", mediaType == "text/json", looksJSON && mediaType == "application/x-www-form-urlencoded":
		return p, decodeJSON(&p, body)
	default:
		return p, crm.Errorf(crm.UnsupportedMediaType, "content type %q is not accepted: send application/json", mediaType)
	}
}

func decodeJSON(p *Params, body []byte) error {
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
			addValue(p, k, val)
		}
		return nil
	case []any:
		return addObjects(p, "", v)
	default:
		return crm.Errorf(crm.Invalid, "JSON body must be an object, not %s", jsonKind(v))
	}
}

// addValue adds one top-level key: a scalar is a parameter; an object or an
// array of objects is a container whose fields are parameters.
func addValue(p *Params, key string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			p.Set(k, scalar(val))
		}
	case []any:
		if addObjects(p, key, v) != nil {
			p.Set(key, scalar(v))
		}
	default:
		p.Set(key, scalar(v))
	}
}

// addObjects adds the fields of an array of objects (the array container
// form); it fails, adding nothing, if an element is not an object.
func addObjects(p *Params, key string, items []any) error {
	for _, it := range items {
		if _, ok := it.(map[string]any); !ok {
			return crm.Errorf(crm.Invalid, "array %q must hold objects", key)
		}
	}
	for _, it := range items {
		for k, val := range it.(map[string]any) {
			p.Set(k, scalar(val))
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

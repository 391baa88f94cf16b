package ccai

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
// Parameters keep the order received (query string first). Values in the
// body win over the query string.
//
// Errors: TooLarge past maxBody bytes, UnsupportedMediaType for another
// content type, Invalid for a malformed body or more than MaxParams
// parameters.
func DecodeParams(r *http.Request, maxBody int64) (Params, error) {
	var p Params
	if err := decodeQuery(&p, r.URL.RawQuery, "query string"); err != nil {
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
		// Counted before the body is copied into a string.
		if err := tooManyParams(bytes.Count(body, []byte("&")) + 1); err != nil {
			return p, err
		}
		return p, decodeQuery(&p, string(body), "form body")
	case mediaType == "multipart/form-data":
		return p, decodeMultipartFields(&p, body, mparams["boundary"])
	case mediaType == "", mediaType == "application/json", strings.HasSuffix(mediaType, "+json"),
		mediaType == "text/plain", mediaType == "text/json", looksJSON && mediaType == "application/x-www-form-urlencoded":
		return p, decodeJSON(&p, body)
	default:
		return p, crm.Errorf(crm.UnsupportedMediaType, "content type %q is not accepted: send application/json", mediaType)
	}
}

// decodeQuery adds the pairs of a query string or a form body to p, in
// the order received, by net/url's rules: pairs are separated by "&",
// "+" is a space, and a semicolon, an invalid %-escape or a key or value
// that is not UTF-8 is an Invalid error (what names the source in its
// message). Of a key repeated in the source (in any spelling, see Canon),
// the first non-empty value wins. Every pair counts towards MaxParams, an
// empty one too.
func decodeQuery(p *Params, s, what string) error {
	if err := tooManyParams(strings.Count(s, "&") + 1); err != nil {
		return err
	}
	var seen map[string]bool // canonical keys given a value by s
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return crm.Errorf(crm.Invalid, "malformed %s: a semicolon in %q (separate parameters with &, escape ; as %%3B)", what, shorten(pair))
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return crm.Errorf(crm.Invalid, "malformed %s: %v", what, err)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return crm.Errorf(crm.Invalid, "malformed %s: %v", what, err)
		}
		if !utf8.ValidString(key) || !utf8.ValidString(value) {
			return crm.Errorf(crm.Invalid, "malformed %s: parameter %q is not UTF-8", what, shorten(strings.ToValidUTF8(key, "\uFFFD")))
		}
		c := Canon(key)
		if seen[c] || strings.TrimSpace(value) == "" {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[c] = true
		if err := p.Set(key, value); err != nil {
			return err
		}
	}
	return nil
}

// shorten returns s, or its start when it is long (for error messages).
func shorten(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// decodeJSON adds the parameters of a JSON body, in document order.
// Parameter values are strings, numbers (as written), booleans or null
// (missing). The body is in property form (an object of values), in
// container form (an object whose every member is a container: an object
// of values, or an array of them), or an array of objects of values. Any
// other object or array where a value belongs is an Invalid error naming
// its field.
func decodeJSON(p *Params, body []byte) error {
	if err := CheckJSONParams(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	top, err := readJSON(dec, "", 0)
	if err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return crm.Errorf(crm.Invalid, "malformed JSON body: more than one JSON value, or text after it")
	}
	switch top.kind {
	case jsonObject:
		return addTop(p, top.fields)
	case jsonArray:
		for _, it := range top.items {
			if it.kind != jsonObject {
				return crm.Errorf(crm.Invalid, "a JSON array body must hold objects")
			}
		}
		return addObjects(p, top.items)
	default:
		return crm.Errorf(crm.Invalid, "JSON body must be an object, not %s", top.kind)
	}
}

// jsonKind names the kind of a JSON value, for messages.
type jsonKind string

const (
	jsonNull   jsonKind = "null"
	jsonString jsonKind = "a string"
	jsonNumber jsonKind = "a number"
	jsonBool   jsonKind = "a boolean"
	jsonObject jsonKind = "a JSON object"
	jsonArray  jsonKind = "a JSON array"
)

// maxJSONDeep is the most objects and arrays around one: a body, a
// container, an array container's objects hold no deeper ones.
const maxJSONDeep = 3

// jsonValue is a JSON value decoded in document order.
type jsonValue struct {
	kind   jsonKind
	text   string      // a scalar as a parameter value: as written, null ""
	fields []jsonField // of an object
	items  []jsonValue // of an array
}

type jsonField struct {
	key   string
	value jsonValue
}

func (v jsonValue) scalar() bool { return v.kind != jsonObject && v.kind != jsonArray }

// readJSON reads the value that starts at dec's next token; depth is the
// number of objects and arrays around it, and field the key it belongs
// to. No object or array is inside more than maxJSONDeep others: one is an
// Invalid error naming field, found without reading further (so a deeply
// nested body costs nothing).
func readJSON(dec *json.Decoder, field string, depth int) (jsonValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return jsonValue{}, malformedJSON(err)
	}
	switch t := tok.(type) {
	case string:
		return jsonValue{kind: jsonString, text: t}, nil
	case json.Number:
		return jsonValue{kind: jsonNumber, text: t.String()}, nil
	case bool:
		return jsonValue{kind: jsonBool, text: strconv.FormatBool(t)}, nil
	case nil:
		return jsonValue{kind: jsonNull}, nil
	}
	v := jsonValue{kind: jsonObject}
	if tok == json.Delim('[') {
		v.kind = jsonArray
	}
	if depth >= maxJSONDeep {
		return jsonValue{}, notAValue(field, v.kind)
	}
	for dec.More() {
		if v.kind == jsonArray {
			item, err := readJSON(dec, field, depth+1)
			if err != nil {
				return jsonValue{}, err
			}
			v.items = append(v.items, item)
			continue
		}
		tok, err := dec.Token()
		if err != nil {
			return jsonValue{}, malformedJSON(err)
		}
		key, _ := tok.(string) // the decoder allows nothing else here
		val, err := readJSON(dec, key, depth+1)
		if err != nil {
			return jsonValue{}, err
		}
		v.fields = append(v.fields, jsonField{key: key, value: val})
	}
	if _, err := dec.Token(); err != nil { // the closing } or ]
		return jsonValue{}, malformedJSON(err)
	}
	return v, nil
}

func malformedJSON(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return crm.Errorf(crm.Invalid, "malformed JSON body: %v", err)
}

// notAValue is the error of an object or an array where a value belongs.
func notAValue(field string, kind jsonKind) error {
	if field == "" {
		return crm.Errorf(crm.Invalid, "a JSON array body must hold objects of values, not %s", kind)
	}
	return crm.Errorf(crm.Invalid, "field %q must be a string or a number, not %s", field, kind)
}

// addTop adds the members of the body's object: in container form (every
// member an object, or an array of objects) the fields of the
// containers, in property form (no member is a container) the values.
// A body mixing the two has an object or an array where a value belongs.
func addTop(p *Params, fields []jsonField) error {
	containers := !slices.ContainsFunc(fields, func(f jsonField) bool { return f.value.scalar() })
	for _, f := range fields {
		switch {
		case f.value.scalar():
			if err := p.Set(f.key, f.value.text); err != nil {
				return err
			}
		case containers && f.value.kind == jsonObject:
			if err := addFields(p, f.value.fields); err != nil {
				return err
			}
		case containers && !slices.ContainsFunc(f.value.items, func(it jsonValue) bool { return it.kind != jsonObject }):
			if err := addObjects(p, f.value.items); err != nil {
				return err
			}
		default:
			return notAValue(f.key, f.value.kind)
		}
	}
	return nil
}

// addObjects adds the fields of an array of objects (the array container
// form).
func addObjects(p *Params, items []jsonValue) error {
	for _, it := range items {
		if err := addFields(p, it.fields); err != nil {
			return err
		}
	}
	return nil
}

// addFields adds the fields of a container object, which must be values.
func addFields(p *Params, fields []jsonField) error {
	for _, f := range fields {
		if !f.value.scalar() {
			return notAValue(f.key, f.value.kind)
		}
		if err := p.Set(f.key, f.value.text); err != nil {
			return err
		}
	}
	return nil
}

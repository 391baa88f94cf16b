package uploadfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// jsonBody reads a JSON upload body without turning the file into a Go
// string: the body is read once (its announced length allocated once),
// split into raw values, and the file's raw JSON string is then decoded
// by a reader (unescapeReader) straight into the base64 decoder. Peak
// memory is about twice the body, not six times as with a generic decode.
func jsonBody(r io.Reader, size int64, p *ccai.Params) (file []byte, err error) {
	var buf bytes.Buffer
	if size > 0 && size <= MaxUpload {
		// ReadFrom wants MinRead bytes free before each read, EOF included:
		// less, and it would copy the whole body into a buffer twice the size.
		buf.Grow(int(size) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, bodyError(err, "reading the body")
	}
	if err := ccai.CheckJSONParams(buf.Bytes()); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
		return nil, crm.Errorf(crm.Invalid, "malformed JSON body: %v", err)
	}
	buf = bytes.Buffer{} // the raw values are copies: let the body go
	return collect(top, p, 0)
}

// collect adds scalar values to p and returns the file's raw JSON string:
// the value of a file field (fileFields), else the longest string over
// 1 KiB made of base64 characters. Objects and arrays of objects are
// containers, looked into.
func collect(obj map[string]json.RawMessage, p *ccai.Params, depth int) ([]byte, error) {
	strs := map[string][]byte{}
	var named []byte
	for k, raw := range obj {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		switch raw[0] {
		case '"':
			if ccai.Is(k, fileFields) {
				named = raw
				continue
			}
			strs[k] = raw
		case '{', '[':
			if depth > 2 {
				continue
			}
			var inner []map[string]json.RawMessage
			if raw[0] == '{' {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(raw, &m); err != nil {
					return nil, crm.Errorf(crm.Invalid, "malformed JSON value of %q", k)
				}
				inner = append(inner, m)
			} else if err := json.Unmarshal(raw, &inner); err != nil {
				return nil, crm.Errorf(crm.Invalid, "%q must be an object or an array of objects", k)
			}
			for _, m := range inner {
				f, err := collect(m, p, depth+1)
				if err != nil {
					return nil, err
				}
				if f != nil {
					named = f
				}
			}
		case 'n': // null: the same as missing
		default: // numbers, booleans: as written
			if err := p.Set(k, string(raw)); err != nil {
				return nil, err
			}
		}
	}
	fileKey := ""
	if named == nil {
		for k, raw := range strs {
			if len(raw) > 1<<10 && len(raw) > len(named) && base64ish(raw) {
				fileKey, named = k, raw
			}
		}
	}
	for k, raw := range strs {
		if k == fileKey {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, crm.Errorf(crm.Invalid, "malformed JSON value of %q", k)
		}
		if err := p.Set(k, s); err != nil {
			return nil, err
		}
	}
	return named, nil
}

func base64ish(raw []byte) bool {
	for _, c := range raw[1 : len(raw)-1] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte("+/=-_\\"), c) >= 0) {
			return false
		}
	}
	return true
}

// unescapeReader reads the content of a raw JSON string (quotes
// included) without allocating it: base64 has no characters that need
// escaping, but encoders may write "\/" and "\n"; other escapes are an
// error for base64.
type unescapeReader struct {
	raw []byte // without the quotes
	i   int
}

func newUnescapeReader(raw []byte) (*unescapeReader, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, crm.Errorf(crm.Invalid, "the file must be a JSON string of base64")
	}
	return &unescapeReader{raw: raw[1 : len(raw)-1]}, nil
}

var errEscape = errors.New("unexpected escape in base64")

func (u *unescapeReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && u.i < len(u.raw) {
		c := u.raw[u.i]
		u.i++
		if c != '\\' {
			p[n] = c
			n++
			continue
		}
		if u.i >= len(u.raw) {
			return n, errEscape
		}
		e := u.raw[u.i]
		u.i++
		switch e {
		case '/':
			p[n] = '/'
			n++
		case 'n', 'r', 't':
			// line breaks inside base64: skipped by the decoder anyway
		default:
			return n, fmt.Errorf("%w: \\%c", errEscape, e)
		}
	}
	if n == 0 && u.i >= len(u.raw) {
		return 0, io.EOF
	}
	return n, nil
}

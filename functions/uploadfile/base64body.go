package uploadfile

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

// A base64 upload body is read in one pass, never held whole: a small
// scanner walks the JSON, adds the small values to the parameters, and
// streams a long string, unescaped and base64-decoded, straight into a
// temporary object (fileSink). The memory a request takes is a few
// buffers, whatever the file's size.
//
// The file is the value of a file field (fileFields; of several, the
// longest), else the longest string over 1 KiB made of base64
// characters. The body is a JSON object; objects and arrays of objects
// in it are containers, looked into three levels deep. Every value counts
// towards ccai.MaxParams, as ccai.CheckJSONParams counts them.

// bigString is the longest string value read into memory: a longer one
// can only be the file, and is streamed. Other parameters are never
// that long.
const bigString = 64 << 10

// maxNesting bounds the nesting of arrays and objects, as encoding/json
// does.
const maxNesting = 10000

// fileSink stores a decoded file as a temporary object, or deletes one.
type fileSink interface {
	store(decoded io.Reader) (crm.Blob, error)
	discard(crm.Blob)
}

// candidate is a string that may be the file.
type candidate struct {
	key    string
	named  bool     // the value of a file field
	raw    []byte   // a string under bigString: its JSON text, escapes kept
	blob   crm.Blob // a longer one, streamed into a temporary object
	length int64    // of the JSON text
}

// jsonBody reads a JSON upload body, adds its values to p, and stores the
// file through sink: found is false when the body holds none.
func jsonBody(r io.Reader, p *ccai.Params, sink fileSink) (file crm.Blob, found bool, err error) {
	s := &scanner{br: bufio.NewReaderSize(r, 32<<10), p: p, sink: sink, values: 1}
	defer func() {
		for _, c := range s.candidates {
			if c.raw == nil && (err != nil || c.blob.Name != file.Name) {
				sink.discard(c.blob)
			}
		}
	}()
	if err := s.body(); err != nil {
		return crm.Blob{}, false, err
	}
	chosen := s.choose()
	for i, c := range s.candidates {
		if i == chosen || c.raw == nil {
			continue
		}
		v, err := unquote(c.raw, c.key)
		if err != nil {
			return crm.Blob{}, false, err
		}
		if err := p.Set(c.key, v); err != nil {
			return crm.Blob{}, false, err
		}
	}
	if chosen < 0 {
		return crm.Blob{}, false, nil
	}
	c := &s.candidates[chosen]
	if c.raw != nil {
		if c.blob, err = storeFile(sink, bytes.NewReader(c.raw)); err != nil {
			return crm.Blob{}, false, err
		}
		c.raw = nil // now a temporary object, deleted if it is not kept
	}
	if c.blob.Size == 0 {
		return crm.Blob{}, false, crm.Errorf(crm.Invalid, "the file is empty")
	}
	return c.blob, true, nil
}

// choose returns the index of the file among the candidates, or -1.
func (s *scanner) choose() int {
	best := -1
	for i, c := range s.candidates {
		if (c.named || !s.named) && (best < 0 || c.length > s.candidates[best].length) {
			best = i
		}
	}
	return best
}

// scanner reads one JSON body.
type scanner struct {
	br         *bufio.Reader
	p          *ccai.Params
	sink       fileSink
	values     int // one more than the commas outside strings
	candidates []candidate
	named      bool  // a candidate is the value of a file field
	shapeErr   error // the first value of the wrong kind (reported after the count)
}

func (s *scanner) body() error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c != '{' {
		return malformed("the body must be a JSON object")
	}
	s.br.ReadByte()
	if err := s.object(0); err != nil {
		return err
	}
	for {
		c, err := s.br.ReadByte()
		if err == io.EOF {
			return s.shapeErr
		}
		if err != nil {
			return bodyError(err, "reading the body")
		}
		if !space(c) {
			return malformed("more after the JSON object")
		}
	}
}

// object reads the members of an object whose "{" was read, at container
// depth depth (0: the body).
func (s *scanner) object(depth int) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c == '}' {
		s.br.ReadByte()
		return nil
	}
	for {
		if c != '"' {
			return malformed(fmt.Sprintf("a key was expected, not %q", c))
		}
		s.br.ReadByte()
		raw, rest, err := s.readString(bigString)
		if err != nil {
			return err
		}
		if !rest.done {
			return crm.Errorf(crm.Invalid, "a key is longer than %d KiB", bigString>>10)
		}
		key, err := unquote(raw, "a key")
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := s.value(key, depth); err != nil {
			return err
		}
		if c, err = s.next(); err != nil {
			return err
		}
		s.br.ReadByte()
		switch c {
		case '}':
			return nil
		case ',':
			if err := s.comma(); err != nil {
				return err
			}
			if c, err = s.next(); err != nil {
				return err
			}
		default:
			return malformed(fmt.Sprintf("',' or '}' was expected after the value of %q", key))
		}
	}
}

// value reads the value of key in an object at depth: scalars are
// parameters, strings may be the file, objects and arrays of objects are
// looked into (down to depth 3; deeper ones are skipped).
func (s *scanner) value(key string, depth int) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	switch {
	case c == '"':
		s.br.ReadByte()
		return s.stringValue(key)
	case (c == '{' || c == '[') && depth > 2:
		return s.skip(0)
	case c == '{':
		s.br.ReadByte()
		return s.object(depth + 1)
	case c == '[':
		s.br.ReadByte()
		return s.array(key, depth)
	}
	lit, err := s.literal()
	if err != nil || lit == "null" { // null: the same as missing
		return err
	}
	return s.p.Set(key, lit)
}

// array reads an array value of key: each element an object (or null).
func (s *scanner) array(key string, depth int) error {
	for i := 0; ; i++ {
		c, err := s.next()
		if err != nil {
			return err
		}
		if c == ']' && i == 0 {
			s.br.ReadByte()
			return nil
		}
		switch c {
		case '{':
			s.br.ReadByte()
			err = s.object(depth + 1)
		case 'n':
			_, err = s.literal()
		default:
			if s.shapeErr == nil {
				s.shapeErr = crm.Errorf(crm.Invalid, "%q must be an object or an array of objects", key)
			}
			err = s.skip(0)
		}
		if err != nil {
			return err
		}
		if done, err := s.endOfArray(); done || err != nil {
			return err
		}
	}
}

// endOfArray reads the "," or "]" after an element.
func (s *scanner) endOfArray() (bool, error) {
	c, err := s.next()
	if err != nil {
		return false, err
	}
	s.br.ReadByte()
	switch c {
	case ']':
		return true, nil
	case ',':
		return false, s.comma()
	}
	return false, malformed("',' or ']' was expected in an array")
}

// stringValue reads the string value of key (its '"' read): a parameter,
// or a candidate for the file, streamed when it is long.
func (s *scanner) stringValue(key string) error {
	named := ccai.Is(key, fileFields)
	s.named = s.named || named
	raw, rest, err := s.readString(bigString)
	if err != nil {
		return err
	}
	if rest.done {
		if named || len(raw) > 1<<10 && base64ish(raw) {
			s.candidates = append(s.candidates, candidate{key: key, named: named, raw: raw, length: int64(len(raw))})
			return nil
		}
		v, err := unquote(raw, key)
		if err != nil {
			return err
		}
		return s.p.Set(key, v)
	}
	if !named && !base64ish(raw) {
		return crm.Errorf(crm.Invalid, "the value of %q is longer than %d KiB: only the file may be", key, bigString>>10)
	}
	blob, err := storeFile(s.sink, io.MultiReader(bytes.NewReader(raw), rest))
	if err != nil {
		return err
	}
	s.candidates = append(s.candidates, candidate{key: key, named: named, blob: blob, length: rest.n})
	if !rest.done { // the decoder stops at the end of the base64; the string must end there too
		return crm.Errorf(crm.Invalid, "the file is not valid base64: more after its end")
	}
	return nil
}

// readString reads the JSON text of a string whose '"' was read, up to
// limit bytes. When the string is longer, rest reads the remainder
// (rest.done: there is none).
func (s *scanner) readString(limit int) (raw []byte, rest *stringReader, err error) {
	rest = &stringReader{br: s.br}
	raw, err = io.ReadAll(io.LimitReader(rest, int64(limit)+1))
	if err != nil {
		return nil, nil, err
	}
	if raw == nil {
		raw = []byte{}
	}
	return raw, rest, nil
}

// skip reads any value without keeping it, counting its values.
func (s *scanner) skip(nesting int) error {
	if nesting > maxNesting {
		return malformed(fmt.Sprintf("nested deeper than %d", maxNesting))
	}
	c, err := s.next()
	if err != nil {
		return err
	}
	switch c {
	case '"':
		s.br.ReadByte()
		_, err := io.Copy(io.Discard, &stringReader{br: s.br})
		return err
	case '{', '[':
		s.br.ReadByte()
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		for i := 0; ; i++ {
			c, err := s.next()
			if err != nil {
				return err
			}
			if c == end && i == 0 {
				s.br.ReadByte()
				return nil
			}
			if end == '}' {
				if c != '"' {
					return malformed("a key was expected")
				}
				s.br.ReadByte()
				if _, err := io.Copy(io.Discard, &stringReader{br: s.br}); err != nil {
					return err
				}
				if err := s.expect(':'); err != nil {
					return err
				}
			}
			if err := s.skip(nesting + 1); err != nil {
				return err
			}
			if c, err = s.next(); err != nil {
				return err
			}
			s.br.ReadByte()
			switch c {
			case end:
				return nil
			case ',':
				if err := s.comma(); err != nil {
					return err
				}
			default:
				return malformed(fmt.Sprintf("',' or '%c' was expected", end))
			}
		}
	}
	_, err = s.literal()
	return err
}

// comma counts a value: past ccai.MaxParams, the body is refused.
func (s *scanner) comma() error {
	s.values++
	return ccai.CheckParamCount(s.values)
}

// next skips white space and returns the next byte, unread: the body
// goes on.
func (s *scanner) next() (byte, error) {
	for {
		c, err := s.br.ReadByte()
		if err == io.EOF {
			return 0, malformed("it ends too soon")
		}
		if err != nil {
			return 0, bodyError(err, "reading the body")
		}
		if !space(c) {
			s.br.UnreadByte()
			return c, nil
		}
	}
}

func space(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) expect(want byte) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c != want {
		return malformed(fmt.Sprintf("%q was expected", want))
	}
	s.br.ReadByte()
	return nil
}

// literal reads a number, true, false or null, as written.
func (s *scanner) literal() (string, error) {
	var b []byte
	for len(b) <= bigString {
		c, err := s.br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", bodyError(err, "reading the body")
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E') {
			s.br.UnreadByte()
			break
		}
		b = append(b, c)
	}
	if len(b) == 0 || len(b) > bigString || !json.Valid(b) {
		return "", malformed("a value was expected")
	}
	return string(b), nil
}

func malformed(what string) error {
	return crm.Errorf(crm.Invalid, "malformed JSON body: %s", what)
}

// unquote returns the value of the JSON text of a string (no quotes) of
// what (a key, for the error).
func unquote(raw []byte, what string) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw), nil
	}
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	var v string
	if err := json.Unmarshal(quoted, &v); err != nil {
		return "", malformed(fmt.Sprintf("the string of %q", what))
	}
	return v, nil
}

func base64ish(raw []byte) bool {
	for _, c := range raw {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte("+/=-_\\"), c) >= 0) {
			return false
		}
	}
	return true
}

// stringReader reads the JSON text of a string whose '"' was read, up to
// its closing '"' (read, not returned): escapes are kept.
type stringReader struct {
	br     *bufio.Reader
	escape bool  // the last byte was a backslash that escapes the next
	done   bool  // the closing '"' was read
	n      int64 // bytes returned
}

func (r *stringReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	if _, err := r.br.Peek(1); err != nil {
		if err == io.EOF {
			return 0, malformed("a string does not end")
		}
		return 0, bodyError(err, "reading the body")
	}
	buf, _ := r.br.Peek(min(r.br.Buffered(), len(p)))
	n := 0
	for _, c := range buf {
		if r.escape {
			r.escape = false
		} else if c == '\\' {
			r.escape = true
		} else if c == '"' {
			r.done = true
			r.br.Discard(n + 1)
			r.n += int64(n)
			return n, nil
		} else if c < 0x20 {
			r.br.Discard(n)
			return n, malformed("a control character in a string")
		}
		p[n] = c
		n++
	}
	r.br.Discard(n)
	r.n += int64(n)
	return n, nil
}

// storeFile stores the file whose JSON text (escapes kept) raw reads.
func storeFile(sink fileSink, raw io.Reader) (crm.Blob, error) {
	d := newDecoder(raw)
	blob, err := sink.store(d)
	if d.err != nil {
		if err == nil {
			sink.discard(blob)
		}
		return crm.Blob{}, d.err
	}
	return blob, err
}

// decoder decodes the base64 file from its JSON text: escapes undone
// ("\/"; "\n", "\r" and "\t" dropped; others are no base64), a data: URL's
// header skipped, the URL alphabet read as the standard one, padding
// optional. Its first error, a crm error, is kept in err.
type decoder struct {
	r   io.Reader
	err error
}

func newDecoder(raw io.Reader) *decoder {
	text := bufio.NewReaderSize(&unescaper{r: raw}, 4096)
	if head, _ := text.Peek(len("data:")); string(head) == "data:" {
		head, _ = text.Peek(1024)
		if i := bytes.Index(head, []byte(";base64,")); i > 0 {
			text.Discard(i + len(";base64,"))
		}
	}
	return &decoder{r: base64.NewDecoder(base64.RawStdEncoding, &alphabet{r: text})}
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		var ce *crm.Error
		if !errors.As(err, &ce) {
			err = crm.Errorf(crm.Invalid, "the file is not valid base64: %v", err)
		}
		d.err = err
	}
	return n, err
}

var errEscape = errors.New("an escape that base64 has no use for")

// unescaper undoes the escapes of a JSON string of base64.
type unescaper struct {
	r      io.Reader
	escape bool // a backslash ended the last read
}

func (u *unescaper) Read(p []byte) (int, error) {
	for {
		n, err := u.r.Read(p)
		out := 0
		for _, c := range p[:n] {
			if u.escape {
				u.escape = false
				switch c {
				case '/':
					p[out] = '/'
					out++
				case 'n', 'r', 't': // line breaks inside base64
				default:
					return out, fmt.Errorf("%w: \\%c", errEscape, c)
				}
				continue
			}
			if c == '\\' {
				u.escape = true
				continue
			}
			p[out] = c
			out++
		}
		if out > 0 || err != nil {
			return out, err
		}
	}
}

// alphabet maps the URL alphabet to the standard one and takes off the
// padding, which may only end the text.
type alphabet struct {
	r      io.Reader
	padded bool
}

func (a *alphabet) Read(p []byte) (int, error) {
	for {
		n, err := a.r.Read(p)
		out := 0
		for _, c := range p[:n] {
			switch {
			case c == '=':
				a.padded = true
				continue
			case a.padded:
				return out, errors.New("padding inside the data")
			case c == '-':
				c = '+'
			case c == '_':
				c = '/'
			}
			p[out] = c
			out++
		}
		if out > 0 || err != nil {
			return out, err
		}
	}
}

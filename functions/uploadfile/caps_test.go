package uploadfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
)

var tooManyParams = fmt.Sprintf("more than %d parameters", ccai.MaxParams)

// multipartFields returns a multipart body of n fields (no file part)
// named by name(i), and its boundary.
func multipartFields(t *testing.T, n int, name func(int) string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := range n {
		if err := w.WriteField(name(i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.Boundary()
}

var partNames = map[string]func(int) string{
	"distinct": func(i int) string { return fmt.Sprintf("k%d", i) },
	"same":     func(int) string { return "k" },
	"unnamed":  func(int) string { return "" },
}

func TestReadMultipartParamCap(t *testing.T) {
	for kind, name := range partNames {
		t.Run(kind, func(t *testing.T) {
			body, boundary := multipartFields(t, ccai.MaxParams, name)
			var p ccai.Params
			if _, err := (Handler{}).readMultipart(context.Background(), bytes.NewReader(body), boundary, &p); err != nil {
				t.Errorf("%d parts: got error %v, want none", ccai.MaxParams, err)
			}
			body, boundary = multipartFields(t, ccai.MaxParams+1, name)
			p = ccai.Params{}
			_, err := (Handler{}).readMultipart(context.Background(), bytes.NewReader(body), boundary, &p)
			if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), tooManyParams) {
				t.Errorf("%d parts: got error %v, want Invalid naming %q", ccai.MaxParams+1, err, tooManyParams)
			}
		})
	}
}

// Every JSON value counts, parameter or not: a body of many empty
// objects or of a long array must not be decoded (it would take many
// times its size in memory).
func TestJSONBodyParamCap(t *testing.T) {
	shapes := map[string]func(n int) string{
		"property":      func(n int) string { return "{" + fields(n, `"k%d":"v"`) + "}" },
		"numbers":       func(n int) string { return "{" + fields(n, `"k%d":1`) + "}" },
		"container":     func(n int) string { return `{"record":{` + fields(n, `"k%d":"v"`) + "}}" },
		"array":         func(n int) string { return `{"record":[` + fields(n, `{"k%d":"v"}`) + "]}" },
		"empty objects": func(n int) string { return `{"record":[` + fields(n, `{}`) + "]}" },
		"scalars":       func(n int) string { return `{"record":[` + fields(n, `1`) + "]}" },
	}
	for name, shape := range shapes {
		t.Run(name, func(t *testing.T) {
			var p ccai.Params
			if _, _, err := jsonBody(strings.NewReader(shape(ccai.MaxParams)), &p, discardSink{}); err != nil && name != "scalars" {
				t.Errorf("%d parameters: got error %v, want none", ccai.MaxParams, err)
			}
			p = ccai.Params{}
			_, _, err := jsonBody(strings.NewReader(shape(ccai.MaxParams+1)), &p, discardSink{})
			if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), tooManyParams) {
				t.Errorf("%d parameters: got error %v, want Invalid naming %q", ccai.MaxParams+1, err, tooManyParams)
			}
		})
	}
}

// fields returns n comma-separated JSON fields made with format and the
// index (a format without a verb is repeated as it is).
func fields(n int, format string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = format
		if strings.Contains(format, "%") {
			parts[i] = fmt.Sprintf(format, i)
		}
	}
	return strings.Join(parts, ",")
}

// discardSink decodes files and keeps nothing.
type discardSink struct{}

func (discardSink) store(decoded io.Reader) (crm.Blob, error) {
	n, err := io.Copy(io.Discard, decoded)
	return crm.Blob{Name: "discarded", Size: n}, err
}

func (discardSink) discard(crm.Blob) {}

package metadata

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	digits   = regexp.MustCompile(`^[0-9]+$`)
	idString = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// sessionID reads the top-level id: a whole JSON number, or a string of
// [A-Za-z0-9_-] (the charset object names allow).
func sessionID(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", fmt.Errorf("no id")
	case json.Number:
		if !digits.MatchString(v.String()) {
			return "", fmt.Errorf("id %s is not a whole number", v)
		}
		return v.String(), nil
	case string:
		s := strings.TrimSpace(v)
		if !idString.MatchString(s) {
			return "", fmt.Errorf("id %q is not an id", v)
		}
		return s, nil
	default:
		return "", fmt.Errorf("id is a %T", v)
	}
}

// reader reads known fields, collecting warnings for present but unusable
// values instead of failing.
type reader struct {
	warnings []string
}

func (r *reader) warn(path string, format string, args ...any) {
	r.warnings = append(r.warnings, path+": "+fmt.Sprintf(format, args...))
}

// object returns m[key] as an object, nil when absent, null or not an object.
func (r *reader) object(m map[string]any, path, key string) map[string]any {
	switch v := m[key].(type) {
	case nil:
		return nil
	case map[string]any:
		return v
	default:
		r.warn(path+key, "want an object, got %T", v)
		return nil
	}
}

// array returns m[key] as an array.
func (r *reader) array(m map[string]any, path, key string) []any {
	switch v := m[key].(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		r.warn(path+key, "want an array, got %T", v)
		return nil
	}
}

// str returns a string or number field as a string; "" when absent or null.
func (r *reader) str(m map[string]any, path, key string) string {
	switch v := m[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	default:
		r.warn(path+key, "want a string, got %T", v)
		return ""
	}
}

// boolean returns a boolean field; false when absent or null.
func (r *reader) boolean(m map[string]any, path, key string) bool {
	switch v := m[key].(type) {
	case nil:
		return false
	case bool:
		return v
	default:
		r.warn(path+key, "want a boolean, got %T", v)
		return false
	}
}

// present reports whether m has key with a non-null value.
func present(m map[string]any, key string) bool {
	return m[key] != nil
}

// seconds returns a number of seconds (a JSON number or a numeric string),
// rounded to the nearest whole second; 0 when absent or null.
func (r *reader) seconds(m map[string]any, path, key string) (int, bool) {
	var text string
	switch v := m[key].(type) {
	case nil:
		return 0, false
	case json.Number:
		text = v.String()
	case string:
		text = strings.TrimSpace(v)
	default:
		r.warn(path+key, "want a number, got %T", v)
		return 0, false
	}
	if n, err := strconv.ParseInt(text, 10, 0); err == nil {
		return int(n), true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > math.MaxInt32 {
		r.warn(path+key, "want a number of seconds, got %q", text)
		return 0, false
	}
	return int(math.Round(f)), true
}

// timeLayouts are tried in order. Real files use RFC 3339 with milliseconds
// and a UTC offset ("2026-03-23T13:12:51.000-07:00"); redaction times use Z.
// Layouts without an offset are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// time returns a time field: a string in one of timeLayouts, or a JSON
// number of Unix seconds. Zero when absent, null or "".
func (r *reader) time(m map[string]any, path, key string) time.Time {
	switch v := m[key].(type) {
	case nil:
		return time.Time{}
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return time.Time{}
		}
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t
			}
		}
		r.warn(path+key, "cannot parse time %q", v)
	case json.Number:
		f, err := strconv.ParseFloat(v.String(), 64)
		if err != nil || f < 0 || f > 1e11 {
			r.warn(path+key, "cannot use %s as Unix seconds", v)
			return time.Time{}
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
	default:
		r.warn(path+key, "want a time, got %T", v)
	}
	return time.Time{}
}

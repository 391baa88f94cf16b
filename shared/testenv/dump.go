package testenv

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
)

// Dump returns every document of c's database, subcollections included,
// by path: compare two dumps to show that nothing was written between
// them.
func Dump(t testing.TB, c *firestore.Client) map[string]map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]map[string]any{}
	var walk func(it *firestore.CollectionIterator)
	walk = func(it *firestore.CollectionIterator) {
		for {
			col, err := it.Next()
			if err == iterator.Done {
				return
			}
			if err != nil {
				t.Fatalf("dump: list collections: %v", err)
			}
			refs, err := col.DocumentRefs(ctx).GetAll()
			if err != nil {
				t.Fatalf("dump: list %s: %v", col.Path, err)
			}
			snaps, err := c.GetAll(ctx, refs)
			if err != nil {
				t.Fatalf("dump: read %s: %v", col.Path, err)
			}
			for i, snap := range snaps {
				if snap.Exists() {
					out[refs[i].Path] = snap.Data()
				}
				walk(refs[i].Collections(ctx))
			}
		}
	}
	walk(c.Collections(ctx))
	return out
}

// Refused serves r with h and checks that the answer is 422 with a JSON
// error whose message contains want, and that nothing in c's database
// changed.
func Refused(t testing.TB, c *firestore.Client, h http.Handler, r *http.Request, want string) {
	t.Helper()
	before := Dump(t, c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Errorf("answer %d is not a JSON error: %.200s", rec.Code, rec.Body)
	}
	if rec.Code != http.StatusUnprocessableEntity || body.Error.Code != "invalid" || !strings.Contains(body.Error.Message, want) {
		t.Errorf("got %d %+v, want 422 invalid naming %s", rec.Code, body.Error, want)
	}
	if after := Dump(t, c); !reflect.DeepEqual(before, after) {
		t.Errorf("the refused request changed the database:\nbefore %.2000v\nafter  %.2000v", before, after)
	}
}

// JSON renders kv pairs as a JSON object, in order; a value that starts
// with { or [ is written as it is (an object or an array).
func JSON(kv ...string) string {
	var fields []string
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1]
		if !strings.HasPrefix(v, "{") && !strings.HasPrefix(v, "[") {
			v = quote(v)
		}
		fields = append(fields, quote(kv[i])+":"+v)
	}
	return "{" + strings.Join(fields, ",") + "}"
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

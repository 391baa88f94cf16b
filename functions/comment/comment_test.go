package comment_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/functions/comment"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// over is a value one byte over limit.
func over(limit int) string { return strings.Repeat("x", limit+1) }

// A comment's body or session id over its limit, or a JSON object or
// array in its place, is refused with 422 naming it, and nothing is
// stored.
func TestCommentRefusesBadFields(t *testing.T) {
	ctx := context.Background()
	client := testenv.Firestore(t)
	store := gcpfirestore.New(client)
	h := comment.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store)
	acc, _, err := store.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := store.CreateRecord(ctx, crm.Record{AccountID: acc.ID})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body string) *http.Request {
		r := httptest.NewRequest("POST", "/records/"+rec.ID+"/comments", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	type test struct {
		name string
		r    *http.Request
		want string
	}
	tests := []test{
		{"body", post(testenv.JSON("comment", over(crm.MaxCommentBody))), `"comment"`},
		{"body alias", post(testenv.JSON("note", over(crm.MaxCommentBody))), `"comment"`},
		{"body in a container", post(`{"comment":` + testenv.JSON("body", over(crm.MaxCommentBody)) + "}"), `"comment"`},
		{"call id", post(testenv.JSON("comment", "hi", "call_id", over(crm.MaxSessionID))), `"call_id"`},
		{"chat id", post(testenv.JSON("comment", "hi", "chat_id", over(crm.MaxSessionID))), `"chat_id"`},
		{"session id", post(testenv.JSON("comment", "hi", "session_id", over(crm.MaxSessionID))), `"session_id"`},
		{"body not UTF-8 in the query string", httptest.NewRequest("POST", "/records/"+rec.ID+"/comments?comment=%FF%FE", nil), `"comment"`},
	}
	for _, field := range []string{"comment", "body", "call_id", "html"} {
		for _, v := range []string{`{"$gt":""}`, `["x"]`, `{}`} {
			tests = append(tests, test{field + " as " + v, post(testenv.JSON(field, v, "message", "hi")), fmt.Sprintf("field %q", field)})
		}
		tests = append(tests, test{field + " as an object in a container", post(`{"comment":` + testenv.JSON("text", "hi", field, `{"$gt":""}`) + "}"), fmt.Sprintf("field %q", field)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.Refused(t, client, h, tt.r, tt.want)
		})
	}
}

// A body at its limit is stored whole.
func TestCommentAtLimit(t *testing.T) {
	ctx := context.Background()
	store := gcpfirestore.New(testenv.Firestore(t))
	h := comment.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store)
	acc, _, err := store.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{"u"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := store.CreateRecord(ctx, crm.Record{AccountID: acc.ID})
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", crm.MaxCommentBody)
	r := httptest.NewRequest("POST", "/records/"+rec.ID+"/comments", strings.NewReader(testenv.JSON("comment", body, "call_id", strings.Repeat("1", crm.MaxSessionID))))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		t.Fatalf("got %d %.300s, want 201", w.Code, w.Body)
	}
	cs, err := store.Comments(ctx, rec.ID)
	if err != nil || len(cs) != 1 || cs[0].Body != body {
		t.Fatalf("Comments: got %d comments, %v; want the one, whole", len(cs), err)
	}
}

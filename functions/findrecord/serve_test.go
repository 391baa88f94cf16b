package findrecord_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/crm/functions/findrecord"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// Given two account ids, the finder answers the open record of the
// account received first, in a query string as in a JSON body, every
// time.
func TestFindRecordFirstAccountWins(t *testing.T) {
	ctx := context.Background()
	store := gcpfirestore.New(testenv.Firestore(t))
	h := findrecord.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, store)
	recordOf := map[string]string{}
	var ids []string
	for _, cuid := range []string{"first", "second"} {
		acc, _, err := store.CreateAccount(ctx, crm.Account{CustomUserIDs: []string{cuid}})
		if err != nil {
			t.Fatal(err)
		}
		rec, _, err := store.CreateRecord(ctx, crm.Record{AccountID: acc.ID})
		if err != nil {
			t.Fatal(err)
		}
		recordOf[acc.ID] = rec.ID
		ids = append(ids, acc.ID)
	}
	for _, order := range [][2]string{{ids[0], ids[1]}, {ids[1], ids[0]}} {
		for _, r := range []func() *http.Request{
			func() *http.Request {
				return httptest.NewRequest("GET", "/records/search?account_id="+order[0]+"&contact_id="+order[1], nil)
			},
			func() *http.Request {
				r := httptest.NewRequest("POST", "/records/search", strings.NewReader(`{"contact_id":"`+order[0]+`","account_id":"`+order[1]+`"}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
		} {
			for range 20 {
				w := httptest.NewRecorder()
				req := r()
				h.ServeHTTP(w, req)
				var got struct{ ID string }
				if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK {
					t.Fatalf("%s %s: got %d %s", req.Method, req.URL, w.Code, w.Body)
				}
				if want := recordOf[order[0]]; got.ID != want {
					t.Fatalf("%s %s: got record %s, want %s (of account %s, received first)", req.Method, req.URL, got.ID, want, order[0])
				}
			}
		}
	}
}

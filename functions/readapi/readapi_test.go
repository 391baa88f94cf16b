package readapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"example.com/crm/functions/readapi"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture reads a real session metadata file.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return testenv.Fixture(t, "metadata/"+name)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\n got: %s\nwant: %s", path, got, want)
	}
}

// get reads path from the read API and returns its JSON, indented, with
// the ids of the store replaced by names.
func get(t *testing.T, srv *httptest.Server, path string, names map[string]string) []byte {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	s := out.String() + "\n"
	for id, name := range names {
		s = strings.ReplaceAll(s, id, name)
	}
	return []byte(s)
}

// The read API shows what the metadata told: each session's summary on
// its record, and the account's records with their subject, status and
// time. Made from both real fixtures, stored in Firestore as the storage
// function stores them, read back over HTTP.
func TestReadAPIGolden(t *testing.T) {
	ctx := context.Background()
	store := gcpfirestore.New(testenv.Firestore(t))
	clock := time.Date(2026, 3, 24, 8, 0, 0, 0, time.UTC)
	store.Now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	acc, _, err := store.CreateAccount(ctx, crm.Account{Name: "Golden Caller", Emails: []string{"customer@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{acc.ID: "ACCOUNT_ID"}
	srv := httptest.NewServer(readapi.New(ccai.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		readapi.Handler{Accounts: store, Records: store, Attachments: store, DownloadBase: "https://files.example.com"}))
	t.Cleanup(srv.Close)

	for _, tt := range []struct{ fixture, subject string }{
		{"call-1418.json", "Call 1418"},
		{"chat-135.json", "Chat 135"},
	} {
		f, err := metadata.Parse(fixture(t, tt.fixture), "")
		if err != nil {
			t.Fatal(err)
		}
		sess := ingest.SessionOf(f.Summary)
		rec, _, err := store.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: tt.subject, Sessions: []crm.Session{{Kind: sess.Kind, ID: sess.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		if applied, _, err := store.ApplySessionMetadata(ctx, rec.ID, sess); err != nil || !applied {
			t.Fatalf("apply %s: %v %v", tt.fixture, applied, err)
		}
		names[rec.ID] = "RECORD_ID_" + strings.TrimSuffix(tt.fixture, ".json")
		golden(t, "record-"+strings.TrimSuffix(tt.fixture, ".json")+".golden.json", get(t, srv, "/records/"+rec.ID, names))
	}
	golden(t, "account.golden.json", get(t, srv, "/accounts/"+acc.ID, names))
}

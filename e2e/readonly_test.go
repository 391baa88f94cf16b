package e2e

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

// readOnlyInTerraform returns the entry points terraform/functions.tf
// marks firestore_read_only (their accounts get roles/datastore.viewer).
func readOnlyInTerraform(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "terraform", "functions.tf"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s*(\w+)\s*=\s*\{[^}\n]*firestore_read_only\s*=\s*true`).FindAllSubmatch(b, -1) {
		out = append(out, string(m[1]))
	}
	sort.Strings(out)
	return out
}

// The functions Terraform gives read-only Firestore access
// (roles/datastore.viewer) never write: a whole flow with OAuth, every
// request of theirs logs 0 writes. A function that started writing would
// fail in the cloud with PermissionDenied; this test fails first.
func TestReadOnlyFunctionsNeverWrite(t *testing.T) {
	want := []string{"FindAccountByID", "FindAccountByQuery", "FindRecordByQuery", "ReadAPI"}
	if got := readOnlyInTerraform(t); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("read-only functions in terraform/functions.tf: got %v, want %v", got, want)
	}
	logs := &testenv.Logs{}
	_, settings := startStack(t, localstack.Options{Log: logs, Auth: auth.Config{Method: auth.MethodOAuth}})
	ctx := context.Background()
	p := ccaiplayer.New(settings)
	if err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	v := ccaiplayer.Vars{"NAME": "Reader", "PHONE_NUMBER": uniquePhone(t, "1"), "EMAIL": "reader@example.com", "Call_ID": uniqueID(t), "COMMENT_BODY": "hi"}
	v["ACCOUNT_ID"] = call(t, p, "create_account", v, 201).ID
	v["RECORD_ID"] = call(t, p, "create_record", v, 201).ID
	call(t, p, "comment", v, 201)
	if _, _, err := p.Upload(ctx, v, []byte("ID3 read-only check"), "call.mp3"); err != nil {
		t.Fatal(err)
	}
	// Every read-only function, found and not found.
	call(t, p, "find_account_by_query", v, 200)
	call(t, p, "find_account_by_query", ccaiplayer.Vars{"PHONE_NUMBER": uniquePhone(t, "1")}, 404)
	call(t, p, "find_account_by_id", v, 200)
	call(t, p, "find_account_by_id", ccaiplayer.Vars{"ACCOUNT_ID": "nobody"}, 404)
	call(t, p, "find_record_by_query", v, 200)
	call(t, p, "find_record_by_query", ccaiplayer.Vars{"Call_ID": uniqueID(t)}, 404)
	for _, u := range []string{p.AccountURL(v["ACCOUNT_ID"]), p.RecordURL(v["RECORD_ID"]), p.RecordURL("nobody")} {
		if _, err := p.Get(ctx, u, &struct{}{}); err != nil {
			t.Fatal(err)
		}
	}

	// Each read-only function logged its requests (a line is written just
	// after the answer, so wait for them).
	seen := map[string]int{}
	deadline := time.Now().Add(10 * time.Second)
	for {
		clear(seen)
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			line := sc.Text()
			e, ok := dbcost.ParseLogLine([]byte(line))
			if !ok || e.Message != "request" {
				continue
			}
			for _, fn := range want {
				if e.Endpoint == fn {
					seen[fn]++
					if e.Writes != 0 {
						t.Errorf("%s answered %d with %d writes, want 0: %s", fn, e.Status, e.Writes, line)
					}
				}
			}
		}
		if len(seen) == len(want) && seen["ReadAPI"] >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, fn := range want {
		if seen[fn] < 2 {
			t.Errorf("%s: %d requests logged, want at least 2", fn, seen[fn])
		}
	}
}

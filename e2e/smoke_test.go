package e2e

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/portal"
	"example.com/crm/shared/smoke"
)

// runSmoke runs the smoke test against s and fails the test on any failed
// check; it returns the names of the checks run and the last one's note.
func runSmoke(t *testing.T, s portal.Settings) ([]string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	checks, err := smoke.Run(ctx, s, smoke.Options{LinkTimeout: storageWait, Report: func(c smoke.Check) { t.Log(c) }})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range checks {
		names = append(names, c.Name)
	}
	return names, checks[len(checks)-1].Note
}

// objectExists reports whether the external storage bucket of st holds name.
func objectExists(t *testing.T, st *localstack.Stack, name string) bool {
	t.Helper()
	c, err := localstack.NewStorageClient(context.Background(), st.GCSHost)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Bucket(st.CCAIBucket).Object(name).Attrs(context.Background())
	if errors.Is(err, storage.ErrObjectNotExist) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// The smoke test (scripts/smoke) passes against the local stack from its
// portal settings file, with each authentication method, and with the
// external storage bucket it writes a file into, sees it linked and
// deletes it again.
func TestSmoke(t *testing.T) {
	t.Run("custom_header with external storage", func(t *testing.T) {
		s, err := portal.Read(stack.SettingsPath)
		if err != nil {
			t.Fatal(err)
		}
		if s.ExternalStorage == nil {
			t.Fatal("the local settings file names no external storage")
		}
		names, last := runSmoke(t, s)
		if objectExists(t, stack, strings.TrimPrefix(last, "gs://"+stack.CCAIBucket+"/")) {
			t.Errorf("%s is still in the bucket", last)
		}
		for _, want := range []string{"create account", "comment", "download the uploaded file", "external storage: file linked to the record", "clean up: delete the storage file"} {
			if !contains(names, want) {
				t.Errorf("check %q did not run; ran %q", want, names)
			}
		}
	})
	t.Run("basic", func(t *testing.T) {
		// With a folder path: the file goes under it.
		st, s := startStack(t, localstack.Options{Auth: auth.Config{Method: auth.MethodBasic, BasicUsername: "ccaip", BasicPassword: "smoke-basic-password"},
			Env: []string{"CRM_CCAI_FOLDER_PATH=crm/smoke"}})
		s.ExternalStorage.FolderPath = "crm/smoke"
		names, last := runSmoke(t, s)
		if len(names) != 18 {
			t.Errorf("ran %d checks, want 18: %q", len(names), names)
		}
		if !strings.HasPrefix(last, "gs://"+st.CCAIBucket+"/crm/smoke/ujet-media/call-smoke-") {
			t.Errorf("deleted %s, want a photo under the folder path", last)
		}
		if objectExists(t, st, strings.TrimPrefix(last, "gs://"+st.CCAIBucket+"/")) {
			t.Errorf("%s is still in the bucket", last)
		}
	})
	t.Run("oauth", func(t *testing.T) {
		_, s := startStack(t, localstack.Options{Auth: auth.Config{Method: auth.MethodOAuth}})
		s.ExternalStorage = nil
		if names, _ := runSmoke(t, s); names[0] != "OAuth: authorize (test login) and get a token" || len(names) != 16 {
			t.Errorf("ran %q, want the OAuth authorization and 15 more", names)
		}
		// The file's top-level test_login serves when auth.oauth has none.
		login := *s.Auth.OAuth.TestLogin
		oauth := *s.Auth.OAuth
		oauth.TestLogin = nil
		s.Auth.OAuth, s.TestLogin = &oauth, &login
		runSmoke(t, s)
		// Without any login the run stops at once, saying what to add.
		s.TestLogin = nil
		checks, err := smoke.Run(context.Background(), s, smoke.Options{})
		if err == nil || !strings.Contains(err.Error(), "test_login") || len(checks) != 1 {
			t.Errorf("without a login: got %v after %d checks, want the missing test_login named", err, len(checks))
		}
	})
}

// A deployment that refuses the file's credentials fails the smoke test at
// its first call, naming the answer, and nothing more runs; one that fails
// after the record was made still gets the record closed.
func TestSmokeFails(t *testing.T) {
	read := func() portal.Settings {
		s, err := portal.Read(stack.SettingsPath)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := read()
	s.Auth.CustomHeader = []portal.HeaderField{{Key: "X-Api-Key", Value: "wrong-key-0123456789abcdef"}}
	checks, err := smoke.Run(context.Background(), s, smoke.Options{})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("got error %v, want the 401 of the first call", err)
	}
	if len(checks) != 1 || checks[0].Err == nil || !strings.HasPrefix(checks[0].String(), "FAIL") {
		t.Errorf("checks: got %v, want the first one failed and no other", checks)
	}

	s = read()
	broken := *s.Endpoints.UploadFile
	broken.URL = "http://127.0.0.1:1/records/{RECORD_ID}/attachments" // nothing listens there
	s.Endpoints.UploadFile = &broken
	checks, err = smoke.Run(context.Background(), s, smoke.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "upload file: ") {
		t.Fatalf("got error %v, want the upload's", err)
	}
	last := checks[len(checks)-1]
	recordID := strings.TrimPrefix(last.Note, "record ")
	recordID, _, _ = strings.Cut(recordID, " ")
	if last.Name != "close the record (smoke data)" || last.Err != nil {
		t.Fatalf("last check: got %v, want the record closed", last)
	}
	if r := record(t, newPlayer(t), recordID); r.Open {
		t.Errorf("record %s still open after the failed run: %+v", recordID, r.RecordJSON)
	}

	// An endpoint slower than the portal's API request timeout fails, as
	// CCAI Platform would give up on it.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close() // accepts connections (the backlog) and never answers
	s = read()
	s.APIRequestTimeoutSeconds = 1
	slow := *s.Endpoints.FindAccountByQuery
	slow.URL = "http://" + silent.Addr().String() + "/accounts/search"
	s.Endpoints.FindAccountByQuery = &slow
	start := time.Now()
	checks, err = smoke.Run(context.Background(), s, smoke.Options{})
	if err == nil || !strings.Contains(err.Error(), "Timeout") || len(checks) != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("slow endpoint: got %v after %d checks and %s, want a timeout after 1 s", err, len(checks), time.Since(start))
	}
}

// scripts/smoke, as a user runs it: exit status 0 and every check printed
// with its latency against the local stack's settings file; exit status 1
// with the failed check printed when the deployment refuses the file's
// credentials.
func TestSmokeScript(t *testing.T) {
	run := func(file string) (int, string) {
		cmd := exec.Command("../scripts/smoke", file, "-link-timeout", "30s")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	code, out := run(stack.SettingsPath)
	if code != 0 || !strings.Contains(out, "all 18 checks passed") || !regexp.MustCompile(`(?m)^ok +[0-9]+ ms  create account `).MatchString(out) {
		t.Errorf("exit status %d, output:\n%s", code, out)
	}

	s, err := portal.Read(stack.SettingsPath)
	if err != nil {
		t.Fatal(err)
	}
	s.Auth.CustomHeader = []portal.HeaderField{{Key: "X-Api-Key", Value: "wrong-key-0123456789abcdef"}}
	wrong := filepath.Join(t.TempDir(), "portal-settings.json")
	if err := portal.Write(wrong, s); err != nil {
		t.Fatal(err)
	}
	if code, out := run(wrong); code != 1 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "401") {
		t.Errorf("wrong key: exit status %d, output:\n%s", code, out)
	}
}

// Package e2e starts the whole CRM (every function in its own process, on
// the Firestore emulator) and calls it over HTTP exactly as CCAI Platform
// would, reading the portal settings file the local stack wrote.
package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/portal"
	"example.com/crm/shared/testenv"
)

var stack *localstack.Stack

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	host := os.Getenv("FIRESTORE_EMULATOR_HOST")
	if host == "" {
		if os.Getenv("CRM_REQUIRE_EMULATORS") == "1" {
			fmt.Fprintln(os.Stderr, "e2e: FIRESTORE_EMULATOR_HOST is not set but CRM_REQUIRE_EMULATORS=1: run scripts/test")
			return 1
		}
		fmt.Println("e2e: FIRESTORE_EMULATOR_HOST not set: skipping (run scripts/test)")
		return 0
	}
	dir, err := os.MkdirTemp("", "crm-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	stackLog = logFile(dir)
	stack, err = localstack.Start(context.Background(), localstack.Options{
		Dir: dir, Project: testenv.Project(), FirestoreHost: host, Log: logWriter(dir),
		PubSubHost: os.Getenv("PUBSUB_EMULATOR_HOST"), GCSHost: os.Getenv("STORAGE_EMULATOR_HOST"), GCSEvents: os.Getenv("CRM_GCS_EVENTS"),
		Env:  []string{"CRM_UNLINKED_AFTER=2s"},
		Auth: auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{"e2e-key-0123456789abcdef", "e2e-old-key-0123456789"}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start stack:", err)
		return 1
	}
	defer stack.Stop()
	code := m.Run()
	if code != 0 {
		keepLog()
	}
	return code
}

// stackLog is the file of the shared stack's functions' logs (other
// stacks a test starts have their own).
var stackLog string

// logWriter writes the functions' logs to stack.log in dir (the shared
// stack's goes away with the run unless a test fails: keepLog), and to the
// terminal too with E2E_VERBOSE=1.
func logWriter(dir string) io.Writer {
	f, err := os.Create(logFile(dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return os.Stdout
	}
	if os.Getenv("E2E_VERBOSE") == "1" {
		return io.MultiWriter(f, os.Stdout)
	}
	return f
}

// logFile is the file of the logs of a stack started in dir.
func logFile(dir string) string { return dir + "/stack.log" }

// keepLog copies the functions' logs into CRM_TEST_LOGS (scripts/test
// sets it) when it is set, and says where.
func keepLog() {
	dir := os.Getenv("CRM_TEST_LOGS")
	if dir == "" || stackLog == "" {
		return
	}
	b, err := os.ReadFile(stackLog)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(dir+"/e2e-stack.log", b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: keeping the functions' logs:", err)
		return
	}
	fmt.Fprintln(os.Stderr, "e2e: the functions' logs are in", dir+"/e2e-stack.log")
}

// newPlayer reads the portal settings file the stack wrote, as an
// outside tool would.
func newPlayer(t *testing.T) *ccaiplayer.Player {
	t.Helper()
	s, err := portal.Read(stack.SettingsPath)
	if err != nil {
		t.Fatal(err)
	}
	return ccaiplayer.New(s)
}

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
	return m.Run()
}

// logWriter sends the functions' logs to the terminal with E2E_VERBOSE=1,
// else to a file that goes away with the run.
func logWriter(dir string) io.Writer {
	if os.Getenv("E2E_VERBOSE") == "1" {
		return os.Stdout
	}
	f, err := os.Create(dir + "/stack.log")
	if err != nil {
		return io.Discard
	}
	return f
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

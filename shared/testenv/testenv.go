// Package testenv gives tests the emulators that scripts/test starts. A
// bare `go test ./...` without them skips the emulator tests; with
// CRM_REQUIRE_EMULATORS=1 (set by scripts/test, hence CI) a missing
// emulator fails the test instead, so nothing skips silently.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"cloud.google.com/go/firestore"
)

// FirestoreHost returns FIRESTORE_EMULATOR_HOST, or skips (fails when
// emulators are required) without it.
func FirestoreHost(t testing.TB) string {
	t.Helper()
	host := os.Getenv("FIRESTORE_EMULATOR_HOST")
	if host == "" {
		if os.Getenv("CRM_REQUIRE_EMULATORS") == "1" {
			t.Fatal("FIRESTORE_EMULATOR_HOST is not set but CRM_REQUIRE_EMULATORS=1: run scripts/test")
		}
		t.Skip("FIRESTORE_EMULATOR_HOST not set: run scripts/test to start the emulators")
	}
	return host
}

// Emulators are the hosts of the emulators scripts/test starts.
type Emulators struct {
	Firestore, PubSub, GCS string
	// GCSEvents is "project/topic" of the GCS emulator's notifications.
	GCSEvents string
}

// All returns every emulator, or skips (fails when emulators are
// required) when one is missing.
func All(t testing.TB) Emulators {
	t.Helper()
	e := Emulators{Firestore: FirestoreHost(t), PubSub: os.Getenv("PUBSUB_EMULATOR_HOST"), GCS: os.Getenv("STORAGE_EMULATOR_HOST"), GCSEvents: os.Getenv("CRM_GCS_EVENTS")}
	if e.PubSub == "" || e.GCS == "" || e.GCSEvents == "" {
		if os.Getenv("CRM_REQUIRE_EMULATORS") == "1" {
			t.Fatal("PUBSUB_EMULATOR_HOST, STORAGE_EMULATOR_HOST or CRM_GCS_EVENTS is not set but CRM_REQUIRE_EMULATORS=1: run scripts/test")
		}
		t.Skip("the Pub/Sub and Cloud Storage emulators are not set: run scripts/test")
	}
	return e
}

// Project returns a fresh project id: each test gets its own data in
// the one emulator.
func Project() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "demo-t" + hex.EncodeToString(b)
}

// Firestore returns a client of a fresh project on the emulator, closed
// when the test ends.
func Firestore(t testing.TB) *firestore.Client {
	t.Helper()
	FirestoreHost(t)
	c, err := firestore.NewClient(context.Background(), Project())
	if err != nil {
		t.Fatalf("firestore client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Fixture returns the content of a file of the repository's testdata/
// folder (name relative to it, such as "metadata/call-1418.json"),
// failing the test when it cannot be read. The folder is found from the
// test's working directory (its package's folder) up to the module root:
// nothing outside the repository is read.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ModuleRoot(t), "testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

// ModuleRoot returns the folder of the module's go.mod, the nearest one
// above the test's working directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

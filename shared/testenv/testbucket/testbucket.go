// Package testbucket gives a test a bucket of its own on the Cloud
// Storage emulator (scripts/test starts it), in a fresh project, with the
// project's storage client. It is apart from testenv, which the local
// stack's own tests import.
package testbucket

import (
	"context"
	"testing"

	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/testenv"
)

// Bucket is a test's bucket.
type Bucket struct {
	Emulators testenv.Emulators
	Project   string // a fresh project id (testenv.Project)
	Name      string // Project + the suffix given to New
	Blobs     *gcpstorage.Store
}

// New creates the bucket Project+suffix on the emulator and opens the
// storage client, closed with the test. Without the emulators it skips
// (fails when they are required), as testenv.All does.
func New(t testing.TB, suffix string) Bucket {
	t.Helper()
	b := Bucket{Emulators: testenv.All(t), Project: testenv.Project()}
	b.Name = b.Project + suffix
	ctx := context.Background()
	if err := localstack.CreateBucket(ctx, b.Emulators.GCS, b.Project, b.Name); err != nil {
		t.Fatal(err)
	}
	blobs, err := gcpstorage.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	b.Blobs = blobs
	return b
}

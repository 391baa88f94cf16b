package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// gcsTool is fake-gcs-server, pinned in go.mod as a module tool.
const gcsTool = "github.com/fsouza/fake-gcs-server"

// BuildGCS builds fake-gcs-server (the version go.mod pins as a tool) into
// dir and returns the binary's path (see buildTool).
func BuildGCS(ctx context.Context, dir string) (string, error) {
	return buildTool(ctx, dir, gcsTool, "fake-gcs-server")
}

// buildTool builds the module tool pkg (the version go.mod pins) into
// dir/name and returns the binary's path. It runs `go build` in the
// current directory, which must be inside this module (tests and the dev
// command are). Go's build cache makes later builds take a second or two.
func buildTool(ctx context.Context, dir, pkg, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin, err := filepath.Abs(filepath.Join(dir, name))
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", name, err, out)
	}
	return bin, nil
}

// StartGCS starts fake-gcs-server from bin (built by BuildGCS; empty runs
// `go tool fake-gcs-server`, slower to start) on addr ("127.0.0.1:4443"),
// plain HTTP, in-memory, and waits until it answers. Clients use
// STORAGE_EMULATOR_HOST=addr or NewStorageClient.
//
// With pubsubAddr, project and topic set, every object write (create and
// overwrite) publishes an OBJECT_FINALIZE notification to
// projects/<project>/topics/<topic> on the Pub/Sub emulator at pubsubAddr;
// the topic must exist by then (StartStorageTrigger or CreateTopic makes
// it), else the event is lost with "error publishing event" in the log.
// Buckets are created by the caller (CreateBucket).
func StartGCS(ctx context.Context, bin, addr, pubsubAddr, project, topic string, log io.Writer) (*Process, error) {
	if log == nil {
		log = io.Discard
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("fake-gcs-server address %q: %w", addr, err)
	}
	args := []string{
		"-scheme", "http",
		"-host", host,
		"-port", port,
		"-backend", "memory",
		"-public-host", addr,
		"-external-url", "http://" + addr,
	}
	env := os.Environ()
	if pubsubAddr != "" && project != "" && topic != "" {
		args = append(args,
			"-event.pubsub-project-id", project,
			"-event.pubsub-topic", topic,
			"-event.list", "finalize",
		)
		env = append(env, "PUBSUB_EMULATOR_HOST="+pubsubAddr)
	}
	var cmd *exec.Cmd
	if bin == "" {
		cmd = exec.Command("go", append([]string{"tool", "fake-gcs-server"}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	cmd.Env = env
	p, err := start("fake-gcs-server", cmd, log)
	if err != nil {
		return nil, err
	}
	limit := 30 * time.Second
	if bin == "" {
		limit = 3 * time.Minute // go tool may have to build it first
	}
	if err := waitHTTP(ctx, p, addr, limit); err != nil {
		p.Stop()
		return nil, fmt.Errorf("fake-gcs-server on %s: %w", addr, err)
	}
	return p, nil
}

// NewStorageClient returns a Cloud Storage client of the fake-gcs-server
// at gcsAddr, as STORAGE_EMULATOR_HOST=gcsAddr would (JSON API, no auth).
func NewStorageClient(ctx context.Context, gcsAddr string) (*storage.Client, error) {
	return storage.NewClient(ctx,
		option.WithEndpoint("http://"+gcsAddr+"/storage/v1/"),
		option.WithoutAuthentication(),
	)
}

// CreateBucket creates bucket in project on the fake-gcs-server at gcsAddr.
// An existing bucket is fine.
func CreateBucket(ctx context.Context, gcsAddr, project, bucket string) error {
	c, err := NewStorageClient(ctx, gcsAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	err = c.Bucket(bucket).Create(ctx, project, nil)
	var gerr *googleapi.Error
	if errors.As(err, &gerr) && gerr.Code == http.StatusConflict {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return nil
}

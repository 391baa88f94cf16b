package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"time"
)

// StartPubSub starts the Pub/Sub emulator on addr ("127.0.0.1:8085") and
// waits until it answers HTTP. Clients reach it through
// PUBSUB_EMULATOR_HOST=addr (gRPC) or its REST API at http://addr/v1/.
func StartPubSub(ctx context.Context, addr string, log io.Writer) (*Process, error) {
	if log == nil {
		log = io.Discard
	}
	// Without "beta", Cloud SDK 528 answers "Invalid choice".
	cmd := exec.Command("gcloud", "beta", "emulators", "pubsub", "start", "--host-port="+addr, "--quiet")
	p, err := start("pubsub emulator", cmd, log)
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, p, addr, 90*time.Second); err != nil {
		p.Stop()
		return nil, fmt.Errorf("pubsub emulator on %s: %w", addr, err)
	}
	return p, nil
}

// CreateTopic creates projects/<project>/topics/<topic> on the Pub/Sub
// emulator at pubsubAddr through its REST API. An existing topic is fine.
func CreateTopic(ctx context.Context, pubsubAddr, project, topic string) error {
	return pubsubPut(ctx, pubsubAddr, "projects/"+project+"/topics/"+topic, struct{}{})
}

// pubsubPut PUTs body as JSON to http://<addr>/v1/<name>, accepting 409
// (already exists) as success.
func pubsubPut(ctx context.Context, addr, name string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	status, msg, err := pubsubDo(ctx, http.MethodPut, addr, name, b)
	if err != nil {
		return err
	}
	if status/100 == 2 || status == http.StatusConflict {
		return nil
	}
	return fmt.Errorf("pubsub emulator: PUT %s: %d %s", name, status, msg)
}

// pubsubDelete deletes a resource; a missing one is fine.
func pubsubDelete(ctx context.Context, addr, name string) error {
	status, msg, err := pubsubDo(ctx, http.MethodDelete, addr, name, nil)
	if err != nil {
		return err
	}
	if status/100 == 2 || status == http.StatusNotFound {
		return nil
	}
	return fmt.Errorf("pubsub emulator: DELETE %s: %d %s", name, status, msg)
}

func pubsubDo(ctx context.Context, method, addr, name string, body []byte) (int, string, error) {
	u := (&url.URL{Scheme: "http", Host: addr, Path: "/v1/" + name}).String()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("pubsub emulator: %s %s: %w", method, name, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(bytes.TrimSpace(msg)), nil
}

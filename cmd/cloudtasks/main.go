// Command cloudtasks runs the local Cloud Tasks server (shared/taskemu)
// until interrupted, creating the queues named with -queue (as Terraform
// does in the cloud) with the retry settings given:
//
//	go run ./cmd/cloudtasks -addr 127.0.0.1:8123 \
//		-queue projects/local/locations/us-central1/queues/outcome-emails \
//		-min-backoff 1s -max-backoff 10s -max-attempts 5
//
// Clients connect with option.WithEndpoint(addr), option.WithoutAuthentication()
// and insecure transport credentials. Unset retry flags take the cloud's
// defaults.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"google.golang.org/protobuf/types/known/durationpb"

	"example.com/crm/shared/taskemu"
)

type queues []string

func (q *queues) String() string     { return strings.Join(*q, ",") }
func (q *queues) Set(v string) error { *q = append(*q, v); return nil }

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	var names queues
	flag.Var(&names, "queue", "queue to create, projects/P/locations/L/queues/Q (repeatable)")
	minBackoff := flag.Duration("min-backoff", 0, "queues' min_backoff (0: the cloud's default, 0.1s)")
	maxBackoff := flag.Duration("max-backoff", 0, "queues' max_backoff (0: the cloud's default, 1h)")
	maxDoublings := flag.Int("max-doublings", 0, "queues' max_doublings (0: the cloud's default, 16)")
	maxAttempts := flag.Int("max-attempts", 0, "queues' max_attempts (0: the cloud's default, 100; -1: unlimited)")
	verbose := flag.Bool("v", false, "log failed attempts and stopped tasks")
	flag.Parse()

	opts := taskemu.Options{Addr: *addr}
	if *verbose {
		opts.Log = os.Stderr
	}
	srv, err := taskemu.Start(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	retry := &cloudtaskspb.RetryConfig{MaxAttempts: int32(*maxAttempts), MaxDoublings: int32(*maxDoublings)}
	if *minBackoff > 0 {
		retry.MinBackoff = durationpb.New(*minBackoff)
	}
	if *maxBackoff > 0 {
		retry.MaxBackoff = durationpb.New(*maxBackoff)
	}
	for _, name := range names {
		parent, _, ok := strings.Cut(name, "/queues/")
		if !ok {
			log.Fatalf("queue %q is not projects/P/locations/L/queues/Q", name)
		}
		if _, err := srv.CreateQueue(context.Background(), &cloudtaskspb.CreateQueueRequest{
			Parent: parent, Queue: &cloudtaskspb.Queue{Name: name, RetryConfig: retry},
		}); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(srv.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
}

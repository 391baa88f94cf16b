// Command backfill processes every object already in the external storage
// bucket through the ingest service (shared/ingest.Objects), as the
// storage trigger does (for example after the
// integration is switched on for a bucket that already holds files). It
// is idempotent: run it again and nothing is linked twice. It prints a
// progress bar and a summary: linked, waiting for their session,
// unrecognised names, malformed metadata files.
//
//	GOOGLE_CLOUD_PROJECT=… CRM_CCAI_BUCKET=… [CRM_CCAI_FOLDER_PATH=…] go run ./cmd/backfill
//
// It reads the functions' variables it needs: GOOGLE_CLOUD_PROJECT,
// FIRESTORE_DATABASE, CRM_CCAI_BUCKET, CRM_CCAI_FOLDER_PATH,
// CRM_EVENTS_TOPIC, CRM_PHONE_REGION, and the emulators' *_EMULATOR_HOST
// in local runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcppubsub"
	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/logging"
	"example.com/crm/shared/objectname"
)

func main() {
	quiet := flag.Bool("q", false, "no progress bar")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	counts, err := run(ctx, os.Stdout, !*quiet)
	printSummary(os.Stdout, counts)
	if err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer, bar bool) (map[ingest.Outcome]int, error) {
	counts := map[ingest.Outcome]int{}
	cfg := settings{
		Project: os.Getenv("GOOGLE_CLOUD_PROJECT"), Database: os.Getenv("FIRESTORE_DATABASE"),
		CCAIBucket: os.Getenv("CRM_CCAI_BUCKET"), CCAIFolderPath: strings.Trim(os.Getenv("CRM_CCAI_FOLDER_PATH"), "/"),
		EventsTopic: os.Getenv("CRM_EVENTS_TOPIC"), PhoneRegion: os.Getenv("CRM_PHONE_REGION"),
	}
	if cfg.Project == "" || cfg.CCAIBucket == "" {
		return counts, errors.New("set GOOGLE_CLOUD_PROJECT and CRM_CCAI_BUCKET")
	}
	if cfg.PhoneRegion == "" {
		cfg.PhoneRegion = "US"
	}
	store, err := gcpfirestore.Open(ctx, cfg.Project, cfg.Database)
	if err != nil {
		return counts, err
	}
	defer store.Close()
	blobs, err := gcpstorage.Open(ctx)
	if err != nil {
		return counts, err
	}
	defer blobs.Close()
	var events crm.Events
	if cfg.EventsTopic != "" {
		p, err := gcppubsub.Open(ctx, cfg.Project, cfg.EventsTopic)
		if err != nil {
			return counts, err
		}
		defer p.Close()
		events = p
	}
	logs, err := os.CreateTemp("", "crm-backfill-*.log")
	if err != nil {
		return counts, err
	}
	defer logs.Close()
	fmt.Fprintf(out, "details are logged to %s\n", logs.Name())
	objects := ingest.Objects{Blobs: blobs, FolderPath: cfg.CCAIFolderPath,
		Ingest: ingest.Service{Store: store, Events: events, PhoneRegion: cfg.PhoneRegion, Log: logging.New(logs, cfg.Project)}}

	names, err := list(ctx, cfg.CCAIBucket, cfg.CCAIFolderPath)
	if err != nil {
		return counts, err
	}
	// Metadata last: the sessions the other files wait for are then
	// known when the metadata links them.
	isMetadata := func(name string) bool {
		n, ok := objectname.Parse(name, cfg.CCAIFolderPath)
		return ok && n.Kind == objectname.Metadata
	}
	sort.SliceStable(names, func(i, j int) bool { return !isMetadata(names[i].Name) && isMetadata(names[j].Name) })
	start := time.Now()
	for i, o := range names {
		outcome, err := objects.Process(ctx, o)
		if err != nil {
			return counts, fmt.Errorf("%s: %w (run again to resume: what is done stays done)", o.Name, err)
		}
		counts[outcome]++
		if bar {
			progress(out, i+1, len(names), start)
		}
	}
	if bar {
		fmt.Fprintln(out)
	}
	return counts, nil
}

// settings are the variables backfill reads.
type settings struct {
	Project, Database, CCAIBucket, CCAIFolderPath, EventsTopic, PhoneRegion string
}

// list returns every object under folderPath.
func list(ctx context.Context, bucket, folderPath string) ([]ingest.Object, error) {
	c, err := storage.NewClient(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	prefix := ""
	if folderPath != "" {
		prefix = strings.Trim(folderPath, "/") + "/"
	}
	it := c.Bucket(bucket).Objects(ctx, &storage.Query{Prefix: prefix})
	var out []ingest.Object
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list gs://%s/%s: %w", bucket, prefix, err)
		}
		out = append(out, ingest.Object{Bucket: bucket, Name: a.Name, Size: fmt.Sprint(a.Size), ContentType: a.ContentType})
	}
}

func progress(out io.Writer, done, total int, start time.Time) {
	const width = 40
	filled := width * done / max(total, 1)
	rate := float64(done) / max(time.Since(start).Seconds(), 0.001)
	fmt.Fprintf(out, "\r[%s%s] %d/%d  %.0f/s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, rate)
}

func printSummary(out io.Writer, counts map[ingest.Outcome]int) {
	fmt.Fprintf(out, "linked %d, waiting %d, unrecognised %d, malformed %d, gone %d\n",
		counts[ingest.Linked], counts[ingest.Waiting], counts[ingest.Unrecognised],
		counts[ingest.Malformed], counts[ingest.Gone])
}

// Command backfill processes objects of the external storage bucket
// through the ingest service (shared/ingest.Objects), as the storage
// trigger does: every object in the bucket (for example after the
// integration is switched on for a bucket that already holds files), or,
// with -dead-letters, the storage notifications the trigger's subscription
// gave up on (its dead-letter subscription; terraform output
// storage_dead_letters). It is idempotent: run it again and nothing is
// linked twice. It prints a summary: linked, waiting for their session,
// unrecognised names, malformed metadata files.
//
//	GOOGLE_CLOUD_PROJECT=… CRM_CCAI_BUCKET=… [CRM_CCAI_FOLDER_PATH=…] go run ./cmd/backfill
//	GOOGLE_CLOUD_PROJECT=… CRM_CCAI_BUCKET=… go run ./cmd/backfill -dead-letters crm-storage-dead-letters
//
// A dead letter is acknowledged (removed) only once its object is
// processed, or when it carries none to process (the function would have
// skipped it too); one that fails again stays for the next run.
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

	"example.com/crm/functions/storageobject"
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
	deadLetters := flag.String("dead-letters", "", "replay the storage notifications kept on this dead-letter `subscription` (ID, or projects/P/subscriptions/S) instead of listing the bucket")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *deadLetters != "" {
		r, err := runDeadLetters(ctx, os.Stdout, *deadLetters)
		printSummary(os.Stdout, r.Outcomes)
		fmt.Fprintf(os.Stdout, "dead letters: processed %d, skipped %d (no object of the bucket to process), failed %d\n", r.processed(), r.Skipped, r.Failed)
		if err != nil {
			log.Fatal(err)
		}
		if r.Failed > 0 {
			log.Fatalf("%d dead letters failed again and stay on the subscription: fix the cause (see the log) and run again", r.Failed)
		}
		return
	}
	counts, err := run(ctx, os.Stdout, !*quiet)
	printSummary(os.Stdout, counts)
	if err != nil {
		log.Fatal(err)
	}
}

// open reads the settings and returns the ingest path of the storage
// trigger, and what closes it.
func open(ctx context.Context, out io.Writer) (settings, ingest.Objects, func(), error) {
	cfg := settings{
		Project: os.Getenv("GOOGLE_CLOUD_PROJECT"), Database: os.Getenv("FIRESTORE_DATABASE"),
		CCAIBucket: os.Getenv("CRM_CCAI_BUCKET"), CCAIFolderPath: strings.Trim(os.Getenv("CRM_CCAI_FOLDER_PATH"), "/"),
		EventsTopic: os.Getenv("CRM_EVENTS_TOPIC"), PhoneRegion: os.Getenv("CRM_PHONE_REGION"),
	}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(err error) (settings, ingest.Objects, func(), error) {
		closeAll()
		return cfg, ingest.Objects{}, func() {}, err
	}
	if cfg.Project == "" || cfg.CCAIBucket == "" {
		return fail(errors.New("set GOOGLE_CLOUD_PROJECT and CRM_CCAI_BUCKET"))
	}
	if cfg.PhoneRegion == "" {
		cfg.PhoneRegion = "US"
	}
	store, err := gcpfirestore.Open(ctx, cfg.Project, cfg.Database)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { store.Close() })
	blobs, err := gcpstorage.Open(ctx)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { blobs.Close() })
	var events crm.Events
	if cfg.EventsTopic != "" {
		p, err := gcppubsub.Open(ctx, cfg.Project, cfg.EventsTopic)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, func() { p.Close() })
		events = p
	}
	logs, err := os.CreateTemp("", "crm-backfill-*.log")
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { logs.Close() })
	fmt.Fprintf(out, "details are logged to %s\n", logs.Name())
	objects := ingest.Objects{Blobs: blobs, FolderPath: cfg.CCAIFolderPath,
		Ingest: ingest.Service{Store: store, Events: events, PhoneRegion: cfg.PhoneRegion, Log: logging.New(logs, cfg.Project)}}
	return cfg, objects, closeAll, nil
}

func run(ctx context.Context, out io.Writer, bar bool) (map[ingest.Outcome]int, error) {
	counts := map[ingest.Outcome]int{}
	cfg, objects, closeAll, err := open(ctx, out)
	defer closeAll()
	if err != nil {
		return counts, err
	}
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

// runDeadLetters replays the dead-letter subscription.
func runDeadLetters(ctx context.Context, out io.Writer, subscription string) (replayed, error) {
	cfg, objects, closeAll, err := open(ctx, out)
	defer closeAll()
	if err != nil {
		return replayed{}, err
	}
	sub, err := gcppubsub.OpenSubscription(ctx, cfg.Project, subscription)
	if err != nil {
		return replayed{}, err
	}
	defer sub.Close()
	fmt.Fprintf(out, "replaying %s\n", sub.Name())
	return replay(ctx, out, sub, objects, storageobject.Handler{Bucket: cfg.CCAIBucket}.FromNotification)
}

// deadLetters is the subscription a replay pulls (gcppubsub.Subscription).
type deadLetters interface {
	Pull(ctx context.Context, max int) ([]gcppubsub.Message, error)
	Ack(ctx context.Context, ackIDs ...string) error
	Release(ctx context.Context, ackIDs ...string) error
}

// processor is the ingest path of the storage trigger (ingest.Objects).
type processor interface {
	Process(ctx context.Context, obj ingest.Object) (ingest.Outcome, error)
}

// replayed counts a replay's messages: the outcomes of those processed,
// those skipped (no object of the bucket to process) and those that failed.
type replayed struct {
	Outcomes        map[ingest.Outcome]int
	Skipped, Failed int
}

func (r replayed) processed() int {
	n := 0
	for _, v := range r.Outcomes {
		n += v
	}
	return n
}

// replay pulls the dead letters until a pull brings no message it has not
// seen, processes each message's object and acknowledges it, or, with
// nothing to process (decode gives a reason), acknowledges it too. A
// message whose processing fails stays leased until the end, then is
// released for the next run. Errors of Pub/Sub itself end the replay.
func replay(ctx context.Context, out io.Writer, sub deadLetters, objects processor,
	decode func(attributes map[string]string, data []byte) (ingest.Object, string)) (replayed, error) {
	r := replayed{Outcomes: map[ingest.Outcome]int{}}
	failed := map[string]string{} // message ID -> its latest ack ID
	seen := map[string]bool{}
	release := func() error {
		ids := make([]string, 0, len(failed))
		for _, ack := range failed {
			ids = append(ids, ack)
		}
		return sub.Release(context.WithoutCancel(ctx), ids...)
	}
	for {
		msgs, err := sub.Pull(ctx, 100)
		if err != nil {
			return r, errors.Join(err, release())
		}
		fresh := 0
		var acks []string
		for _, m := range msgs {
			if seen[m.ID] {
				if _, ok := failed[m.ID]; ok {
					failed[m.ID] = m.AckID
				}
				continue
			}
			seen[m.ID] = true
			fresh++
			obj, skip := decode(m.Attributes, m.Data)
			if skip != "" {
				fmt.Fprintf(out, "message %s skipped: %s\n", m.ID, skip)
				r.Skipped++
				acks = append(acks, m.AckID)
				continue
			}
			outcome, err := objects.Process(ctx, obj)
			if err != nil {
				fmt.Fprintf(out, "gs://%s/%s failed: %v\n", obj.Bucket, obj.Name, err)
				r.Failed++
				failed[m.ID] = m.AckID
				continue
			}
			r.Outcomes[outcome]++
			acks = append(acks, m.AckID)
		}
		if err := sub.Ack(ctx, acks...); err != nil {
			return r, errors.Join(err, release())
		}
		if fresh == 0 {
			return r, release()
		}
	}
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

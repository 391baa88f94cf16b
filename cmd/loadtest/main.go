// Command loadtest measures the latency of every Generic API endpoint on
// the local stack (functions in their own processes, Firestore emulator)
// and the Firestore reads and writes each request costs, as the
// functions log them. It calls the endpoints as CCAI Platform would,
// through the portal settings file, and prints a table. It is a
// benchmark, not a test: numbers vary with the machine.
//
//	go run ./cmd/loadtest [-n 200] [-c 1]
//	go run ./cmd/loadtest -sessions 50   # Firestore reads and writes per session
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
)

func main() {
	n := flag.Int("n", 200, "requests per endpoint")
	c := flag.Int("c", 1, "concurrent callers")
	method := flag.String("auth", auth.MethodCustomHeader, "authentication method: custom_header, basic or oauth")
	sessionsN := flag.Int("sessions", 0, "instead of timing endpoints, play this many whole sessions of each kind and print their Firestore reads and writes per session")
	flag.Parse()
	if err := run(*n, *c, *method, *sessionsN); err != nil {
		log.Fatal(err)
	}
}

type step struct {
	label    string
	endpoint string // the function that logs it
	do       func(ctx context.Context, i int) error
}

func run(n, conc int, method string, sessionsN int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "crm-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logPath := filepath.Join(dir, "stack.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "starting the local stack...")
	stack, err := localstack.Start(ctx, localstack.Options{
		Dir: dir, Project: fmt.Sprintf("demo-load%d", time.Now().UnixNano()%1e9), FirestoreHost: os.Getenv("FIRESTORE_EMULATOR_HOST"), Log: logFile,
		Auth: auth.Config{Method: method, HeaderName: "X-Api-Key", APIKeys: []string{"loadtest-key-0123456789"},
			BasicUsername: "ccaip", BasicPassword: "loadtest-password"},
	})
	if err != nil {
		return err
	}
	defer stack.Stop()
	p := ccaiplayer.New(stack.Settings)
	if method == auth.MethodOAuth {
		if err := p.Connect(ctx); err != nil {
			return err
		}
	}
	run := fmt.Sprint(time.Now().UnixNano() % 1e6)
	if sessionsN > 0 {
		return sessions(ctx, stack, p, sessionsN, run, logPath)
	}
	phone := func(i int) string { return fmt.Sprintf("+1202%07d", (i*7919)%9_000_000+1_000_000) }
	accounts := make([]string, n)
	records := make([]string, n)
	expect := func(res ccaiplayer.Result, err error, want ...int) error {
		if err != nil {
			return err
		}
		if !slices.Contains(want, res.Status) {
			return fmt.Errorf("got %d %s", res.Status, res.Body)
		}
		return nil
	}
	steps := []step{
		{"create account (new caller)", "CreateAccount", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "create_account", ccaiplayer.Vars{"NAME": "Load " + fmt.Sprint(i), "PHONE_NUMBER": phone(i), "EMAIL": fmt.Sprintf("load%s-%d@example.com", run, i)})
			accounts[i] = res.ID
			return expect(res, err, 201)
		}},
		{"create account (retry)", "CreateAccount", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "create_account", ccaiplayer.Vars{"NAME": "Load " + fmt.Sprint(i), "PHONE_NUMBER": phone(i), "EMAIL": fmt.Sprintf("load%s-%d@example.com", run, i)})
			return expect(res, err, 200)
		}},
		{"find account by query (found)", "FindAccountByQuery", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "find_account_by_query", ccaiplayer.Vars{"PHONE_NUMBER": phone(i)})
			return expect(res, err, 200)
		}},
		{"find account by query (not found)", "FindAccountByQuery", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "find_account_by_query", ccaiplayer.Vars{"PHONE_NUMBER": fmt.Sprintf("+1303%07d", i+1_000_000)})
			return expect(res, err, 404)
		}},
		{"find account by query (unknown caller)", "FindAccountByQuery", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "find_account_by_query", unknownCaller(run, i))
			return expect(res, err, 404)
		}},
		{"find account by ID", "FindAccountByID", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "find_account_by_id", ccaiplayer.Vars{"ACCOUNT_ID": accounts[i]})
			return expect(res, err, 200)
		}},
		{"find record by query (not found)", "FindRecordByQuery", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "find_record_by_query", ccaiplayer.Vars{"ACCOUNT_ID": accounts[i], "Call_ID": run + fmt.Sprint(i)})
			return expect(res, err, 404)
		}},
		{"create record", "CreateRecord", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "create_record", ccaiplayer.Vars{"ACCOUNT_ID": accounts[i], "Call_ID": run + fmt.Sprint(i), "TICKET_SUBJECT": "Load"})
			records[i] = res.ID
			return expect(res, err, 201)
		}},
		{"find record by query (found)", "FindRecordByQuery", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "find_record_by_query", ccaiplayer.Vars{"ACCOUNT_ID": accounts[i], "Call_ID": run + fmt.Sprint(i)})
			return expect(res, err, 200)
		}},
		{"update record", "UpdateRecord", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "update_record", ccaiplayer.Vars{"RECORD_ID": records[i], "RATING": "5", "TICKET_SUBJECT": "Load " + fmt.Sprint(i)})
			return expect(res, err, 200)
		}},
		{"comment", "Comment", func(ctx context.Context, i int) error {
			res, err := p.Call(ctx, "comment", ccaiplayer.Vars{"RECORD_ID": records[i], "COMMENT_BODY": "Call started", "Call_ID": run + fmt.Sprint(i)})
			return expect(res, err, 201)
		}},
		{"read API: record", "ReadAPI", func(ctx context.Context, i int) error {
			var v map[string]any
			status, err := p.Get(ctx, p.RecordURL(records[i]), &v)
			if err == nil && status != 200 {
				err = fmt.Errorf("got %d", status)
			}
			return err
		}},
	}
	fmt.Printf("%d requests per endpoint, %d concurrent callers, %s authentication, Firestore emulator, %s\n\n", n, conc, method, time.Now().Format(time.DateOnly))
	fmt.Printf("| %-38s | %8s | %8s | %8s | %6s | %6s |\n", "endpoint", "p50 ms", "p99 ms", "max ms", "reads", "writes")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|\n", dashes(40), dashes(10), dashes(10), dashes(10), dashes(8), dashes(8))
	offset := 0
	for _, s := range steps {
		lat, err := measure(ctx, n, conc, s.do)
		if err != nil {
			return fmt.Errorf("%s: %w", s.label, err)
		}
		time.Sleep(200 * time.Millisecond) // let the functions' log lines land
		reads, writes, count, next, err := costs(logPath, offset, s.endpoint)
		if err != nil {
			return err
		}
		offset = next
		if count != n {
			return fmt.Errorf("%s: %d log lines for %d requests", s.label, count, n)
		}
		fmt.Printf("| %-38s | %8.2f | %8.2f | %8.2f | %6.2f | %6.2f |\n", s.label, pct(lat, 50), pct(lat, 99), pct(lat, 100),
			float64(reads)/float64(count), float64(writes)/float64(count))
	}
	if err := findVersusQuery(ctx, stack, p, run, n); err != nil {
		return err
	}
	if err := storageLatency(ctx, stack, p, accounts, run, min(n, 50), logPath, offset); err != nil {
		return err
	}
	return uploadMemory(ctx, stack, p, records[0])
}

// unknownCaller is what CCAI Platform sends to find a caller the CRM does
// not know: phone, email and custom user id, joined by =CONCAT_OR.
func unknownCaller(run string, i int) ccaiplayer.Vars {
	return ccaiplayer.Vars{"PHONE_NUMBER": fmt.Sprintf("+1303555%04d", i%10_000), "EMAIL": fmt.Sprintf("nobody%s-%d@example.com", run, i),
		"CUSTOM_USER_ID": fmt.Sprintf("nobody-%s-%d", run, i)}
}

// findVersusQuery compares finding an unknown caller through the Generic
// API with raw Firestore queries on the same collection from this process
// (accounts by E.164 number, and by trailing digits: the query a search
// pattern takes), alternating them so that all see the same load on the
// machine, and prints their p50s and the ratios: with the portal's
// default phone number format (automatic: a search pattern) and with
// E.164.
func findVersusQuery(ctx context.Context, stack *localstack.Stack, p *ccaiplayer.Player, run string, n int) error {
	os.Setenv("FIRESTORE_EMULATOR_HOST", stack.FirestoreHost)
	client, err := firestore.NewClient(ctx, stack.Project)
	if err != nil {
		return err
	}
	defer client.Close()
	accounts := client.Collection("accounts")
	raw := func(q firestore.Query) (time.Duration, error) {
		start := time.Now()
		snaps, err := q.Documents(ctx).GetAll()
		if err == nil && len(snaps) != 0 {
			err = fmt.Errorf("raw query found %d documents", len(snaps))
		}
		return time.Since(start), err
	}
	fmt.Printf("\nfind account by query of an unknown caller (phone, email, custom user id) against one raw Firestore query on\nthe accounts (from this process: by E.164 number, and by trailing digits as a search pattern needs), alternated, %d each:\n", n)
	defaultFormat := p.Settings.PhoneNumberFormat
	defer func() { p.Settings.PhoneNumberFormat = defaultFormat }()
	for _, format := range []string{"e164", "automatic"} { // the settings file's, and the portal's own default
		p.Settings.PhoneNumberFormat = format
		byPhone, byTail, find := make([]time.Duration, n), make([]time.Duration, n), make([]time.Duration, n)
		for i := range n {
			v := unknownCaller(run+format, i)
			e164 := v["PHONE_NUMBER"]
			if byPhone[i], err = raw(accounts.Where("phones", "array-contains", e164).Limit(1)); err != nil {
				return err
			}
			if byTail[i], err = raw(accounts.Where("phone_tails", "array-contains", e164[2:]).OrderBy("updated_at", firestore.Desc).Limit(50)); err != nil {
				return err
			}
			start := time.Now()
			res, err := p.Call(ctx, "find_account_by_query", v)
			find[i] = time.Since(start)
			if err != nil || res.Status != 404 {
				return fmt.Errorf("find unknown caller: %v %d %s", err, res.Status, res.Body)
			}
		}
		f := pct(find, 50)
		fmt.Printf("  format %-10s find p50 %.2f ms; raw query by E.164 p50 %.2f ms (ratio %.2f), by trailing digits p50 %.2f ms (ratio %.2f)\n",
			format+":", f, pct(byPhone, 50), f/pct(byPhone, 50), pct(byTail, 50), f/pct(byTail, 50))
	}
	return nil
}

// storageLatency measures the time from writing a recording into the
// external storage bucket to seeing it on its record through the read API.
func storageLatency(ctx context.Context, stack *localstack.Stack, p *ccaiplayer.Player, accounts []string, run string, m int, logPath string, offset int) error {
	c, err := localstack.NewStorageClient(ctx, stack.GCSHost)
	if err != nil {
		return err
	}
	defer c.Close()
	lat := make([]time.Duration, 0, m)
	audio := make([]byte, 100<<10)
	copy(audio, "ID3")
	for i := range m {
		callID := fmt.Sprintf("s%s-%d", run, i)
		res, err := p.Call(ctx, "create_record", ccaiplayer.Vars{"ACCOUNT_ID": accounts[i], "Call_ID": callID})
		if err != nil || res.Status != 201 {
			return fmt.Errorf("storage record: %v %d", err, res.Status)
		}
		w := c.Bucket(stack.CCAIBucket).Object("ujet-voice-recordings/call-" + callID + ".mp3").NewWriter(ctx)
		w.ContentType = "audio/mpeg"
		w.Write(audio)
		if err := w.Close(); err != nil {
			return err
		}
		start := time.Now()
		for {
			var r struct{ Attachments []any }
			if _, err := p.Get(ctx, p.RecordURL(res.ID), &r); err != nil {
				return err
			}
			if len(r.Attachments) == 1 {
				break
			}
			if time.Since(start) > 30*time.Second {
				return fmt.Errorf("recording of call %s never linked", callID)
			}
			time.Sleep(5 * time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	time.Sleep(300 * time.Millisecond)
	reads, writes, count, _, err := costs(logPath, offset, "")
	if err != nil {
		return err
	}
	fmt.Printf("\nexternal storage, %d recordings of known calls: write to linked p50 %.0f ms, p99 %.0f ms; %.2f reads and %.2f writes per storage event (%d events)\n",
		m, pct(lat, 50), pct(lat, 99), float64(reads)/float64(max(count, 1)), float64(writes)/float64(max(count, 1)), count)
	return nil
}

// uploadMemory reports the UploadFile process's peak resident memory
// (VmHWM) after a 30 MiB multipart upload and a 23 MiB base64 one.
func uploadMemory(ctx context.Context, stack *localstack.Stack, p *ccaiplayer.Player, recordID string) error {
	pid := stack.PID("UploadFile")
	before, err := peakRSS(pid)
	if err != nil {
		return err
	}
	fmt.Printf("\nUploadFile peak resident memory: %d MiB before uploads\n", before>>20)
	for _, u := range []struct {
		kind string
		size int
	}{{"multipart", 30 << 20}, {"base64", 23 << 20}} {
		data := make([]byte, u.size)
		copy(data, "ID3")
		p.Endpoint("upload_file").UploadType = u.kind
		res, _, err := p.Upload(ctx, ccaiplayer.Vars{"RECORD_ID": recordID}, data, "call-1.mp3")
		if err != nil || res.Status/100 != 2 {
			return fmt.Errorf("%s upload: %v %d %s", u.kind, err, res.Status, res.Body)
		}
		peak, err := peakRSS(pid)
		if err != nil {
			return err
		}
		fmt.Printf("  after a %d MiB %s upload: %d MiB\n", u.size>>20, u.kind, peak>>20)
	}
	return nil
}

// peakRSS reads a process's peak resident set size in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM for process %d", pid)
}

func dashes(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '-'
	}
	return string(b)
}

func measure(ctx context.Context, n, conc int, do func(context.Context, int) error) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range conc {
		wg.Go(func() {
			for i := range next {
				start := time.Now()
				err := do(ctx, i)
				lat[i] = time.Since(start)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return lat, first
}

func pct(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i].Microseconds()) / 1000
}

// costs sums the reads and writes that the request log lines of endpoint
// report ("" for the storage events), from byte offset on.
func costs(path string, offset int, endpoint string) (reads, writes int64, count, end int, err error) {
	t, end, err := readTally(path, offset)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if endpoint == "" {
		endpoint = storageEvents
	}
	c := t[endpoint]
	if c == nil {
		return 0, 0, 0, end, nil
	}
	return c.reads, c.writes, int(c.lines), end, nil
}

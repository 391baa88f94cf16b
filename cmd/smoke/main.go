// Command smoke checks a deployment end to end from its portal settings
// file, calling it as CCAI Platform would (shared/smoke says what it checks
// and what it leaves behind). It prints each check with its latency and
// exits 1 when one fails, 2 when the file cannot be read.
//
//	go run ./cmd/smoke [-timeout 5m] [-link-timeout 2m] portal-settings.json
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"example.com/crm/shared/portal"
	"example.com/crm/shared/smoke"
)

func main() {
	timeout := flag.Duration("timeout", 5*time.Minute, "deadline of the whole run")
	link := flag.Duration("link-timeout", 2*time.Minute, "how long a file written into external storage may take to show on its record")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: smoke [flags] portal-settings.json")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	s, err := portal.Read(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	fmt.Printf("smoke test of %s (%s authentication)\n", flag.Arg(0), s.Auth.Method)
	start := time.Now()
	checks, err := smoke.Run(ctx, s, smoke.Options{LinkTimeout: *link, Report: func(c smoke.Check) { fmt.Println(c) }})
	if err != nil {
		fmt.Printf("FAILED after %d checks in %s: %v\n", len(checks), time.Since(start).Round(time.Millisecond), err)
		os.Exit(1)
	}
	fmt.Printf("all %d checks passed in %s\n", len(checks), time.Since(start).Round(time.Millisecond))
}

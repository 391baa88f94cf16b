// Command testreport reads `go test -json` on standard input, prints each
// package's result and the output of every failed or skipped test, and
// ends with one line "N passed, N failed, N skipped". It exits 1 when a
// test failed, a package did not build, or (with -no-skip) a test
// skipped: the emulators are there in CI, so nothing may skip. The
// screenshots the browser tests took (their "screenshot: PATH" lines,
// shared/browsertest) are listed before the last line.
//
//	go test -json ./... | go run ./cmd/testreport -no-skip
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

type event struct {
	Time    time.Time
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	noSkip := flag.Bool("no-skip", false, "count a skipped test as a failure")
	flag.Parse()
	output := map[string]*strings.Builder{} // package/test -> output
	var passed, failed, skipped int
	var badPackages, skippedTests, shots []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Println(string(line)) // build errors come as plain text
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			b := output[key]
			if b == nil {
				b = &strings.Builder{}
				output[key] = b
			}
			b.WriteString(e.Output)
			if shot, ok := screenshot(e.Output); ok {
				shots = append(shots, e.Test+": "+shot)
			}
		case "pass", "fail", "skip":
			if e.Test == "" {
				status := map[string]string{"pass": "ok  ", "fail": "FAIL", "skip": "skip"}[e.Action]
				fmt.Printf("%s %s %.1fs\n", status, e.Package, e.Elapsed)
				if e.Action == "fail" {
					badPackages = append(badPackages, e.Package)
					if b := output[key]; b != nil {
						fmt.Print(indent(b.String()))
					}
				}
				continue
			}
			if strings.Contains(e.Test, "/") {
				// subtests count with their parent; a failing one shows
				// its own output, which its parent's does not hold
				if e.Action == "fail" {
					fmt.Printf("--- FAIL %s %s\n%s", e.Package, e.Test, indent(output[key].String()))
				}
				continue
			}
			switch e.Action {
			case "pass":
				passed++
			case "fail":
				failed++
				fmt.Printf("--- FAIL %s %s\n%s", e.Package, e.Test, indent(output[key].String()))
			case "skip":
				skipped++
				skippedTests = append(skippedTests, e.Package+" "+e.Test)
				if b := output[key]; b != nil {
					fmt.Printf("--- SKIP %s %s\n%s", e.Package, e.Test, indent(b.String()))
				}
			}
		}
	}
	if *noSkip && skipped > 0 {
		fmt.Printf("skipped tests are not allowed here (-no-skip): %s\n", strings.Join(skippedTests, ", "))
	}
	if len(shots) > 0 {
		fmt.Printf("screenshots:\n%s", indent(strings.Join(shots, "\n")))
	}
	fmt.Printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || len(badPackages) > 0 || (*noSkip && skipped > 0) {
		os.Exit(1)
	}
}

// screenshot returns the path of a test output line "screenshot: PATH
// (N bytes)" (shared/browsertest.Screenshot's log line).
func screenshot(line string) (string, bool) {
	_, after, ok := strings.Cut(line, "screenshot: ")
	if !ok {
		return "", false
	}
	path, _, _ := strings.Cut(strings.TrimSpace(after), " (")
	return path, path != ""
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

// Package scripts_test checks the build and deployment scripts and
// cloudbuild.yaml.
package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// copyScript copies scripts/NAME into dir/scripts/NAME.
func copyScript(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scripts", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The gofmt step of scripts/test works in a copy of the repository
// without .git (Cloud Build's workspace): it checks the project's files,
// not those of hidden folders (a toolchain, .local) or testdata, and
// still fails on an unformatted file of the project.
func TestGofmtCheckWithoutGit(t *testing.T) {
	dir := t.TempDir()
	script := copyScript(t, dir, "gofmt-check")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {}\n")
	writeFile(t, filepath.Join(dir, "shared", "x", "x.go"), "package x\n")
	// Not the project's: a toolchain copied in, local files, test data.
	writeFile(t, filepath.Join(dir, ".go", "src", "fmt", "testdata", "bad.go"), "package  bad\nfunc f( ) {}\n")
	writeFile(t, filepath.Join(dir, ".local", "bad.go"), "package  bad\n")
	writeFile(t, filepath.Join(dir, "shared", "x", "testdata", "bad.go"), "package  bad\n")
	run := func() (string, error) {
		cmd := exec.Command("bash", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	if out, err := run(); err != nil {
		t.Fatalf("gofmt-check without .git: %v\n%s", err, out)
	}
	writeFile(t, filepath.Join(dir, "shared", "x", "y.go"), "package  x\n")
	out, err := run()
	if err == nil || !strings.Contains(out, "shared/x/y.go") {
		t.Errorf("gofmt-check with an unformatted shared/x/y.go: %v\n%s", err, out)
	}
}

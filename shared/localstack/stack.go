// Package localstack runs the whole CRM on one machine: the Firestore
// emulator and every Cloud Function in its own process, as in the cloud
// (each function serves every path of its own URL). The dev command and
// the end-to-end tests start it the same way.
package localstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/portal"
)

// Options configure a Stack.
type Options struct {
	// Dir receives the built binary, logs and the portal settings file.
	Dir string
	// Project is the Firestore project id (a "demo-" id keeps the SDK
	// offline).
	Project string
	// FirestoreHost is a running emulator to use; empty starts one.
	FirestoreHost string
	// BasePort numbers the functions' ports from BasePort+1 in the order
	// of portal.EntryPoints; 0 picks free ports.
	BasePort int
	Auth     auth.Config
	// Env adds environment variables to every function.
	Env []string
	// Log receives the children's output (io.Discard when nil).
	Log io.Writer
}

// Stack is a running local CRM.
type Stack struct {
	// URLs maps each entry point to its base URL.
	URLs map[string]string
	// FirestoreHost is the emulator's host:port.
	FirestoreHost string
	// Settings is the portal settings file, written to SettingsPath.
	Settings     portal.Settings
	SettingsPath string
	procs        []*Process
}

// Start builds the function binary, starts the emulator (unless given)
// and every function, and writes the portal settings file.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	s := &Stack{URLs: map[string]string{}, FirestoreHost: o.FirestoreHost}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	bin, err := Build(ctx, o.Dir)
	if err != nil {
		return nil, err
	}
	if s.FirestoreHost == "" {
		addr := "127.0.0.1:8086"
		if o.BasePort == 0 {
			if addr, err = FreeAddr(); err != nil {
				return nil, err
			}
		}
		p, err := StartFirestore(ctx, addr, o.Log)
		if err != nil {
			return nil, err
		}
		s.procs = append(s.procs, p)
		s.FirestoreHost = addr
	}
	env := append(os.Environ(),
		"FIRESTORE_EMULATOR_HOST="+s.FirestoreHost,
		"GOOGLE_CLOUD_PROJECT="+o.Project,
		"CRM_AUTH_METHOD="+o.Auth.Method,
		"CRM_BASIC_USERNAME="+o.Auth.BasicUsername,
		"CRM_BASIC_PASSWORD="+o.Auth.BasicPassword,
		"CRM_API_KEY_HEADER="+o.Auth.HeaderName,
		"CRM_API_KEYS="+strings.Join(o.Auth.APIKeys, ","),
	)
	env = append(env, o.Env...)
	for i, ep := range portal.EntryPoints {
		addr := fmt.Sprintf("127.0.0.1:%d", o.BasePort+i+1)
		if o.BasePort == 0 {
			if addr, err = FreeAddr(); err != nil {
				return nil, err
			}
		}
		host, port, _ := strings.Cut(addr, ":")
		cmd := exec.Command(bin)
		cmd.Env = append(env, "FUNCTION_TARGET="+ep, "HOST="+host, "PORT="+port)
		p, err := start(ep, cmd, prefixed(o.Log, ep))
		if err != nil {
			return nil, err
		}
		s.procs = append(s.procs, p)
		if err := waitTCP(ctx, p, addr, 30*time.Second); err != nil {
			return nil, err
		}
		s.URLs[ep] = "http://" + addr
	}
	s.Settings, err = portal.Build(portal.Input{URLs: s.URLs, Auth: o.Auth})
	if err != nil {
		return nil, err
	}
	s.SettingsPath = filepath.Join(o.Dir, "portal-settings.json")
	if err := portal.Write(s.SettingsPath, s.Settings); err != nil {
		return nil, err
	}
	return s, nil
}

// Stop stops every process the stack started, functions first.
func (s *Stack) Stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].Stop()
	}
	s.procs = nil
}

// Build compiles cmd/function into dir/bin and returns its path.
func Build(ctx context.Context, dir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin, err := filepath.Abs(filepath.Join(dir, "bin", "function"))
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/function")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/function: %v\n%s", err, out)
	}
	return bin, nil
}

// ModuleRoot is the folder of the project's go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the project's module")
	}
	return filepath.Dir(gomod), nil
}

// prefixed writes each line of a child's output with its name in front.
func prefixed(w io.Writer, name string) io.Writer {
	if w == io.Discard {
		return w
	}
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			fmt.Fprintf(w, "%-18s %s\n", name, sc.Text())
		}
	}()
	return pw
}

// Package localstack runs the whole CRM on one machine: the Firestore
// emulator and every Cloud Function in its own process, as in the cloud
// (each function serves every path of its own URL). The dev command and
// the end-to-end tests start it the same way.
package localstack

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

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
	// SigningKey, AdminPassword and the OAuth client are generated when
	// empty; the portal settings file then carries the administrator's
	// login as test_login.
	SigningKey        string
	AdminPassword     string
	OAuthClientID     string
	OAuthClientSecret string
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
	oauthClient, oauthEnv, err := o.oauth()
	if err != nil {
		return nil, err
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
	env = append(env, oauthEnv...)
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
	s.Settings, err = portal.Build(portal.Input{URLs: s.URLs, Auth: o.Auth, OAuth: oauthClient})
	if err != nil {
		return nil, err
	}
	s.SettingsPath = filepath.Join(o.Dir, "portal-settings.json")
	if err := portal.Write(s.SettingsPath, s.Settings); err != nil {
		return nil, err
	}
	return s, nil
}

// LoopbackRedirect is the redirect URI registered for the local OAuth
// client: any port of it is accepted (RFC 8252 section 7.3).
const LoopbackRedirect = "http://127.0.0.1/callback"

// oauth returns the local OAuth client and the environment that
// configures the authorization server and the administrator's sign-in.
func (o *Options) oauth() (*portal.OAuthClient, []string, error) {
	for _, v := range []*string{&o.SigningKey, &o.AdminPassword, &o.OAuthClientSecret} {
		if *v == "" {
			*v = randomHex(24)
		}
	}
	if o.OAuthClientID == "" {
		o.OAuthClientID = "ccaip-local"
	}
	adminHash, err := bcrypt.GenerateFromPassword([]byte(o.AdminPassword), bcrypt.DefaultCost)
	if err != nil {
		return nil, nil, err
	}
	clientHash, err := bcrypt.GenerateFromPassword([]byte(o.OAuthClientSecret), bcrypt.DefaultCost)
	if err != nil {
		return nil, nil, err
	}
	clients, err := json.Marshal([]map[string]any{{"id": o.OAuthClientID, "secret_hash": string(clientHash), "redirect_uris": []string{LoopbackRedirect}}})
	if err != nil {
		return nil, nil, err
	}
	env := []string{
		"CRM_SIGNING_KEY=" + o.SigningKey,
		"CRM_ADMIN_USERNAME=admin",
		"CRM_ADMIN_PASSWORD_HASH=" + string(adminHash),
		"CRM_OAUTH_CLIENTS=" + string(clients),
	}
	var client *portal.OAuthClient
	if o.Auth.Method == auth.MethodOAuth {
		client = &portal.OAuthClient{ID: o.OAuthClientID, Secret: o.OAuthClientSecret, RedirectURIs: []string{LoopbackRedirect},
			TestLogin: &portal.Login{Username: "admin", Password: o.AdminPassword}}
	}
	return client, env, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
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

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
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/types/known/durationpb"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/mailer"
	"example.com/crm/shared/portal"
	"example.com/crm/shared/taskemu"
)

// Options configure a Stack.
type Options struct {
	// Dir receives the built binaries, logs and the portal settings file.
	Dir string
	// Project is the Firestore project id (a "demo-" id keeps the SDK
	// offline).
	Project string
	// FirestoreHost, PubSubHost and GCSHost are running emulators to use;
	// empty starts them. GCSEvents ("project/topic") is where a given
	// GCS emulator publishes its object notifications.
	FirestoreHost string
	PubSubHost    string
	GCSHost       string
	GCSEvents     string
	// BasePort numbers the functions' ports from BasePort+1 in the order
	// of portal.Functions; 0 picks free ports.
	BasePort int
	Auth     auth.Config
	// SigningKey (OAuth tokens), SessionKey (sign-in cookies),
	// AdminPassword and the OAuth client are generated when empty; the
	// portal settings file then carries the administrator's login as
	// test_login.
	SigningKey        string
	SessionKey        string
	AdminPassword     string
	OAuthClientID     string
	OAuthClientSecret string
	// InboundAddress is the address the portal settings file names for
	// session outcome emails (DefaultInboundAddress when empty);
	// InboundPathSecret, the InboundEmail function's path secret
	// (CRM_INBOUND_PATH_SECRET), is generated when empty.
	InboundAddress    string
	InboundPathSecret string
	// OutcomeDelay is how long after a session's end its outcome email
	// goes out (CRM_OUTCOME_DELAY; DefaultOutcomeDelay when 0, so that
	// the flow is seen in seconds). The local Cloud Tasks queue retries
	// a failed send after OutcomeRetry (DefaultOutcomeRetry when 0),
	// OutcomeMaxAttempts times at most (DefaultOutcomeMaxAttempts).
	OutcomeDelay       time.Duration
	OutcomeRetry       time.Duration
	OutcomeMaxAttempts int
	// TriggerMaxDeliveryAttempts is how many times the storage trigger
	// delivers a notification before it dead-letters it
	// (DefaultTriggerMaxDeliveryAttempts when 0).
	TriggerMaxDeliveryAttempts int
	// Env adds environment variables to every function.
	Env []string
	// Log receives the children's output (io.Discard when nil).
	Log io.Writer
}

// Stack is a running local CRM.
type Stack struct {
	// URLs maps each function's entry point to its base URL.
	URLs map[string]string
	// Emulators' host:port.
	FirestoreHost, PubSubHost, GCSHost string
	// AttachmentsBucket holds uploads; CCAIBucket is the external storage
	// bucket CCAI Platform writes into (its objects reach StorageObject).
	AttachmentsBucket, CCAIBucket string
	// EventsTopic carries the CRM's events (in Project on PubSubHost).
	EventsTopic string
	Project     string
	// Trigger delivers CCAIBucket's object notifications to StorageObject.
	Trigger *Trigger
	// Settings is the portal settings file, written to SettingsPath.
	Settings     portal.Settings
	SettingsPath string
	// Tasks is the local Cloud Tasks server (in this process) and
	// OutcomeQueue its queue of outcome emails; Mail is the SMTP server
	// that keeps what the CRM sends (StopMail and StartMail take it down
	// and up again on the same addresses).
	Tasks        *taskemu.Server
	OutcomeQueue string
	Mail         *Mailpit
	// Adapter stands in for the CCAI Platform tenant whose adapters the
	// CRM page hosts (CRM_CCAI_TENANT_ORIGIN is its Origin): SetEvents
	// chooses the events its buttons post.
	Adapter *Adapter
	mailBin string
	mailLog io.Writer
	procs   []*Process
}

// The local outcome email settings when Options leave them 0.
const (
	DefaultOutcomeDelay       = 3 * time.Second
	DefaultOutcomeRetry       = time.Second
	DefaultOutcomeMaxAttempts = 5
)

// DefaultInboundAddress is the local stack's address for session outcome
// emails: what an administrator would type in the portal.
const DefaultInboundAddress = "outcome@crm.localhost"

// The local names of the emulated resources.
const (
	gcsEventsProject = "demo-gcs"
	gcsEventsTopic   = "gcs-notifications"
	eventsTopic      = "crm-events"
)

// Start builds the function binary, starts the emulators (unless given),
// the stand-in tenant's adapters (Adapter: the CRM page's tenant origin)
// and every function, creates the buckets and topics, connects the CCAI
// bucket's notifications to StorageObject, and writes the portal
// settings file.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	s := &Stack{URLs: map[string]string{}, FirestoreHost: o.FirestoreHost, PubSubHost: o.PubSubHost, GCSHost: o.GCSHost,
		AttachmentsBucket: o.Project + "-attachments", CCAIBucket: o.Project + "-ccaip", EventsTopic: eventsTopic, Project: o.Project}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	bin, err := Build(ctx, o.Dir)
	if err != nil {
		return nil, err
	}
	if err := s.startEmulators(ctx, &o); err != nil {
		return nil, err
	}
	if err := CreateTopic(ctx, s.PubSubHost, o.Project, eventsTopic); err != nil {
		return nil, fmt.Errorf("events topic: %w", err)
	}
	for _, b := range []string{s.AttachmentsBucket, s.CCAIBucket} {
		if err := CreateBucket(ctx, s.GCSHost, o.Project, b); err != nil {
			return nil, fmt.Errorf("bucket %s: %w", b, err)
		}
	}
	oauthClient, oauthEnv, err := o.oauth()
	if err != nil {
		return nil, err
	}
	if o.InboundAddress == "" {
		o.InboundAddress = DefaultInboundAddress
	}
	if o.InboundPathSecret == "" {
		o.InboundPathSecret = randomHex(24)
	}
	if err := s.startOutcome(ctx, &o); err != nil {
		return nil, err
	}
	tenantAddr, foreignAddr := "localhost:0", "127.0.0.1:0"
	if o.BasePort != 0 {
		tenantAddr, foreignAddr = fmt.Sprintf("localhost:%d", o.BasePort+98), fmt.Sprintf("127.0.0.1:%d", o.BasePort+99)
	}
	if s.Adapter, err = StartAdapter(tenantAddr, foreignAddr); err != nil {
		return nil, err
	}
	addrs := map[string]string{}
	for i, fn := range portal.Functions {
		addrs[fn] = fmt.Sprintf("127.0.0.1:%d", o.BasePort+i+1)
		if o.BasePort == 0 {
			if addrs[fn], err = FreeAddr(); err != nil {
				return nil, err
			}
		}
		s.URLs[fn] = "http://" + addrs[fn]
	}
	urls, err := json.Marshal(s.URLs)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"FIRESTORE_EMULATOR_HOST="+s.FirestoreHost,
		"PUBSUB_EMULATOR_HOST="+s.PubSubHost,
		"STORAGE_EMULATOR_HOST="+s.GCSHost,
		"GOOGLE_CLOUD_PROJECT="+o.Project,
		"CRM_AUTH_METHOD="+o.Auth.Method,
		"CRM_BASIC_USERNAME="+o.Auth.BasicUsername,
		"CRM_BASIC_PASSWORD="+o.Auth.BasicPassword,
		"CRM_API_KEY_HEADER="+o.Auth.HeaderName,
		"CRM_API_KEYS="+strings.Join(o.Auth.APIKeys, ","),
		"CRM_ATTACHMENTS_BUCKET="+s.AttachmentsBucket,
		"CRM_CCAI_BUCKET="+s.CCAIBucket,
		"CRM_EVENTS_TOPIC="+eventsTopic,
		"CRM_ATTACHMENTS_URL="+s.URLs[portal.UploadFile],
		"CRM_INBOUND_PATH_SECRET="+o.InboundPathSecret,
		"CRM_INBOUND_ADDRESS="+o.InboundAddress,
		"CRM_FUNCTION_URLS="+string(urls),
		"CLOUD_TASKS_EMULATOR_HOST="+s.Tasks.Addr(),
		"CRM_OUTCOME_QUEUE="+s.OutcomeQueue,
		"CRM_OUTCOME_SEND_URL="+s.URLs[portal.OutcomeSend],
		"CRM_OUTCOME_DELAY="+o.OutcomeDelay.String(),
		"CRM_OUTCOME_MAX_ATTEMPTS="+strconv.Itoa(o.OutcomeMaxAttempts),
		"CRM_OUTCOME_FROM=CRM <crm@crm.localhost>",
		"CRM_SMTP_ADDR="+s.Mail.SMTP,
		"CRM_SMTP_TLS="+mailer.None,
		"CRM_CCAI_TENANT_ORIGIN="+s.Adapter.Origin,
	)
	env = append(env, oauthEnv...)
	env = append(env, o.Env...)
	for _, fn := range portal.Functions {
		host, port, _ := strings.Cut(addrs[fn], ":")
		cmd := exec.Command(bin)
		cmd.Env = append(env, "FUNCTION_TARGET="+fn, "HOST="+host, "PORT="+port)
		p, err := start(fn, cmd, prefixed(o.Log, fn))
		if err != nil {
			return nil, err
		}
		s.procs = append(s.procs, p)
	}
	for i, fn := range portal.Functions {
		if err := waitTCP(ctx, s.procs[len(s.procs)-len(portal.Functions)+i], addrs[fn], 30*time.Second); err != nil {
			return nil, err
		}
	}
	eventsProject, eventsTopicName, _ := strings.Cut(o.GCSEvents, "/")
	if o.TriggerMaxDeliveryAttempts == 0 {
		o.TriggerMaxDeliveryAttempts = DefaultTriggerMaxDeliveryAttempts
	}
	s.Trigger, err = StartStorageTrigger(ctx, s.PubSubHost, eventsProject, eventsTopicName, s.URLs[portal.StorageObject], o.TriggerMaxDeliveryAttempts, prefixed(o.Log, "storage-trigger"))
	if err != nil {
		return nil, err
	}
	s.Settings, err = portal.Build(portal.Input{URLs: s.URLs, Auth: o.Auth, OAuth: oauthClient,
		ExternalStorage: portal.GCSStorage(s.CCAIBucket, "", s.GCSHost),
		InboundAddress:  o.InboundAddress, InboundPathSecret: o.InboundPathSecret,
		TestLogin: &portal.Login{Username: "admin", Password: o.AdminPassword}})
	if err != nil {
		return nil, err
	}
	s.SettingsPath = filepath.Join(o.Dir, "portal-settings.json")
	if err := portal.Write(s.SettingsPath, s.Settings); err != nil {
		return nil, err
	}
	return s, nil
}

// startOutcome starts the local Cloud Tasks server with the outcome
// email queue, and mailpit.
func (s *Stack) startOutcome(ctx context.Context, o *Options) error {
	if o.OutcomeDelay == 0 {
		o.OutcomeDelay = DefaultOutcomeDelay
	}
	if o.OutcomeRetry == 0 {
		o.OutcomeRetry = DefaultOutcomeRetry
	}
	if o.OutcomeMaxAttempts == 0 {
		o.OutcomeMaxAttempts = DefaultOutcomeMaxAttempts
	}
	addr := "127.0.0.1:0"
	if o.BasePort != 0 {
		addr = "127.0.0.1:8123"
	}
	var err error
	if s.Tasks, err = taskemu.Start(taskemu.Options{Addr: addr, Log: prefixed(o.Log, "cloud-tasks")}); err != nil {
		return fmt.Errorf("local cloud tasks: %w", err)
	}
	location := "projects/" + s.Project + "/locations/local"
	s.OutcomeQueue = location + "/queues/outcome-emails"
	retry := &cloudtaskspb.RetryConfig{MaxAttempts: int32(o.OutcomeMaxAttempts), MinBackoff: durationpb.New(o.OutcomeRetry),
		MaxBackoff: durationpb.New(4 * o.OutcomeRetry), MaxDoublings: 2}
	if _, err := s.Tasks.CreateQueue(ctx, &cloudtaskspb.CreateQueueRequest{Parent: location,
		Queue: &cloudtaskspb.Queue{Name: s.OutcomeQueue, RetryConfig: retry}}); err != nil {
		return fmt.Errorf("outcome email queue: %w", err)
	}
	if s.mailBin, err = BuildMailpit(ctx, filepath.Join(o.Dir, "bin")); err != nil {
		return err
	}
	s.mailLog = prefixed(o.Log, "mailpit")
	smtpAddr, webAddr := "127.0.0.1:1025", "127.0.0.1:8025"
	if o.BasePort == 0 {
		if smtpAddr, err = FreeAddr(); err != nil {
			return err
		}
		if webAddr, err = FreeAddr(); err != nil {
			return err
		}
	}
	if s.Mail, err = StartMailpit(ctx, s.mailBin, smtpAddr, webAddr, s.mailLog); err != nil {
		return err
	}
	return nil
}

// StopMail stops the SMTP server: sends fail (and are retried) until
// StartMail.
func (s *Stack) StopMail() { s.Mail.Stop() }

// StartMail starts the SMTP server again on the same addresses, empty.
func (s *Stack) StartMail(ctx context.Context) error {
	m, err := StartMailpit(ctx, s.mailBin, s.Mail.SMTP, strings.TrimPrefix(s.Mail.Web, "http://"), s.mailLog)
	if err != nil {
		return err
	}
	s.Mail = m
	return nil
}

// startEmulators starts the emulators the options do not name.
func (s *Stack) startEmulators(ctx context.Context, o *Options) error {
	fixed := o.BasePort != 0
	addr := func(port string) (string, error) {
		if fixed {
			return "127.0.0.1:" + port, nil
		}
		return FreeAddr()
	}
	if s.FirestoreHost == "" {
		a, err := addr("8086")
		if err != nil {
			return err
		}
		p, err := StartFirestore(ctx, a, o.Log)
		if err != nil {
			return err
		}
		s.procs, s.FirestoreHost = append(s.procs, p), a
	}
	if s.PubSubHost == "" {
		a, err := addr("8085")
		if err != nil {
			return err
		}
		p, err := StartPubSub(ctx, a, prefixed(o.Log, "pubsub-emulator"))
		if err != nil {
			return err
		}
		s.procs, s.PubSubHost = append(s.procs, p), a
	}
	if s.GCSHost == "" {
		o.GCSEvents = gcsEventsProject + "/" + gcsEventsTopic
		// The topic must exist before the emulator publishes to it.
		if err := CreateTopic(ctx, s.PubSubHost, gcsEventsProject, gcsEventsTopic); err != nil {
			return err
		}
		a, err := addr("4443")
		if err != nil {
			return err
		}
		bin, err := BuildGCS(ctx, filepath.Join(o.Dir, "bin"))
		if err != nil {
			return err
		}
		p, err := StartGCS(ctx, bin, a, s.PubSubHost, gcsEventsProject, gcsEventsTopic, prefixed(o.Log, "gcs-emulator"))
		if err != nil {
			return err
		}
		s.procs, s.GCSHost = append(s.procs, p), a
	}
	if o.GCSEvents == "" {
		return errors.New("GCSEvents must name the topic of the given GCS emulator's notifications")
	}
	return nil
}

// LoopbackRedirect is the redirect URI registered for the local OAuth
// client: any port of it is accepted (RFC 8252 section 7.3).
const LoopbackRedirect = "http://127.0.0.1/callback"

// oauth returns the local OAuth client and the environment that
// configures the authorization server and the administrator's sign-in.
func (o *Options) oauth() (*portal.OAuthClient, []string, error) {
	for _, v := range []*string{&o.SigningKey, &o.SessionKey, &o.AdminPassword, &o.OAuthClientSecret} {
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
		"CRM_SESSION_KEY=" + o.SessionKey,
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

// PID returns the process id of a function's process, or 0.
func (s *Stack) PID(fn string) int {
	for _, p := range s.procs {
		if p.Name == fn && p.cmd.Process != nil {
			return p.cmd.Process.Pid
		}
	}
	return 0
}

// Stop stops every process the stack started, functions first.
func (s *Stack) Stop() {
	if s.Trigger != nil {
		s.Trigger.Stop()
		s.Trigger = nil
	}
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].Stop()
	}
	s.procs = nil
	if s.Mail != nil {
		s.Mail.Stop()
	}
	if s.Tasks != nil {
		s.Tasks.Stop()
	}
	if s.Adapter != nil {
		s.Adapter.Stop()
	}
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

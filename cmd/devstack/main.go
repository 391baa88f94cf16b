// Command devstack starts the whole CRM locally: the Firestore emulator,
// every Cloud Function in its own process, and a little sample data made
// through the Generic API exactly as CCAI Platform would make it. It
// prints the URLs and writes the portal settings file, then runs until
// Ctrl-C.
//
//	go run ./cmd/devstack [-dir .local] [-port 8100] [-auth custom_header|basic]
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/portal"
)

func main() {
	dir := flag.String("dir", ".local", "folder for the binary, logs, secrets and the portal settings file")
	port := flag.Int("port", 8100, "functions listen on port+1, port+2, ...; the emulator on 8086")
	method := flag.String("auth", auth.MethodCustomHeader, "authentication method: custom_header, basic or oauth")
	verbose := flag.Bool("v", false, "copy the functions' logs to the terminal too")
	flag.Parse()
	if err := run(*dir, *port, *method, *verbose); err != nil {
		log.Fatal(err)
	}
}

func run(dir string, port int, method string, verbose bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	secrets, err := loadSecrets(filepath.Join(dir, "secrets.env"))
	if err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "stack.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	var logw io.Writer = logFile
	if verbose {
		logw = io.MultiWriter(logFile, os.Stdout)
	}
	fmt.Println("building the functions and starting the Firestore emulator (about 15 s)...")
	started := time.Now()
	stack, err := localstack.Start(ctx, localstack.Options{
		Dir: dir, Project: "demo-crm", BasePort: port, Log: logw,
		Auth: auth.Config{
			Method: method, HeaderName: "X-Api-Key", APIKeys: []string{secrets["CRM_API_KEY"]},
			BasicUsername: "ccaip", BasicPassword: secrets["CRM_BASIC_PASSWORD"],
		},
		SigningKey: secrets["CRM_SIGNING_KEY"], SessionKey: secrets["CRM_SESSION_KEY"], AdminPassword: secrets["CRM_ADMIN_PASSWORD"],
		OAuthClientSecret: secrets["CRM_OAUTH_CLIENT_SECRET"], InboundPathSecret: secrets["CRM_INBOUND_PATH_SECRET"],
	})
	if err != nil {
		return err
	}
	defer stack.Stop()
	ids, err := seed(ctx, stack.Settings)
	if err != nil {
		return fmt.Errorf("sample data: %w", err)
	}
	if err := seedStorage(ctx, stack); err != nil {
		return fmt.Errorf("sample recording: %w", err)
	}
	stack.Adapter.SetEvents(adapterEvents(stack.URLs[portal.Pages], ids)...)
	printSummary(stack, ids, time.Since(started))
	<-ctx.Done()
	fmt.Println("\nstopping...")
	return nil
}

// loadSecrets reads dir/secrets.env, creating it with fresh random
// credentials on the first run (the folder is git-ignored).
func loadSecrets(path string) (map[string]string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	s := map[string]string{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				s[k] = v
			}
		}
		f.Close()
	}
	changed := false
	for _, k := range secretNames {
		if s[k] == "" {
			b := make([]byte, 20)
			rand.Read(b)
			s[k] = hex.EncodeToString(b)
			changed = true
		}
	}
	if changed {
		var content strings.Builder
		for _, k := range secretNames {
			fmt.Fprintf(&content, "%s=%s\n", k, s[k])
		}
		if err := os.WriteFile(path, []byte(content.String()), 0o600); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// secretNames are the local secrets, made once per checkout.
var secretNames = []string{"CRM_API_KEY", "CRM_BASIC_PASSWORD", "CRM_SIGNING_KEY", "CRM_SESSION_KEY", "CRM_ADMIN_PASSWORD", "CRM_OAUTH_CLIENT_SECRET", "CRM_INBOUND_PATH_SECRET"}

type sample struct {
	who       string
	accountID string
	recordID  string
	// callID or chatID is the sample's session.
	callID, chatID string
}

// seed makes four callers' sessions through the Generic API.
func seed(ctx context.Context, s portal.Settings) ([]sample, error) {
	p := ccaiplayer.New(s)
	if s.Auth.Method == auth.MethodOAuth {
		// What the administrator does once in the portal.
		if err := p.Connect(ctx); err != nil {
			return nil, fmt.Errorf("OAuth: %w", err)
		}
	}
	sessions := []ccaiplayer.Vars{
		{"NAME": "James Bond", "FIRST_NAME": "James", "LAST_NAME": "Bond", "PHONE_NUMBER": "+12223334444", "EMAIL": "james.bond@example.com",
			"Call_ID": "1001", "SESSION_TYPE": "Voice Inbound", "CHANNEL": "voice_call", "QUEUE_NAME": "Orders",
			"TICKET_SUBJECT": "Inbound call from +1 222 333 4444", "TICKET_DESCRIPTION": "Order status question"},
		{"NAME": "Eve Moneypenny", "PHONE_NUMBER": "+442079460958", "Call_ID": "1002", "SESSION_TYPE": "Voice Inbound",
			"CHANNEL": "voice_call", "TICKET_SUBJECT": "Inbound call from +44 20 7946 0958"},
		{"NAME": "Q", "EMAIL": "q@example.com", "CUSTOM_USER_ID": "q-branch", "Chat_ID": "2001",
			"SESSION_TYPE": "Messaging (Web)", "CHANNEL": "chat", "TICKET_SUBJECT": "Web chat"},
		{"NAME": "Felix Leiter", "EMAIL": "felix.leiter@example.com", "Chat_ID": "2002",
			"SESSION_TYPE": "Messaging (Web)", "CHANNEL": "chat", "TICKET_SUBJECT": "Web chat about a refund"},
	}
	var out []sample
	for _, v := range sessions {
		acc, err := p.FindOrCreateAccount(ctx, v)
		if err != nil {
			return nil, err
		}
		v["ACCOUNT_ID"] = acc
		rec, err := p.FindOrCreateRecord(ctx, v)
		if err != nil {
			return nil, err
		}
		v["RECORD_ID"] = rec
		v["COMMENT_BODY"] = "Session started"
		if res, err := p.Call(ctx, "comment", v); err != nil || res.Status/100 != 2 {
			return nil, fmt.Errorf("comment: %v %d %s", err, res.Status, res.Body)
		}
		out = append(out, sample{who: v["NAME"], accountID: acc, recordID: rec, callID: v["Call_ID"], chatID: v["Chat_ID"]})
	}
	return out, nil
}

// adapterEvents are the buttons of the stand-in adapters: the documented
// events of an agent taking the sample calls and chats, and a record pop
// of the first sample's record (pages is the Pages function's URL).
func adapterEvents(pages string, ids []sample) []localstack.AdapterEvent {
	agent := map[string]any{"agent_id": 1, "agent_custom_id": "007", "agent_email": "agent@example.com"}
	data := func(more map[string]any) map[string]any {
		d := maps.Clone(agent)
		maps.Copy(d, more)
		return d
	}
	call := func(x sample) map[string]any {
		return data(map[string]any{"call_id": json.Number(x.callID), "queue_id": 8469, "queue_path": "Orders", "session_type": "Voice Inbound"})
	}
	chat := func(x sample) map[string]any {
		return data(map[string]any{"chat_id": json.Number(x.chatID), "queue_id": 7678, "queue_path": "Chat / Support", "session_type": "Messaging (Web)"})
	}
	var calls, chats []sample
	for _, x := range ids {
		if x.callID != "" {
			calls = append(calls, x)
		} else {
			chats = append(chats, x)
		}
	}
	events := []localstack.AdapterEvent{{Adapter: "call", Type: "Agent_Login", Data: agent}}
	for _, x := range calls {
		events = append(events, localstack.AdapterEvent{Adapter: "call", Type: "New_Call", Data: call(x)})
	}
	if len(calls) > 0 {
		events = append(events,
			localstack.AdapterEvent{Adapter: "call", Type: "End_Call", Data: call(calls[0])},
			localstack.AdapterEvent{Adapter: "call", Type: "CRM_Record_Pop", Data: map[string]any{"recordUrl": pages + "/records/" + calls[0].recordID}})
	}
	for _, x := range chats {
		events = append(events, localstack.AdapterEvent{Adapter: "chat", Type: "New_Chat", Data: chat(x)})
	}
	for _, x := range chats {
		events = append(events, localstack.AdapterEvent{Adapter: "chat", Type: "Active_Chat", Data: chat(x)})
	}
	if len(chats) > 0 {
		events = append(events, localstack.AdapterEvent{Adapter: "chat", Type: "End_Chat", Data: chat(chats[0])})
	}
	return events
}

// seedStorage writes a recording of the first sample call into the
// external storage bucket, as CCAI Platform would after the call.
func seedStorage(ctx context.Context, s *localstack.Stack) error {
	c, err := localstack.NewStorageClient(ctx, s.GCSHost)
	if err != nil {
		return err
	}
	defer c.Close()
	w := c.Bucket(s.CCAIBucket).Object("ujet-voice-recordings/call-1001.mp3").NewWriter(ctx)
	w.ContentType = "audio/mpeg"
	if _, err := w.Write([]byte("ID3\x04\x00 sample recording of call 1001")); err != nil {
		return err
	}
	return w.Close()
}

func printSummary(s *localstack.Stack, ids []sample, took time.Duration) {
	fmt.Printf("\nThe CRM is running (started in %s). Functions:\n", took.Round(100*time.Millisecond))
	for _, ep := range portal.Functions {
		fmt.Printf("  %-20s %s\n", ep, s.URLs[ep])
	}
	fmt.Printf("  %-20s %s (FIRESTORE_EMULATOR_HOST, project demo-crm)\n", "Firestore emulator", s.FirestoreHost)
	fmt.Printf("  %-20s %s (PUBSUB_EMULATOR_HOST; CRM events on topic %s)\n", "Pub/Sub emulator", s.PubSubHost, s.EventsTopic)
	fmt.Printf("  %-20s http://%s/storage/v1/ (STORAGE_EMULATOR_HOST)\n", "Storage emulator", s.GCSHost)
	fmt.Printf("\nExternal storage: write CCAI Platform's files into bucket %s (e.g. ujet-voice-recordings/call-1001.mp3);\n", s.CCAIBucket)
	fmt.Printf("they reach StorageObject within about a second. Uploads go to bucket %s.\n", s.AttachmentsBucket)
	fmt.Printf("Notifications StorageObject failed 5 times wait on %s:\n  replay them with scripts/backfill -dead-letters %s\n", s.Trigger.DeadLetters, s.Trigger.DeadLetters)
	if e := s.Settings.SessionOutcomeEmail; e != nil {
		fmt.Printf("\nSession outcome emails (address %s): post a raw message to\n  curl -H 'Content-Type: message/rfc822' --data-binary @email.eml %s\n", e.Address, e.InboundURL)
	}
	fmt.Printf("\nThe CRM's own outcome emails: turn them on at %s/admin#outcome, or with PUT %s (e.g. {\"global\":{\"enabled\":true,\"address\":\"team@example.com\"}});\n", s.URLs[portal.Pages], s.URLs[portal.OutcomeSettings])
	fmt.Printf("a finished session's email goes out %s after its end (local Cloud Tasks server %s, queue %s).\n", localstack.DefaultOutcomeDelay, s.Tasks.Addr(), s.OutcomeQueue)
	fmt.Printf("  %-20s %s (every email the CRM sends; SMTP %s)\n", "Mail web page", s.Mail.Web, s.Mail.SMTP)
	abs, _ := filepath.Abs(s.SettingsPath)
	fmt.Printf("\nPortal settings file (what to type into CCAI Platform; tools read it):\n  %s\n", abs)
	a := s.Settings.Auth
	curlAuth := ""
	switch a.Method {
	case auth.MethodCustomHeader:
		curlAuth = fmt.Sprintf("-H '%s: %s'", a.CustomHeader[0].Key, a.CustomHeader[0].Value)
	case auth.MethodBasic:
		curlAuth = fmt.Sprintf("-u '%s:%s'", a.Basic.Username, a.Basic.Password)
	case auth.MethodOAuth:
		curlAuth = "-H 'Authorization: Bearer <access token>'"
		fmt.Printf("\nOAuth: authorization %s, token %s; sign in as %s / %s\n", a.OAuth.AuthorizationURL, a.OAuth.TokenURL,
			a.OAuth.TestLogin.Username, a.OAuth.TestLogin.Password)
	}
	fmt.Println("\nSample data (read API):")
	for _, x := range ids {
		fmt.Printf("  %-15s account %s\n", x.who, strings.ReplaceAll(s.Settings.CRMAPI.AccountURL, "{ACCOUNT_ID}", x.accountID))
		fmt.Printf("  %-15s record  %s\n", "", strings.ReplaceAll(s.Settings.CRMAPI.RecordURL, "{RECORD_ID}", x.recordID))
	}
	fmt.Printf("\nAgent pages (sign in as the local administrator): %s\n", s.URLs[portal.Pages])
	for _, x := range ids {
		fmt.Printf("  %-15s account %s/accounts/%s\n", x.who, s.URLs[portal.Pages], x.accountID)
		fmt.Printf("  %-15s record  %s/records/%s\n", "", s.URLs[portal.Pages], x.recordID)
	}
	fmt.Printf("  %-15s %s/admin (this deployment's portal settings file, outcome emails, users)\n", "Administration", s.URLs[portal.Pages])
	fmt.Printf("\nCRM page for the portal (display_crm_url): %s\n", s.Settings.DisplayCRMURL)
	fmt.Printf("  its call and chat adapters stand in for the CCAI Platform tenant %s (CRM_CCAI_TENANT_ORIGIN):\n", s.Adapter.Origin)
	fmt.Printf("  click their buttons to post the adapters' events for the sample calls and chats\n")
	fmt.Printf("\nTry:\n  curl -s %s '%s?phone=%%2A222%%2A333%%2A4444'\n", curlAuth, s.Settings.Endpoints.FindAccountByQuery.URL)
	fmt.Printf("\nLogs: %s. Stop with Ctrl-C.\n", filepath.Join(filepath.Dir(abs), "stack.log"))
}

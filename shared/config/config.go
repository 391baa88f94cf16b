// Package config reads a function's configuration from its environment,
// once per instance.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/mailer"
	"example.com/crm/shared/phone"
)

// Config is what every function needs.
type Config struct {
	// Project and Database locate Firestore. With FIRESTORE_EMULATOR_HOST
	// set, the SDK talks to the emulator.
	Project  string
	Database string
	Auth     auth.Config
	// PhoneRegion is the region of phone numbers written without a
	// country code (ISO 3166, "US" by default).
	PhoneRegion string
	// RequestTimeout bounds each request's work; it stays below CCAI
	// Platform's API request timeout (1 to 10 s).
	RequestTimeout time.Duration
	// TransferTimeout bounds one upload or download of UploadFile, which
	// lasts as long as the client takes to send or read the bytes.
	TransferTimeout time.Duration
	// SigningKey signs OAuth tokens.
	SigningKey []byte
	// SessionKey signs the CRM users' sign-in cookies: another secret,
	// so that rotating one leaves the other alone.
	SessionKey []byte
	// FrameAncestors are the CSP sources that may frame the CRM's pages
	// (the CCAI Platform portal), one space apart.
	FrameAncestors string
	// OAuthClients is the JSON list of registered OAuth clients.
	OAuthClients   string
	AccessTokenTTL time.Duration
	CodeTTL        time.Duration
	// The local administrator (bcrypt hash) and Google sign-in.
	AdminUsername      string
	AdminPasswordHash  string
	GoogleClientID     string
	GoogleClientSecret string
	AllowedUsers       []string
	// AdminUsers are the Google users (addresses) who may use the admin
	// pages besides the local administrator (CRM_ADMIN_USERS).
	AdminUsers []string
	// FunctionURLs maps each function's entry point to its URL
	// (CRM_FUNCTION_URLS, a JSON object): the admin page builds the
	// deployment's portal settings file from them.
	FunctionURLs map[string]string
	// InboundAddress is the address typed in the portal's "Send session
	// outcome via Email" (CRM_INBOUND_ADDRESS), for the portal settings
	// file.
	InboundAddress string
	// Files: the CRM's own bucket for uploads, the bucket CCAI Platform
	// writes into (and the portal's Folder Path), the events topic, the
	// URL of the UploadFile function (download links), and how long a file
	// may wait for its session before it is reported.
	AttachmentsBucket string
	CCAIBucket        string
	CCAIFolderPath    string
	EventsTopic       string
	AttachmentsURL    string
	UnlinkedAfter     time.Duration
	// InboundSenders are the addresses session outcome emails may come
	// from (CRM_INBOUND_SENDERS, comma-separated).
	InboundSenders []string
	// InboundPathSecret, when set, authenticates an inbound mail
	// gateway that cannot send headers: it posts to the InboundEmail
	// function's URL + "/" + the secret (auth.Checker.WithPathSecret).
	InboundPathSecret string
	// Outcome is the CRM's own session outcome emails.
	Outcome Outcome
	// TenantOrigin is the CCAI Platform tenant's origin
	// (CRM_CCAI_TENANT_ORIGIN, "https://acme.ccaiplatform.com"): the CRM
	// page hosts its adapters and follows only its messages.
	TenantOrigin string
}

// Outcome is the configuration of the CRM's own session outcome emails:
// the Cloud Tasks queue that delays them, and the SMTP server that sends
// them.
type Outcome struct {
	// Queue is the Cloud Tasks queue (projects/P/locations/L/queues/Q),
	// "" for no outcome emails; SendURL is the OutcomeSend function's URL
	// the tasks POST to; TaskServiceAccount, when set, is the account
	// whose OIDC token they carry (the function is private).
	Queue              string
	SendURL            string
	TaskServiceAccount string
	// TasksEmulatorHost is the local Cloud Tasks server
	// (CLOUD_TASKS_EMULATOR_HOST), "" in the cloud.
	TasksEmulatorHost string
	// Delay is how long after a session's end its email goes out.
	Delay time.Duration
	// MaxAttempts is the queue's max_attempts: the last attempt's
	// failure is final.
	MaxAttempts int
	// From is the From address; SMTP the server (mailer.SMTP's fields).
	From         string
	SMTPAddr     string
	SMTPUsername string
	SMTPPassword string
	SMTPSecurity string
}

// Load reads the configuration through lookup (os.LookupEnv, or a map in
// tests) and reports every problem at once.
//
//	GOOGLE_CLOUD_PROJECT   Firestore project (required)
//	FIRESTORE_DATABASE     database id, "(default)" by default
//	CRM_AUTH_METHOD        "basic" or "custom_header" (required)
//	CRM_BASIC_USERNAME, CRM_BASIC_PASSWORD
//	CRM_API_KEY_HEADER     header of the API key, "X-Api-Key" by default
//	CRM_API_KEYS           comma-separated keys, any of which is accepted
//	CRM_PHONE_REGION       "US" by default
//	CRM_REQUEST_TIMEOUT    Go duration, "4s" by default, at most 10s
//	CRM_TRANSFER_TIMEOUT   Go duration, "290s" by default, at most 1h: an
//	                       upload's or download's deadline (UploadFile)
//	CRM_SIGNING_KEY        at least 32 characters; signs OAuth tokens
//	                       (required for "oauth")
//	CRM_SESSION_KEY        at least 32 characters, not CRM_SIGNING_KEY;
//	                       signs sign-in cookies (the OAuth function needs it)
//	CRM_FRAME_ANCESTORS    who may frame the CRM's pages, DefaultFrameAncestors
//	                       by default (see FrameAncestorsPattern)
//	CRM_OAUTH_CLIENTS      JSON [{"id","secret_hash","redirect_uris"}] (for "oauth")
//	CRM_ACCESS_TOKEN_TTL   "1h" by default
//	CRM_OAUTH_CODE_TTL     authorization code lifetime, "10m" by default
//	CRM_ADMIN_USERNAME     "admin" by default
//	CRM_ADMIN_PASSWORD_HASH  bcrypt hash of the local administrator's password
//	CRM_GOOGLE_CLIENT_ID, CRM_GOOGLE_CLIENT_SECRET  Google sign-in
//	CRM_ALLOWED_USERS      comma-separated addresses or @domains allowed to sign in with Google
//	CRM_ADMIN_USERS        comma-separated Google addresses allowed on the admin pages
//	                       (the local administrator always is)
//	CRM_FUNCTION_URLS      JSON {"<entry point>": "<function URL>"} of every function
//	CRM_INBOUND_ADDRESS    the address typed in the portal for session outcome emails
//	CRM_ATTACHMENTS_BUCKET the CRM's bucket for uploaded files
//	CRM_CCAI_BUCKET, CRM_CCAI_FOLDER_PATH  the external storage bucket CCAI Platform writes into
//	CRM_EVENTS_TOPIC       Pub/Sub topic of the CRM's events ("" publishes none)
//	CRM_ATTACHMENTS_URL    URL of the UploadFile function, for download links
//	CRM_UNLINKED_AFTER     how long a file waits for its session before it is reported, "1h"
//	CRM_INBOUND_PATH_SECRET  InboundEmail: a secret of at least 32 letters, digits,
//	                       "-", "_", "." or "~" that authenticates a request posted
//	                       to the function's URL + "/" + the secret ("": none)
//
// Secrets (CRM_API_KEYS, CRM_BASIC_PASSWORD, CRM_SIGNING_KEY,
// CRM_SESSION_KEY, CRM_OAUTH_CLIENTS, CRM_ADMIN_PASSWORD_HASH, CRM_GOOGLE_CLIENT_SECRET,
// CRM_INBOUND_PATH_SECRET)
// come from Secret Manager when deployed, through the functions' secret
// environment variables.
func Load(lookup func(string) (string, bool)) (Config, error) {
	get := func(k, def string) string {
		if v, ok := lookup(k); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	var errs []error
	c := Config{
		Project:     get("GOOGLE_CLOUD_PROJECT", get("GCP_PROJECT", "")),
		Database:    get("FIRESTORE_DATABASE", "(default)"),
		PhoneRegion: strings.ToUpper(get("CRM_PHONE_REGION", "US")),
		Auth: auth.Config{
			Method:        get("CRM_AUTH_METHOD", ""),
			BasicUsername: get("CRM_BASIC_USERNAME", ""),
			BasicPassword: get("CRM_BASIC_PASSWORD", ""),
			HeaderName:    get("CRM_API_KEY_HEADER", "X-Api-Key"),
		},
	}
	for _, k := range strings.Split(get("CRM_API_KEYS", ""), ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.Auth.APIKeys = append(c.Auth.APIKeys, k)
		}
	}
	if c.Project == "" {
		errs = append(errs, errors.New("GOOGLE_CLOUD_PROJECT is not set"))
	}
	if err := phone.CheckRegion(c.PhoneRegion); err != nil {
		errs = append(errs, fmt.Errorf("CRM_PHONE_REGION: %w", err))
	}
	d, err := time.ParseDuration(get("CRM_REQUEST_TIMEOUT", "4s"))
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("CRM_REQUEST_TIMEOUT: %w", err))
	case d <= 0 || d > 10*time.Second:
		errs = append(errs, fmt.Errorf("CRM_REQUEST_TIMEOUT %s is not between 0 and 10s", d))
	}
	c.RequestTimeout = d
	// At most an hour: the longest request a Cloud Function serves.
	if c.TransferTimeout, err = time.ParseDuration(get("CRM_TRANSFER_TIMEOUT", "290s")); err != nil || c.TransferTimeout <= 0 || c.TransferTimeout > time.Hour {
		errs = append(errs, fmt.Errorf("CRM_TRANSFER_TIMEOUT %q is not a duration between 0 and 1h", get("CRM_TRANSFER_TIMEOUT", "290s")))
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, err)
	}
	if k := get("CRM_SIGNING_KEY", ""); k != "" {
		c.SigningKey = []byte(k)
	}
	if k := get("CRM_SESSION_KEY", ""); k != "" {
		switch {
		case len(k) < 32:
			errs = append(errs, errors.New("CRM_SESSION_KEY must be at least 32 characters"))
		case k == string(c.SigningKey):
			errs = append(errs, errors.New("CRM_SESSION_KEY must differ from CRM_SIGNING_KEY: each is a secret of its own"))
		default:
			c.SessionKey = []byte(k)
		}
	}
	c.FrameAncestors = strings.Join(strings.Fields(get("CRM_FRAME_ANCESTORS", DefaultFrameAncestors)), " ")
	if !frameAncestors.MatchString(c.FrameAncestors) {
		errs = append(errs, fmt.Errorf("CRM_FRAME_ANCESTORS %q: want 'self', 'none' or origins such as https://*.ccaiplatform.com, one space apart", c.FrameAncestors))
		c.FrameAncestors = ""
	}
	c.OAuthClients = get("CRM_OAUTH_CLIENTS", "")
	c.AdminUsername = get("CRM_ADMIN_USERNAME", "admin")
	c.AdminPasswordHash = get("CRM_ADMIN_PASSWORD_HASH", "")
	c.GoogleClientID = get("CRM_GOOGLE_CLIENT_ID", "")
	c.GoogleClientSecret = get("CRM_GOOGLE_CLIENT_SECRET", "")
	c.AllowedUsers = list(get("CRM_ALLOWED_USERS", ""))
	c.AdminUsers = list(get("CRM_ADMIN_USERS", ""))
	for _, u := range c.AdminUsers {
		if a, err := mail.ParseAddress(u); err != nil || a.Address != u {
			errs = append(errs, fmt.Errorf("CRM_ADMIN_USERS: %q is not an email address (each administrator is named; a domain is not allowed)", u))
		}
	}
	if v := get("CRM_FUNCTION_URLS", ""); v != "" {
		if c.FunctionURLs, err = functionURLs(v); err != nil {
			errs = append(errs, fmt.Errorf("CRM_FUNCTION_URLS: %w", err))
		}
	}
	if c.InboundAddress = get("CRM_INBOUND_ADDRESS", ""); c.InboundAddress != "" {
		if a, err := mail.ParseAddress(c.InboundAddress); err != nil || a.Address != c.InboundAddress {
			errs = append(errs, fmt.Errorf("CRM_INBOUND_ADDRESS %q is not one bare email address", c.InboundAddress))
		}
	}
	if c.AccessTokenTTL, err = time.ParseDuration(get("CRM_ACCESS_TOKEN_TTL", "1h")); err != nil || c.AccessTokenTTL <= 0 {
		errs = append(errs, fmt.Errorf("CRM_ACCESS_TOKEN_TTL %q is not a positive duration", get("CRM_ACCESS_TOKEN_TTL", "1h")))
	}
	c.AttachmentsBucket = get("CRM_ATTACHMENTS_BUCKET", "")
	c.CCAIBucket = get("CRM_CCAI_BUCKET", "")
	c.CCAIFolderPath = strings.Trim(get("CRM_CCAI_FOLDER_PATH", ""), "/")
	c.EventsTopic = get("CRM_EVENTS_TOPIC", "")
	c.AttachmentsURL = strings.TrimRight(get("CRM_ATTACHMENTS_URL", ""), "/")
	c.InboundSenders = list(get("CRM_INBOUND_SENDERS", "no-reply@ccaiplatform.com"))
	errs = append(errs, c.Outcome.load(get)...)
	if c.TenantOrigin = strings.TrimRight(get("CRM_CCAI_TENANT_ORIGIN", ""), "/"); c.TenantOrigin != "" && !isOrigin(c.TenantOrigin) {
		errs = append(errs, fmt.Errorf("CRM_CCAI_TENANT_ORIGIN %q is not an origin such as https://acme.ccaiplatform.com (scheme and host, no path)", c.TenantOrigin))
	}
	if k := get("CRM_INBOUND_PATH_SECRET", ""); k != "" {
		if err := auth.CheckPathSecret(k); err != nil {
			errs = append(errs, fmt.Errorf("CRM_INBOUND_PATH_SECRET %w", err))
		} else {
			c.InboundPathSecret = k
		}
	}
	if c.UnlinkedAfter, err = time.ParseDuration(get("CRM_UNLINKED_AFTER", "1h")); err != nil || c.UnlinkedAfter <= 0 {
		errs = append(errs, fmt.Errorf("CRM_UNLINKED_AFTER %q is not a positive duration", get("CRM_UNLINKED_AFTER", "1h")))
	}
	if c.CodeTTL, err = time.ParseDuration(get("CRM_OAUTH_CODE_TTL", "10m")); err != nil || c.CodeTTL <= 0 {
		errs = append(errs, fmt.Errorf("CRM_OAUTH_CODE_TTL %q is not a positive duration", get("CRM_OAUTH_CODE_TTL", "10m")))
	}
	if c.Auth.Method == auth.MethodOAuth {
		if len(c.SigningKey) < 32 {
			errs = append(errs, errors.New("CRM_SIGNING_KEY must be at least 32 characters with OAuth"))
		}
		if c.OAuthClients == "" {
			errs = append(errs, errors.New("CRM_OAUTH_CLIENTS is not set: OAuth needs at least one client"))
		}
	}
	return c, errors.Join(errs...)
}

// DefaultFrameAncestors lets CCAI Platform's portal frame the CRM's pages.
const DefaultFrameAncestors = "'self' https://*.ccaiplatform.com https://*.ujet.co"

// FrameAncestorsPattern is what CRM_FRAME_ANCESTORS may hold, so that a
// typo cannot make a broken header or add another directive: 'none'
// alone, or sources one space apart, each 'self' or a scheme (http or
// https) and host, with an optional wildcard subdomain ("*.") and port,
// no path. The Terraform variable frame_ancestors is validated with the
// same pattern (a test keeps them equal).
const FrameAncestorsPattern = `^('none'|('self'|https?://(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:([0-9]{1,5}|\*))?)( ('self'|https?://(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:([0-9]{1,5}|\*))?))*)$`

var frameAncestors = regexp.MustCompile(FrameAncestorsPattern)

// The bounds of the outcome email settings; the Terraform variables
// outcome_delay and outcome_max_attempts are validated the same.
const (
	MaxOutcomeDelay       = 720 * time.Hour
	MaxOutcomeMaxAttempts = 100
)

func (o *Outcome) load(get func(name, def string) string) []error {
	var errs []error
	o.Queue = get("CRM_OUTCOME_QUEUE", "")
	o.SendURL = get("CRM_OUTCOME_SEND_URL", "")
	o.TaskServiceAccount = get("CRM_OUTCOME_TASK_SERVICE_ACCOUNT", "")
	o.TasksEmulatorHost = get("CLOUD_TASKS_EMULATOR_HOST", "")
	var err error
	if o.Delay, err = time.ParseDuration(get("CRM_OUTCOME_DELAY", "15m")); err != nil || o.Delay < 0 || o.Delay > MaxOutcomeDelay {
		errs = append(errs, fmt.Errorf("CRM_OUTCOME_DELAY %q is not a duration from 0 to %s", get("CRM_OUTCOME_DELAY", "15m"), MaxOutcomeDelay))
	}
	if o.MaxAttempts, err = strconv.Atoi(get("CRM_OUTCOME_MAX_ATTEMPTS", "10")); err != nil || o.MaxAttempts < 1 || o.MaxAttempts > MaxOutcomeMaxAttempts {
		errs = append(errs, fmt.Errorf("CRM_OUTCOME_MAX_ATTEMPTS %q is not a number from 1 to %d (the queue's max_attempts)", get("CRM_OUTCOME_MAX_ATTEMPTS", "10"), MaxOutcomeMaxAttempts))
	}
	o.From = get("CRM_OUTCOME_FROM", "")
	if o.From != "" {
		if _, err := mail.ParseAddress(o.From); err != nil {
			errs = append(errs, fmt.Errorf("CRM_OUTCOME_FROM %q is not an address: %v", o.From, err))
		}
	}
	o.SMTPAddr = get("CRM_SMTP_ADDR", "")
	o.SMTPUsername = get("CRM_SMTP_USERNAME", "")
	o.SMTPPassword = get("CRM_SMTP_PASSWORD", "")
	o.SMTPSecurity = get("CRM_SMTP_TLS", mailer.StartTLS)
	if o.SMTPAddr != "" {
		if err := o.SMTP().Check(); err != nil {
			errs = append(errs, fmt.Errorf("CRM_SMTP_ADDR, CRM_SMTP_TLS: %w", err))
		}
		if o.From == "" {
			errs = append(errs, errors.New("CRM_SMTP_ADDR is set without CRM_OUTCOME_FROM, the emails' From address"))
		}
	}
	return errs
}

// SMTP is the SMTP server that sends the outcome emails.
func (o Outcome) SMTP() mailer.SMTP {
	return mailer.SMTP{Addr: o.SMTPAddr, Username: o.SMTPUsername, Password: o.SMTPPassword, Security: o.SMTPSecurity}
}

// isOrigin reports whether s is a web origin: https (or http, for a
// local stand-in) and a host with an optional port, nothing else.
// list splits a comma-separated setting, leaving out empty entries.
func list(v string) []string {
	var out []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// functionURLs reads CRM_FUNCTION_URLS: a JSON object whose values are
// http or https URLs without query or fragment.
func functionURLs(v string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fmt.Errorf("not a JSON object of entry point to URL: %v", err)
	}
	for ep, raw := range m {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("%s: %q is not an http(s) URL without query", ep, raw)
		}
		m[ep] = strings.TrimRight(raw, "/")
	}
	return m, nil
}

func isOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Path == "" &&
		u.RawQuery == "" && u.Fragment == "" && u.User == nil && u.Scheme+"://"+u.Host == s
}

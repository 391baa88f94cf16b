package portal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"example.com/crm/shared/auth"
)

// Entry points whose URLs Build needs.
const (
	FindAccountByQuery = "FindAccountByQuery"
	FindAccountByID    = "FindAccountByID"
	CreateAccount      = "CreateAccount"
	FindRecordByQuery  = "FindRecordByQuery"
	CreateRecord       = "CreateRecord"
	UpdateRecord       = "UpdateRecord"
	Comment            = "Comment"
	ReadAPI            = "ReadAPI"
	OAuthServer        = "OAuth"
	UploadFile         = "UploadFile"
	StorageObject      = "StorageObject"
	SweepUnlinked      = "SweepUnlinked"
	OutcomeSettings    = "OutcomeSettings"
	InboundEmail       = "InboundEmail"
	OutcomeSend        = "OutcomeSend"
	// Pages serves the agents' pages; with its URL in Input.URLs, Build
	// writes the four page keys (lookup_urls, custom_lookup_urls,
	// display_crm_url, open_custom_url) with the routes of PageRoutes.
	Pages = "Pages"
)

// The Pages function's routes that the portal settings name. The ticket
// pop and the screen pop carry every variable CCAI Platform fills in;
// empty ones may be left out of the URL.
const (
	PageAccount = "/accounts/{ACCOUNT_ID}"
	PageRecord  = "/records/{RECORD_ID}"
	PagePopANI  = "/pop?ani={ANI}&menu_path={MENU_PATH}&menu_id={MENU_ID}&channel={CHANNEL}&type={TYPE}"
	PagePopSDK  = "/pop?cuid={CUID}&email={EMAIL}&menu_path={MENU_PATH}&menu_id={MENU_ID}&channel={CHANNEL}&type={TYPE}"
	PageCRM     = "/crm"
	PageOpen    = "/open?account_id={ACCOUNT_ID}&phone={PHONE_NUMBER}"
)

// EntryPoints lists the functions of the Generic API and the read API.
var EntryPoints = []string{FindAccountByQuery, FindAccountByID, CreateAccount, FindRecordByQuery, CreateRecord, UpdateRecord, Comment, ReadAPI, OAuthServer, UploadFile}

// Functions lists every function of a deployment: EntryPoints and those
// CCAI Platform does not call (the storage trigger, the sweep, the outcome
// email settings, the inbound and outbound outcome emails, the agent pages).
var Functions = append(append([]string{}, EntryPoints...), StorageObject, SweepUnlinked, OutcomeSettings, InboundEmail, OutcomeSend, Pages)

// Input is what a deployment knows about itself.
type Input struct {
	// URLs maps an entry point to its function's base URL.
	URLs map[string]string
	Auth auth.Config
	// PhoneNumberFormat to set in the portal; "e164" by default: every
	// number then arrives with its country, so a find by phone is an exact
	// identity (one batched key read) and never matches another country's
	// number that ends in the same digits. Every format is accepted.
	PhoneNumberFormat string
	// APIRequestTimeoutSeconds: 5 by default.
	APIRequestTimeoutSeconds int
	// OAuth: the client the administrator types in, with the OAuth method.
	OAuth *OAuthClient
	// ExternalStorage: the bucket CCAI Platform writes into; Endpoint is
	// set for an emulator.
	ExternalStorage *ExternalStorage
	// InboundAddress is the address to type in the portal's "Send session
	// outcome via Email": the inbound mail gateway's, which posts what it
	// receives to the InboundEmail function. InboundPathSecret, when set,
	// is the function's path secret, part of inbound_url. With the
	// function's URL in URLs, session_outcome_email is written (enabled
	// when there is an address to type).
	InboundAddress    string
	InboundPathSecret string
	// TestLogin: local runs only (the local administrator).
	TestLogin *Login
}

// OAuthClient is the registered OAuth client of CCAI Platform.
type OAuthClient struct {
	ID           string
	Secret       string // in clear: the administrator types it
	RedirectURIs []string
	// TestLogin: local runs only.
	TestLogin *Login
}

// Build returns the settings for in: every endpoint with the URL,
// method, parameters (variables and functions as an administrator types
// them), request format and response data location this CRM expects.
func Build(in Input) (Settings, error) {
	for _, ep := range EntryPoints {
		if in.URLs[ep] == "" {
			return Settings{}, fmt.Errorf("no URL for %s", ep)
		}
	}
	u := func(ep, path string) string { return strings.TrimRight(in.URLs[ep], "/") + path }
	s := Settings{
		Version: 1, CRM: "custom",
		PhoneNumberFormat:        in.PhoneNumberFormat,
		APIRequestTimeoutSeconds: in.APIRequestTimeoutSeconds,
		ReuseExistingRecords:     true,
		CRMAPI: CRMAPI{
			AccountURL: u(ReadAPI, "/accounts/{ACCOUNT_ID}"),
			RecordURL:  u(ReadAPI, "/records/{RECORD_ID}"),
		},
	}
	s.TestLogin = in.TestLogin
	if s.PhoneNumberFormat == "" {
		s.PhoneNumberFormat = "e164"
	}
	if s.APIRequestTimeoutSeconds == 0 {
		s.APIRequestTimeoutSeconds = 5
	}
	switch in.Auth.Method {
	case auth.MethodBasic:
		s.Auth = Auth{Method: auth.MethodBasic, Basic: &Basic{Username: in.Auth.BasicUsername, Password: in.Auth.BasicPassword}}
	case auth.MethodCustomHeader:
		if len(in.Auth.APIKeys) == 0 {
			return Settings{}, fmt.Errorf("custom header authentication without an API key")
		}
		// The newest key is the one to type; older ones stay valid
		// until they are removed from the configuration.
		s.Auth = Auth{Method: auth.MethodCustomHeader, CustomHeader: []HeaderField{{Key: in.Auth.HeaderName, Value: in.Auth.APIKeys[0]}}}
	case auth.MethodOAuth:
		if in.OAuth == nil || in.OAuth.ID == "" || in.OAuth.Secret == "" {
			return Settings{}, fmt.Errorf("OAuth authentication without a client id and secret")
		}
		s.Auth = Auth{Method: auth.MethodOAuth, OAuth: &OAuth{
			AuthorizationURL: u(OAuthServer, "/authorize"), TokenURL: u(OAuthServer, "/token"),
			RevocationURL: u(OAuthServer, "/revoke"),
			ClientID:      in.OAuth.ID, ClientSecret: in.OAuth.Secret,
			Scope: "crm", State: "ccaip-crm", AccessType: "offline", IncludeRedirectURL: true,
			RedirectURIs: in.OAuth.RedirectURIs, TestLogin: in.OAuth.TestLogin,
		}}
	default:
		return Settings{}, fmt.Errorf("unknown authentication method %q", in.Auth.Method)
	}
	s.ExternalStorage = in.ExternalStorage
	if in.URLs[InboundEmail] != "" {
		url := u(InboundEmail, "")
		if in.InboundPathSecret != "" {
			url += "/" + in.InboundPathSecret
		}
		s.SessionOutcomeEmail = &SessionOutcomeEmail{Enabled: in.InboundAddress != "", Address: in.InboundAddress, InboundURL: url}
	}
	if in.URLs[Pages] != "" {
		s.LookupURLs = &LookupURLs{Account: u(Pages, PageAccount), Record: u(Pages, PageRecord)}
		s.CustomLookupURLs = &CustomLookupURLs{IVRPSTNSMS: u(Pages, PagePopANI), WebMobileSDK: u(Pages, PagePopSDK)}
		s.DisplayCRMURL = u(Pages, PageCRM)
		s.OpenCustomURL = u(Pages, PageOpen)
	}
	no, yes := false, true
	s.Endpoints = Endpoints{
		FindAccountByQuery: &Endpoint{
			URL: u(FindAccountByQuery, "/accounts/search"), Method: "GET",
			Parameters: []Parameter{
				{Key: "q", Value: "=CONCAT_OR((phone:equals:{PHONE_NUMBER}), (email:equals:{EMAIL}), (custom_user_id:equals:{CUSTOM_USER_ID}))"},
			},
		},
		FindAccountByID: &Endpoint{URL: u(FindAccountByID, "/accounts/{ACCOUNT_ID}"), Method: "GET", Parameters: []Parameter{}},
		CreateAccount: &Endpoint{
			URL: u(CreateAccount, "/accounts"), Method: "POST", RequestDataFormat: "property",
			Parameters: []Parameter{
				{Key: "name", Value: "{NAME}"},
				{Key: "first_name", Value: "{FIRST_NAME}"},
				{Key: "last_name", Value: "{LAST_NAME}"},
				{Key: "phone", Value: "{PHONE_NUMBER}"},
				{Key: "email", Value: "{EMAIL}"},
				{Key: "custom_user_id", Value: "{CUSTOM_USER_ID}"},
				{Key: "ujet_id", Value: "{UJET_ID}"},
				{Key: "lang", Value: "{LANG}"},
			},
		},
		FindRecordByQuery: &Endpoint{
			URL: u(FindRecordByQuery, "/records/search"), Method: "GET",
			Parameters: []Parameter{
				{Key: "call_id", Value: "{Call_ID}"},
				{Key: "chat_id", Value: "{Chat_ID}"},
				{Key: "account_id", Value: "{ACCOUNT_ID}"},
			},
		},
		CreateRecord: &Endpoint{
			URL: u(CreateRecord, "/records"), Method: "POST",
			RequestDataFormat: "container", ContainerType: "map", ContainerName: "record",
			Parameters: []Parameter{
				{Key: "account_id", Value: "{ACCOUNT_ID}"},
				{Key: "subject", Value: "{TICKET_SUBJECT}"},
				{Key: "description", Value: "{TICKET_DESCRIPTION}"},
				{Key: "call_id", Value: "{Call_ID}"},
				{Key: "chat_id", Value: "{Chat_ID}"},
				{Key: "session_type", Value: "{SESSION_TYPE}"},
				{Key: "channel", Value: "{CHANNEL}"},
				{Key: "phone", Value: "{PHONE_NUMBER}"},
				{Key: "queue", Value: "{QUEUE_NAME}"},
				{Key: "menu_path", Value: "{MENU_PATH}"},
				{Key: "agent_email", Value: "=DEFAULT_VALUE({AGENT_EMAIL}, unassigned)"},
			},
		},
		UpdateRecord: &Endpoint{
			URL: u(UpdateRecord, "/records/{RECORD_ID}"), Method: "PATCH", RequestDataFormat: "property",
			Parameters: []Parameter{
				{Key: "subject", Value: "{TICKET_SUBJECT}"},
				{Key: "description", Value: "{TICKET_DESCRIPTION}"},
				{Key: "call_id", Value: "{Call_ID}"},
				{Key: "chat_id", Value: "{Chat_ID}"},
				{Key: "queue", Value: "{QUEUE_NAME}"},
				{Key: "agent_email", Value: "{AGENT_EMAIL}"},
				{Key: "rating", Value: "{RATING}"},
				{Key: "feedback", Value: "{FEEDBACK}"},
				{Key: "call_duration", Value: "{CALL_DURATION}"},
				{Key: "hold_time", Value: "{HOLD_TIME}"},
				{Key: "wait_time", Value: "{WAIT_TIME}"},
				{Key: "disconnected_by", Value: "{DISCONNECTED_BY}"},
			},
		},
		Comment: &Endpoint{
			URL: u(Comment, "/records/{RECORD_ID}/comments"), Method: "POST", RequestDataFormat: "property",
			Parameters: []Parameter{
				{Key: "comment", Value: "{COMMENT_BODY}"},
				{Key: "call_id", Value: "{Call_ID}"},
				{Key: "chat_id", Value: "{Chat_ID}"},
			},
			ConvertTextToHTML: &no,
		},
		UploadFile: &Endpoint{
			URL: u(UploadFile, "/records/{RECORD_ID}/attachments"), Method: "POST", RequestDataFormat: "property",
			Parameters: []Parameter{
				{Key: "file", Value: "{FILE_DATA}"},
				{Key: "call_id", Value: "{Call_ID}"},
				{Key: "chat_id", Value: "{Chat_ID}"},
			},
			UploadType:           "base64",
			Files:                []string{"call_recordings", "chat_transcripts", "voicemails", "photos", "videos", "session_metadata"},
			AttachmentType:       "id",
			AttachmentIDLocation: "id",
			AttachmentBuilderURL: u(UploadFile, "/records/{RECORD_ID}/attachments/{ATTACHMENT_ID}"),
			AddComment:           &yes,
		},
	}
	return s, nil
}

// Write writes s as indented JSON to path (mode 0600: it holds
// credentials), creating its folder.
func Write(path string, s Settings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// Read reads a settings file.
func Read(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, err
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// GCSStorage is the external storage of a deployment: CCAI Platform
// writes into bucket under folderPath; emulatorHost, when set (a local
// run), is the Cloud Storage emulator's host:port.
func GCSStorage(bucket, folderPath, emulatorHost string) *ExternalStorage {
	s := &ExternalStorage{Provider: "gcs", Bucket: bucket, FolderPath: folderPath}
	if emulatorHost != "" {
		s.Endpoint = "http://" + emulatorHost + "/storage/v1/"
	}
	return s
}

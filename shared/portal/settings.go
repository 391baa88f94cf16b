// Package portal builds the portal settings file: the settings an
// administrator types into the CCAI Platform portal for one deployment of
// this CRM, as one JSON document. Its contract is portal-settings.md
// beside this file, with its JSON Schema portal-settings.schema.json.
// Tools that play CCAI Platform read it to call the deployment as the
// platform would, so the JSON field names are a contract.
package portal

// Settings is the portal settings file.
type Settings struct {
	Version                  int                  `json:"version"`
	CRM                      string               `json:"crm"`
	Auth                     Auth                 `json:"auth"`
	PhoneNumberFormat        string               `json:"phone_number_format"`
	APIRequestTimeoutSeconds int                  `json:"api_request_timeout_seconds"`
	ReuseExistingRecords     bool                 `json:"reuse_existing_records"`
	LookupURLs               *LookupURLs          `json:"lookup_urls,omitempty"`
	CustomLookupURLs         *CustomLookupURLs    `json:"custom_lookup_urls,omitempty"`
	DisplayCRMURL            string               `json:"display_crm_url,omitempty"`
	OpenCustomURL            string               `json:"open_custom_url,omitempty"`
	Endpoints                Endpoints            `json:"endpoints"`
	SessionOutcomeEmail      *SessionOutcomeEmail `json:"session_outcome_email,omitempty"`
	ExternalStorage          *ExternalStorage     `json:"external_storage,omitempty"`
	CRMAPI                   CRMAPI               `json:"crm_api"`
	// TestLogin (local runs only, never in a deployed file): the CRM user
	// tools sign in as on the CRM's sign-in page to open its pages.
	TestLogin *Login `json:"test_login,omitempty"`
}

// Auth is "Settings > Developer Settings > CRM" authentication.
type Auth struct {
	Method       string        `json:"method"`
	Basic        *Basic        `json:"basic,omitempty"`
	CustomHeader []HeaderField `json:"custom_header,omitempty"`
	OAuth        *OAuth        `json:"oauth,omitempty"`
}

// OAuth is the OAuth 2.0 part of the authentication settings.
type OAuth struct {
	AuthorizationURL string `json:"authorization_url"`
	TokenURL         string `json:"token_url"`
	ClientID         string `json:"client_id"`
	ClientSecret     string `json:"client_secret"`
	Scope            string `json:"scope,omitempty"`
	State            string `json:"state,omitempty"`
	AccessType       string `json:"access_type,omitempty"`
	// IncludeRedirectURL is the portal's "Include the Redirect URL as
	// part of the Authorization URL and Token URL".
	IncludeRedirectURL bool `json:"include_redirect_url"`
	// Not typed in the portal: the redirect URIs this CRM accepts for the
	// client, and where tokens are revoked (RFC 7009).
	RedirectURIs  []string `json:"redirect_uris,omitempty"`
	RevocationURL string   `json:"revocation_url,omitempty"`
	// TestLogin (local runs only): a CRM user tools may sign in as.
	TestLogin *Login `json:"test_login,omitempty"`
}

// Login is a username and password for the sign-in form.
type Login struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Basic is the basic authentication pair.
type Basic struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// HeaderField is one custom header.
type HeaderField struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// LookupURLs are the "CRM lookup URLs" of the Generic API.
type LookupURLs struct {
	Account string `json:"account,omitempty"`
	Record  string `json:"record,omitempty"`
}

// CustomLookupURLs are the two URLs of the Custom URL method.
type CustomLookupURLs struct {
	IVRPSTNSMS   string `json:"ivr_pstn_sms,omitempty"`
	WebMobileSDK string `json:"web_mobile_sdk,omitempty"`
}

// Endpoints are the Generic API endpoints; nil ones are not configured.
type Endpoints struct {
	FindAccountByQuery *Endpoint `json:"find_account_by_query,omitempty"`
	FindAccountByID    *Endpoint `json:"find_account_by_id,omitempty"`
	CreateAccount      *Endpoint `json:"create_account,omitempty"`
	FindRecordByQuery  *Endpoint `json:"find_record_by_query,omitempty"`
	CreateRecord       *Endpoint `json:"create_record,omitempty"`
	UpdateRecord       *Endpoint `json:"update_record,omitempty"`
	Comment            *Endpoint `json:"comment,omitempty"`
	UploadFile         *Endpoint `json:"upload_file,omitempty"`
}

// Endpoint is one endpoint's form in the portal.
type Endpoint struct {
	URL                  string      `json:"url"`
	Method               string      `json:"method"`
	Parameters           []Parameter `json:"parameters"`
	RequestDataFormat    string      `json:"request_data_format,omitempty"`
	ContainerType        string      `json:"container_type,omitempty"`
	ContainerName        string      `json:"container_name,omitempty"`
	ResponseDataLocation string      `json:"response_data_location"`
	// ConvertTextToHTML: comment endpoint only.
	ConvertTextToHTML *bool `json:"convert_text_to_html,omitempty"`
	// Upload file endpoint only.
	UploadType            string   `json:"upload_type,omitempty"`
	Files                 []string `json:"files,omitempty"`
	AttachmentType        string   `json:"attachment_type,omitempty"`
	AttachmentIDLocation  string   `json:"attachment_id_location,omitempty"`
	AttachmentBuilderURL  string   `json:"attachment_builder_url,omitempty"`
	AttachmentURLLocation string   `json:"attachment_url_location,omitempty"`
	AddComment            *bool    `json:"add_comment,omitempty"`
}

// Parameter is one key and its value template.
type Parameter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SessionOutcomeEmail is "Send session outcome via Email".
type SessionOutcomeEmail struct {
	Enabled    bool   `json:"enabled"`
	Address    string `json:"address,omitempty"`
	InboundURL string `json:"inbound_url,omitempty"`
}

// ExternalStorage is the bucket CCAI Platform writes into.
type ExternalStorage struct {
	Provider   string `json:"provider"`
	Bucket     string `json:"bucket"`
	FolderPath string `json:"folder_path"`
	Endpoint   string `json:"endpoint,omitempty"`
}

// CRMAPI is this CRM's own read API.
type CRMAPI struct {
	AccountURL string `json:"account_url"`
	RecordURL  string `json:"record_url"`
}

package portal_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/portal"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testURLs are fixed function URLs, as Cloud Run would give them.
func testURLs() map[string]string {
	return map[string]string{
		portal.FindAccountByQuery: "https://find-account-by-query.example.run.app",
		portal.FindAccountByID:    "https://find-account-by-id.example.run.app/",
		portal.CreateAccount:      "https://create-account.example.run.app",
		portal.FindRecordByQuery:  "https://find-record-by-query.example.run.app",
		portal.CreateRecord:       "https://create-record.example.run.app",
		portal.UpdateRecord:       "https://update-record.example.run.app",
		portal.Comment:            "https://comment.example.run.app",
		portal.ReadAPI:            "https://read-api.example.run.app",
		portal.OAuthServer:        "https://oauth.example.run.app",
		portal.UploadFile:         "https://upload-file.example.run.app",
	}
}

// withInbound adds the InboundEmail function's URL.
func withInbound(urls map[string]string) map[string]string {
	urls[portal.InboundEmail] = "https://inbound-email.example.run.app/"
	return urls
}

// withPages adds the Pages function's URL.
func withPages(urls map[string]string) map[string]string {
	urls[portal.Pages] = "https://pages.example.run.app/"
	return urls
}

// The four page keys name the Pages function's routes, with the variables
// CCAI Platform fills into each; absent without the function's URL.
func TestBuildPageKeys(t *testing.T) {
	s := build(t, portal.Input{URLs: withPages(testURLs()), Auth: customHeader})
	const base = "https://pages.example.run.app"
	if s.LookupURLs == nil || s.LookupURLs.Account != base+"/accounts/{ACCOUNT_ID}" || s.LookupURLs.Record != base+"/records/{RECORD_ID}" {
		t.Errorf("lookup_urls = %+v", s.LookupURLs)
	}
	if s.CustomLookupURLs == nil ||
		s.CustomLookupURLs.IVRPSTNSMS != base+"/pop?ani={ANI}&menu_path={MENU_PATH}&menu_id={MENU_ID}&channel={CHANNEL}&type={TYPE}" ||
		s.CustomLookupURLs.WebMobileSDK != base+"/pop?cuid={CUID}&email={EMAIL}&menu_path={MENU_PATH}&menu_id={MENU_ID}&channel={CHANNEL}&type={TYPE}" {
		t.Errorf("custom_lookup_urls = %+v", s.CustomLookupURLs)
	}
	if s.DisplayCRMURL != base+"/crm" {
		t.Errorf("display_crm_url = %q", s.DisplayCRMURL)
	}
	if s.OpenCustomURL != base+"/open?account_id={ACCOUNT_ID}&phone={PHONE_NUMBER}" {
		t.Errorf("open_custom_url = %q", s.OpenCustomURL)
	}
	// each URL uses only the variables documented for it
	pageVars := map[string][]string{
		s.LookupURLs.Account:            {"ACCOUNT_ID"},
		s.LookupURLs.Record:             {"RECORD_ID"},
		s.CustomLookupURLs.IVRPSTNSMS:   {"ANI", "MENU_PATH", "MENU_ID", "CHANNEL", "TYPE"},
		s.CustomLookupURLs.WebMobileSDK: {"CUID", "EMAIL", "MENU_PATH", "MENU_ID", "CHANNEL", "TYPE"},
		s.OpenCustomURL:                 {"ACCOUNT_ID", "PHONE_NUMBER"},
	}
	for u, allowed := range pageVars {
		for _, m := range variable.FindAllStringSubmatch(u, -1) {
			if !slices.Contains(allowed, m[1]) {
				t.Errorf("%s: variable {%s} is not one CCAI Platform fills in there", u, m[1])
			}
		}
	}
	if err := validate(t, compileSchema(t), marshal(t, s)); err != nil {
		t.Errorf("settings with page keys do not match the schema: %v", err)
	}
	s = build(t, portal.Input{URLs: testURLs(), Auth: customHeader})
	if s.LookupURLs != nil || s.CustomLookupURLs != nil || s.DisplayCRMURL != "" || s.OpenCustomURL != "" {
		t.Errorf("page keys without the Pages URL: %+v %+v %q %q", s.LookupURLs, s.CustomLookupURLs, s.DisplayCRMURL, s.OpenCustomURL)
	}
}

// session_outcome_email: the address to type and the InboundEmail URL,
// with the path secret when there is one; enabled only with an address;
// absent without the function's URL.
func TestBuildSessionOutcomeEmail(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   portal.Input
		want *portal.SessionOutcomeEmail
	}{
		{"no InboundEmail URL", portal.Input{URLs: testURLs(), Auth: customHeader, InboundAddress: "outcome@crm.example.com"}, nil},
		{"address and path secret", portal.Input{URLs: withInbound(testURLs()), Auth: customHeader, InboundAddress: "outcome@crm.example.com", InboundPathSecret: "s3cret-0123456789abcdef0123456789ab"},
			&portal.SessionOutcomeEmail{Enabled: true, Address: "outcome@crm.example.com", InboundURL: "https://inbound-email.example.run.app/s3cret-0123456789abcdef0123456789ab"}},
		{"no path secret", portal.Input{URLs: withInbound(testURLs()), Auth: customHeader, InboundAddress: "outcome@crm.example.com"},
			&portal.SessionOutcomeEmail{Enabled: true, Address: "outcome@crm.example.com", InboundURL: "https://inbound-email.example.run.app"}},
		{"no address", portal.Input{URLs: withInbound(testURLs()), Auth: customHeader},
			&portal.SessionOutcomeEmail{InboundURL: "https://inbound-email.example.run.app"}},
	} {
		got := build(t, tt.in).SessionOutcomeEmail
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("%s: session_outcome_email %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

var oauthClient = &portal.OAuthClient{ID: "ccaip", Secret: "client-secret-0123456789",
	RedirectURIs: []string{"https://tenant.uc1.ccaiplatform.com/oauth/callback"}}

var customHeader = auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key",
	APIKeys: []string{"new-key-0123456789abcdef", "old-key-0123456789abcdef"}}

var basic = auth.Config{Method: auth.MethodBasic, BasicUsername: "ccaip", BasicPassword: "s3cret-pass"}

func build(t *testing.T, in portal.Input) portal.Settings {
	t.Helper()
	s, err := portal.Build(in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return s
}

func marshal(t *testing.T, s portal.Settings) []byte {
	t.Helper()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestBuildGolden(t *testing.T) {
	tests := []struct {
		name, golden string
		in           portal.Input
	}{
		{"custom_header", "portal-settings.golden.json", portal.Input{URLs: withPages(withInbound(testURLs())), Auth: customHeader,
			InboundAddress: "outcome@crm.example.com", InboundPathSecret: "inbound-path-secret-0123456789abcdef"}},
		{"basic", "portal-settings-basic.golden.json", portal.Input{URLs: testURLs(), Auth: basic,
			PhoneNumberFormat: "e164", APIRequestTimeoutSeconds: 8}},
		{"oauth", "portal-settings-oauth.golden.json", portal.Input{URLs: testURLs(), Auth: auth.Config{Method: auth.MethodOAuth}, OAuth: oauthClient}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := marshal(t, build(t, tt.in))
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Build output differs from %s (run go test -update if the change is intended):\ngot\n%s", path, got)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	s := build(t, portal.Input{URLs: testURLs(), Auth: customHeader})
	if s.Version != 1 || s.CRM != "custom" {
		t.Errorf("version, crm: got %d, %q, want 1, custom", s.Version, s.CRM)
	}
	if got, want := s.PhoneNumberFormat, "e164"; got != want {
		t.Errorf("default phone format: got %q, want %q", got, want)
	}
	if got, want := s.APIRequestTimeoutSeconds, 5; got != want {
		t.Errorf("default timeout: got %d, want %d", got, want)
	}
	if !s.ReuseExistingRecords {
		t.Errorf("reuse_existing_records: got false, want true")
	}
	// The newest key (first) is the one to type.
	if got, want := s.Auth.CustomHeader, []portal.HeaderField{{Key: "X-Api-Key", Value: "new-key-0123456789abcdef"}}; !slices.Equal(got, want) {
		t.Errorf("custom_header: got %+v, want %+v", got, want)
	}
	if s.Auth.Basic != nil {
		t.Errorf("basic: got %+v, want nil with custom_header", s.Auth.Basic)
	}
	// A trailing slash on a base URL does not double.
	if got, want := s.Endpoints.FindAccountByID.URL, "https://find-account-by-id.example.run.app/accounts/{ACCOUNT_ID}"; got != want {
		t.Errorf("find_account_by_id url: got %q, want %q", got, want)
	}
	if got, want := s.CRMAPI.RecordURL, "https://read-api.example.run.app/records/{RECORD_ID}"; got != want {
		t.Errorf("crm_api.record_url: got %q, want %q", got, want)
	}
	for name, ep := range endpoints(s) {
		isBody := ep.Method != "GET"
		if isBody != (ep.RequestDataFormat != "") {
			t.Errorf("%s: method %s with request_data_format %q", name, ep.Method, ep.RequestDataFormat)
		}
		if ep.Parameters == nil {
			t.Errorf("%s: parameters is null, want an array", name)
		}
	}

	b := build(t, portal.Input{URLs: testURLs(), Auth: basic, PhoneNumberFormat: "us_local", APIRequestTimeoutSeconds: 10})
	if got, want := b.Auth, (portal.Auth{Method: "basic", Basic: &portal.Basic{Username: "ccaip", Password: "s3cret-pass"}}); got.Method != want.Method || *got.Basic != *want.Basic || got.CustomHeader != nil {
		t.Errorf("basic auth: got %+v, want %+v", got, want)
	}
	if b.PhoneNumberFormat != "us_local" || b.APIRequestTimeoutSeconds != 10 {
		t.Errorf("format, timeout: got %q, %d, want us_local, 10", b.PhoneNumberFormat, b.APIRequestTimeoutSeconds)
	}
}

func TestBuildErrors(t *testing.T) {
	noComment := testURLs()
	delete(noComment, portal.Comment)
	emptyRead := testURLs()
	emptyRead[portal.ReadAPI] = ""
	tests := []struct {
		name string
		in   portal.Input
		want string
	}{
		{"missing URL", portal.Input{URLs: noComment, Auth: customHeader}, "no URL for Comment"},
		{"empty URL", portal.Input{URLs: emptyRead, Auth: customHeader}, "no URL for ReadAPI"},
		{"no URLs", portal.Input{Auth: customHeader}, "no URL for"},
		{"unknown auth", portal.Input{URLs: testURLs(), Auth: auth.Config{Method: "saml"}}, `unknown authentication method "saml"`},
		{"oauth without client", portal.Input{URLs: testURLs(), Auth: auth.Config{Method: auth.MethodOAuth}}, "without a client id and secret"},
		{"custom header without key", portal.Input{URLs: testURLs(), Auth: auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key"}}, "without an API key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := portal.Build(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build: got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := "portal-settings.schema.json" // beside this file, with its contract portal-settings.md
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("portal-settings.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("portal-settings.schema.json")
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, b []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst)
}

func TestBuildMatchesSchema(t *testing.T) {
	sch := compileSchema(t)
	inputs := map[string]portal.Input{
		"custom_header": {URLs: testURLs(), Auth: customHeader},
		"basic":         {URLs: testURLs(), Auth: basic, PhoneNumberFormat: "international", APIRequestTimeoutSeconds: 1},
		"oauth":         {URLs: testURLs(), Auth: auth.Config{Method: auth.MethodOAuth}, OAuth: oauthClient},
		"oauth with test login": {URLs: testURLs(), Auth: auth.Config{Method: auth.MethodOAuth}, OAuth: &portal.OAuthClient{
			ID: "local", Secret: "s", RedirectURIs: []string{"http://127.0.0.1/callback"}, TestLogin: &portal.Login{Username: "admin", Password: "pw"}}},
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			if err := validate(t, sch, marshal(t, build(t, in))); err != nil {
				t.Errorf("generated settings do not match the schema: %v", err)
			}
		})
	}
}

// The schema test must be able to fail: broken settings are rejected.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"timeout 0", func(m map[string]any) { m["api_request_timeout_seconds"] = 0 }},
		{"timeout 11", func(m map[string]any) { m["api_request_timeout_seconds"] = 11 }},
		{"unknown phone format", func(m map[string]any) { m["phone_number_format"] = "E164" }},
		{"no crm_api", func(m map[string]any) { delete(m, "crm_api") }},
		{"custom_header method without headers", func(m map[string]any) { delete(m["auth"].(map[string]any), "custom_header") }},
		{"container without name", func(m map[string]any) {
			ep := m["endpoints"].(map[string]any)["create_record"].(map[string]any)
			delete(ep, "container_name")
		}},
		{"method DELETE", func(m map[string]any) {
			m["endpoints"].(map[string]any)["comment"].(map[string]any)["method"] = "DELETE"
		}},
		{"display_crm_url not a URI", func(m map[string]any) { m["display_crm_url"] = "not a uri" }},
	}
	good := marshal(t, build(t, portal.Input{URLs: testURLs(), Auth: customHeader}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			tt.mutate(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, sch, b); err == nil {
				t.Errorf("schema accepted settings with %s", tt.name)
			}
		})
	}
}

// documentedVariables are the variables of ccaip-behaviour.md section 3.
var documentedVariables = []string{
	"AGENT_ID", "AGENT_CUSTOM_ID", "AGENT_EMAIL", "NAME", "FIRST_NAME",
	"LAST_NAME", "UJET_ID", "EMAIL", "SESSION_TYPE",
	"PHONE_NUMBER", "Call_ID", "Chat_ID", "LANG", "CUSTOM_USER_ID",
	"ACCOUNT_ID", "RECORD_ID", "SESSION_ID", "MENU_PATH",
	"OUTBOUND_PHONE_NUMBER", "QUEUE_NAME", "QUEUE_ID",
	"SMART_ACTION_SESSION_ID", "RATING", "FEEDBACK", "CALL_DURATION",
	"HOLD_TIME", "WAIT_TIME", "DEVICE_TYPE", "DISCONNECTED_BY",
	"CHANNEL", "TICKET_SUBJECT", "TICKET_DESCRIPTION",
	"TICKET_DESCRIPTION_HTML", "COMMENT_BODY", "FILE_DATA",
}

var variable = regexp.MustCompile(`\{([^{}]*)\}`)

func endpoints(s portal.Settings) map[string]*portal.Endpoint {
	e := s.Endpoints
	all := map[string]*portal.Endpoint{
		"find_account_by_query": e.FindAccountByQuery, "find_account_by_id": e.FindAccountByID,
		"create_account": e.CreateAccount, "find_record_by_query": e.FindRecordByQuery,
		"create_record": e.CreateRecord, "update_record": e.UpdateRecord,
		"comment": e.Comment, "upload_file": e.UploadFile,
	}
	for k, v := range all {
		if v == nil {
			delete(all, k)
		}
	}
	return all
}

func TestBuildUsesDocumentedVariables(t *testing.T) {
	s := build(t, portal.Input{URLs: testURLs(), Auth: customHeader})
	eps := endpoints(s)
	if len(eps) < 7 {
		t.Fatalf("endpoints: got %d, want at least 7", len(eps))
	}
	used := 0
	for name, ep := range eps {
		check := func(where, text string) {
			for _, m := range variable.FindAllStringSubmatch(text, -1) {
				used++
				if !slices.Contains(documentedVariables, m[1]) {
					t.Errorf("%s %s: variable {%s} is not one CCAI Platform sets (case matters: {Call_ID}, {Chat_ID})", name, where, m[1])
				}
			}
		}
		check("url", ep.URL)
		for _, p := range ep.Parameters {
			check("parameter "+p.Key, p.Value)
			if strings.Count(p.Value, "{") != strings.Count(p.Value, "}") {
				t.Errorf("%s parameter %s: unbalanced braces in %q", name, p.Key, p.Value)
			}
			if strings.Count(p.Value, "(") != strings.Count(p.Value, ")") {
				t.Errorf("%s parameter %s: unbalanced parentheses in %q", name, p.Key, p.Value)
			}
			if strings.HasPrefix(p.Value, "=") && !regexp.MustCompile(`^=(DEFAULT_VALUE|CONCAT_OR|CONCAT_AND)\(.*\)$`).MatchString(p.Value) {
				t.Errorf("%s parameter %s: %q is not a documented function", name, p.Key, p.Value)
			}
		}
	}
	if used == 0 {
		t.Error("no variables found at all")
	}
}

func TestWriteRead(t *testing.T) {
	s := build(t, portal.Input{URLs: testURLs(), Auth: basic})
	path := filepath.Join(t.TempDir(), "sub", "portal-settings.json")
	if err := portal.Write(path, s); err != nil {
		t.Fatalf("Write: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode: got %v, want 0600 (it holds credentials)", got)
	}
	got, err := portal.Read(path)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !bytes.Equal(marshal(t, got), marshal(t, s)) {
		t.Errorf("Read(Write(s)) differs from s:\ngot  %s\nwant %s", marshal(t, got), marshal(t, s))
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := portal.Read(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Read of a broken file: got %v, want an error naming the file", err)
	}
}

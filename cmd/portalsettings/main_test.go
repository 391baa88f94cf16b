package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"example.com/crm/shared/tfconfig"
)

func TestSettingsFromTerraformOutput(t *testing.T) {
	out := `{"urls":{"FindAccountByQuery":"https://crm-find-account-by-query-x.a.run.app","FindAccountByID":"https://b.run.app",
	"CreateAccount":"https://c.run.app","FindRecordByQuery":"https://d.run.app","CreateRecord":"https://e.run.app",
	"UpdateRecord":"https://f.run.app","Comment":"https://g.run.app","ReadAPI":"https://h.run.app","OAuth":"https://i.run.app","UploadFile":"https://j.run.app"},
	"auth_method":"custom_header","api_key_header":"X-Api-Key"}`
	env := map[string]string{"TF_VAR_crm_api_keys": "new-key-0123456789abcdef, old-key-0123456789abcdef"}
	s, err := settings(strings.NewReader(out), func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Auth.CustomHeader[0].Value, "new-key-0123456789abcdef"; got != want {
		t.Errorf("API key: got %q, want %q (the first, newest one)", got, want)
	}
	if got, want := s.Endpoints.FindAccountByQuery.URL, "https://crm-find-account-by-query-x.a.run.app/accounts/search"; got != want {
		t.Errorf("find account URL: got %q, want %q", got, want)
	}
	if got, want := s.CRMAPI.RecordURL, "https://h.run.app/records/{RECORD_ID}"; got != want {
		t.Errorf("record_url: got %q, want %q", got, want)
	}
	if _, err := settings(strings.NewReader(out), func(string) (string, bool) { return "", false }, nil); err == nil {
		t.Error("no credentials: got no error")
	}
	oauthOut := strings.Replace(out, `"auth_method":"custom_header"`, `"auth_method":"oauth","oauth":{"authorization_url":"https://i.run.app/authorize","clients":[{"id":"ccaip","redirect_uris":["https://t.ccaiplatform.com/cb"]}]}`, 1)
	o, err := settings(strings.NewReader(oauthOut), func(k string) (string, bool) { return "client-secret-1234", k == "CRM_OAUTH_CLIENT_SECRET" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := o.Auth.OAuth; a == nil || a.ClientID != "ccaip" || a.ClientSecret != "client-secret-1234" || a.AuthorizationURL != "https://i.run.app/authorize" || a.RedirectURIs[0] != "https://t.ccaiplatform.com/cb" || a.TestLogin != nil {
		t.Errorf("oauth settings: got %+v", a)
	}
	if _, err := settings(strings.NewReader(oauthOut), func(string) (string, bool) { return "", false }, nil); err == nil {
		t.Error("oauth without the client secret: got no error")
	}
	inboundOut := strings.Replace(out, `"UploadFile":"https://j.run.app"}`, `"UploadFile":"https://j.run.app","InboundEmail":"https://k.run.app"},"inbound_address":"outcome@crm.example.com"`, 1)
	secret := "inbound-path-secret-0123456789abcdef"
	withSecret := map[string]string{"TF_VAR_crm_api_keys": "new-key-0123456789abcdef", "TF_VAR_inbound_path_secret": secret}
	in, err := settings(strings.NewReader(inboundOut), func(k string) (string, bool) { v, ok := withSecret[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := in.SessionOutcomeEmail; e == nil || !e.Enabled || e.Address != "outcome@crm.example.com" || e.InboundURL != "https://k.run.app/"+secret {
		t.Errorf("session_outcome_email: got %+v", e)
	}
	withSecret["TF_VAR_inbound_path_secret"] = "short"
	if _, err := settings(strings.NewReader(inboundOut), func(k string) (string, bool) { v, ok := withSecret[k]; return v, ok }, nil); err == nil {
		t.Error("a path secret too short: got no error")
	}
	if _, err := settings(strings.NewReader(`{"urls":{}}`), func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil); err == nil {
		t.Error("no URLs: got no error")
	}
	if s.DisplayCRMURL != "" {
		t.Errorf("display_crm_url without the Pages function: %q", s.DisplayCRMURL)
	}
	// the Pages function deployed: the four page keys
	pagesOut := strings.Replace(out, `"UploadFile":"https://j.run.app"}`, `"UploadFile":"https://j.run.app","Pages":"https://p.run.app"}`, 1)
	p, err := settings(strings.NewReader(pagesOut), func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.DisplayCRMURL != "https://p.run.app/crm" || p.OpenCustomURL != "https://p.run.app/open?account_id={ACCOUNT_ID}&phone={PHONE_NUMBER}" ||
		p.LookupURLs == nil || p.LookupURLs.Record != "https://p.run.app/records/{RECORD_ID}" ||
		p.CustomLookupURLs == nil || !strings.HasPrefix(p.CustomLookupURLs.IVRPSTNSMS, "https://p.run.app/pop?ani={ANI}") {
		t.Errorf("page keys: %q %q %+v %+v", p.DisplayCRMURL, p.OpenCustomURL, p.LookupURLs, p.CustomLookupURLs)
	}
}

// The inputs the command reads are exactly the keys of the terraform
// output portal_settings_inputs (terraform/outputs.tf).
func TestInputsMatchTerraformOutput(t *testing.T) {
	c, err := tfconfig.Load("../../terraform")
	if err != nil {
		t.Fatal(err)
	}
	items, err := c.ObjectItems(c.Outputs["portal_settings_inputs"])
	if err != nil {
		t.Fatalf("output portal_settings_inputs: %v", err)
	}
	var output []string
	for k := range items {
		output = append(output, k)
	}
	var read []string
	ty := reflect.TypeOf(inputs{})
	for i := 0; i < ty.NumField(); i++ {
		read = append(read, strings.Split(ty.Field(i).Tag.Get("json"), ",")[0])
	}
	sort.Strings(output)
	sort.Strings(read)
	if !reflect.DeepEqual(output, read) {
		t.Errorf("terraform output portal_settings_inputs has %v, the command reads %v", output, read)
	}
}

// A deployment's external storage (bucket, folder path) is in the file.
func TestSettingsExternalStorage(t *testing.T) {
	out := `{"urls":{"FindAccountByQuery":"https://a.run.app","FindAccountByID":"https://b.run.app",
	"CreateAccount":"https://c.run.app","FindRecordByQuery":"https://d.run.app","CreateRecord":"https://e.run.app",
	"UpdateRecord":"https://f.run.app","Comment":"https://g.run.app","ReadAPI":"https://h.run.app","OAuth":"https://i.run.app","UploadFile":"https://j.run.app"},
	"auth_method":"custom_header","api_key_header":"X-Api-Key",
	"external_storage":{"provider":"gcs","bucket":"crm-ccai-my-project","folder_path":"ccaip"}}`
	s, err := settings(strings.NewReader(out), func(k string) (string, bool) { return "key-0123456789abcdef", k == "TF_VAR_crm_api_keys" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := s.ExternalStorage; e == nil || e.Provider != "gcs" || e.Bucket != "crm-ccai-my-project" || e.FolderPath != "ccaip" || e.Endpoint != "" {
		t.Errorf("external_storage: got %+v", e)
	}
}

// Credentials given in terraform.tfvars (or *.auto.tfvars) are found
// there, with Terraform's precedence over the environment; the basic
// user name comes from the terraform output.
func TestSettingsCredentialsFromTfvars(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	secret := "inbound-path-secret-0123456789abcdef"
	write("terraform.tfvars", `project_id = "my-project"
crm_api_keys = "file-key-0123456789abcdef"
crm_basic_password = "file-password"
inbound_path_secret = "`+secret+`"
min_instances = 1
`)
	vars, err := tfvars(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := `{"urls":{"FindAccountByQuery":"https://a.run.app","FindAccountByID":"https://b.run.app",
	"CreateAccount":"https://c.run.app","FindRecordByQuery":"https://d.run.app","CreateRecord":"https://e.run.app",
	"UpdateRecord":"https://f.run.app","Comment":"https://g.run.app","ReadAPI":"https://h.run.app","OAuth":"https://i.run.app","UploadFile":"https://j.run.app",
	"InboundEmail":"https://k.run.app"},"auth_method":"custom_header","api_key_header":"X-Api-Key","inbound_address":"outcome@crm.example.com"}`
	env := map[string]string{"TF_VAR_crm_api_keys": "env-key-0123456789abcdef"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	s, err := settings(strings.NewReader(out), lookup, vars)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Auth.CustomHeader[0].Value; got != "file-key-0123456789abcdef" {
		t.Errorf("API key: got %q, want terraform.tfvars' (which terraform apply used over TF_VAR_)", got)
	}
	if e := s.SessionOutcomeEmail; e == nil || e.InboundURL != "https://k.run.app/"+secret {
		t.Errorf("session_outcome_email: got %+v, want the path secret of terraform.tfvars", e)
	}
	// *.auto.tfvars and JSON files come after terraform.tfvars.
	write("b.auto.tfvars.json", `{"crm_api_keys": "json-key-0123456789abcdef"}`)
	write("a.auto.tfvars", `crm_api_keys = "auto-key-0123456789abcdef"`)
	if vars, err = tfvars(dir); err != nil {
		t.Fatal(err)
	}
	if s, err = settings(strings.NewReader(out), lookup, vars); err != nil {
		t.Fatal(err)
	}
	if got := s.Auth.CustomHeader[0].Value; got != "json-key-0123456789abcdef" {
		t.Errorf("API key: got %q, want b.auto.tfvars.json's, the last file terraform reads", got)
	}
	// basic: the user name from the output, the password from the file.
	basic := strings.Replace(out, `"auth_method":"custom_header"`, `"auth_method":"basic","basic_username":"ccaip"`, 1)
	if s, err = settings(strings.NewReader(basic), lookup, vars); err != nil {
		t.Fatal(err)
	}
	if b := s.Auth.Basic; b == nil || b.Username != "ccaip" || b.Password != "file-password" {
		t.Errorf("basic: got %+v", b)
	}
	// No files: the environment.
	if vars, err = tfvars(t.TempDir()); err != nil || len(vars) != 0 {
		t.Fatalf("no files: %v %v", vars, err)
	}
	if s, err = settings(strings.NewReader(out), lookup, vars); err != nil || s.Auth.CustomHeader[0].Value != "env-key-0123456789abcdef" {
		t.Errorf("no files: got %+v %v, want the key of TF_VAR_crm_api_keys", s.Auth, err)
	}
	write("terraform.tfvars", `crm_api_keys = `)
	if _, err := tfvars(dir); err == nil {
		t.Error("a broken terraform.tfvars: got no error")
	}
}

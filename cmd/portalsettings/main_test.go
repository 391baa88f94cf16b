package main

import (
	"strings"
	"testing"
)

func TestSettingsFromTerraformOutput(t *testing.T) {
	out := `{"urls":{"FindAccountByQuery":"https://crm-find-account-by-query-x.a.run.app","FindAccountByID":"https://b.run.app",
	"CreateAccount":"https://c.run.app","FindRecordByQuery":"https://d.run.app","CreateRecord":"https://e.run.app",
	"UpdateRecord":"https://f.run.app","Comment":"https://g.run.app","ReadAPI":"https://h.run.app","OAuth":"https://i.run.app","UploadFile":"https://j.run.app"},
	"auth_method":"custom_header","api_key_header":"X-Api-Key"}`
	env := map[string]string{"TF_VAR_crm_api_keys": "new-key-0123456789abcdef, old-key-0123456789abcdef"}
	s, err := settings(strings.NewReader(out), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
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
	if _, err := settings(strings.NewReader(out), func(string) (string, bool) { return "", false }); err == nil {
		t.Error("no credentials: got no error")
	}
	oauthOut := strings.Replace(out, `"auth_method":"custom_header"`, `"auth_method":"oauth","oauth":{"authorization_url":"https://i.run.app/authorize","clients":[{"id":"ccaip","redirect_uris":["https://t.ccaiplatform.com/cb"]}]}`, 1)
	o, err := settings(strings.NewReader(oauthOut), func(k string) (string, bool) { return "client-secret-1234", k == "CRM_OAUTH_CLIENT_SECRET" })
	if err != nil {
		t.Fatal(err)
	}
	if a := o.Auth.OAuth; a == nil || a.ClientID != "ccaip" || a.ClientSecret != "client-secret-1234" || a.AuthorizationURL != "https://i.run.app/authorize" || a.RedirectURIs[0] != "https://t.ccaiplatform.com/cb" || a.TestLogin != nil {
		t.Errorf("oauth settings: got %+v", a)
	}
	if _, err := settings(strings.NewReader(oauthOut), func(string) (string, bool) { return "", false }); err == nil {
		t.Error("oauth without the client secret: got no error")
	}
	inboundOut := strings.Replace(out, `"UploadFile":"https://j.run.app"}`, `"UploadFile":"https://j.run.app","InboundEmail":"https://k.run.app"},"inbound_address":"outcome@crm.example.com"`, 1)
	secret := "inbound-path-secret-0123456789abcdef"
	withSecret := map[string]string{"TF_VAR_crm_api_keys": "new-key-0123456789abcdef", "TF_VAR_inbound_path_secret": secret}
	in, err := settings(strings.NewReader(inboundOut), func(k string) (string, bool) { v, ok := withSecret[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if e := in.SessionOutcomeEmail; e == nil || !e.Enabled || e.Address != "outcome@crm.example.com" || e.InboundURL != "https://k.run.app/"+secret {
		t.Errorf("session_outcome_email: got %+v", e)
	}
	withSecret["TF_VAR_inbound_path_secret"] = "short"
	if _, err := settings(strings.NewReader(inboundOut), func(k string) (string, bool) { v, ok := withSecret[k]; return v, ok }); err == nil {
		t.Error("a path secret too short: got no error")
	}
	if _, err := settings(strings.NewReader(`{"urls":{}}`), func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
		t.Error("no URLs: got no error")
	}
	if s.DisplayCRMURL != "" {
		t.Errorf("display_crm_url without the Pages function: %q", s.DisplayCRMURL)
	}
	// the Pages function deployed: the four page keys
	pagesOut := strings.Replace(out, `"UploadFile":"https://j.run.app"}`, `"UploadFile":"https://j.run.app","Pages":"https://p.run.app"}`, 1)
	p, err := settings(strings.NewReader(pagesOut), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if p.DisplayCRMURL != "https://p.run.app/crm" || p.OpenCustomURL != "https://p.run.app/open?account_id={ACCOUNT_ID}&phone={PHONE_NUMBER}" ||
		p.LookupURLs == nil || p.LookupURLs.Record != "https://p.run.app/records/{RECORD_ID}" ||
		p.CustomLookupURLs == nil || !strings.HasPrefix(p.CustomLookupURLs.IVRPSTNSMS, "https://p.run.app/pop?ani={ANI}") {
		t.Errorf("page keys: %q %q %+v %+v", p.DisplayCRMURL, p.OpenCustomURL, p.LookupURLs, p.CustomLookupURLs)
	}
}

// Command portalsettings writes the portal settings file of a Terraform
// deployment. It reads `terraform output -json portal_settings_inputs`
// on standard input; the credentials, which Terraform does not output,
// come from the same variables that were given to terraform apply
// (TF_VAR_crm_api_keys, TF_VAR_crm_basic_username, TF_VAR_crm_basic_password)
// or from CRM_API_KEYS, CRM_BASIC_USERNAME, CRM_BASIC_PASSWORD; with OAuth,
// the client secret in clear (Terraform only has its hash) from
// CRM_OAUTH_CLIENT_SECRET; the InboundEmail path secret, part of
// session_outcome_email.inbound_url, from TF_VAR_inbound_path_secret or
// CRM_INBOUND_PATH_SECRET.
//
//	terraform -chdir=terraform output -json portal_settings_inputs | go run ./cmd/portalsettings -o portal-settings.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/portal"
)

// inputs is the portal_settings_inputs output of terraform/outputs.tf.
type inputs struct {
	URLs         map[string]string `json:"urls"`
	AuthMethod   string            `json:"auth_method"`
	APIKeyHeader string            `json:"api_key_header"`
	OAuth        *struct {
		Clients []struct {
			ID           string   `json:"id"`
			RedirectURIs []string `json:"redirect_uris"`
		} `json:"clients"`
	} `json:"oauth"`
	InboundAddress string `json:"inbound_address"`
}

func main() {
	out := flag.String("o", "portal-settings.json", "file to write")
	flag.Parse()
	s, err := settings(os.Stdin, os.LookupEnv)
	if err != nil {
		log.Fatal(err)
	}
	if err := portal.Write(*out, s); err != nil {
		log.Fatal(err)
	}
	fmt.Println("portal settings file written to", *out)
}

func settings(r io.Reader, lookup func(string) (string, bool)) (portal.Settings, error) {
	var in inputs
	if err := json.NewDecoder(r).Decode(&in); err != nil {
		return portal.Settings{}, fmt.Errorf("reading terraform output: %w", err)
	}
	env := func(names ...string) string {
		for _, n := range names {
			if v, ok := lookup(n); ok && v != "" {
				return v
			}
		}
		return ""
	}
	a := auth.Config{
		Method:        in.AuthMethod,
		HeaderName:    in.APIKeyHeader,
		BasicUsername: env("TF_VAR_crm_basic_username", "CRM_BASIC_USERNAME"),
		BasicPassword: env("TF_VAR_crm_basic_password", "CRM_BASIC_PASSWORD"),
	}
	for _, k := range strings.Split(env("TF_VAR_crm_api_keys", "CRM_API_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			a.APIKeys = append(a.APIKeys, k)
		}
	}
	if err := a.Validate(); err != nil {
		return portal.Settings{}, fmt.Errorf("credentials (set the TF_VAR_ variables used for terraform apply): %w", err)
	}
	var client *portal.OAuthClient
	if a.Method == auth.MethodOAuth {
		if in.OAuth == nil || len(in.OAuth.Clients) == 0 {
			return portal.Settings{}, fmt.Errorf("the deployment has no OAuth client (terraform variable oauth_clients)")
		}
		c := in.OAuth.Clients[0]
		client = &portal.OAuthClient{ID: c.ID, RedirectURIs: c.RedirectURIs, Secret: env("CRM_OAUTH_CLIENT_SECRET")}
		if client.Secret == "" {
			return portal.Settings{}, fmt.Errorf("set CRM_OAUTH_CLIENT_SECRET to the client secret (in clear) of OAuth client %q", c.ID)
		}
	}
	secret := env("TF_VAR_inbound_path_secret", "CRM_INBOUND_PATH_SECRET")
	if secret != "" {
		if err := auth.CheckPathSecret(secret); err != nil {
			return portal.Settings{}, fmt.Errorf("the inbound path secret %w", err)
		}
	}
	return portal.Build(portal.Input{URLs: in.URLs, Auth: a, OAuth: client, InboundAddress: in.InboundAddress, InboundPathSecret: secret})
}

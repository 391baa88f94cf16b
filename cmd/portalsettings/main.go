// Command portalsettings writes the portal settings file of a Terraform
// deployment. It reads `terraform output -json portal_settings_inputs`
// on standard input. The credentials, which Terraform keeps out of its
// state and outputs, are taken where terraform apply took them, with
// Terraform's precedence: the variable files of the Terraform directory
// (-tfvars: terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars
// and *.auto.tfvars.json in lexical order, a later one winning), else
// the environment (TF_VAR_crm_api_keys, TF_VAR_crm_basic_password,
// TF_VAR_inbound_path_secret), else CRM_API_KEYS, CRM_BASIC_PASSWORD,
// CRM_INBOUND_PATH_SECRET. Values given with -var on terraform's command
// line cannot be seen: give them by environment or file instead. With
// OAuth, the client secret in clear (Terraform only has its hash) comes
// from CRM_OAUTH_CLIENT_SECRET. The InboundEmail path secret is part of
// session_outcome_email.inbound_url.
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
	// BasicUsername is crm_basic_username (not a secret).
	BasicUsername   string                  `json:"basic_username"`
	ExternalStorage *portal.ExternalStorage `json:"external_storage"`
	InboundAddress  string                  `json:"inbound_address"`
}

func main() {
	out := flag.String("o", "portal-settings.json", "file to write")
	dir := flag.String("tfvars", "terraform", "the Terraform directory, whose variable files hold the credentials if the environment does not")
	flag.Parse()
	vars, err := tfvars(*dir)
	if err != nil {
		log.Fatal(err)
	}
	s, err := settings(os.Stdin, os.LookupEnv, vars)
	if err != nil {
		log.Fatal(err)
	}
	if err := portal.Write(*out, s); err != nil {
		log.Fatal(err)
	}
	fmt.Println("portal settings file written to", *out)
}

// settings builds the file from the terraform output in r, the
// environment (lookup) and the values of the Terraform variable files
// (vars, by variable name).
func settings(r io.Reader, lookup func(string) (string, bool), vars map[string]string) (portal.Settings, error) {
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
	// variable returns the value terraform apply had for the variable:
	// from a variable file, else TF_VAR_<name>, else the CRM_ name.
	variable := func(name, crm string) string {
		if v := vars[name]; v != "" {
			return v
		}
		return env("TF_VAR_"+name, crm)
	}
	a := auth.Config{
		Method:        in.AuthMethod,
		HeaderName:    in.APIKeyHeader,
		BasicUsername: in.BasicUsername,
		BasicPassword: variable("crm_basic_password", "CRM_BASIC_PASSWORD"),
	}
	if a.BasicUsername == "" {
		a.BasicUsername = variable("crm_basic_username", "CRM_BASIC_USERNAME")
	}
	for _, k := range strings.Split(variable("crm_api_keys", "CRM_API_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			a.APIKeys = append(a.APIKeys, k)
		}
	}
	if err := a.Validate(); err != nil {
		return portal.Settings{}, fmt.Errorf("credentials (in terraform.tfvars, or the TF_VAR_ variables used for terraform apply): %w", err)
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
	secret := variable("inbound_path_secret", "CRM_INBOUND_PATH_SECRET")
	if secret != "" {
		if err := auth.CheckPathSecret(secret); err != nil {
			return portal.Settings{}, fmt.Errorf("the inbound path secret %w", err)
		}
	}
	return portal.Build(portal.Input{URLs: in.URLs, Auth: a, OAuth: client, ExternalStorage: in.ExternalStorage,
		InboundAddress: in.InboundAddress, InboundPathSecret: secret})
}

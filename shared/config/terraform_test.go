package config_test

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"example.com/crm/shared/config"
	"example.com/crm/shared/tfconfig"
)

// The tests in this file keep the Terraform configuration (terraform/),
// the configuration code (Load) and the README's settings table in step.
// They read the configuration with shared/tfconfig, which parses it and
// evaluates Terraform's own expressions (validations, environment
// values), so none of them lists the settings by hand.

func terraform(t *testing.T) *tfconfig.Config {
	t.Helper()
	c, err := tfconfig.Load("../../terraform")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loadReads returns the names Load looks up, with every authentication
// method (a name read only for one of them is read all the same).
func loadReads() map[string]bool {
	read := map[string]bool{}
	for _, method := range []string{"custom_header", "basic", "oauth"} {
		config.Load(func(k string) (string, bool) {
			read[k] = true
			if k == "CRM_AUTH_METHOD" {
				return method, true
			}
			return "", false
		})
	}
	return read
}

// terraformEnv returns every environment variable Terraform sets on a
// function: plain ones with the expression of their value, secrets with
// the expression of the secret's value (local.secret_values).
func terraformEnv(t *testing.T, c *tfconfig.Config) (plain, secret map[string]hcl.Expression) {
	t.Helper()
	plain, err := c.FunctionEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := c.SecretEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	values, err := c.ObjectItems(c.Locals["secret_values"])
	if err != nil {
		t.Fatalf("local.secret_values: %v", err)
	}
	secret = map[string]hcl.Expression{}
	for name, logical := range secrets {
		if values[logical] == nil {
			t.Fatalf("secret %s (%s) has no value in local.secret_values", logical, name)
		}
		secret[name] = values[logical]
	}
	return plain, secret
}

// settingsRow is a row of the README's settings table.
type settingsRow struct {
	env, vars []string
	readBy    string
	line      string
}

// readmeSettings reads the table of the README's "## Settings" section.
func readmeSettings(t *testing.T) []settingsRow {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Settings\n")
	if !ok {
		t.Fatal(`README.md: no "## Settings" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	envName := regexp.MustCompile("`([A-Z][A-Z0-9_]*)`")
	varName := regexp.MustCompile("`([a-z][a-z0-9_]*)`")
	var rows []settingsRow
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "|") || len(cells) < 6 || strings.HasPrefix(strings.TrimSpace(cells[1]), "-") {
			continue
		}
		r := settingsRow{readBy: cells[4], line: line}
		for _, m := range envName.FindAllStringSubmatch(cells[1], -1) {
			r.env = append(r.env, m[1])
		}
		for _, m := range varName.FindAllStringSubmatch(cells[2], -1) {
			r.vars = append(r.vars, m[1])
		}
		rows = append(rows, r)
	}
	if len(rows) < 2 { // the header and at least one setting
		t.Fatal("README.md: no table in the Settings section")
	}
	return rows[1:]
}

// Every environment variable Terraform passes to the functions is one
// the configuration code reads, or one the Go runtime or the Functions
// Framework reads (the README's table says which); every one the code
// reads is passed by Terraform, unless the table says Terraform does not
// set it (local runs, fallbacks).
func TestTerraformEnvironmentMatchesLoad(t *testing.T) {
	c := terraform(t)
	plain, secret := terraformEnv(t, c)
	read := loadReads()
	rows := readmeSettings(t)
	row := func(env string) *settingsRow {
		for i := range rows {
			for _, e := range rows[i].env {
				if e == env {
					return &rows[i]
				}
			}
		}
		return nil
	}
	for name := range merged(plain, secret) {
		if read[name] {
			continue
		}
		if r := row(name); r == nil || !strings.Contains(r.readBy, "not `shared/config`") {
			t.Errorf("terraform passes %s, which the configuration code (config.Load) does not read; if the platform reads it, say so in its README settings row (\"not `shared/config`\")", name)
		}
	}
	for name := range read {
		if plain[name] != nil || secret[name] != nil {
			continue
		}
		if r := row(name); r == nil || !strings.Contains(r.line, "not set by Terraform") {
			t.Errorf("config.Load reads %s, which terraform does not pass to the functions (functions.tf function_environment, secrets.tf secret_env); pass it, or say \"not set by Terraform\" in its README settings row", name)
		}
	}
}

func merged(maps ...map[string]hcl.Expression) map[string]hcl.Expression {
	all := map[string]hcl.Expression{}
	for _, m := range maps {
		for k, v := range m {
			all[k] = v
		}
	}
	return all
}

// The README's settings table lists every environment variable the code
// reads or Terraform passes, and every Terraform variable; a row names
// only Terraform variables its environment variable is made of.
func TestSettingsTableListsEverySetting(t *testing.T) {
	c := terraform(t)
	plain, secret := terraformEnv(t, c)
	env := merged(plain, secret)
	rows := readmeSettings(t)
	listed := map[string]bool{}
	listedVars := map[string]bool{}
	for _, r := range rows {
		for _, e := range r.env {
			if listed[e] {
				t.Errorf("README settings table: %s is in two rows", e)
			}
			listed[e] = true
		}
		for _, v := range r.vars {
			listedVars[v] = true
			if c.Variables[v] == nil {
				t.Errorf("README settings table names %q, which is no Terraform variable: %s", v, r.line)
				continue
			}
			for _, e := range r.env {
				if env[e] != nil && !contains(c.VarRefs(env[e]), v) {
					t.Errorf("README settings table: terraform sets %s from %v, not from %s", e, c.VarRefs(env[e]), v)
				}
			}
		}
	}
	for name := range loadReads() {
		if !listed[name] {
			t.Errorf("README settings table: no row for %s (read by config.Load)", name)
		}
	}
	for name := range env {
		if !listed[name] {
			t.Errorf("README settings table: no row for %s (passed by terraform)", name)
		}
	}
	for name := range c.Variables {
		if !listedVars[name] {
			t.Errorf("README settings table: no row for the Terraform variable %s", name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// full is a configuration Load accepts with every authentication method.
func full() map[string]string {
	return with(minimal(), "CRM_BASIC_USERNAME", "ccaip", "CRM_BASIC_PASSWORD", "pw",
		"CRM_SIGNING_KEY", strings.Repeat("k", 32), "CRM_OAUTH_CLIENTS", "[]")
}

// probes are values tried for every Terraform variable of their type:
// the bounds and the near misses of the settings the functions check.
var probes = map[string][]cty.Value{
	"string": stringVals("", " ", "0", "0s", "0ms", "1ms", "999ms", "1s", "4s", "2.5s", "9.5s", "9999ms", "10s", "10.0s",
		"10.001s", "10001ms", "10s1ms", "11s", "1m", "15m", "90s", "1h", "1h30m", "1.5h", "3600s", "720h", "721h", "720h1s", "-1s",
		"4", "abc", "US", "GB", "us", "XX", "ZZ", "USA", "starttls", "tls", "none", "ssl", "basic", "custom_header", "oauth",
		"admin", "x@example.com", "CRM <crm@example.com>", "not an address", "smtp.example.com:587", "smtp.example.com",
		"https://acme.ccaiplatform.com", "https://acme.ccaiplatform.com/", "https://acme.ccaiplatform.com/agent", "acme.ccaiplatform.com",
		"'self'", "'none'", "'self' 'none'", "https://*.ccaiplatform.com:443 http://localhost:8080", "https://portal.example/",
		"X-Api-Key", "ccaip", "a/b", strings.Repeat("p", 31), strings.Repeat("p", 32), strings.Repeat("p", 32)+"/x"),
	"number": {cty.NumberIntVal(-1), cty.NumberIntVal(0), cty.NumberIntVal(1), cty.NumberFloatVal(1.5), cty.NumberIntVal(10),
		cty.NumberIntVal(100), cty.NumberIntVal(101), cty.NumberIntVal(290), cty.NumberIntVal(3590), cty.NumberIntVal(3591), cty.NumberIntVal(3600)},
	"list of string": {cty.ListValEmpty(cty.String), cty.ListVal([]cty.Value{cty.StringVal("x@example.com")}),
		cty.ListVal([]cty.Value{cty.StringVal("@example.com")}), cty.ListVal([]cty.Value{cty.StringVal("x")})},
}

func stringVals(s ...string) []cty.Value {
	var out []cty.Value
	for _, v := range s {
		out = append(out, cty.StringVal(v))
	}
	return out
}

// A value Terraform's validations accept without a warning (a check
// block) is one the functions accept at start: for every environment variable Terraform makes of one variable,
// each probe value (and the default) that passes every validation gives
// a value of the variable that config.Load accepts. And each default is
// the functions' default: setting the variable at its default changes
// nothing in the configuration the functions load.
func TestTerraformAcceptsOnlyWhatLoadAccepts(t *testing.T) {
	c := terraform(t)
	plain, secret := terraformEnv(t, c)
	base, err := config.Load(lookup(full()))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for name, expr := range merged(plain, secret) {
		vars := c.VarRefs(expr)
		if len(vars) != 1 {
			continue // made of resources or of several variables
		}
		v := c.Variables[vars[0]]
		values := append([]cty.Value{}, probes[v.Type.FriendlyName()]...)
		if v.Default != cty.NilVal {
			values = append(values, v.Default)
		}
		for _, p := range values {
			// A deployment without warnings, but for the variable tried.
			set := tfconfig.Values{"project_id": cty.StringVal("my-crm-project"), "crm_api_keys": cty.StringVal("0123456789abcdef"), v.Name: p}
			failed, err := c.Validate(set)
			if err != nil {
				t.Fatalf("%s = %s: %v", v.Name, p.GoString(), err)
			}
			if len(failed) > 0 {
				continue // terraform refuses it
			}
			warnings, err := c.Warnings(set)
			if err != nil {
				t.Fatalf("%s = %s: %v", v.Name, p.GoString(), err)
			}
			if len(warnings) > 0 {
				continue // terraform warns (a check block)
			}
			got, err := c.Eval(expr, set)
			if err != nil {
				t.Fatalf("%s with %s = %s: %v", name, v.Name, p.GoString(), err)
			}
			if !got.IsWhollyKnown() || got.IsNull() || got.AsString() == "" {
				continue // not set
			}
			checked++
			cfg, err := config.Load(lookup(with(full(), name, got.AsString())))
			if err != nil {
				t.Errorf("terraform accepts %s = %s, which sets %s=%q, and the functions refuse it at start: %v", v.Name, show(p), name, got.AsString(), err)
				continue
			}
			if p.RawEquals(v.Default) && !reflect.DeepEqual(cfg, base) {
				t.Errorf("terraform's default %s = %s sets %s=%q, which is not the functions' default:\ngot  %+v\nwant %+v", v.Name, show(p), name, got.AsString(), cfg, base)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d values checked: the probes do not reach the settings", checked)
	}
}

func show(v cty.Value) string {
	switch {
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('g', -1)
	}
	return v.GoString()
}

// Terraform accepts exactly the phone regions the functions accept (in
// upper case: Load also takes lower case).
func TestPhoneRegionsMatchTerraform(t *testing.T) {
	c := terraform(t)
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			region := string([]rune{a, b})
			failed, err := c.Validate(tfconfig.Values{"phone_region": cty.StringVal(region)})
			if err != nil {
				t.Fatal(err)
			}
			_, loadErr := config.Load(lookup(with(minimal(), "CRM_PHONE_REGION", region)))
			if tf, fn := len(failed) == 0, loadErr == nil; tf != fn {
				t.Errorf("phone_region %s: terraform accepts it %v, the functions %v (%v %v)", region, tf, fn, failed, loadErr)
			}
		}
	}
}

// The Firestore database is where the functions run unless
// firestore_location says otherwise: in the multi-region that holds the
// region, else in the region itself.
func TestFirestoreLocationFollowsRegion(t *testing.T) {
	c := terraform(t)
	expr, err := c.Attribute("google_firestore_database.crm", "location_id")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ region, location, want string }{
		{"us-central1", "", "nam5"},
		{"europe-west1", "", "eur3"},
		{"europe-west4", "", "eur3"},
		{"europe-west2", "", "europe-west2"},
		{"us-east4", "", "us-east4"},
		{"asia-northeast1", "", "asia-northeast1"},
		{"australia-southeast1", "", "australia-southeast1"},
		{"europe-west2", "eur3", "eur3"},
		{"us-central1", "us-east1", "us-east1"},
	} {
		set := tfconfig.Values{"region": cty.StringVal(tt.region)}
		if tt.location != "" {
			set["firestore_location"] = cty.StringVal(tt.location)
		}
		if failed, err := c.Validate(set); err != nil || len(failed) > 0 {
			t.Errorf("region %s, firestore_location %q: refused (%v %v)", tt.region, tt.location, failed, err)
			continue
		}
		got, err := c.Eval(expr, set)
		if err != nil {
			t.Fatal(err)
		}
		if !got.IsKnown() || got.Type() != cty.String || got.AsString() != tt.want {
			t.Errorf("region %s, firestore_location %q: database location %s, want %s", tt.region, tt.location, got.GoString(), tt.want)
		}
	}
}

// The Terraform variable frame_ancestors accepts what CRM_FRAME_ANCESTORS
// accepts, written the way Load writes it back.
func TestFrameAncestorsMatchesTerraform(t *testing.T) {
	c := terraform(t)
	for _, tt := range frameAncestorsCases {
		if tt.in == "" {
			continue // unset: the default
		}
		failed, err := c.Validate(tfconfig.Values{"frame_ancestors": cty.StringVal(tt.in)})
		if err != nil {
			t.Fatal(err)
		}
		// Terraform leaves the spacing to the user; Load tidies it.
		if tf, fn := len(failed) == 0, tt.want != ""; tf != fn && (tf || tt.want == tt.in) {
			t.Errorf("frame_ancestors %q: terraform accepts it %v, the functions %v", tt.in, tf, fn)
		}
	}
}

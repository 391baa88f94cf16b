package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The portal settings file of a deployment (scripts/portal-settings: the
// terraform output portal_settings_inputs through cmd/portalsettings)
// has the keys of the local one the stack wrote, but for those only a
// local run has (the test login, the storage emulator's endpoint).
func TestDeployedSettingsHaveTheLocalKeys(t *testing.T) {
	local := jsonKeys(t, stack.SettingsPath)
	// What terraform output -json portal_settings_inputs gives for a
	// deployment of the same functions (terraform/outputs.tf).
	output, err := json.Marshal(map[string]any{
		"urls":             stack.URLs,
		"auth_method":      "custom_header",
		"api_key_header":   "X-Api-Key",
		"oauth":            nil,
		"external_storage": map[string]string{"provider": "gcs", "bucket": "crm-ccai-my-project", "folder_path": "ccaip"},
		"inbound_address":  "outcome@crm.example.com",
		"basic_username":   "",
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "portal-settings.json")
	cmd := exec.Command("go", "run", "../cmd/portalsettings", "-o", out, "-tfvars", dir)
	cmd.Stdin = strings.NewReader(string(output))
	cmd.Env = append(os.Environ(), "TF_VAR_crm_api_keys=deployed-key-0123456789abcdef")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cmd/portalsettings: %v\n%s", err, b)
	}
	deployed := jsonKeys(t, out)
	localOnly := map[string]bool{"test_login": true, "external_storage.endpoint": true}
	for k := range local {
		if !deployed[k] && !localOnly[k] && !localOnly[strings.SplitN(k, ".", 2)[0]] {
			t.Errorf("the deployed portal settings file has no %s (the local one has)", k)
		}
	}
	for k := range deployed {
		if !local[k] {
			t.Errorf("the deployed portal settings file has %s, the local one has not", k)
		}
	}
	if len(deployed) < 20 {
		t.Errorf("only %d keys in the deployed file: %v", len(deployed), sorted(deployed))
	}
}

// jsonKeys returns the paths of every object key in a JSON file
// ("auth.custom_header.key"; array elements add no step).
func jsonKeys(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	keys := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				keys[prefix+k] = true
				walk(prefix+k+".", e)
			}
		case []any:
			for _, e := range v {
				walk(prefix, e)
			}
		}
	}
	walk("", v)
	return keys
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

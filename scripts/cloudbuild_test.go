package scripts_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"example.com/crm/shared/tfconfig"
)

// cloudBuild is the part of cloudbuild.yaml the tests read.
type cloudBuild struct {
	Substitutions map[string]string `yaml:"substitutions"`
	Steps         []struct {
		ID      string   `yaml:"id"`
		Name    string   `yaml:"name"`
		Args    []string `yaml:"args"`
		Env     []string `yaml:"env"`
		Dir     string   `yaml:"dir"`
		Volumes []struct {
			Name string `yaml:"name"`
			Path string `yaml:"path"`
		} `yaml:"volumes"`
	} `yaml:"steps"`
	AvailableSecrets struct {
		SecretManager []struct {
			VersionName string `yaml:"versionName"`
		} `yaml:"secretManager"`
	} `yaml:"availableSecrets"`
}

func readCloudBuild(t *testing.T) cloudBuild {
	t.Helper()
	b, err := os.ReadFile("../cloudbuild.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c cloudBuild
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("cloudbuild.yaml: %v", err)
	}
	return c
}

// substitute replaces the build's own substitutions by their defaults.
func (c cloudBuild) substitute(s string) string {
	return regexp.MustCompile(`\$\{(_[A-Z0-9_]+)\}`).ReplaceAllStringFunc(s, func(m string) string {
		return c.Substitutions[m[2:len(m)-1]]
	})
}

// The build reads no secret that Terraform creates (a secret's name is
// <name_prefix>-<logical name>, for any name_prefix): the apply would
// fail on a secret it does not manage, or take over the build's.
func TestCloudBuildSecretsAreNotTerraforms(t *testing.T) {
	c := readCloudBuild(t)
	tf, err := tfconfig.Load("../terraform")
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := tf.SecretEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.AvailableSecrets.SecretManager) == 0 {
		t.Fatal("cloudbuild.yaml reads no secret: where do the credentials come from?")
	}
	for _, s := range c.AvailableSecrets.SecretManager {
		m := regexp.MustCompile(`/secrets/([^/]+)/versions/`).FindStringSubmatch(c.substitute(s.VersionName))
		if m == nil || m[1] == "" {
			t.Errorf("secret version %q: no secret name", s.VersionName)
			continue
		}
		for _, logical := range secrets {
			if m[1] == logical || strings.HasSuffix(m[1], "-"+logical) {
				t.Errorf("cloudbuild.yaml reads the secret %s, a name Terraform gives its secret %q (<name_prefix>-%s)", m[1], logical, logical)
			}
		}
	}
}

// The Go toolchain (or anything else) is not put into the workspace,
// which Terraform zips as the functions' source: no step names
// /workspace, and the step that runs the tests finds go on a volume.
func TestCloudBuildToolchainOutsideWorkspace(t *testing.T) {
	c := readCloudBuild(t)
	var goBin string
	for _, s := range c.Steps {
		all := append(append(append([]string{}, s.Args...), s.Env...), s.Dir)
		for _, v := range s.Volumes {
			all = append(all, v.Path)
		}
		for _, a := range all {
			if strings.Contains(a, "/workspace") {
				t.Errorf("step %s writes or reads /workspace: %q", s.ID, a)
			}
		}
		for _, e := range s.Env {
			if p, ok := strings.CutPrefix(e, "PATH="); ok && strings.Contains(strings.Join(s.Args, " "), "scripts/test") {
				goBin = strings.Split(p, ":")[0]
				found := false
				for _, v := range s.Volumes {
					found = found || strings.HasPrefix(goBin, v.Path+"/")
				}
				if !found {
					t.Errorf("step %s: go (%s) is not on a volume the step mounts", s.ID, goBin)
				}
			}
		}
	}
	if goBin == "" {
		t.Error("no step runs scripts/test with a PATH to the Go toolchain")
	}
}

// The state bucket is checked or created before terraform init needs it,
// and has a name even when the build is started without substitutions.
func TestCloudBuildStateBucketFirst(t *testing.T) {
	c := readCloudBuild(t)
	if c.Substitutions["_TF_STATE_BUCKET"] == "" {
		t.Error("_TF_STATE_BUCKET has no default: the first build fails in terraform init")
	}
	bucketStep, initStep := -1, -1
	for i, s := range c.Steps {
		script := strings.Join(s.Args, " ")
		if bucketStep < 0 && strings.Contains(script, "gcloud storage buckets create") && strings.Contains(script, "${_TF_STATE_BUCKET}") {
			bucketStep = i
		}
		if initStep < 0 && strings.Contains(script, "terraform init") {
			initStep = i
		}
	}
	if bucketStep < 0 || initStep < 0 || bucketStep > initStep {
		t.Errorf("the step that creates the state bucket (%d) must come before terraform init (%d)", bucketStep, initStep)
	}
}

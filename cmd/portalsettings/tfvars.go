package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// tfvars returns the string values of the Terraform variable files in
// dir, in the order Terraform reads them (a later file wins):
// terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars and
// *.auto.tfvars.json in lexical order of their names. A directory without
// them gives none.
func tfvars(dir string) (map[string]string, error) {
	files := []string{filepath.Join(dir, "terraform.tfvars"), filepath.Join(dir, "terraform.tfvars.json")}
	auto, err := filepath.Glob(filepath.Join(dir, "*.auto.tfvars*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(auto)
	files = append(files, auto...)
	vars := map[string]string{}
	p := hclparse.NewParser()
	for _, name := range files {
		var f *hcl.File
		var diags hcl.Diagnostics
		switch {
		case strings.HasSuffix(name, ".tfvars"):
			f, diags = p.ParseHCLFile(name)
		case strings.HasSuffix(name, ".tfvars.json"):
			f, diags = p.ParseJSONFile(name)
		default:
			continue
		}
		if diags.HasErrors() {
			if _, err := os.Stat(name); os.IsNotExist(err) {
				continue
			}
			return nil, diags
		}
		attrs, diags := f.Body.JustAttributes()
		if diags.HasErrors() {
			return nil, diags
		}
		for name, a := range attrs {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				return nil, fmt.Errorf("%s: %s", a.Range, diags.Error())
			}
			if v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
				vars[name] = v.AsString()
			}
		}
	}
	return vars, nil
}

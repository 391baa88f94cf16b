package tfconfig_test

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"example.com/crm/shared/tfconfig"
)

// The functions Terraform defines itself give Terraform's results.
func TestFuncs(t *testing.T) {
	for expr, want := range map[string]cty.Value{
		`sum([1, 2.5])`:             cty.NumberFloatVal(3.5),
		`can(sum([]))`:              cty.False,
		`alltrue([])`:               cty.True,
		`alltrue([true, false])`:    cty.False,
		`anytrue([false, true])`:    cty.True,
		`one([]) == null`:           cty.True,
		`one(["a"])`:                cty.StringVal("a"),
		`can(one(["a", "b"]))`:      cty.False,
		`length("abc")`:             cty.NumberIntVal(3),
		`length(["a", "b"])`:        cty.NumberIntVal(2),
		`strcontains("a//b", "//")`: cty.True,
		`endswith("x.apps.googleusercontent.com", ".apps.googleusercontent.com")`: cty.True,
		`replace("ReadAPI", "/([a-z0-9])([A-Z])/", "$1-$2")`:                      cty.StringVal("Read-API"),
		`replace("a.b", ".", "-")`:                                                cty.StringVal("a-b"),
		`tonumber("1.5") * 2`:                                                     cty.NumberIntVal(3),
		`nonsensitive("x")`:                                                       cty.StringVal("x"),
		`try(tonumber("x"), 0)`:                                                   cty.NumberIntVal(0),
		`lookup({ a = "b" }, "c", "d")`:                                           cty.StringVal("d"),
	} {
		e, diags := hclsyntax.ParseExpression([]byte(expr), "test", hcl.Pos{Line: 1, Column: 1})
		if diags.HasErrors() {
			t.Fatalf("%s: %v", expr, diags)
		}
		got, diags := e.Value(&hcl.EvalContext{Functions: tfconfig.Funcs()})
		if diags.HasErrors() {
			t.Errorf("%s: %v", expr, diags)
			continue
		}
		if !got.Equals(want).True() {
			t.Errorf("%s = %s, want %s", expr, got.GoString(), want.GoString())
		}
	}
}

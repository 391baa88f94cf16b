// Package tfconfig reads the Terraform configuration (terraform/*.tf) for
// the tests that keep it in step with the code: the variables with their
// defaults and validations, the locals, the resources, and the
// environment the functions get. It parses HCL with
// github.com/hashicorp/hcl/v2 and evaluates expressions with the
// Terraform functions the configuration uses (Funcs), so a test can ask
// what Terraform would accept or compute for given variable values
// without Terraform or a provider.
package tfconfig

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Config is a Terraform configuration directory.
type Config struct {
	Variables map[string]*Variable
	Locals    map[string]hcl.Expression
	// Resources maps a resource type and name ("google_firestore_database.crm")
	// to its body.
	Resources map[string]*hclsyntax.Body
	// Outputs maps an output's name to its value expression.
	Outputs map[string]hcl.Expression
	// Checks are the assertions of the check blocks: warnings, not
	// errors, in a plan.
	Checks []Validation
}

// Variable is a variable block.
type Variable struct {
	Name string
	Type cty.Type
	// Default is cty.NilVal when the variable has no default (required).
	Default     cty.Value
	Validations []Validation
}

// Validation is one validation block of a variable.
type Validation struct {
	Condition hcl.Expression
	Message   string
}

// Load parses every .tf file in dir.
func Load(dir string) (*Config, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .tf files in %s", dir)
	}
	sort.Strings(files)
	c := &Config{Variables: map[string]*Variable{}, Locals: map[string]hcl.Expression{}, Resources: map[string]*hclsyntax.Body{}, Outputs: map[string]hcl.Expression{}}
	p := hclparse.NewParser()
	for _, name := range files {
		f, diags := p.ParseHCLFile(name)
		if diags.HasErrors() {
			return nil, diags
		}
		body := f.Body.(*hclsyntax.Body)
		for _, b := range body.Blocks {
			switch b.Type {
			case "variable":
				v, err := variable(b)
				if err != nil {
					return nil, err
				}
				c.Variables[v.Name] = v
			case "locals":
				for name, a := range b.Body.Attributes {
					c.Locals[name] = a.Expr
				}
			case "resource":
				c.Resources[b.Labels[0]+"."+b.Labels[1]] = b.Body
			case "check":
				for _, a := range b.Body.Blocks {
					if a.Type == "assert" {
						c.Checks = append(c.Checks, validation(a))
					}
				}
			case "output":
				if a, ok := b.Body.Attributes["value"]; ok {
					c.Outputs[b.Labels[0]] = a.Expr
				}
			}
		}
	}
	return c, nil
}

func variable(b *hclsyntax.Block) (*Variable, error) {
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType}
	if a, ok := b.Body.Attributes["type"]; ok {
		ty, diags := typeexpr.TypeConstraint(a.Expr)
		if diags.HasErrors() {
			return nil, fmt.Errorf("variable %s: %s", v.Name, diags.Error())
		}
		v.Type = ty
	}
	if a, ok := b.Body.Attributes["default"]; ok {
		d, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("variable %s default: %s", v.Name, diags.Error())
		}
		d, err := convert.Convert(d, v.Type)
		if err != nil {
			return nil, fmt.Errorf("variable %s default: %w", v.Name, err)
		}
		v.Default = d
	}
	for _, vb := range b.Body.Blocks {
		if vb.Type != "validation" {
			continue
		}
		v.Validations = append(v.Validations, validation(vb))
	}
	return v, nil
}

func validation(b *hclsyntax.Block) Validation {
	val := Validation{Condition: b.Body.Attributes["condition"].Expr}
	if m, ok := b.Body.Attributes["error_message"]; ok {
		if mv, diags := m.Expr.Value(nil); !diags.HasErrors() && mv.Type() == cty.String {
			val.Message = mv.AsString()
		}
	}
	return val
}

// Values are variable values by name (strings, numbers, lists as Go
// values: see Value).
type Values map[string]cty.Value

// Vars returns every variable's value: its default, or the value in set
// converted to its type. A required variable that set leaves out is
// unknown.
func (c *Config) Vars(set Values) (map[string]cty.Value, error) {
	vars := map[string]cty.Value{}
	for name, v := range c.Variables {
		val, ok := set[name]
		if !ok {
			val = v.Default
		}
		if val == cty.NilVal {
			vars[name] = cty.UnknownVal(v.Type)
			continue
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", name, err)
		}
		vars[name] = conv
	}
	for name := range set {
		if c.Variables[name] == nil {
			return nil, fmt.Errorf("no variable %q", name)
		}
	}
	return vars, nil
}

// Validate evaluates every validation of every variable with the values
// in set (the defaults for the others), as terraform plan does, and
// returns the messages of those that fail. A condition that cannot be
// evaluated is an error.
func (c *Config) Validate(set Values) ([]string, error) {
	vars, err := c.Vars(set)
	if err != nil {
		return nil, err
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}, Functions: Funcs()}
	names := make([]string, 0, len(c.Variables))
	for name := range c.Variables {
		names = append(names, name)
	}
	sort.Strings(names)
	var failed []string
	for _, name := range names {
		for _, val := range c.Variables[name].Validations {
			ok, diags := val.Condition.Value(ctx)
			if diags.HasErrors() {
				return nil, fmt.Errorf("variable %s: %s", name, diags.Error())
			}
			if !ok.IsKnown() {
				continue // depends on a required variable not set
			}
			if ok.Type() != cty.Bool || ok.IsNull() {
				return nil, fmt.Errorf("variable %s: condition is %s, not a bool", name, ok.GoString())
			}
			if ok.False() {
				failed = append(failed, fmt.Sprintf("%s: %s", name, val.Message))
			}
		}
	}
	return failed, nil
}

// Warnings evaluates the assertions of the check blocks that refer only
// to variables, with the values in set (the defaults for the others), and
// returns the messages of those that fail: what terraform plan warns
// about.
func (c *Config) Warnings(set Values) ([]string, error) {
	var warnings []string
	for _, a := range c.Checks {
		only := true
		for _, tr := range a.Condition.Variables() {
			only = only && tr.RootName() == "var"
		}
		if !only {
			continue
		}
		ok, err := c.Eval(a.Condition, set)
		if err != nil {
			return nil, err
		}
		if ok.IsKnown() && !ok.IsNull() && ok.False() {
			warnings = append(warnings, a.Message)
		}
	}
	return warnings, nil
}

// Eval evaluates expr with the variables in set (the defaults for the
// others) and every local it refers to. Resources, data sources and
// anything else a plan cannot know are unknown values.
func (c *Config) Eval(expr hcl.Expression, set Values) (cty.Value, error) {
	vars, err := c.Vars(set)
	if err != nil {
		return cty.NilVal, err
	}
	e := &evaluator{c: c, vars: cty.ObjectVal(vars), locals: map[string]cty.Value{}, busy: map[string]bool{}}
	return e.eval(expr)
}

type evaluator struct {
	c      *Config
	vars   cty.Value
	locals map[string]cty.Value
	busy   map[string]bool
}

func (e *evaluator) eval(expr hcl.Expression) (cty.Value, error) {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": e.vars}, Functions: Funcs()}
	locals := map[string]cty.Value{}
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		switch {
		case root == "var":
		case root == "local":
			name, ok := attrName(tr)
			if !ok {
				return cty.NilVal, fmt.Errorf("%s: a local without a name", tr.SourceRange())
			}
			v, err := e.local(name)
			if err != nil {
				return cty.NilVal, err
			}
			locals[name] = v
		default:
			ctx.Variables[root] = cty.DynamicVal
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(locals)
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}

func (e *evaluator) local(name string) (cty.Value, error) {
	if v, ok := e.locals[name]; ok {
		return v, nil
	}
	expr, ok := e.c.Locals[name]
	if !ok {
		return cty.NilVal, fmt.Errorf("no local %q", name)
	}
	if e.busy[name] {
		return cty.NilVal, fmt.Errorf("local %q refers to itself", name)
	}
	e.busy[name] = true
	defer delete(e.busy, name)
	v, err := e.eval(expr)
	if err != nil {
		return cty.NilVal, fmt.Errorf("local.%s: %w", name, err)
	}
	e.locals[name] = v
	return v, nil
}

func attrName(tr hcl.Traversal) (string, bool) {
	if len(tr) < 2 {
		return "", false
	}
	a, ok := tr[1].(hcl.TraverseAttr)
	return a.Name, ok
}

// Attribute returns the expression of a resource's attribute, found in
// the resource's body or its nested blocks by path
// ("service_config", "environment_variables").
func (c *Config) Attribute(resource string, path ...string) (hcl.Expression, error) {
	body, ok := c.Resources[resource]
	if !ok {
		return nil, fmt.Errorf("no resource %s", resource)
	}
	for i, p := range path {
		if i == len(path)-1 {
			if a, ok := body.Attributes[p]; ok {
				return a.Expr, nil
			}
			break
		}
		var next *hclsyntax.Body
		for _, b := range body.Blocks {
			if b.Type == p {
				next = b.Body
				break
			}
		}
		if next == nil {
			break
		}
		body = next
	}
	return nil, fmt.Errorf("resource %s has no %v", resource, path)
}

// VarRefs returns the names of the variables expr refers to, directly or
// through locals and the attributes of resources (google_x.y.name), sorted.
func (c *Config) VarRefs(expr hcl.Expression) []string {
	seen := map[string]bool{}
	done := map[string]bool{}
	var walk func(hcl.Expression)
	walk = func(expr hcl.Expression) {
		for _, tr := range expr.Variables() {
			name, ok := attrName(tr)
			if !ok {
				continue
			}
			switch tr.RootName() {
			case "var":
				seen[name] = true
			case "local":
				if !done[name] && c.Locals[name] != nil {
					done[name] = true
					walk(c.Locals[name])
				}
			default:
				body := c.Resources[tr.RootName()+"."+name]
				if body == nil || len(tr) < 3 {
					continue
				}
				a, ok := tr[2].(hcl.TraverseAttr)
				key := tr.RootName() + "." + name + "." + a.Name
				if ok && !done[key] && body.Attributes[a.Name] != nil {
					done[key] = true
					walk(body.Attributes[a.Name].Expr)
				}
			}
		}
	}
	walk(expr)
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

package tfconfig

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// FunctionResourceType is the resource type of a Cloud Function (2nd gen).
const FunctionResourceType = "google_cloudfunctions2_function"

// FunctionEnvironment returns every plain environment variable a Cloud
// Function resource sets (service_config.environment_variables), with
// the expression of its value, following merge(), for expressions and
// locals. Where resources set the same name, the first resource's
// expression (by name) is kept.
func (c *Config) FunctionEnvironment() (map[string]hcl.Expression, error) {
	env := map[string]hcl.Expression{}
	for _, name := range c.functionResources() {
		expr, err := c.Attribute(name, "service_config", "environment_variables")
		if err != nil {
			return nil, err
		}
		if err := c.objectItems(expr, env, map[string]bool{}); err != nil {
			return nil, fmt.Errorf("%s environment_variables: %w", name, err)
		}
	}
	return env, nil
}

func (c *Config) functionResources() []string {
	var names []string
	for name := range c.Resources {
		if len(name) > len(FunctionResourceType) && name[:len(FunctionResourceType)+1] == FunctionResourceType+"." {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// ObjectItems returns the items of the object expr builds, name -> value
// expression (expr an object, merge() of objects, or a local that is
// one).
func (c *Config) ObjectItems(expr hcl.Expression) (map[string]hcl.Expression, error) {
	if expr == nil {
		return nil, fmt.Errorf("no expression")
	}
	items := map[string]hcl.Expression{}
	if err := c.objectItems(expr, items, map[string]bool{}); err != nil {
		return nil, err
	}
	return items, nil
}

// objectItems adds the items of the object expr builds to items, name
// -> value expression.
func (c *Config) objectItems(expr hcl.Expression, items map[string]hcl.Expression, seen map[string]bool) error {
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		for _, it := range e.Items {
			k, diags := it.KeyExpr.Value(nil)
			if diags.HasErrors() || k.Type() != cty.String {
				return fmt.Errorf("%s: a key that is not a constant string", it.KeyExpr.Range())
			}
			if _, ok := items[k.AsString()]; !ok {
				items[k.AsString()] = it.ValueExpr
			}
		}
		return nil
	case *hclsyntax.FunctionCallExpr:
		if e.Name != "merge" {
			return fmt.Errorf("%s: %s(): cannot tell which keys it makes", e.Range(), e.Name)
		}
		for _, a := range e.Args {
			if err := c.objectItems(a, items, seen); err != nil {
				return err
			}
		}
		return nil
	case *hclsyntax.ForExpr:
		// {for k, v in OBJECT : k => v if ...}: the keys are OBJECT's.
		return c.objectItems(e.CollExpr, items, seen)
	case *hclsyntax.ConditionalExpr:
		if err := c.objectItems(e.TrueResult, items, seen); err != nil {
			return err
		}
		return c.objectItems(e.FalseResult, items, seen)
	case *hclsyntax.ScopeTraversalExpr:
		name, ok := attrName(e.Traversal)
		if e.Traversal.RootName() != "local" || !ok || len(e.Traversal) != 2 || c.Locals[name] == nil {
			return fmt.Errorf("%s: cannot tell which keys it makes", e.Range())
		}
		if seen[name] {
			return nil
		}
		seen[name] = true
		return c.objectItems(c.Locals[name], items, seen)
	}
	return fmt.Errorf("%s: cannot tell which keys it makes", expr.Range())
}

// SecretEnvironment returns every environment variable a Cloud Function
// resource takes from Secret Manager (the key of its
// secret_environment_variables blocks, dynamic ones included). A key
// that is an element of a local map (local.secret_env[secret.value])
// stands for every value of that map: the result maps each value to its
// key in that map (the secret's logical name), or to "" for a constant
// key.
func (c *Config) SecretEnvironment() (map[string]string, error) {
	env := map[string]string{}
	for _, name := range c.functionResources() {
		var keys []hcl.Expression
		var walk func(b *hclsyntax.Body)
		walk = func(b *hclsyntax.Body) {
			for _, blk := range b.Blocks {
				switch {
				case blk.Type == "secret_environment_variables",
					blk.Type == "content" && len(blk.Labels) == 0:
					if a, ok := blk.Body.Attributes["key"]; ok {
						keys = append(keys, a.Expr)
					}
				}
				walk(blk.Body)
			}
		}
		walk(c.Resources[name])
		for _, k := range keys {
			if v, diags := k.Value(nil); !diags.HasErrors() && v.Type() == cty.String {
				env[v.AsString()] = ""
				continue
			}
			found := false
			for _, tr := range k.Variables() {
				local, ok := attrName(tr)
				if tr.RootName() != "local" || !ok {
					continue
				}
				m, err := c.Eval(&hclsyntax.ScopeTraversalExpr{Traversal: tr[:2], SrcRange: tr.SourceRange()}, nil)
				if err != nil {
					return nil, err
				}
				if !m.CanIterateElements() {
					return nil, fmt.Errorf("%s: local.%s is not a map", k.Range(), local)
				}
				for it := m.ElementIterator(); it.Next(); {
					key, v := it.Element()
					if v.Type() != cty.String || key.Type() != cty.String {
						return nil, fmt.Errorf("%s: local.%s is not a map of strings", k.Range(), local)
					}
					env[v.AsString()] = key.AsString()
				}
				found = true
			}
			if !found {
				return nil, fmt.Errorf("%s: cannot tell which names the key takes", k.Range())
			}
		}
	}
	return env, nil
}

package tfconfig

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Funcs returns the Terraform functions the configuration uses, as
// Terraform defines them (most are go-cty's standard library, which
// Terraform itself uses); an expression calling another fails to
// evaluate, so a test notices.
func Funcs() map[string]function.Function {
	return map[string]function.Function{
		"can":         tryfunc.CanFunc,
		"try":         tryfunc.TryFunc,
		"regex":       stdlib.RegexFunc,
		"regexall":    stdlib.RegexAllFunc,
		"length":      lengthFunc,
		"floor":       stdlib.FloorFunc,
		"ceil":        stdlib.CeilFunc,
		"min":         stdlib.MinFunc,
		"max":         stdlib.MaxFunc,
		"contains":    stdlib.ContainsFunc,
		"concat":      stdlib.ConcatFunc,
		"distinct":    stdlib.DistinctFunc,
		"join":        stdlib.JoinFunc,
		"split":       stdlib.SplitFunc,
		"keys":        stdlib.KeysFunc,
		"values":      stdlib.ValuesFunc,
		"lookup":      stdlib.LookupFunc,
		"merge":       stdlib.MergeFunc,
		"coalesce":    stdlib.CoalesceFunc,
		"lower":       stdlib.LowerFunc,
		"upper":       stdlib.UpperFunc,
		"substr":      stdlib.SubstrFunc,
		"trim":        stdlib.TrimFunc,
		"trimsuffix":  stdlib.TrimSuffixFunc,
		"trimprefix":  stdlib.TrimPrefixFunc,
		"trimspace":   stdlib.TrimSpaceFunc,
		"jsonencode":  stdlib.JSONEncodeFunc,
		"parseint":    stdlib.ParseIntFunc,
		"format":      stdlib.FormatFunc,
		"tonumber":    stdlib.MakeToFunc(cty.Number),
		"tostring":    stdlib.MakeToFunc(cty.String),
		"tobool":      stdlib.MakeToFunc(cty.Bool),
		"tolist":      stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset":       stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tomap":       stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"replace":     replaceFunc,
		"alltrue":     allTrueFunc,
		"anytrue":     anyTrueFunc,
		"sum":         sumFunc,
		"one":         oneFunc,
		"strcontains": stringTest(strings.Contains),
		"startswith":  stringTest(strings.HasPrefix),
		"endswith":    stringTest(strings.HasSuffix),
		// Sensitivity does not matter to a test.
		"sensitive":    identity,
		"nonsensitive": identity,
	}
}

var identity = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowNull: true}},
	Type:   func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
	Impl:   func(args []cty.Value, _ cty.Type) (cty.Value, error) { return args[0], nil },
})

// lengthFunc: Terraform's length counts the characters of a string and
// the elements of a collection.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].Type() == cty.String {
			return stdlib.Strlen(args[0])
		}
		return stdlib.Length(args[0])
	},
})

// replaceFunc: Terraform's replace takes a regular expression when the
// substring is written between slashes.
var replaceFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "substr", Type: cty.String}, {Name: "replace", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		sub := args[1].AsString()
		if len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/") {
			return stdlib.RegexReplace(args[0], cty.StringVal(sub[1:len(sub)-1]), args[2])
		}
		return stdlib.Replace(args[0], args[1], args[2])
	},
})

func boolsFunc(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				if !v.IsKnown() {
					return cty.UnknownVal(cty.Bool), nil
				}
				if !v.IsNull() && v.True() != all {
					return cty.BoolVal(!all), nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}

var (
	allTrueFunc = boolsFunc(true)
	anyTrueFunc = boolsFunc(false)
)

var sumFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Number)}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].LengthInt() == 0 {
			return cty.NilVal, fmt.Errorf("cannot sum an empty list")
		}
		s := cty.Zero
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return cty.NilVal, fmt.Errorf("argument must be list of numbers, not null")
			}
			s = s.Add(v)
		}
		return s, nil
	},
})

var oneFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if ty.IsListType() || ty.IsSetType() {
			return ty.ElementType(), nil
		}
		if ty.IsTupleType() && len(ty.TupleElementTypes()) <= 1 {
			if len(ty.TupleElementTypes()) == 0 {
				return cty.DynamicPseudoType, nil
			}
			return ty.TupleElementTypes()[0], nil
		}
		return cty.NilType, fmt.Errorf("one: want a list, set or tuple of at most one element, got %s", ty.FriendlyName())
	},
	Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
		switch n := args[0].LengthInt(); n {
		case 0:
			return cty.NullVal(ret), nil
		case 1:
			return args[0].Index(cty.NumberIntVal(0)), nil
		default:
			return cty.NilVal, fmt.Errorf("one: %d elements, want at most one", n)
		}
	},
})

func stringTest(f func(s, sub string) bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "sub", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(f(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

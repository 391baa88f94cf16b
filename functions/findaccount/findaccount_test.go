package findaccount_test

import (
	"fmt"
	"strings"
	"testing"

	"example.com/crm/functions/findaccount"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/query"
)

// params sets kv pairs in order (the order of the parameters matters).
var params = ccai.NewParams

func TestExpr(t *testing.T) {
	tests := []struct {
		name   string
		params []string
		want   string
	}{
		{"phone", []string{"phone", "+12223334444"}, "(phone:equals:+12223334444)"},
		{"phone search pattern", []string{"phone", "*222*333*4444"}, "(phone:equals:*222*333*4444)"},
		{"phone alias", []string{"Phone_Number", "+1 222 333 4444"}, "(phonenumber:equals:+1 222 333 4444)"},
		{"email", []string{"email", "a@b.co"}, "(email:equals:a@b.co)"},
		{"account id alias", []string{"contactId", "c1"}, "(contactid:equals:c1)"},
		{"id", []string{"id", "a1"}, "(id:equals:a1)"},
		{"custom user id", []string{"cuid", "u1"}, "(cuid:equals:u1)"},
		{"name", []string{"name", "James Bond"}, "(name:equals:James Bond)"},
		{"several identifiers joined with or", []string{"phone", "+12223334444", "email", "a@b.co", "custom_user_id", "u1"},
			"(phone:equals:+12223334444) or (email:equals:a@b.co) or (customuserid:equals:u1)"},
		{"other parameters ignored", []string{"lang", "en", "source", "ccaip", "email", "a@b.co", "first_name", "James"}, "(email:equals:a@b.co)"},
		{"q expression", []string{"q", "(phone:equals:*222*333*4444) or (email:equals:a@b.co)"},
			"(phone:equals:*222*333*4444) or (email:equals:a@b.co)"},
		{"q single term from CONCAT_OR", []string{"q", "(email:equals:a@b.co)"}, "(email:equals:a@b.co)"},
		{"q with CONCAT_AND", []string{"query", "(phone:equals:+1 222 333 4444) and (name:equals:James Bond)"},
			"(phone:equals:+1 222 333 4444) and (name:equals:James Bond)"},
		{"q value in parentheses", []string{"q", "(Phone:equals:(222) 333-4444)"}, "(phone:equals:(222) 333-4444)"},
		{"q free text email", []string{"q", "a@b.co"}, "(email:equals:a@b.co)"},
		{"q free text phone", []string{"search", "+1 222 333 4444"}, "(phone:equals:+1 222 333 4444)"},
		{"q free text phone in parentheses", []string{"q", "(222) 333-4444"}, "(phone:equals:(222) 333-4444)"},
		{"expression in another parameter", []string{"criteria_x", "(email:equals:a@b.co)"}, "(email:equals:a@b.co)"},
		{"q and identifier", []string{"q", "(email:equals:a@b.co)", "phone", "+12223334444"},
			"(email:equals:a@b.co) or (phone:equals:+12223334444)"},
		{"q or-expression and identifier nest", []string{"q", "(email:equals:a@b.co) or (cuid:equals:u)", "phone", "+12223334444"},
			"((email:equals:a@b.co) or (cuid:equals:u)) or (phone:equals:+12223334444)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := findaccount.Expr(params(tt.params...))
			if err != nil {
				t.Fatalf("Expr: got error %v, want %s", err, tt.want)
			}
			if got := query.String(e); got != tt.want {
				t.Errorf("Expr:\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestExprInvalid(t *testing.T) {
	tests := []struct {
		name   string
		params []string
	}{
		{"no criteria", nil},
		{"only other parameters", []string{"lang", "en", "first_name", "James"}},
		{"empty values are missing", []string{"phone", "", "email", "  "}},
		{"malformed q: unbalanced", []string{"q", "(phone:equals:+12223334444"}},
		{"malformed q: dangling or", []string{"q", "(phone:equals:1) or"}},
		{"malformed q: empty value", []string{"q", "(phone:equals:)"}},
		{"malformed expression in another parameter", []string{"email", "(email:equals:a@b.co"}},
		{"malformed q after a good identifier", []string{"phone", "+12223334444", "q", "((email:equals:a@b.co)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := findaccount.Expr(params(tt.params...))
			if got := crm.ErrorCode(err); got != crm.Invalid {
				t.Errorf("Expr: got (%v, %v), want an Invalid error", e, err)
			}
		})
	}
}

// A q that is an expression with an operator Parse does not know is
// malformed: it must get 422 (as findrecord gives it), not be searched for
// as a phone number and answer 404.
func TestExprUnknownOperator(t *testing.T) {
	for _, q := range []string{"(phone:contains:+12223334444)", "(email:like:a@b.co) or (phone:like:1)"} {
		t.Run(q, func(t *testing.T) {
			e, err := findaccount.Expr(params("q", q))
			if got := crm.ErrorCode(err); got != crm.Invalid {
				t.Errorf("Expr(q=%s): got (%s, %v), want an Invalid error", q, stringOf(e), err)
			}
		})
	}
}

func stringOf(e query.Expr) string {
	if e == nil {
		return "<nil>"
	}
	return query.String(e)
}

// orTerms returns n terms joined with "or", on fields named prefix0, prefix1, ...
func orTerms(prefix string, n int) string {
	terms := make([]string, n)
	for i := range terms {
		terms[i] = fmt.Sprintf("(%s%d:equals:x)", prefix, i)
	}
	return strings.Join(terms, " or ")
}

// Each term is a store query: the terms of all the parameters together
// are capped, not only those of one expression.
func TestExprTermCap(t *testing.T) {
	half := query.MaxTerms / 2
	at := params("q", orTerms("a", half), "criteria", orTerms("b", query.MaxTerms-half))
	if e, err := findaccount.Expr(at); err != nil {
		t.Errorf("Expr of %d terms: got error %v, want none", query.CountTerms(e), err)
	}
	want := fmt.Sprintf("more than %d terms", query.MaxTerms)
	for name, p := range map[string]*ccai.Params{
		"one expression": params("q", orTerms("a", query.MaxTerms+1)),
		"two parameters": params("q", orTerms("a", half), "criteria", orTerms("b", query.MaxTerms-half+1)),
		"and a phone":    params("q", orTerms("a", half), "criteria", orTerms("b", query.MaxTerms-half), "phone", "+12223334444"),
	} {
		t.Run(name, func(t *testing.T) {
			e, err := findaccount.Expr(p)
			if crm.ErrorCode(err) != crm.Invalid || !strings.Contains(crm.ErrorMessage(err), want) {
				t.Errorf("Expr: got (%s, %v), want an Invalid error naming %q", stringOf(e), err, want)
			}
		})
	}
}

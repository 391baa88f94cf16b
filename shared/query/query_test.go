package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"CONCAT_OR", "(Phone:equals:+12223334444) or (Email:equals:james.bond@007)",
			"(phone:equals:+12223334444) or (email:equals:james.bond@007)"},
		{"CONCAT_AND", "(Id:equals:abc) and (status:equals:open)",
			"(id:equals:abc) and (status:equals:open)"},
		{"nested", "((phone:equals:*222*333*4444) or (email:equals:a@b.c)) and (status:equals:open)",
			"((phone:equals:*222*333*4444) or (email:equals:a@b.c)) and (status:equals:open)"},
		{"bare term", "Phone:equals:+1 222 333 4444", "(phone:equals:+1 222 333 4444)"},
		{"term in parens", "(Phone:equals:+1 222 333 4444)", "(phone:equals:+1 222 333 4444)"},
		{"value in parens", "(Phone:equals:(222) 333-4444)", "(phone:equals:(222) 333-4444)"},
		{"bare value in parens", "Phone:equals:(222) 333-4444", "(phone:equals:(222) 333-4444)"},
		{"value in parens then or", "(Phone:equals:(222) 333-4444) or (Email:equals:x@y.z)",
			"(phone:equals:(222) 333-4444) or (email:equals:x@y.z)"},
		{"and binds tighter", "(a:equals:1) or (b:equals:2) and (c:equals:3)",
			"(a:equals:1) or ((b:equals:2) and (c:equals:3))"},
		{"and before or", "(a:equals:1) and (b:equals:2) or (c:equals:3)",
			"((a:equals:1) and (b:equals:2)) or (c:equals:3)"},
		{"group overrides precedence", "((a:equals:1) or (b:equals:2)) and (c:equals:3)",
			"((a:equals:1) or (b:equals:2)) and (c:equals:3)"},
		{"flatten or", "((a:equals:1) or (b:equals:2)) or (c:equals:3)",
			"(a:equals:1) or (b:equals:2) or (c:equals:3)"},
		{"flatten and", "(a:equals:1) and ((b:equals:2) and (c:equals:3))",
			"(a:equals:1) and (b:equals:2) and (c:equals:3)"},
		{"redundant parens", "(((a:equals:1)))", "(a:equals:1)"},
		{"upper-case keywords", "(a:equals:1) OR (b:equals:2) AnD (c:equals:3)",
			"(a:equals:1) or ((b:equals:2) and (c:equals:3))"},
		{"bare terms", "a:equals:1 and b:equals:2 or c:equals:3",
			"((a:equals:1) and (b:equals:2)) or (c:equals:3)"},
		{"bare terms in group", "(a:equals:1 or b:equals:2) and c:equals:3",
			"((a:equals:1) or (b:equals:2)) and (c:equals:3)"},
		{"keyword next to parens", "(a:equals:1)and(b:equals:2)", "(a:equals:1) and (b:equals:2)"},
		{"bare then group", "a:equals:1 or (b:equals:2)", "(a:equals:1) or (b:equals:2)"},
		{"operator eq", "(a:eq:1)", "(a:equals:1)"},
		{"operator is", "(a:IS:1)", "(a:equals:1)"},
		{"operator =", "(a:=:1)", "(a:equals:1)"},
		{"operator ==", "(a:==:1)", "(a:equals:1)"},
		{"operator upper-case", "(a:EQUALS:1)", "(a:equals:1)"},
		{"spaces around colons", "( Email : equals : x@y.z )", "(email:equals:x@y.z)"},
		{"field characters", "(Custom_Field-1.x:equals:v)", "(custom_field-1.x:equals:v)"},
		{"value with colons", "(Url:equals:http://x.y:8080/a)", "(url:equals:http://x.y:8080/a)"},
		{"value with double quotes", `(Name:equals:"James Bond")`, "(name:equals:James Bond)"},
		{"value with single quotes", `(Name:equals:'James Bond')`, "(name:equals:James Bond)"},
		{"value with inner quote", `(Name:equals:O'Brien)`, "(name:equals:O'Brien)"},
		{"quoted value keeps spaces", `(Name:equals:" x ")`, `(name:equals:" x ")`},
		{"only one pair unquoted", `(Name:equals:"'x'")`, `(name:equals:"'x'")`},
		{"value with keyword", "(Company:equals:Marks and Spencer)", "(company:equals:Marks and Spencer)"},
		{"bare value with keyword", "Company:equals:Marks and Spencer", "(company:equals:Marks and Spencer)"},
		{"value with keyword then term", "Company:equals:Marks and Spencer or id:equals:7",
			"(company:equals:Marks and Spencer) or (id:equals:7)"},
		{"terms inside one paren", "(a:equals:x and b:equals:y)", "(a:equals:x) and (b:equals:y)"},
		{"value ending in keyword", "(Name:equals:rock and)", "(name:equals:rock and)"},
		{"value with star and plus", "(phone:equals:*222*333*4444)", "(phone:equals:*222*333*4444)"},
		{"whitespace around", "  (a:equals:1)  or\t(b:equals:2)\n", "(a:equals:1) or (b:equals:2)"},
		{"value with nested parens", "(Note:equals:a (b (c)) d)", "(note:equals:a (b (c)) d)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): got error %v, want %s", tt.in, err, tt.want)
			}
			if got := String(e); got != tt.want {
				t.Errorf("String(Parse(%q)):\ngot  %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTree(t *testing.T) {
	in := "((phone:equals:*222*333*4444) or (email:equals:a@b.c)) and (Status:EQ:'open')"
	want := And{
		Or{
			Term{Field: "phone", Op: "equals", Value: "*222*333*4444"},
			Term{Field: "email", Op: "equals", Value: "a@b.c"},
		},
		Term{Field: "status", Op: "equals", Value: "open"},
	}
	got, err := Parse(in)
	if err != nil {
		t.Fatalf("Parse(%q): %v", in, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse(%q):\ngot  %#v\nwant %#v", in, got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty expression at 0"},
		{"blank", "   ", "empty expression at 3"},
		{"empty parens", "()", "empty parentheses at 0"},
		{"empty parens with space", "( )", "empty parentheses at 0"},
		{"unclosed term", "(a:equals:b", "unbalanced parenthesis at 0"},
		{"unclosed group", "((a:equals:b) or (c:equals:d)", "unbalanced parenthesis at 0"},
		{"extra close", "(a:equals:b))", "unbalanced parenthesis at 12"},
		{"extra close after bare", "a:equals:b)", "unbalanced parenthesis at 10"},
		{"unclosed paren in bare value", "a:equals:(b", "unbalanced parenthesis at 9"},
		{"missing op", "(a:b)", "missing operator in term at 1"},
		{"empty op", "(a::b)", "missing operator in term at 1"},
		{"missing second colon", "(a:equals b)", `expected ':' after operator "equals" in term at 1`},
		{"field only", "(phone:)", "missing operator in term at 1"},
		{"unknown op", "(a:contains:b)", `unknown operator "contains" in term at 1`},
		{"unknown op second term", "(a:equals:b) or (c:like:d)", `unknown operator "like" in term at 17`},
		{"empty value", "(Email:equals:)", `empty value for field "email" at 1`},
		{"blank value", "(Email:equals:   )", `empty value for field "email" at 1`},
		{"quoted empty value", `(Email:equals:"")`, `empty value for field "email" at 1`},
		{"bare empty value", "Email:equals:", `empty value for field "email" at 0`},
		{"dangling and", "(a:equals:b) and", "expected term at 16"},
		{"dangling or with space", "(a:equals:b) or ", "expected term at 16"},
		{"bare dangling and", "a:equals:b and", "expected term at 14"},
		{"leading and", "and (a:equals:b)", "expected term at 0"},
		{"double and", "(a:equals:b) and and (c:equals:d)", "expected term at 17"},
		{"xor", "(a:equals:b) xor (c:equals:d)", "expected and/or at 13"},
		{"missing keyword", "(a:equals:b) (c:equals:d)", "expected and/or at 13"},
		{"junk after term", "(a:equals:b)c", "expected and/or at 12"},
		{"not a term", "hello", "expected term at 0"},
		{"plain email", "james.bond@007", "expected term at 0"},
		{"group of junk", "(hello)", "expected term at 1"},
		{"junk in group", "((a:equals:b) xor (c:equals:d))", "expected and/or at 14"},
		{"bad field", "(na me:equals:x)", "expected term at 1"},
		{"too deep", strings.Repeat("(", 200) + "a:equals:b" + strings.Repeat(")", 200), "parentheses nested more than 100 deep at 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q): got %s, want error %q", tt.in, String(e), tt.want)
			}
			var syn *SyntaxError
			if !errors.As(err, &syn) {
				t.Fatalf("Parse(%q): got error %T, want *SyntaxError", tt.in, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q): got error %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLooksLikeQuery(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"(Phone:equals:+12223334444) or (Email:equals:james.bond@007)", true},
		{"Phone:equals:+1 222 333 4444", true},
		{"(Phone:equals:+1 222 333 4444)", true},
		{"  ( id : EQ : 5 )", true},
		{"x or status:is:open", true},
		{"james.bond@007", false},
		{"+1 222 333 4444", false},
		{"*222*333*4444", false},
		{"(222) 333-4444", false},
		{"sip:alice@host:5060", false},
		{"http://x.y:8080/a", false},
		{"fe80::1", false},
		{"note: see: below", false},
		{"abc:equals:x", true},
		{"xabc:contains:x", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := LooksLikeQuery(tt.in); got != tt.want {
				t.Errorf("LooksLikeQuery(%q): got %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name string
		e    Expr
		want string
	}{
		{"term", Term{"phone", "equals", "+12223334444"}, "(phone:equals:+12223334444)"},
		{"value needing quotes", Term{"name", "equals", " x"}, `(name:equals:" x")`},
		{"quoted value", Term{"name", "equals", `"x"`}, `(name:equals:""x"")`},
		{"and in or", Or{Term{"a", "equals", "1"}, And{Term{"b", "equals", "2"}, Term{"c", "equals", "3"}}},
			"(a:equals:1) or ((b:equals:2) and (c:equals:3))"},
		{"single-item and", And{Term{"a", "equals", "1"}}, "(a:equals:1)"},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := String(tt.e)
			if got != tt.want {
				t.Errorf("String(%#v): got %q, want %q", tt.e, got, tt.want)
			}
			if tt.e == nil {
				return
			}
			back, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse(%q): %v", got, err)
			}
			if again := String(back); again != got {
				t.Errorf("String(Parse(%q)): got %q, want the same", got, again)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"(Phone:equals:+12223334444) or (Email:equals:james.bond@007)",
		"(Id:equals:abc) and (status:equals:open)",
		"((phone:equals:*222*333*4444) or (email:equals:a@b.c)) and (status:equals:open)",
		"Phone:equals:+1 222 333 4444",
		"(Phone:equals:(222) 333-4444)",
		"(Company:equals:Marks and Spencer)",
		"(a:equals:x and b:equals:y)",
		`(Name:equals:"'x'")`,
		"(a:equals:b) xor (c:equals:d)",
		"()", "", "(a:equals:b", "a:equals:b)", "(a:contains:b)", "(Email:equals:)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var syn *SyntaxError
			if !errors.As(err, &syn) {
				t.Fatalf("Parse(%q): got error %T, want *SyntaxError", s, err)
			}
			if syn.Offset < 0 || syn.Offset > len(s) {
				t.Errorf("Parse(%q): got offset %d, want 0 to %d", s, syn.Offset, len(s))
			}
			return
		}
		text := String(e)
		back, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(String(Parse(%q))) = Parse(%q): got error %v, want none", s, text, err)
		}
		if got := String(back); got != text {
			t.Errorf("String(Parse(%q)):\ngot  %q\nwant %q", text, got, text)
		}
		if !reflect.DeepEqual(back, e) {
			t.Errorf("Parse(%q):\ngot  %#v\nwant %#v", text, back, e)
		}
	})
}

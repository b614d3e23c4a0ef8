package api

import (
	"testing"

	"github.com/graphql-go/graphql"
)

// TestIntrospectionDefaults: introspection gives each default value as a
// GraphQL literal of the argument's type, as schema/api.graphql prints it.
func TestIntrospectionDefaults(t *testing.T) {
	h := sampleHandler(t)
	type typeArgs struct {
		Fields []struct {
			Name string
			Args []struct {
				Name         string
				DefaultValue *string
			}
		}
	}
	var out map[string]typeArgs
	query(t, h, `{ Query: __type(name: "Query") { fields { name args { name defaultValue } } } Table: __type(name: "Table") { fields { name args { name defaultValue } } } }`, nil, &out)
	got := map[string]string{}
	for typ, ta := range out {
		for _, f := range ta.Fields {
			for _, a := range f.Args {
				if a.DefaultValue != nil {
					got[typ+"."+f.Name+"("+a.Name+")"] = *a.DefaultValue
				}
			}
		}
	}
	want := map[string]string{
		"Query.table(groupBy)": "[]",
		"Query.table(filter)":  "[]",
		"Query.table(totals)":  "false",
		"Table.csv(dialect)":   "EXCEL",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: defaultValue %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("defaults %v, want %v", got, want)
	}
}

// TestLiteral: values as graphql-go holds them, printed as GraphQL
// literals of their types.
func TestLiteral(t *testing.T) {
	e := graphql.NewEnum(graphql.EnumConfig{Name: "E", Values: graphql.EnumValueConfigMap{"ONE": {Value: 1}, "TWO": {Value: "two"}}})
	in := graphql.NewInputObject(graphql.InputObjectConfig{Name: "In", Fields: graphql.InputObjectConfigFieldMap{
		"b": {Type: graphql.NewList(graphql.String)}, "a": {Type: e},
	}})
	cases := []struct {
		v    any
		t    graphql.Input
		want string
	}{
		{[]any{}, graphql.NewList(graphql.String), "[]"},
		{[]any{"a\"b", "å\n"}, graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(graphql.String))), `["a\"b", "å\n"]`},
		{"x", graphql.NewList(graphql.String), `"x"`},
		{"two", e, "TWO"},
		{1, e, "ONE"},
		{[]any{map[string]any{"b": []any{"x"}, "a": "two"}}, graphql.NewList(in), `[{a: TWO, b: ["x"]}]`},
		{false, graphql.Boolean, "false"},
		{3, graphql.Int, "3"},
		{3, graphql.Float, "3.0"},
		{2.5, graphql.Float, "2.5"},
		{nil, graphql.String, "null"},
	}
	for _, c := range cases {
		if got, ok := literal(c.v, c.t); !ok || got != c.want {
			t.Errorf("literal(%#v, %s) = %q, %v; want %q", c.v, c.t, got, ok, c.want)
		}
	}
	for _, bad := range []struct {
		v any
		t graphql.Input
	}{{"three", e}, {map[string]any{"c": 1}, in}, {nil, graphql.NewNonNull(graphql.String)}} {
		if got, ok := literal(bad.v, bad.t); ok {
			t.Errorf("literal(%#v, %s) = %q, want a failure", bad.v, bad.t, got)
		}
	}
}

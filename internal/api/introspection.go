package api

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/graphql-go/graphql"
)

// graphql-go's introspection (its __Schema, __Type, __Field, __InputValue
// and __Directive types, shared by every schema of the process) falls
// short of the spec in two ways, which fixIntrospection mends before the
// schema is built:
//
//   - it prints a default value wrongly: an empty list as the string
//     "\"[]\"", an enum value as a string or not at all (it prints the
//     value as a literal of the argument, not of the argument's type). A
//     client that builds its schema from introspection (graphql-js's
//     buildClientSchema, GraphiQL, code generators) would then see other
//     defaults than schema/api.graphql says. __InputValue.defaultValue
//     prints the value as a GraphQL literal of its type (literal), the
//     text SDL prints too;
//   - it lacks the fields of the spec's current introspection schema:
//     __Schema.description, __Type.specifiedByURL, __Directive.isRepeatable,
//     __InputValue.isDeprecated and deprecationReason, and the
//     includeDeprecated argument of args and inputFields, which
//     graphql-js's getIntrospectionQuery asks for when told to. They are
//     added with the values this schema has: no description, no
//     specifiedByURL, no repeatable directive, no deprecated argument.
//
// The conformance test (TestGraphQLJS) holds the schema graphql-js builds
// from introspection, with and without those options, equal to
// schema/api.graphql.

var fixIntrospectionOnce sync.Once

// fixIntrospection mends graphql-go's introspection types (once per
// process, before any schema is built).
func fixIntrospection() {
	fixIntrospectionOnce.Do(func() {
		none := func(graphql.ResolveParams) (any, error) { return nil, nil }
		no := func(graphql.ResolveParams) (any, error) { return false, nil }
		graphql.InputValueType.AddFieldConfig("defaultValue", &graphql.Field{
			Type:        graphql.String,
			Description: "A GraphQL-formatted string representing the default value for this input value.",
			Resolve:     defaultValueLiteral,
		})
		graphql.InputValueType.AddFieldConfig("isDeprecated", &graphql.Field{Type: graphql.NewNonNull(graphql.Boolean), Resolve: no})
		graphql.InputValueType.AddFieldConfig("deprecationReason", &graphql.Field{Type: graphql.String, Resolve: none})
		graphql.SchemaType.AddFieldConfig("description", &graphql.Field{Type: graphql.String, Resolve: none})
		graphql.TypeType.AddFieldConfig("specifiedByURL", &graphql.Field{Type: graphql.String, Resolve: none})
		graphql.DirectiveType.AddFieldConfig("isRepeatable", &graphql.Field{Type: graphql.NewNonNull(graphql.Boolean), Resolve: no})
		includeDeprecated := &graphql.ArgumentConfig{Type: graphql.Boolean, DefaultValue: false}
		addArgument(graphql.TypeType, "inputFields", "includeDeprecated", includeDeprecated)
		addArgument(graphql.FieldType, "args", "includeDeprecated", includeDeprecated)
		addArgument(graphql.DirectiveType, "args", "includeDeprecated", includeDeprecated)
		// Build the types' fields now, not during concurrent requests.
		for _, t := range []*graphql.Object{graphql.SchemaType, graphql.TypeType, graphql.FieldType, graphql.InputValueType, graphql.DirectiveType} {
			t.Fields()
		}
	})
}

// addArgument gives a field of one of graphql-go's introspection types an
// argument more, keeping its type, resolver and arguments.
func addArgument(obj *graphql.Object, field, name string, arg *graphql.ArgumentConfig) {
	def := obj.Fields()[field]
	args := graphql.FieldConfigArgument{name: arg}
	for _, a := range def.Args {
		args[a.PrivateName] = &graphql.ArgumentConfig{Type: a.Type, DefaultValue: a.DefaultValue, Description: a.PrivateDescription}
	}
	obj.AddFieldConfig(field, &graphql.Field{Type: def.Type, Args: args, Resolve: def.Resolve, Description: def.Description, DeprecationReason: def.DeprecationReason})
}

// defaultValueLiteral resolves __InputValue.defaultValue: the default as a
// GraphQL literal of the input value's type.
func defaultValueLiteral(p graphql.ResolveParams) (any, error) {
	var (
		t   graphql.Input
		def any
	)
	switch v := p.Source.(type) {
	case *graphql.Argument:
		t, def = v.Type, v.DefaultValue
	case *graphql.InputObjectField:
		t, def = v.Type, v.DefaultValue
	default:
		return nil, nil
	}
	if def == nil {
		return nil, nil
	}
	s, ok := literal(def, t)
	if !ok {
		return nil, nil
	}
	return s, nil
}

// literal prints v, a Go value as graphql-go holds defaults and parsed
// arguments, as a GraphQL literal of type t: a list in brackets, an enum
// value by its name, an input object's fields in name order, a string
// quoted. ok is false for a value t cannot have.
func literal(v any, t graphql.Input) (string, bool) {
	if nn, ok := t.(*graphql.NonNull); ok {
		if v == nil {
			return "", false
		}
		t = nn.OfType
	}
	if v == nil {
		return "null", true
	}
	switch t := t.(type) {
	case *graphql.List:
		items, ok := v.([]any)
		if !ok {
			// A single value stands for a list of one.
			return literal(v, t.OfType)
		}
		parts := make([]string, len(items))
		for i, x := range items {
			if parts[i], ok = literal(x, t.OfType); !ok {
				return "", false
			}
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	case *graphql.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		fields := t.Fields()
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(m)) {
			f, ok := fields[name]
			if !ok {
				return "", false
			}
			s, ok := literal(m[name], f.Type)
			if !ok {
				return "", false
			}
			parts = append(parts, name+": "+s)
		}
		return "{" + strings.Join(parts, ", ") + "}", true
	case *graphql.Enum:
		for _, ev := range t.Values() {
			if ev.Value == v {
				return ev.Name, true
			}
		}
		return "", false
	case *graphql.Scalar:
		switch x := v.(type) {
		case string:
			return string(appendString(nil, x)), true
		case bool:
			return strconv.FormatBool(x), true
		case int:
			if t == graphql.Float {
				return strconv.Itoa(x) + ".0", true
			}
			return strconv.Itoa(x), true
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return "", false
			}
			return strconv.FormatFloat(x, 'g', -1, 64), true
		}
	}
	return "", false
}

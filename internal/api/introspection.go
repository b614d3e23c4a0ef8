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

// graphql-go's introspection prints a default value wrongly: an empty
// list as the string "\"[]\"", an enum value as a string or not at all
// (its __InputValue.defaultValue prints the value as a literal of the
// argument, not of the argument's type). A client that builds its schema
// from introspection (graphql-js's buildClientSchema, GraphiQL, code
// generators) would then see other defaults than schema/api.graphql says.
// fixIntrospection replaces that field's resolver with one that prints
// the value as a GraphQL literal of its type (literal), the same text SDL
// prints; the conformance test (TestGraphQLJS) holds the two schemas
// equal.

var fixIntrospectionOnce sync.Once

// fixIntrospection gives graphql-go's __InputValue type (shared by every
// schema of the process) the defaultValue resolver of this file.
func fixIntrospection() {
	fixIntrospectionOnce.Do(func() {
		f := graphql.InputValueType.Fields()["defaultValue"]
		f.Resolve = func(p graphql.ResolveParams) (any, error) {
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
	})
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

package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/graphql-go/graphql"
)

// SDL prints a schema in the GraphQL schema definition language, with its
// descriptions: the committed schema/api.graphql is this text. graphql-go
// has no printer (its issue #146) and keeps fields, arguments and enum
// values in maps, so everything is printed in name order (the Query type
// first).
func SDL(s graphql.Schema) string {
	var b strings.Builder
	b.WriteString("# The GraphQL schema of insyn's API, generated from the server's schema\n")
	b.WriteString("# (go test ./internal/api -run TestSchemaFile -update); a test fails when\n")
	b.WriteString("# they differ.\n\n")
	types := s.TypeMap()
	names := make([]string, 0, len(types))
	for name := range types {
		if strings.HasPrefix(name, "__") || builtinScalar(name) {
			continue
		}
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if a == s.QueryType().Name() {
			return -1
		}
		if b == s.QueryType().Name() {
			return 1
		}
		return strings.Compare(a, b)
	})
	for i, name := range names {
		if i > 0 {
			b.WriteString("\n")
		}
		printType(&b, types[name])
	}
	return b.String()
}

func builtinScalar(name string) bool {
	switch name {
	case "String", "Int", "Float", "Boolean", "ID":
		return true
	}
	return false
}

func printType(b *strings.Builder, t graphql.Type) {
	switch t := t.(type) {
	case *graphql.Object:
		description(b, "", t.Description())
		fmt.Fprintf(b, "type %s {\n", t.Name())
		fields := t.Fields()
		for _, name := range sortedNames(fields) {
			f := fields[name]
			description(b, "  ", f.Description)
			fmt.Fprintf(b, "  %s", name)
			if len(f.Args) > 0 {
				args := slices.Clone(f.Args)
				slices.SortFunc(args, func(a, b *graphql.Argument) int { return strings.Compare(a.Name(), b.Name()) })
				b.WriteString("(\n")
				for _, a := range args {
					description(b, "    ", a.Description())
					fmt.Fprintf(b, "    %s: %s%s\n", a.Name(), a.Type, defaultValue(a.Type, a.DefaultValue))
				}
				b.WriteString("  )")
			}
			fmt.Fprintf(b, ": %s\n", f.Type)
		}
		b.WriteString("}\n")
	case *graphql.InputObject:
		description(b, "", t.Description())
		fmt.Fprintf(b, "input %s {\n", t.Name())
		fields := t.Fields()
		for _, name := range sortedNames(fields) {
			f := fields[name]
			description(b, "  ", f.Description())
			fmt.Fprintf(b, "  %s: %s%s\n", name, f.Type, defaultValue(f.Type, f.DefaultValue))
		}
		b.WriteString("}\n")
	case *graphql.Enum:
		description(b, "", t.Description())
		fmt.Fprintf(b, "enum %s {\n", t.Name())
		values := slices.Clone(t.Values())
		slices.SortFunc(values, func(a, b *graphql.EnumValueDefinition) int { return strings.Compare(a.Name, b.Name) })
		for _, v := range values {
			description(b, "  ", v.Description)
			fmt.Fprintf(b, "  %s\n", v.Name)
		}
		b.WriteString("}\n")
	case *graphql.Scalar:
		description(b, "", t.Description())
		fmt.Fprintf(b, "scalar %s\n", t.Name())
	default:
		fmt.Fprintf(b, "# %s: a kind of type this printer does not know\n", t.Name())
	}
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// description prints a block string above a definition.
func description(b *strings.Builder, indent, text string) {
	if text == "" {
		return
	}
	text = strings.ReplaceAll(text, `"""`, `\"""`)
	if !strings.Contains(text, "\n") {
		fmt.Fprintf(b, "%s\"\"\"%s\"\"\"\n", indent, text)
		return
	}
	fmt.Fprintf(b, "%s\"\"\"\n", indent)
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(b, "%s%s\n", indent, line)
	}
	fmt.Fprintf(b, "%s\"\"\"\n", indent)
}

// defaultValue prints " = value" for a default of type t, as a GraphQL
// literal: the text introspection gives as defaultValue (literal).
func defaultValue(t graphql.Input, v any) string {
	if v == nil {
		return ""
	}
	s, ok := literal(v, t)
	if !ok {
		return " = # a default this printer cannot write"
	}
	return " = " + s
}

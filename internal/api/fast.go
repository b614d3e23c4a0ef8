package api

import (
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
)

// A request for one table and nothing else — what frontends send — is
// answered without graphql-go's executor. The executor runs every request
// in a goroutine of its own, coerces the variables through reflection
// and resolves the table's fields one by one into maps, which took most
// of a small table's time (a table of 3 cells of the national lake: 39
// µs through the executor, 15 µs without it). A document of that shape is compiled
// once, when it is first checked (compileFast); a request coerces its
// variables as graphql-go does (coerceVariable), reads the arguments as
// getArgumentValues does, calls the same resolver (request.table) and
// writes the table with the direct object writers (direct.go), which
// give the executor's bytes. Anything else — an error, a value the
// coercion here does not take, a field without a writer (periods,
// dimensions, the open-data links), a float that cannot be written — is
// left to the executor, which answers the request as before; the error
// messages are always its. TestFastAsExecutor holds the two to the same
// bytes.

// fastTable is a checked document whose one operation asks for table and
// nothing else.
type fastTable struct {
	op    *ast.OperationDefinition
	field *ast.Field
	name  string // the response name
	// vars are the operation's variables and their types; args the
	// table field's arguments: a literal's value, or the variable named.
	vars      []fastVar
	args      []fastArg
	fragments map[string]ast.Definition
}

type fastVar struct {
	name string
	typ  graphql.Input
}

type fastArg struct {
	def      *graphql.Argument
	variable string // the variable given, or "" for a literal
	literal  any    // the literal's value (nil: none given)
}

// compileFast returns doc compiled as a request for one table, or nil
// when doc is not one that can be answered without the executor.
func compileFast(schema graphql.Schema, doc *ast.Document) *fastTable {
	f := &fastTable{fragments: map[string]ast.Definition{}}
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			if f.op != nil {
				return nil
			}
			f.op = d
		case *ast.FragmentDefinition:
			if d.Name != nil {
				f.fragments[d.Name.Value] = d
			}
		default:
			return nil
		}
	}
	if f.op == nil || f.op.Operation != ast.OperationTypeQuery || len(f.op.Directives) > 0 ||
		f.op.SelectionSet == nil || len(f.op.SelectionSet.Selections) != 1 {
		return nil
	}
	field, ok := f.op.SelectionSet.Selections[0].(*ast.Field)
	if !ok || field.Name == nil || field.Name.Value != "table" || len(field.Directives) > 0 {
		return nil
	}
	f.field, f.name = field, field.Name.Value
	if field.Alias != nil && field.Alias.Value != "" {
		f.name = field.Alias.Value
	}
	for _, d := range f.op.VariableDefinitions {
		if d == nil || d.Variable == nil || d.Variable.Name == nil || d.DefaultValue != nil {
			return nil
		}
		t := inputType(schema, d.Type)
		if t == nil {
			return nil
		}
		f.vars = append(f.vars, fastVar{d.Variable.Name.Value, t})
	}
	def := schema.QueryType().Fields()["table"]
	given := map[string]ast.Value{}
	for _, a := range field.Arguments {
		if a == nil || a.Name == nil {
			return nil
		}
		given[a.Name.Value] = a.Value
	}
	for _, ad := range def.Args {
		a := fastArg{def: ad}
		switch v := given[ad.PrivateName].(type) {
		case nil:
		case *ast.Variable:
			if v.Name == nil {
				return nil
			}
			a.variable = v.Name.Value
		default:
			if a.literal, ok = literalValue(v, ad.Type); !ok {
				return nil
			}
		}
		f.args = append(f.args, a)
	}
	return f
}

// inputType is the type t names (graphql-go's typeFromAST), or nil.
func inputType(schema graphql.Schema, t ast.Type) graphql.Input {
	switch t := t.(type) {
	case *ast.Named:
		if t.Name == nil {
			return nil
		}
		in, _ := schema.Type(t.Name.Value).(graphql.Input)
		return in
	case *ast.List:
		if of := inputType(schema, t.Type); of != nil {
			return graphql.NewList(of)
		}
	case *ast.NonNull:
		if of := inputType(schema, t.Type); of != nil {
			return graphql.NewNonNull(of)
		}
	}
	return nil
}

// literalValue is graphql-go's valueFromAST for a literal without
// variables, of the types the table field's arguments have; ok is false
// for anything else.
func literalValue(v ast.Value, t graphql.Input) (any, bool) {
	switch t := t.(type) {
	case *graphql.NonNull:
		return literalValue(v, t.OfType)
	case *graphql.List:
		values := []any{}
		list, ok := v.(*ast.ListValue)
		if !ok {
			return nil, false // a single value for a list: left to the executor
		}
		for _, item := range list.Values {
			x, ok := literalValue(item, t.OfType)
			if !ok {
				return nil, false
			}
			values = append(values, x)
		}
		return values, true
	case *graphql.InputObject:
		ov, ok := v.(*ast.ObjectValue)
		if !ok {
			return nil, false
		}
		given := map[string]ast.Value{}
		for _, of := range ov.Fields {
			if of == nil || of.Name == nil {
				return nil, false
			}
			given[of.Name.Value] = of.Value
		}
		obj := map[string]any{}
		for name, field := range t.Fields() {
			value := field.DefaultValue
			if fv, ok := given[name]; ok {
				if value, ok = literalValue(fv, field.Type); !ok {
					return nil, false
				}
			}
			if value != nil {
				obj[name] = value
			}
		}
		return obj, true
	case *graphql.Scalar:
		switch v.(type) {
		case *ast.StringValue, *ast.BooleanValue:
			if x := t.ParseLiteral(v); x != nil {
				return x, true
			}
		}
	case *graphql.Enum:
		if _, ok := v.(*ast.EnumValue); ok {
			if x := t.ParseLiteral(v); x != nil {
				return x, true
			}
		}
	}
	return nil, false
}

// coerceVariable is graphql-go's coercion of a variable's value (JSON as
// encoding/json decodes it) to type t (isValidInputValue, then
// coerceValue) for the values it takes as they are: strings, booleans,
// enum names, lists and input objects of them. ok is false for anything
// else — an invalid value, or one graphql-go would convert (a number for
// a String, a single value for a list) — and the executor answers.
func coerceVariable(v any, t graphql.Input) (any, bool) {
	if nn, ok := t.(*graphql.NonNull); ok {
		if v == nil {
			return nil, false
		}
		return coerceVariable(v, nn.OfType)
	}
	if v == nil {
		return nil, true
	}
	switch t := t.(type) {
	case *graphql.List:
		list, ok := v.([]any)
		if !ok {
			return nil, false
		}
		out := make([]any, len(list))
		for i, x := range list {
			if out[i], ok = coerceVariable(x, t.OfType); !ok {
				return nil, false
			}
		}
		return out, true
	case *graphql.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		fields := t.Fields()
		for k := range m {
			if _, ok := fields[k]; !ok {
				return nil, false
			}
		}
		obj := map[string]any{}
		for name, field := range fields {
			x, ok := coerceVariable(m[name], field.Type)
			if !ok {
				return nil, false
			}
			if x == nil {
				x = field.DefaultValue
			}
			if x != nil {
				obj[name] = x
			}
		}
		return obj, true
	case *graphql.Scalar:
		switch t {
		case graphql.String:
			s, ok := v.(string)
			return s, ok
		case graphql.Boolean:
			b, ok := v.(bool)
			return b, ok
		}
	case *graphql.Enum:
		if name, ok := v.(string); ok {
			for _, ev := range t.Values() {
				if ev.Name == name {
					return ev.Value, true
				}
			}
		}
	}
	return nil, false
}

// answer answers the request without the executor; ok is false when it
// is left to the executor: with the table computed, if it was, in
// rq.computed (an error is the executor's to write, and a table is
// computed and budgeted once).
func (f *fastTable) answer(schema graphql.Schema, table *directType, req gqlRequest, rq *request) (b body, ok bool) {
	if req.OperationName != "" && (f.op.Name == nil || f.op.Name.Value != req.OperationName) {
		return nil, false
	}
	vars := make(map[string]any, len(f.vars))
	for _, v := range f.vars {
		x, ok := coerceVariable(req.Variables[v.name], v.typ)
		if !ok {
			return nil, false
		}
		vars[v.name] = x
	}
	args := make(map[string]any, len(f.args))
	for _, a := range f.args {
		x := a.literal
		if a.variable != "" {
			x = vars[a.variable]
		}
		if x == nil {
			x = a.def.DefaultValue
		}
		if x != nil {
			args[a.def.PrivateName] = x
		}
	}
	sel, ok := compileSelection(graphql.ResolveInfo{Schema: schema, Fragments: f.fragments, VariableValues: vars}, []*ast.Field{f.field}, table)
	if !ok {
		return nil, false
	}
	// A resolver that panics is the executor's to report (it recovers).
	defer func() {
		if recover() != nil {
			b, ok = nil, false
		}
	}()
	t, err := rq.table(tableRequestFrom(args))
	if err != nil {
		rq.computed = &computedTable{t, err}
		return nil, false
	}
	// Lists of the table's cells under other aliases take its cells
	// again (budget.again); the executor reports a request they exceed.
	again := -1
	for _, fs := range sel.fields {
		if fs.w.elem != nil {
			again++
		}
	}
	if again > 0 && !rq.budget.fits(again*len(t.figs)) {
		rq.computed = &computedTable{t, nil}
		return nil, false
	}
	buf := appendString(append(make([]byte, 0, 4096), `{"data":{`...), f.name)
	if buf, ok = sel.write(append(buf, ':'), t); !ok {
		rq.computed = &computedTable{t, nil}
		return nil, false
	}
	return body{append(buf, "}}\n"...)}, true
}

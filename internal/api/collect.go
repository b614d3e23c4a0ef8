package api

import (
	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
)

// An answer's objects have their keys in the order of the selection set,
// as the GraphQL spec has it (CollectFields): each response name where it
// first occurs, through fragment spreads and inline fragments (with or
// without a type condition), leaving out what @skip and @include leave
// out. graphql-go's executor answers with Go maps, which have no order, so
// the handler writes the executor's data in the order of the request's
// shape (responseShape, written by jsonWriter), and the lists written past
// the executor (direct.go) and a request answered without it (fast.go)
// collect their fields the same way (collector). The conformance test
// (TestGraphQLJS) compares every answer's key order with graphql-js's
// CollectFields.

// collector collects the fields of selection sets as the spec's
// CollectFields does.
type collector struct {
	schema    graphql.Schema
	fragments map[string]ast.Definition
	// vars are the values of the operation's variables (for @skip and
	// @include).
	vars map[string]any
}

// collect returns the response names that sets select on obj, in the
// order they first occur, and the fields of each name (to be merged). A
// fragment is spread once.
func (c collector) collect(obj *graphql.Object, sets []*ast.SelectionSet) (order []string, fields map[string][]*ast.Field) {
	fields = map[string][]*ast.Field{}
	visited := map[string]bool{}
	var walk func(set *ast.SelectionSet)
	walk = func(set *ast.SelectionSet) {
		if set == nil {
			return
		}
		for _, s := range set.Selections {
			switch s := s.(type) {
			case *ast.Field:
				if s.Name == nil || !included(s.Directives, c.vars) {
					continue
				}
				name := s.Name.Value
				if s.Alias != nil && s.Alias.Value != "" {
					name = s.Alias.Value
				}
				if _, ok := fields[name]; !ok {
					order = append(order, name)
				}
				fields[name] = append(fields[name], s)
			case *ast.InlineFragment:
				if included(s.Directives, c.vars) && c.applies(s.TypeCondition, obj) {
					walk(s.SelectionSet)
				}
			case *ast.FragmentSpread:
				name := ""
				if s.Name != nil {
					name = s.Name.Value
				}
				if visited[name] || !included(s.Directives, c.vars) {
					continue
				}
				visited[name] = true
				if f, ok := c.fragments[name].(*ast.FragmentDefinition); ok && c.applies(f.TypeCondition, obj) {
					walk(f.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		walk(set)
	}
	return order, fields
}

// applies reports whether a fragment with type condition cond applies to
// obj (graphql-go's doesFragmentConditionMatch); one without a type
// condition always does.
func (c collector) applies(cond *ast.Named, obj *graphql.Object) bool {
	if cond == nil || cond.Name == nil {
		return true
	}
	if cond.Name.Value == obj.Name() {
		return true
	}
	switch t := c.schema.Type(cond.Name.Value).(type) {
	case *graphql.Interface:
		return c.schema.IsPossibleType(t, obj)
	case *graphql.Union:
		return c.schema.IsPossibleType(t, obj)
	}
	return false
}

// answerShape is the response names of an object of an answer in the
// order they are written, each with the shape of its value (nil for a
// leaf: a scalar, an enum, a JSON value). The elements of a list have the
// shape of the list. (The schema has no interfaces or unions, so a
// field's type is the type of its objects.)
type answerShape struct {
	keys []shapeKey
}

type shapeKey struct {
	name string
	sub  *answerShape
}

// has reports whether s names the key.
func (s *answerShape) has(name string) bool {
	for _, k := range s.keys {
		if k.name == name {
			return true
		}
	}
	return false
}

// responseShape is the shape of the data of the operation of doc that a
// request runs (graphql-go's choice: the one named operationName, or the
// only one); nil when there is none.
func responseShape(schema graphql.Schema, doc *ast.Document, operationName string, variables map[string]any) *answerShape {
	var op *ast.OperationDefinition
	c := collector{schema: schema, fragments: map[string]ast.Definition{}}
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			if operationName == "" && op != nil {
				return nil
			}
			if operationName == "" || (d.Name != nil && d.Name.Value == operationName) {
				op = d
			}
		case *ast.FragmentDefinition:
			if d.Name != nil {
				c.fragments[d.Name.Value] = d
			}
		}
	}
	if op == nil || op.Operation != ast.OperationTypeQuery {
		return nil
	}
	c.vars = directiveVariables(op, variables)
	return c.shapeOf(schema.QueryType(), []*ast.SelectionSet{op.SelectionSet}, true)
}

// staticShape is the shape of every answer to doc when it does not
// depend on the request: doc has one operation, and no @skip or @include
// of it reads a variable. Else it is nil, and each request has its own
// (responseShape).
func staticShape(schema graphql.Schema, doc *ast.Document) *answerShape {
	ops := 0
	for _, d := range doc.Definitions {
		if _, ok := d.(*ast.OperationDefinition); ok {
			ops++
		}
	}
	if ops != 1 || directivesReadVariables(doc) {
		return nil
	}
	return responseShape(schema, doc, "", nil)
}

// directivesReadVariables reports whether a directive of a selection in
// doc has an argument given by a variable.
func directivesReadVariables(doc *ast.Document) bool {
	reads := func(dirs []*ast.Directive) bool {
		for _, d := range dirs {
			if d == nil {
				continue
			}
			for _, a := range d.Arguments {
				if a != nil {
					if _, ok := a.Value.(*ast.Variable); ok {
						return true
					}
				}
			}
		}
		return false
	}
	var walk func(set *ast.SelectionSet) bool
	walk = func(set *ast.SelectionSet) bool {
		if set == nil {
			return false
		}
		for _, s := range set.Selections {
			switch s := s.(type) {
			case *ast.Field:
				if reads(s.Directives) || walk(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if reads(s.Directives) || walk(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if reads(s.Directives) {
					return true
				}
			}
		}
		return false
	}
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			if walk(d.SelectionSet) {
				return true
			}
		case *ast.FragmentDefinition:
			if walk(d.SelectionSet) {
				return true
			}
		}
	}
	return false
}

// directiveVariables are the values of op's variables as @skip and
// @include read them: the request's, or the default given in the
// document. (A Boolean variable is its JSON value; one that is not a
// Boolean fails coercion, and the executor answers no data.)
func directiveVariables(op *ast.OperationDefinition, variables map[string]any) map[string]any {
	vars := make(map[string]any, len(op.VariableDefinitions))
	for _, d := range op.VariableDefinitions {
		if d == nil || d.Variable == nil || d.Variable.Name == nil {
			continue
		}
		name := d.Variable.Name.Value
		if v, ok := variables[name]; ok {
			vars[name] = v
		} else if b, ok := d.DefaultValue.(*ast.BooleanValue); ok {
			vars[name] = b.Value
		}
	}
	return vars
}

// shapeOf is the shape of an object of type obj selected by sets; root
// is whether obj is the query type (which has __schema and __type).
func (c collector) shapeOf(obj *graphql.Object, sets []*ast.SelectionSet, root bool) *answerShape {
	order, fields := c.collect(obj, sets)
	s := &answerShape{keys: make([]shapeKey, len(order))}
	for i, name := range order {
		asts := fields[name]
		s.keys[i].name = name
		var typ graphql.Type
		switch field := asts[0].Name.Value; {
		case field == graphql.SchemaMetaFieldDef.Name && root:
			typ = graphql.SchemaMetaFieldDef.Type
		case field == graphql.TypeMetaFieldDef.Name && root:
			typ = graphql.TypeMetaFieldDef.Type
		default:
			if def, ok := obj.Fields()[field]; ok {
				typ = def.Type
			}
		}
		if sub, ok := namedType(typ).(*graphql.Object); ok {
			sets := make([]*ast.SelectionSet, 0, len(asts))
			for _, f := range asts {
				sets = append(sets, f.SelectionSet)
			}
			s.keys[i].sub = c.shapeOf(sub, sets, false)
		}
	}
	return s
}

// namedType is t without its list and non-null wrappers.
func namedType(t graphql.Type) graphql.Type {
	for {
		switch w := t.(type) {
		case *graphql.NonNull:
			t = w.OfType
		case *graphql.List:
			t = w.OfType
		default:
			return t
		}
	}
}

package api

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
)

// Large lists are written past graphql-go's executor. The executor makes
// a map and calls a resolver for every field of every element, and
// encoding those maps took four fifths of the time of a large table (5 510
// cells: 112 ms, where summing them takes 1–3). A direct list field
// resolves its list, compiles the query's selection of the elements (the
// fields, with aliases, fragments, @skip and @include, __typename) once,
// writes the elements as JSON, and hands the executor an empty list; the
// handler splices the written list in where the executor put the empty
// one (spliceAll). Its elements are of object types built with
// directObject, whose every field has a resolver (for the executor and
// introspection) and a writer made from the same getter, so both give the
// same value. The answer is byte for byte the executor's
// (TestDirectListsAsExecutor).

// directType is what compiling a selection needs of a direct object type.
type directType struct {
	obj     *graphql.Object
	writers map[string]fieldWriter
}

// fieldWriter appends a field's value of src (the element) as JSON. sub
// is the compiled selection of an object-valued field; ok is false when
// the value cannot be written as the executor would (a float that is not
// finite: encoding it fails), and then the whole list is left to the
// executor.
type fieldWriter struct {
	write func(buf []byte, src any, sub *selection) (out []byte, ok bool)
	// elem is the element type of a list of objects; nil for a leaf.
	elem *directType
}

// directObject builds an object type whose values have the Go type T.
type directObject[T any] struct {
	*directType
	name, desc string
	fields     graphql.Fields
}

func newDirectObject[T any](name, desc string) *directObject[T] {
	return &directObject[T]{directType: &directType{writers: map[string]fieldWriter{}}, name: name, desc: desc, fields: graphql.Fields{}}
}

// object returns the GraphQL type (built on the first call; add no field
// after it).
func (o *directObject[T]) object() *graphql.Object {
	if o.obj == nil {
		o.obj = graphql.NewObject(graphql.ObjectConfig{Name: o.name, Description: o.desc, Fields: o.fields})
	}
	return o.obj
}

func (o *directObject[T]) add(name, desc string, typ graphql.Output, resolve func(T) any, write func(buf []byte, v T, sub *selection) ([]byte, bool), elem *directType) {
	o.addField(name, desc, typ, resolve, fieldWriter{elem: elem, write: func(buf []byte, src any, sub *selection) ([]byte, bool) {
		return write(buf, src.(T), sub)
	}})
}

// addField adds a field with its resolver and its writer (whose src is a
// T).
func (o *directObject[T]) addField(name, desc string, typ graphql.Output, resolve func(T) any, w fieldWriter) {
	o.fields[name] = &graphql.Field{Type: typ, Description: desc, Resolve: func(p graphql.ResolveParams) (any, error) {
		return resolve(p.Source.(T)), nil
	}}
	o.writers[name] = w
}

// The leaf fields' writers call their getter directly: a table of 5 510
// cells writes 27 550 of them.

// str adds a field of type String!.
func (o *directObject[T]) str(name, desc string, get func(T) string) {
	o.addField(name, desc, nonNullString, func(v T) any { return get(v) }, fieldWriter{write: func(buf []byte, src any, _ *selection) ([]byte, bool) {
		return appendString(buf, get(src.(T))), true
	}})
}

// optStr adds a field of type String that is null where get gives "".
func (o *directObject[T]) optStr(name, desc string, get func(T) string) {
	o.addField(name, desc, graphql.String, func(v T) any { return nullIfEmpty(get(v)) }, fieldWriter{write: func(buf []byte, src any, _ *selection) ([]byte, bool) {
		if s := get(src.(T)); s != "" {
			return appendString(buf, s), true
		}
		return append(buf, "null"...), true
	}})
}

// boolean adds a field of type Boolean!.
func (o *directObject[T]) boolean(name, desc string, get func(T) bool) {
	o.addField(name, desc, graphql.NewNonNull(graphql.Boolean), func(v T) any { return get(v) }, fieldWriter{write: func(buf []byte, src any, _ *selection) ([]byte, bool) {
		return strconv.AppendBool(buf, get(src.(T))), true
	}})
}

// strs adds a field of type [String!]! (a nil list is empty, as the
// executor has it).
func (o *directObject[T]) strs(name, desc string, get func(T) []string) {
	o.addField(name, desc, listOf(graphql.String), func(v T) any { return get(v) }, fieldWriter{write: func(buf []byte, src any, _ *selection) ([]byte, bool) {
		buf = append(buf, '[')
		for i, s := range get(src.(T)) {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, s)
		}
		return append(buf, ']'), true
	}})
}

// optFloat adds a field of type Float that is null unless get says ok.
func (o *directObject[T]) optFloat(name, desc string, get func(T) (float64, bool)) {
	o.addField(name, desc, graphql.Float, func(v T) any {
		if f, ok := get(v); ok {
			return f
		}
		return nil
	}, fieldWriter{write: func(buf []byte, src any, _ *selection) ([]byte, bool) {
		f, ok := get(src.(T))
		if !ok {
			return append(buf, "null"...), true
		}
		out, err := appendFloat(buf, f)
		return out, err == nil
	}})
}

// enum adds a field of type e! whose value get gives (the enum value,
// written as its name).
func (o *directObject[T]) enum(name, desc string, e *graphql.Enum, get func(T) string) {
	// A few values: a search of a list is quicker than a map.
	type named struct {
		value string
		json  []byte
	}
	var names []named
	for _, v := range e.Values() {
		if s, ok := v.Value.(string); ok {
			names = append(names, named{s, appendString(nil, v.Name)})
		}
	}
	o.addField(name, desc, graphql.NewNonNull(e), func(v T) any { return get(v) }, fieldWriter{write: func(buf []byte, src any, _ *selection) ([]byte, bool) {
		s := get(src.(T))
		for _, n := range names {
			if n.value == s {
				return append(buf, n.json...), true
			}
		}
		return buf, false
	}})
}

// directPtrList adds to o a field of type [E!]! whose elements are of
// the direct object type elem.
func directPtrList[T, E any](o *directObject[T], name, desc string, elem *directObject[*E], get func(T) []*E) {
	key := memoKeyFor[E]()
	o.add(name, desc, listOf(elem.object()), func(v T) any { return get(v) },
		func(buf []byte, v T, sub *selection) ([]byte, bool) { return writePtrList(buf, get(v), sub, key) }, elem.directType)
}

// directOptList adds to o a field of type [E]! whose nil elements are
// null.
func directOptList[T, E any](o *directObject[T], name, desc string, elem *directObject[*E], get func(T) []*E) {
	o.add(name, desc, graphql.NewNonNull(graphql.NewList(elem.object())), func(v T) any {
		items := get(v)
		out := make([]any, len(items))
		for i, x := range items {
			if x != nil {
				out[i] = x
			}
		}
		return out
	}, func(buf []byte, v T, sub *selection) ([]byte, bool) {
		buf = append(buf, '[')
		for i, x := range get(v) {
			if i > 0 {
				buf = append(buf, ',')
			}
			if x == nil {
				buf = append(buf, "null"...)
				continue
			}
			var ok bool
			if buf, ok = sub.write(buf, x); !ok {
				return nil, false
			}
		}
		return append(buf, ']'), true
	}, elem.directType)
}

// directListField is a field of type [E!]! of a type the executor
// resolves (a table's cells, a seed table's rows) whose list is written
// past the executor when the request allows it (request.splices).
func directListField[T, E any](desc string, elem *directObject[*E], get func(r *request, src T) (listSource[E], error)) *graphql.Field {
	return &graphql.Field{Type: listOf(elem.object()), Description: desc, Resolve: resolve(func(r *request, p graphql.ResolveParams) (any, error) {
		items, err := get(r, p.Source.(T))
		if err != nil {
			return nil, err
		}
		if err := r.budget.again(p.Source, items.n); err != nil {
			return nil, err
		}
		if r.splices != nil {
			if r.answerBytes > 0 && r.splices.size() > r.answerBytes {
				r.overAnswerBytes.Store(true)
				return nil, answerTooLarge(r.answerBytes)
			}
			if sel, ok := compileSelection(p.Info, p.Info.FieldASTs, elem.directType); ok {
				if body, ok := writeSource(nil, items, sel); ok {
					r.splices.add(p.Info.Path.AsArray(), body)
					return []*E{}, nil
				}
			}
		}
		return pointers(items.all()), nil
	})}
}

// directList adds to o, a direct object type, a directListField of
// elements of elem, written by o's writer too (for a request answered
// without the executor: fast.go).
func directList[T, E any](o *directObject[T], name, desc string, elem *directObject[*E], get func(src T) listSource[E]) {
	o.fields[name] = directListField(desc, elem, func(_ *request, src T) (listSource[E], error) { return get(src), nil })
	o.writers[name] = fieldWriter{elem: elem.directType, write: func(buf []byte, src any, sub *selection) ([]byte, bool) {
		return writeSource(buf, get(src.(T)), sub)
	}}
}

// listSource is the elements of a direct list: n of them, given one at a
// time by each (which may give the same *E every time, changed: a table
// makes its cells as they are written), or all at once for the executor.
type listSource[E any] struct {
	n    int
	each func(yield func(*E) bool)
	all  func() []E
	// write, when set, writes the list as writeSource would, its own
	// faster way (a table's cells: cellwrite.go).
	write func(buf []byte, sel *selection) ([]byte, bool)
}

// sliceSource is a list's elements held in a slice.
func sliceSource[E any](items []E) listSource[E] {
	return listSource[E]{n: len(items), each: func(yield func(*E) bool) {
		for i := range items {
			if !yield(&items[i]) {
				return
			}
		}
	}, all: func() []E { return items }}
}

// writeSource appends a listSource's elements as a JSON list of objects
// with the selected fields.
func writeSource[E any](buf []byte, items listSource[E], sel *selection) ([]byte, bool) {
	if items.write != nil {
		return items.write(buf, sel)
	}
	w := elemWriter[E]{sel: sel, n: items.n, key: memoKeyFor[E]()}
	buf = append(buf, '[')
	i, ok := 0, true
	items.each(func(e *E) bool {
		buf, ok = w.write(buf, i, e)
		i++
		return ok
	})
	if !ok {
		return nil, false
	}
	return append(buf, ']'), true
}

func pointers[E any](items []E) []*E {
	out := make([]*E, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

// memoKeyOf gives the memo key of an element whose JSON, for one
// selection, is the same for every element of the key (list other than
// 0): a coordinate that is a member of its dimension's own list (of n
// members). Lists write the JSON of a key once per selection (a request)
// and copy it for the other elements: a table of 5 510 cells has 309
// coordinates. A list of another element type has none (memoKeyFor).
func memoKeyOf(c *coord) (list, pos, n int) { return c.list, c.pos, c.n }

// memoKeyFor returns memoKeyOf when E is coord, else nil; it is asked
// once per list, not per element.
func memoKeyFor[E any]() func(*E) (list, pos, n int) {
	key, _ := any(memoKeyOf).(func(*E) (list, pos, n int))
	return key
}

// writePtrList appends items as a JSON list of objects with the selected
// fields; key is memoKeyFor[E]().
func writePtrList[E any](buf []byte, items []*E, sel *selection, key func(*E) (list, pos, n int)) ([]byte, bool) {
	w := elemWriter[E]{sel: sel, n: len(items), key: key}
	buf = append(buf, '[')
	for i, e := range items {
		var ok bool
		if buf, ok = w.write(buf, i, e); !ok {
			return nil, false
		}
	}
	return append(buf, ']'), true
}

// elemWriter writes the n elements of a list.
type elemWriter[E any] struct {
	sel *selection
	n   int
	key func(*E) (list, pos, n int) // nil: none is memoized
}

// write appends element i, e, with the comma before it.
func (w elemWriter[E]) write(buf []byte, i int, e *E) ([]byte, bool) {
	if i > 0 {
		buf = append(buf, ',')
	}
	start := len(buf)
	var known *span
	if w.key != nil {
		if list, pos, n := w.key(e); list > 0 {
			if known = w.sel.memoOf(list, pos, n); known.end > 0 {
				return append(buf, buf[known.start:known.end]...), true
			}
		}
	}
	buf, ok := w.sel.write(buf, e)
	if !ok {
		return nil, false
	}
	if known != nil {
		*known = span{start, len(buf)}
	}
	if i == 0 {
		// Room for the others, about as long as the first, so that a
		// list of a megabyte is not copied as it grows.
		buf = slices.Grow(buf, (len(buf)-start+1)*(w.n-1)*9/8)
	}
	return buf, true
}

// selection is a compiled selection set of a direct object type: its
// fields by response name, in the order of the selection set (collect.go).
type selection struct {
	fields []selected
	// sig identifies what the selection writes: its fields' response
	// names, fields and selections (cellwrite.go keeps JSON by it).
	sig string
	// memo holds where the JSON of memoized elements was written (by
	// list and position: memoKeyOf). A selection writes into one
	// buffer (a direct list field's, which its nested lists append to),
	// so what was written stays at its place in it.
	memo [][]span
}

// span is the bytes start..end-1 of a buffer; end 0: none.
type span struct{ start, end int }

// memoOf is where the memo keeps the JSON of the element at pos of list
// (of n).
func (s *selection) memoOf(list, pos, n int) *span {
	if list >= len(s.memo) {
		s.memo = append(s.memo, make([][]span, list+1-len(s.memo))...)
	}
	if s.memo[list] == nil {
		s.memo[list] = make([]span, n)
	}
	return &s.memo[list][pos]
}

type selected struct {
	// key is what comes before the value: `{` or `,` and
	// `"responseName":`.
	key []byte
	// typename is the JSON of __typename's value; for other fields w
	// writes the value, sub is an object-valued field's selection.
	typename []byte
	w        fieldWriter
	sub      *selection
	// field is the field's name in the schema.
	field string
}

// write appends the object src as JSON.
func (s *selection) write(buf []byte, src any) ([]byte, bool) {
	if len(s.fields) == 0 {
		return append(buf, "{}"...), true
	}
	for i := range s.fields {
		f := &s.fields[i]
		buf = append(buf, f.key...)
		if f.typename != nil {
			buf = append(buf, f.typename...)
			continue
		}
		var ok bool
		if buf, ok = f.w.write(buf, src, f.sub); !ok {
			return nil, false
		}
	}
	return append(buf, '}'), true
}

// compileSelection compiles the selection sets of fields (the ASTs of one
// response name) for type t as the spec's CollectFields collects them
// (collector): response names in the order they first occur, @skip
// before @include, fragments spread once, fragments whose type condition
// does not apply left out, fields of one response name merged. ok is
// false for a field without a writer.
func compileSelection(info graphql.ResolveInfo, fields []*ast.Field, t *directType) (*selection, bool) {
	sets := make([]*ast.SelectionSet, 0, len(fields))
	for _, f := range fields {
		if f != nil {
			sets = append(sets, f.SelectionSet)
		}
	}
	order, byName := collector{schema: info.Schema, fragments: info.Fragments, vars: info.VariableValues}.collect(t.obj, sets)
	sel := &selection{fields: make([]selected, 0, len(order))}
	for _, name := range order {
		asts := byName[name]
		punct := byte(',')
		if len(sel.fields) == 0 {
			punct = '{'
		}
		f := selected{key: append(appendString([]byte{punct}, name), ':'), field: asts[0].Name.Value}
		switch field := f.field; field {
		case graphql.TypeNameMetaFieldDef.Name:
			f.typename = appendString(nil, t.obj.Name())
		default:
			w, ok := t.writers[field]
			if !ok {
				return nil, false
			}
			f.w = w
			if w.elem != nil {
				if f.sub, ok = compileSelection(info, asts, w.elem); !ok {
					return nil, false
				}
			}
		}
		sel.fields = append(sel.fields, f)
	}
	var sig strings.Builder
	for _, f := range sel.fields {
		sig.Write(f.key)
		sig.WriteString(f.field)
		if f.sub != nil {
			sig.WriteString("{" + f.sub.sig + "}")
		}
	}
	sel.sig = sig.String()
	return sel, true
}

// included applies @skip and @include as graphql-go does
// (shouldIncludeNode): @skip(if: true) leaves out, then @include(if:
// false) does.
func included(dirs []*ast.Directive, vars map[string]any) bool {
	var skip, include *ast.Directive
	for _, d := range dirs {
		if d == nil || d.Name == nil {
			continue
		}
		switch d.Name.Value {
		case graphql.SkipDirective.Name:
			skip = d
		case graphql.IncludeDirective.Name:
			include = d
		}
	}
	if v, ok := directiveIf(skip, vars); ok && v {
		return false
	}
	if v, ok := directiveIf(include, vars); ok && !v {
		return false
	}
	return true
}

// directiveIf is the value of a directive's if argument: a literal or a
// variable; ok is false when there is none.
func directiveIf(d *ast.Directive, vars map[string]any) (value, ok bool) {
	if d == nil {
		return false, false
	}
	for _, a := range d.Arguments {
		if a == nil || a.Name == nil || a.Name.Value != "if" {
			continue
		}
		switch v := a.Value.(type) {
		case *ast.BooleanValue:
			return v.Value, true
		case *ast.Variable:
			if v.Name != nil {
				b, ok := vars[v.Name.Value].(bool)
				return b, ok
			}
		}
	}
	return false, false
}

// splices are the lists a request's resolvers wrote past the executor,
// by their path in the answer.
type splices struct {
	mu    sync.Mutex
	list  []splice
	bytes int // their length in all
}

type splice struct {
	path []any // field names and list indexes, as graphql.ResponsePath has them
	body rawJSON
}

// size is the bytes of the lists written so far.
func (s *splices) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

func (s *splices) add(path []any, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, splice{path, body})
	s.bytes += len(body)
}

// spliceAll puts each written list into data where the executor put the
// empty list in its place. A list whose place is gone (an error nulled
// an object above it) is dropped, as the executor's would be.
func (s *splices) spliceAll(data any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.list {
		place(data, sp.path, sp.body)
	}
}

func place(data any, path []any, body rawJSON) {
	if len(path) == 0 {
		return
	}
	for _, k := range path[:len(path)-1] {
		switch k := k.(type) {
		case string:
			m, _ := data.(map[string]any)
			data = m[k]
		case int:
			l, _ := data.([]any)
			if k < 0 || k >= len(l) {
				return
			}
			data = l[k]
		default:
			return
		}
	}
	m, _ := data.(map[string]any)
	k, _ := path[len(path)-1].(string)
	if l, ok := m[k].([]any); ok && len(l) == 0 {
		m[k] = body
	}
}

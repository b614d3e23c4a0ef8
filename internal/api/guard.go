package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/lexer"
	"github.com/graphql-go/graphql/language/source"
)

// The guard bounds what one request may ask before graphql-go parses,
// validates or executes it. graphql-go's validation and execution cost
// grows with the document's shape, not its length (a fragment cycle
// overflows its stack; spreads that double at each level are walked once
// per path; a deeply nested list literal is revisited at every level), so
// every limit here is checked by a pass that is linear in the document:
//
//  1. the query's bytes (Limits.QueryBytes), before anything reads it;
//  2. one pass of the lexer: its tokens (Limits.Tokens) and how deeply its
//     brackets nest ({ [ ( together, Limits.Depth + Limits.ValueDepth), so
//     the parser's recursion is bounded;
//  3. on the parsed document: fragment cycles; the fields every operation
//     expands to, spreads counted as often as they are spread (each
//     fragment's count memoized, so a chain that doubles costs one visit
//     per fragment), aliases and introspection fields counted the same
//     way (Limits.Fields, Aliases, Introspection); the nesting of fields
//     through fragments (Limits.Depth); the nesting of list and object
//     values in arguments (Limits.ValueDepth);
//  4. with the fields bounded, a walk of them as they merge (merger): how
//     often one response key occurs in one merged selection (Limits.Repeats)
//     and how many argument values comparing such fields prints
//     (maxComparedArguments): graphql-go's rule that fields of one key can
//     be merged compares them pair by pair, printing their arguments each
//     time, and nothing can stop it once it runs;
//  5. the variables' nesting (Limits.ValueDepth), on every request.
//
// Only then does graphql-go validate the document. Its execution runs under
// the request's deadline (Limits.Timeout), which the resolvers honour; the
// lists written past the executor stop once the answer passes
// Limits.AnswerBytes, and the answer is refused whole.

// Limits bounds one request. Zero fields take the defaults below.
type Limits struct {
	// QueryBytes bounds the query text.
	QueryBytes int
	// Tokens bounds the query's lexical tokens (names, punctuation,
	// values).
	Tokens int
	// Depth bounds the nesting of fields, through fragments.
	Depth int
	// ValueDepth bounds the nesting of list and object values, in
	// arguments and in variables.
	ValueDepth int
	// Fields bounds the fields a request asks for, each fragment counted
	// as often as it is spread.
	Fields int
	// Aliases bounds the aliased fields, counted like Fields.
	Aliases int
	// Repeats bounds how often one response key (a field's alias, else
	// its name) occurs in one selection set, fragments looked into:
	// graphql-go compares such fields pair by pair, arguments and
	// selections, before anything else can stop it.
	Repeats int
	// Introspection bounds the __schema and __type fields, counted like
	// Fields.
	Introspection int
	// AnswerBytes bounds an answer's JSON.
	AnswerBytes int
	// Timeout is how long a request may compute before it is answered
	// with CodeTimeout.
	Timeout time.Duration
	// HeavyCells is the cells from which a request is heavy: admitted one
	// at a time, taking at most HeavyShare of one core while other heavy
	// requests wait (throttle.go).
	HeavyCells int
	HeavyShare float64
}

// Defaults of Limits. GraphiQL's introspection query has about 500 tokens,
// 190 fields once its fragments are spread, 13 levels of fields and one
// __schema; a frontend's table request a tenth of that.
const (
	DefaultMaxQueryBytes    = 16 << 10
	DefaultMaxTokens        = 2000
	DefaultMaxDepth         = 15
	DefaultMaxValueDepth    = 8
	DefaultMaxFields        = 500
	DefaultMaxAliases       = 64
	DefaultMaxRepeats       = 16
	DefaultMaxIntrospection = 2
	// DefaultMaxAnswerBytes: the largest table the cell limit allows is
	// a few MB of JSON.
	DefaultMaxAnswerBytes = 8 << 20
	// DefaultTimeout is well inside API Gateway's 30 s for an integration.
	DefaultTimeout = 10 * time.Second
	// DefaultHeavyCells: a frontend's tables have tens to hundreds of
	// cells, all 29 seed tables together 1 567.
	DefaultHeavyCells = 2000
	DefaultHeavyShare = 0.15
)

// withDefaults returns l with every zero (or negative) field at its
// default.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.QueryBytes, DefaultMaxQueryBytes)
	def(&l.Tokens, DefaultMaxTokens)
	def(&l.Depth, DefaultMaxDepth)
	def(&l.ValueDepth, DefaultMaxValueDepth)
	def(&l.Fields, DefaultMaxFields)
	def(&l.Aliases, DefaultMaxAliases)
	def(&l.Repeats, DefaultMaxRepeats)
	def(&l.Introspection, DefaultMaxIntrospection)
	def(&l.AnswerBytes, DefaultMaxAnswerBytes)
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	def(&l.HeavyCells, DefaultHeavyCells)
	if l.HeavyShare <= 0 || l.HeavyShare > 1 {
		l.HeavyShare = DefaultHeavyShare
	}
	return l
}

// refusal is a request the guard refuses: a GraphQL error with its code,
// answered with status.
type refusal struct {
	status int
	queryError
}

func refuse(status int, code, env, format string, args ...any) *refusal {
	msg := fmt.Sprintf(format, args...)
	if env != "" {
		msg += " (" + env + ")"
	}
	return &refusal{status: status, queryError: queryError{code: code, message: msg}}
}

// checkText is steps 1 and 2: the query's size, tokens and bracket
// nesting, without building anything.
func (l Limits) checkText(query string) *refusal {
	if len(query) > l.QueryBytes {
		return refuse(http.StatusRequestEntityTooLarge, CodeQueryTooLarge, EnvMaxQueryBytes,
			"the query has %d bytes, more than the limit of %d", len(query), l.QueryBytes)
	}
	lex := lexer.Lex(source.NewSource(&source.Source{Body: []byte(query)}))
	maxNesting := l.Depth + l.ValueDepth + 2
	tokens, nesting := 0, 0
	for {
		t, err := lex(0)
		if err != nil || t.Kind == lexer.EOF {
			// A syntax error is the parser's to report, with its position.
			return nil
		}
		tokens++
		if tokens > l.Tokens {
			return refuse(http.StatusRequestEntityTooLarge, CodeQueryTooLarge, EnvMaxTokens,
				"the query has more than %d tokens", l.Tokens)
		}
		switch t.Kind {
		case lexer.BRACE_L, lexer.BRACKET_L, lexer.PAREN_L:
			nesting++
			if nesting > maxNesting {
				return refuse(http.StatusBadRequest, CodeTooDeep, "",
					"the query nests its braces and brackets more than %d deep: fields may nest %d levels (%s), list and object values %d (%s)",
					maxNesting, l.Depth, EnvMaxDepth, l.ValueDepth, EnvMaxValueDepth)
			}
		case lexer.BRACE_R, lexer.BRACKET_R, lexer.PAREN_R:
			nesting--
		}
	}
}

// shape is what a selection set expands to: its fields (spreads counted
// as spread), aliases and introspection fields, each saturating at
// saturated, and its nesting of fields.
type shape struct {
	fields, aliases, introspection, depth int
}

// saturated caps the counts of a shape: a count past every limit is as
// good as any larger one, and a chain of doubling spreads must not
// overflow.
const saturated = 1 << 40

func (s *shape) add(o shape) {
	s.fields = min(s.fields+o.fields, saturated)
	s.aliases = min(s.aliases+o.aliases, saturated)
	s.introspection = min(s.introspection+o.introspection, saturated)
}

// checkDocument is steps 3 and 4, on a parsed document.
func (l Limits) checkDocument(doc *ast.Document) *refusal {
	frags := map[string]*ast.FragmentDefinition{}
	for _, d := range doc.Definitions {
		if f, ok := d.(*ast.FragmentDefinition); ok && f.Name != nil {
			frags[f.Name.Value] = f
		}
	}
	if cycle := fragmentCycle(frags); cycle != nil {
		return refuse(http.StatusBadRequest, CodeFragmentCycle, "",
			"fragment %s spreads itself (%s): a fragment may not spread itself, directly or through others",
			cycle[0], strings.Join(cycle, " → "))
	}
	w := &shapeWalker{frags: frags, memo: map[string]shape{}}
	var total shape
	valueDepth := 0
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			s := w.selectionSet(d.SelectionSet)
			total.add(s)
			total.depth = max(total.depth, s.depth)
			for _, v := range d.VariableDefinitions {
				if v.Type == nil {
					// graphql-go's parser lets "$a:" through; its validation
					// would dereference the missing type.
					return refuse(http.StatusBadRequest, CodeBadInput, "", "a variable of the query has no type")
				}
				valueDepth = max(valueDepth, nestingOf(v.DefaultValue))
			}
		}
	}
	valueDepth = max(valueDepth, w.valueDepth)
	switch {
	case total.depth > l.Depth:
		return refuse(http.StatusBadRequest, CodeTooDeep, EnvMaxDepth,
			"the query nests %d levels deep, more than the limit of %d", total.depth, l.Depth)
	case valueDepth > l.ValueDepth:
		return refuse(http.StatusBadRequest, CodeTooDeep, EnvMaxValueDepth,
			"an argument nests lists and objects %d deep, more than the limit of %d", valueDepth, l.ValueDepth)
	case total.fields > l.Fields:
		return refuse(http.StatusBadRequest, CodeTooComplex, EnvMaxFields,
			"the query asks for %s fields (fragments counted as often as they are spread), more than the limit of %d", countText(total.fields), l.Fields)
	case total.aliases > l.Aliases:
		return refuse(http.StatusBadRequest, CodeTooComplex, EnvMaxAliases,
			"the query has %s aliased fields, more than the limit of %d", countText(total.aliases), l.Aliases)
	case total.introspection > l.Introspection:
		return refuse(http.StatusBadRequest, CodeTooComplex, EnvMaxIntrospection,
			"the query asks for __schema or __type %s times, more than the limit of %d", countText(total.introspection), l.Introspection)
	}
	// With the fields bounded, walking them as they merge is cheap.
	m := &merger{frags: frags}
	for _, d := range doc.Definitions {
		if op, ok := d.(*ast.OperationDefinition); ok {
			m.walk([]*ast.SelectionSet{op.SelectionSet})
		}
	}
	switch {
	case m.repeats > l.Repeats:
		return refuse(http.StatusBadRequest, CodeTooComplex, EnvMaxRepeats,
			"the query asks for one field (or alias) %d times in one selection, counting the selections merged into it, more than the limit of %d; give each an alias of its own", m.repeats, l.Repeats)
	case m.compared > maxComparedArguments:
		return refuse(http.StatusBadRequest, CodeTooComplex, "",
			"fields of one name in one selection have their arguments compared pair by pair, and this query's would be compared %d values deep, more than the limit of %d; give each field an alias of its own", m.compared, maxComparedArguments)
	}
	return nil
}

// maxComparedArguments bounds the argument values graphql-go's validation
// prints to compare fields of one response key (each value node printed
// costs tens of microseconds there): about 10 ms of printing.
const maxComparedArguments = 256

// merger walks a document's fields as they merge: the fields of one
// response key in one selection set (fragments flattened) become one
// field whose selection set is all of theirs — what graphql-go's rule
// that such fields can be merged compares, pair by pair.
type merger struct {
	frags    map[string]*ast.FragmentDefinition
	repeats  int // the most fields of one key in one merged selection set
	compared int // argument value nodes printed to compare them, about
}

func (m *merger) walk(sets []*ast.SelectionSet) {
	var keys []string
	byKey := map[string][]*ast.Field{}
	spread := map[string]bool{} // graphql-go looks into a fragment once per merged set
	var collect func(s *ast.SelectionSet)
	collect = func(s *ast.SelectionSet) {
		if s == nil {
			return
		}
		for _, sel := range s.Selections {
			switch sel := sel.(type) {
			case *ast.Field:
				key := ""
				if sel.Alias != nil {
					key = sel.Alias.Value
				} else if sel.Name != nil {
					key = sel.Name.Value
				}
				if _, ok := byKey[key]; !ok {
					keys = append(keys, key)
				}
				byKey[key] = append(byKey[key], sel)
			case *ast.InlineFragment:
				collect(sel.SelectionSet)
			case *ast.FragmentSpread:
				if sel.Name != nil && m.frags[sel.Name.Value] != nil && !spread[sel.Name.Value] {
					spread[sel.Name.Value] = true
					collect(m.frags[sel.Name.Value].SelectionSet)
				}
			}
		}
	}
	for _, s := range sets {
		collect(s)
	}
	for _, key := range keys {
		fields := byKey[key]
		m.repeats = max(m.repeats, len(fields))
		if len(fields) > 1 {
			for _, f := range fields {
				for _, a := range f.Arguments {
					m.compared += (len(fields) - 1) * valueNodes(a.Value)
				}
			}
		}
		var subs []*ast.SelectionSet
		for _, f := range fields {
			if f.SelectionSet != nil {
				subs = append(subs, f.SelectionSet)
			}
		}
		if len(subs) > 0 {
			m.walk(subs)
		}
	}
}

// valueNodes counts the nodes of a literal value.
func valueNodes(v ast.Value) int {
	n := 1
	switch v := v.(type) {
	case *ast.ListValue:
		for _, x := range v.Values {
			n += valueNodes(x)
		}
	case *ast.ObjectValue:
		for _, f := range v.Fields {
			n += valueNodes(f.Value)
		}
	}
	return n
}

func countText(n int) string {
	if n >= saturated {
		return "more than 2^40"
	}
	return fmt.Sprint(n)
}

// checkVariables is step 5.
func (l Limits) checkVariables(vars map[string]any) *refusal {
	for name, v := range vars {
		if d := jsonNesting(v, l.ValueDepth+1); d > l.ValueDepth {
			return refuse(http.StatusBadRequest, CodeTooDeep, EnvMaxValueDepth,
				"variable $%s nests lists and objects more than %d deep", name, l.ValueDepth)
		}
	}
	return nil
}

// jsonNesting is the nesting of lists and objects in a decoded JSON value,
// looked at no deeper than limit.
func jsonNesting(v any, limit int) int {
	if limit <= 0 {
		return 0
	}
	deepest := 0
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			deepest = max(deepest, jsonNesting(x, limit-1))
		}
	case map[string]any:
		for _, x := range v {
			deepest = max(deepest, jsonNesting(x, limit-1))
		}
	default:
		return 0
	}
	return 1 + deepest
}

// fragmentCycle returns the names along a cycle of fragment spreads
// ("A", "B", "A"), or nil when there is none. Spreads of unknown
// fragments are validation's to report.
func fragmentCycle(frags map[string]*ast.FragmentDefinition) []string {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		switch state[name] {
		case onPath:
			i := len(path) - 1
			for path[i] != name {
				i--
			}
			return append(append([]string{}, path[i:]...), name)
		case done:
			return nil
		}
		f := frags[name]
		if f == nil {
			return nil
		}
		state[name] = onPath
		path = append(path, name)
		var found []string
		eachSpread(f.SelectionSet, func(s string) bool {
			found = visit(s)
			return found == nil
		})
		path = path[:len(path)-1]
		state[name] = done
		return found
	}
	// In the order of their names, so the error names the same cycle
	// every time.
	names := make([]string, 0, len(frags))
	for n := range frags {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if c := visit(n); c != nil {
			return c
		}
	}
	return nil
}

// eachSpread calls fn with the name of every fragment spread in s (inline
// fragments looked into), until fn returns false.
func eachSpread(s *ast.SelectionSet, fn func(string) bool) bool {
	if s == nil {
		return true
	}
	for _, sel := range s.Selections {
		switch sel := sel.(type) {
		case *ast.Field:
			if !eachSpread(sel.SelectionSet, fn) {
				return false
			}
		case *ast.InlineFragment:
			if !eachSpread(sel.SelectionSet, fn) {
				return false
			}
		case *ast.FragmentSpread:
			if sel.Name != nil && !fn(sel.Name.Value) {
				return false
			}
		}
	}
	return true
}

// shapeWalker computes shapes of an acyclic document, each fragment's
// once.
type shapeWalker struct {
	frags      map[string]*ast.FragmentDefinition
	memo       map[string]shape
	valueDepth int // the deepest argument value seen
}

func (w *shapeWalker) selectionSet(s *ast.SelectionSet) shape {
	var out shape
	if s == nil {
		return out
	}
	for _, sel := range s.Selections {
		var sub shape
		switch sel := sel.(type) {
		case *ast.Field:
			sub = w.selectionSet(sel.SelectionSet)
			sub.depth++
			sub.fields = min(sub.fields+1, saturated)
			if sel.Alias != nil && sel.Name != nil && sel.Alias.Value != sel.Name.Value {
				sub.aliases = min(sub.aliases+1, saturated)
			}
			if sel.Name != nil && (sel.Name.Value == "__schema" || sel.Name.Value == "__type") {
				sub.introspection = min(sub.introspection+1, saturated)
			}
			for _, a := range sel.Arguments {
				w.valueDepth = max(w.valueDepth, nestingOf(a.Value))
			}
			w.directives(sel.Directives)
		case *ast.InlineFragment:
			sub = w.selectionSet(sel.SelectionSet)
			w.directives(sel.Directives)
		case *ast.FragmentSpread:
			w.directives(sel.Directives)
			if sel.Name == nil {
				continue
			}
			name := sel.Name.Value
			cached, ok := w.memo[name]
			if !ok {
				if f := w.frags[name]; f != nil {
					w.directives(f.Directives)
					cached = w.selectionSet(f.SelectionSet)
				}
				w.memo[name] = cached
			}
			sub = cached
		}
		out.add(sub)
		out.depth = max(out.depth, sub.depth)
	}
	return out
}

func (w *shapeWalker) directives(ds []*ast.Directive) {
	for _, d := range ds {
		for _, a := range d.Arguments {
			w.valueDepth = max(w.valueDepth, nestingOf(a.Value))
		}
	}
}

// nestingOf is the nesting of lists and objects in a literal value.
func nestingOf(v ast.Value) int {
	deepest := 0
	switch v := v.(type) {
	case *ast.ListValue:
		for _, x := range v.Values {
			deepest = max(deepest, nestingOf(x))
		}
	case *ast.ObjectValue:
		for _, f := range v.Fields {
			deepest = max(deepest, nestingOf(f.Value))
		}
	default:
		return 0
	}
	return 1 + deepest
}

// answerTooLarge is the error of an answer past Limits.AnswerBytes.
func answerTooLarge(limit int) *queryError {
	return &queryError{code: CodeAnswerTooLarge, message: fmt.Sprintf("the answer is larger than the limit of %d bytes (%s); ask for fewer fields or cells", limit, EnvMaxAnswerBytes)}
}

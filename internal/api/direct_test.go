package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"
)

// answerBoth answers a query twice on h's lake version: as the handler
// does (without the executor for a request of one table, else with cells
// written past the executor and spliced in), and as the executor alone
// does, encoded by encoding/json (the handler before direct lists). It
// returns both bodies and how many lists were written directly (a request
// answered without the executor counts as one).
func answerBoth(t *testing.T, h *Handler, q string, vars map[string]any, limit int) (direct, executor []byte, spliced int) {
	t.Helper()
	direct, executor, r := answerTwice(t, h, gqlRequest{Query: q, Variables: vars}, limit)
	spliced = len(r.splices.list)
	if r.fast {
		spliced++
	}
	return direct, executor, spliced
}

// answerTwice answers req as the handler does and as the executor alone
// does (its data written in the order of the selection sets, as
// encodeAnswer writes it, with nothing spliced), failing unless both give
// one status and unless the executor's answer is, but for the order of
// keys, what encoding/json writes; r is the handler's request (what it
// wrote directly, whether it answered without the executor).
func answerTwice(t *testing.T, h *Handler, req gqlRequest, limit int) (handler, executor []byte, r *request) {
	t.Helper()
	doc, ref, errs := h.parse(req.Query)
	if ref != nil || len(errs) > 0 {
		t.Fatalf("the query is refused (%v) or does not validate: %v\n%s", ref, errs, req.Query)
	}
	ctx := context.Background()
	v := h.lake.current(ctx)
	rq := func(s *splices) *request {
		return &request{v: v, budget: &budget{limit: limit}, rules: h.lake.rules, log: discardLogger(), base: "https://api.example/prod", splices: s}
	}
	r = rq(&splices{})
	status, b, _ := h.execute(ctx, doc, req, r)
	res := graphql.Execute(graphql.ExecuteParams{Schema: h.schema, AST: doc.doc, OperationName: req.OperationName, Args: req.Variables,
		Context: context.WithValue(ctx, requestKey{}, rq(nil))})
	h.explainEnums(res.Errors)
	refStatus, ordered := encodeAnswer(res, responseShape(h.schema, doc.doc, req.OperationName, req.Variables), 0)
	if status != refStatus {
		t.Fatalf("status %d, the executor's %d\n%s", status, refStatus, req.Query)
	}
	executor = ordered.bytes()
	if _, std := encodeJSON(http.StatusOK, gqlResponse{Data: res.Data, Errors: res.Errors}); !sameButOrder(executor, std) {
		t.Fatalf("the executor's answer in selection order is not encoding/json's but for the order of keys\nordered:       %s\nencoding/json: %s", executor, std)
	}
	return b.bytes(), executor, r
}

// sameButOrder reports whether the answers a and b have the same errors
// and data that are the same but for the order of keys: a's data, decoded
// and written again by encoding/json (which sorts keys), is b's.
func sameButOrder(a, b []byte) bool {
	type split struct {
		Data   json.RawMessage `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	var sa, sb split
	if json.Unmarshal(a, &sa) != nil || json.Unmarshal(b, &sb) != nil || !bytes.Equal(sa.Errors, sb.Errors) {
		return false
	}
	var data any
	if err := json.Unmarshal(sa.Data, &data); err != nil {
		return false
	}
	again, err := stdJSON(data)
	return err == nil && bytes.Equal(again, sb.Data)
}

// TestDirectListsAsExecutor answers queries with every kind of selection
// of a table's cells and a seed table's rows — subsets of their fields in any order, aliases
// (also one field's name as another's alias), repeated fields, named and
// inline fragments, @skip and @include
// with literals and variables, __typename, several tables in one request,
// errors — both ways (answerBoth) and requires the same bytes: the
// direct lists change how fast an answer comes, never what it says.
func TestDirectListsAsExecutor(t *testing.T) {
	h := sampleHandler(t)
	fixed := []struct {
		q    string
		vars map[string]any
	}{
		{tableQuery, map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2022/2024", "groupBy": []string{"insats", "kon"}, "totals": true}},
		{`{ table(dataset: "kbf", measure: SUM_SEK, period: "2022/2024", groupBy: ["namnd"], totals: true) { cells { mark } } }`, nil},
		{`{ table(dataset: "beslut", measure: DECISIONS, period: "2024") { cells { period coordinates { code } __typename } } }`, nil},
		{`{ t: table(dataset: "lov", measure: PROVIDERS, period: "2024", groupBy: ["insats"]) { c: cells { v: value, value: mark, mark: display } } }`, nil},
		{`query($s: Boolean!) { table(dataset: "insatser", measure: MEAN_HOURS, period: "2024", groupBy: ["namnd", "kon"], filter: [{dimension: "insats", codes: ["personlig_assistans"]}]) {
			cells { value @skip(if: $s) mark @include(if: $s) ...F ... on Cell { display coordinates { total } } ... on Cell @include(if: false) { period } } } }
			fragment F on Cell { coordinates { label __typename } display }`, map[string]any{"s": true}},
		{`query($s: Boolean!) { report(id: "9:4") { ... { rows { ... { label } cells { ... @include(if: $s) { display } mark } } } } }`, map[string]any{"s": true}},
		{`{ table(dataset: "insatser", measure: DECISIONS, period: "2019") { cells { value } } }`, nil},
		{`{ lake { version } table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"]) { ...T } } fragment T on Table { unit cells { value } }`, nil},
		{`{ report(id: "9:4") { rows { label cells { value mark display unit } } } table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"]) { cells { display } } }`, nil},
	}
	for i, f := range fixed {
		direct, executor, spliced := answerBoth(t, h, f.q, f.vars, DefaultMaxCells)
		if string(direct) != string(executor) {
			t.Fatalf("query %d: the answers differ\ndirect:   %s\nexecutor: %s", i, direct, executor)
		}
		if spliced == 0 && !strings.Contains(string(direct), `"errors"`) {
			t.Errorf("query %d: no list was written directly", i)
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	written := 0
	const n = 400
	for i := range n {
		g := newQueryGen(rng)
		q, vars, limit := g.query()
		direct, executor, spliced := answerBoth(t, h, q, vars, limit)
		if string(direct) != string(executor) {
			t.Fatalf("random query %d: the answers differ\nquery: %s\nvariables: %v\ndirect:   %s\nexecutor: %s", i, q, vars, direct, executor)
		}
		written += min(spliced, 1)
	}
	// Most answers must have taken the direct path, or the comparison
	// says little.
	if written < n*3/4 {
		t.Errorf("only %d of %d random queries wrote a list directly", written, n)
	}
}

// queryGen makes a random valid query of tables and their cells, and of
// a seed table's rows. Response
// names are given out per type for the whole query, so that fields of
// one response name are always the same field (and merge).
type queryGen struct {
	rng       *rand.Rand
	names     map[string]map[string]string // type -> response name -> field
	vars      map[string]any
	varDefs   []string
	fragments []string
	// fragmentDone is, per fragment defined, whether its body is written.
	fragmentDone map[string]bool
}

func newQueryGen(rng *rand.Rand) *queryGen {
	g := &queryGen{rng: rng, names: map[string]map[string]string{}, vars: map[string]any{}, fragmentDone: map[string]bool{}}
	for typ := range directFields {
		g.names[typ] = map[string]string{}
	}
	return g
}

// tableArgs are valid arguments of table on the sample lake, with values
// null, hidden, not computable, public, quarterly, and no grouping.
var tableArgs = []string{
	`dataset: "insatser", measure: DECISIONS, period: "2022/2024", groupBy: ["insats", "kon"], totals: true, filter: [{dimension: "lagrum", codes: ["LSS"]}]`,
	`dataset: "insatser", measure: MEAN_HOURS, period: "2022/2024", groupBy: ["namnd", "kon"], filter: [{dimension: "insats", codes: ["personlig_assistans"]}]`,
	`dataset: "insatser", measure: SHARE, period: "2024", groupBy: ["boendeform", "kon"], totals: true, shareOf: "kon", filter: [{dimension: "insats", codes: ["bostad_vuxna"]}]`,
	`dataset: "insatser", measure: RATE_PER_10000, period: "2024", groupBy: ["namnd", "insats"], filter: [{dimension: "insats", codes: ["personlig_assistans", "daglig_verksamhet", "kontaktperson"]}]`,
	`dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["namnd", "insats", "kon"]`,
	`dataset: "kbf", measure: SUM_SEK, period: "2022/2024", groupBy: ["namnd"], totals: true`,
	`dataset: "lov", measure: PROVIDERS, period: "2022/2024", groupBy: ["insats"], totals: true`,
	`dataset: "ej_verkstallda", measure: DECISIONS, period: "2023-Q2/2024-Q2", groupBy: ["lagrum", "kon"], totals: true`,
	`dataset: "beslut", measure: DECISIONS, period: "2024"`,
}

// directFields are the fields of the direct object types; an object
// field's type follows its name.
var directFields = map[string][]string{
	"Cell":       {"period", "value", "mark", "display", "coordinates Coordinate", "__typename"},
	"Coordinate": {"dimension", "code", "label", "total", "__typename"},
	"ReportRow":  {"label", "marker", "cells ReportCell", "__typename"},
	"ReportCell": {"value", "mark", "display", "unit", "__typename"},
}

var aliases = []string{"a", "b", "v", "x1", "A", "_z", "value", "mark", "period", "label", "code", "cells", "unit"}

func (g *queryGen) query() (q string, vars map[string]any, limit int) {
	limit = DefaultMaxCells
	var top []string
	tables := 1 + g.rng.IntN(3)
	for i := range tables {
		args := tableArgs[g.rng.IntN(len(tableArgs))]
		switch {
		case tables == 1 && g.rng.IntN(12) == 0:
			args = `dataset: "insatser", measure: DECISIONS, period: "2019"` // an error
		case tables == 1 && g.rng.IntN(12) == 0:
			limit = 5 // TOO_MANY_CELLS
		case g.rng.IntN(6) == 0:
			args = `dataset: $ds, measure: $m, period: $p, groupBy: $g, totals: $tot`
			g.useVar("ds", "String!", "kbf")
			g.useVar("m", "Measure!", "PERSONS")
			g.useVar("p", "String!", "2024")
			g.useVar("g", "[String!]", []any{"namnd", "kon"})
			g.useVar("tot", "Boolean", true)
		}
		name := "table"
		if tables > 1 || g.rng.IntN(2) == 0 {
			name = fmt.Sprintf("t%d: table", i)
		}
		var fields []string
		if g.rng.IntN(3) == 0 {
			fields = append(fields, "unit")
		}
		for range 1 + g.rng.IntN(2) {
			alias := ""
			if g.rng.IntN(3) == 0 {
				alias = []string{"c: ", "cells: ", "d: "}[g.rng.IntN(3)]
			}
			fields = append(fields, alias+"cells"+g.selection("Cell", 0))
		}
		g.rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
		top = append(top, name+"("+args+") { "+strings.Join(fields, " ")+" }")
	}
	// graphql-go resolves the fields of an object in random order: which
	// of two fields over a small cell limit fails would vary.
	if limit == DefaultMaxCells && g.rng.IntN(3) == 0 {
		// A seed table's rows (some have cells the layout leaves empty).
		id := []string{"9:4", "9:9", "9:16", "9:22", "9:23", "ev:1"}[g.rng.IntN(6)]
		top = append(top, fmt.Sprintf(`r: report(id: %q) { rows%s }`, id, g.selection("ReportRow", 0)))
	}
	var b strings.Builder
	b.WriteString("query Q")
	if len(g.varDefs) > 0 {
		b.WriteString("(" + strings.Join(g.varDefs, ", ") + ")")
	}
	b.WriteString(" { " + strings.Join(top, " ") + " }")
	for _, f := range g.fragments {
		b.WriteString("\n" + f)
	}
	return b.String(), g.vars, limit
}

func (g *queryGen) useVar(name, typ string, value any) {
	if _, ok := g.vars[name]; !ok {
		g.vars[name] = value
		g.varDefs = append(g.varDefs, "$"+name+": "+typ)
	}
}

// selection is a selection set of typ, a direct object type.
func (g *queryGen) selection(typ string, depth int) string {
	fields := directFields[typ]
	var items []string
	for range 1 + g.rng.IntN(5) {
		switch k := g.rng.IntN(10); {
		case k < 7 || depth > 2:
			items = append(items, g.field(typ, fields[g.rng.IntN(len(fields))], depth))
		case k == 7:
			// An inline fragment, with or without a type condition.
			cond := ""
			if g.rng.IntN(2) == 0 {
				cond = " on " + typ
			}
			items = append(items, "..."+cond+g.directive()+g.selection(typ, depth+1))
		default:
			name := fmt.Sprintf("F%s%d", typ, g.rng.IntN(3))
			done, defined := g.fragmentDone[name]
			switch {
			case defined && !done: // a spread inside itself would be a cycle
				items = append(items, "__typename")
				continue
			case !defined:
				g.fragmentDone[name] = false
				body := g.selection(typ, depth+1)
				g.fragmentDone[name] = true
				g.fragments = append(g.fragments, "fragment "+name+" on "+typ+body)
			}
			items = append(items, "..."+name+g.directive())
		}
	}
	return " { " + strings.Join(items, " ") + " }"
}

// field is a field of typ ("name" or "name Type" for an object field)
// with, maybe, an alias (also another field's name) and a directive.
func (g *queryGen) field(typ, field string, depth int) string {
	field, sub, _ := strings.Cut(field, " ")
	names := g.names[typ]
	response := field
	if g.rng.IntN(3) == 0 {
		if a := aliases[g.rng.IntN(len(aliases))]; names[a] == "" || names[a] == field {
			response = a
		}
	}
	if f := names[response]; f != "" && f != field {
		return "__typename" // the response name is another field's
	}
	names[response] = field
	out := field
	if response != field {
		out = response + ": " + field
	}
	out += g.directive()
	if sub != "" {
		out += g.selection(sub, depth+1)
	}
	return out
}

// directive is, sometimes, @skip or @include with a literal or a
// variable.
func (g *queryGen) directive() string {
	if g.rng.IntN(4) != 0 {
		return ""
	}
	name := []string{"skip", "include"}[g.rng.IntN(2)]
	if g.rng.IntN(2) == 0 {
		return fmt.Sprintf(" @%s(if: %t)", name, g.rng.IntN(2) == 0)
	}
	v := []string{"yes", "no"}[g.rng.IntN(2)]
	g.useVar(v, "Boolean!", v == "yes")
	return " @" + name + "(if: $" + v + ")"
}

// TestMemoKeyFor: coordinates are memoized, other elements not.
func TestMemoKeyFor(t *testing.T) {
	if memoKeyFor[coord]() == nil {
		t.Error("coordinates are not memoized")
	}
	if memoKeyFor[tableCell]() != nil || memoKeyFor[reportCell]() != nil {
		t.Error("cells are memoized")
	}
}

package api

import (
	"context"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// TestBadInput: each kind of bad argument gets a GraphQL error that names
// the argument and lists the valid values, in the message and in
// extensions (code, field, valid).
func TestBadInput(t *testing.T) {
	h := sampleHandler(t)
	tests := []struct {
		name, query string
		code, field string
		valid       []string // some of the valid values the error must list
		message     string   // a part of the message
	}{
		{"unknown dataset", `{ table(dataset: "insats", measure: DECISIONS, period: "2024") { unit } }`,
			CodeBadInput, "dataset", []string{"insatser", "beslut", "ej_verkstallda", "kbf"}, `"insats" is not a dataset`},
		{"unknown dataset by name", `{ dataset(name: "x") { name } }`,
			CodeBadInput, "name", []string{"insatser", "sfb"}, `"x" is not a dataset`},
		{"measure of another dataset", `{ table(dataset: "kbf", measure: MEAN_HOURS, period: "2024") { unit } }`,
			CodeBadInput, "measure", []string{"PERSONS", "SUM_SEK", "SHARE", "RATE_PER_10000"}, "dataset kbf has no measure MEAN_HOURS"},
		{"not a measure", `{ table(dataset: "kbf", measure: AVERAGE, period: "2024") { unit } }`,
			CodeBadInput, "", []string{"PERSONS", "SUM_SEK", "MEAN_HOURS"}, `Argument "measure" has invalid value AVERAGE`},
		{"unknown dimension", `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["stadsdel"]) { unit } }`,
			CodeBadInput, "groupBy[0]", []string{"namnd", "insats", "kon", "aldersgrupp", "regi"}, `dataset insatser has no dimension "stadsdel"`},
		{"dimension of another dataset", `{ table(dataset: "beslut", measure: DECISIONS, period: "2024", filter: [{dimension: "namnd", codes: ["bromma"]}]) { unit } }`,
			CodeBadInput, "filter[0].dimension", []string{"insats", "funktionsnedsattning", "utfall", "kon"}, "dataset beslut has no dimension"},
		{"unknown code", `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", filter: [{dimension: "kon", codes: ["K"]}, {dimension: "namnd", codes: ["Östermalm", "Vasastan"]}]) { unit } }`,
			CodeBadInput, "filter[1].codes", []string{"jarva", "norra_innerstaden", "socialnamnden"}, `"Vasastan" is not a code of dimension namnd`},
		{"no codes", `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", filter: [{dimension: "kon", codes: []}]) { unit } }`,
			CodeBadInput, "filter[0].codes", []string{"K", "M"}, "no codes"},
		{"filtered twice", `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", filter: [{dimension: "kon", codes: ["K"]}, {dimension: "kon", codes: ["M"]}]) { unit } }`,
			CodeBadInput, "filter[1].dimension", nil, "filtered twice"},
		{"year without data", `{ table(dataset: "insatser", measure: DECISIONS, period: "2025") { unit } }`,
			CodeBadInput, "period", []string{"2022", "2023", "2024"}, "no data for 2025"},
		{"quarter of a yearly dataset", `{ table(dataset: "insatser", measure: DECISIONS, period: "2024-Q2") { unit } }`,
			CodeBadInput, "period", []string{"2022", "2024"}, "is yearly"},
		{"quarter without data", `{ table(dataset: "ej_verkstallda", measure: DECISIONS, period: "2023-Q1") { unit } }`,
			CodeBadInput, "period", []string{"2023-Q2", "2024-Q2"}, "no data for 2023-Q1"},
		{"not a period", `{ table(dataset: "kbf", measure: PERSONS, period: "last year") { unit } }`,
			CodeBadInput, "period", []string{"2022", "2024"}, "a year (2024), a quarter (2024-Q2) or a range"},
		{"backwards range", `{ table(dataset: "kbf", measure: PERSONS, period: "2024/2022") { unit } }`,
			CodeBadInput, "period", []string{"2022"}, "ends before it starts"},
		{"share without shareOf", `{ table(dataset: "kbf", measure: SHARE, period: "2024", groupBy: ["kon"]) { unit } }`,
			CodeBadInput, "shareOf", []string{"kon"}, "needs shareOf"},
		{"share of an ungrouped dimension", `{ table(dataset: "kbf", measure: SHARE, period: "2024", groupBy: ["kon"], shareOf: "namnd") { unit } }`,
			CodeBadInput, "shareOf", []string{"kon"}, `"namnd" is not a grouped dimension`},
		{"persons over several insatser", `{ table(dataset: "insatser", measure: PERSONS, period: "2024", groupBy: ["kon"]) { unit } }`,
			CodeBadInput, "measure", []string{"DECISIONS"}, "one insats per cell"},
		{"mean hours over mixed insatser", `{ table(dataset: "insatser", measure: MEAN_HOURS, period: "2024", groupBy: ["insats"], totals: true) { unit } }`,
			CodeBadInput, "filter", []string{"personlig_assistans", "sol_boendestod"}, "granted in hours"},
		{"unknown seed table", `{ report(id: "9:24") { caption } }`,
			CodeBadInput, "id", []string{"9:1", "9:23", "ev:6"}, `"9:24" is not a seed table`},
		{"a cell outside the protected structure", `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["namnd", "aldersgrupp"]) { unit } }`,
			CodeNotPublished, "groupBy", nil, "insyn does not publish the cell {namnd=jarva aldersgrupp=0-11} of dataset insatser in 2024"},
		{"a group that is no category", `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", filter: [{dimension: "aldersgrupp", codes: ["0-11", "24"]}]) { unit } }`,
			CodeNotPublished, "groupBy", nil, "no cell of the protected structure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := decode(t, post(t, h, tt.query, nil))
			if len(a.Errors) != 1 {
				t.Fatalf("want one error, got %+v (data %s)", a.Errors, a.Data)
			}
			e := a.Errors[0]
			if !strings.Contains(e.Message, tt.message) {
				t.Errorf("message %q does not say %q", e.Message, tt.message)
			}
			if tt.field != "" && !strings.HasPrefix(e.Message, tt.field+": ") {
				t.Errorf("message %q does not start with the argument %s", e.Message, tt.field)
			}
			if e.Extensions["code"] != tt.code {
				t.Errorf("extensions.code = %v, want %s", e.Extensions["code"], tt.code)
			}
			if tt.field != "" && e.Extensions["field"] != tt.field {
				t.Errorf("extensions.field = %v, want %s", e.Extensions["field"], tt.field)
			}
			valid := stringsArg(e.Extensions["valid"])
			for _, v := range tt.valid {
				if !slices.Contains(valid, v) {
					t.Errorf("extensions.valid = %v lacks %s", valid, v)
				}
				if !strings.Contains(e.Message, v) {
					t.Errorf("message %q does not list %s", e.Message, v)
				}
			}
		})
	}
}

// TestLimits: the cells of one request and the depth of a query are
// bounded, with errors that name the limit and its setting.
func TestLimits(t *testing.T) {
	l := sampleHandler(t).lake
	h, err := NewHandler(l, HandlerOptions{MaxCells: 200, Limits: Limits{Depth: 4}, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	a := decode(t, post(t, h, `{ table(dataset: "insatser", measure: DECISIONS, period: "2022/2024", groupBy: ["namnd", "insats"]) { unit } }`, nil))
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != CodeTooManyCells ||
		!strings.Contains(a.Errors[0].Message, "this table has 684 cells") || !strings.Contains(a.Errors[0].Message, "limit of 200 cells per request (INSYN_MAX_CELLS)") {
		t.Errorf("a table over the cell limit: %+v", a.Errors)
	}
	// Two reports of 108 cells each: the second exceeds the request's budget
	// (graphql-go may resolve either first).
	a = decode(t, post(t, h, `{ a: report(id: "9:4") { rows { label } } b: report(id: "9:5") { rows { label } } }`, nil))
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != CodeTooManyCells ||
		!regexp.MustCompile(`table 9:[45] has 108 cells, and with the 108 cells before it`).MatchString(a.Errors[0].Message) {
		t.Errorf("reports over the cell limit: %+v", a.Errors)
	}
	deep := `{ report(id: "9:4") { rows { cells { display } } } }`
	if a := decode(t, post(t, h, deep, nil)); len(a.Errors) != 0 {
		t.Errorf("a query 4 deep: %+v", a.Errors)
	}
	deeper := `query { ...R } fragment R on Query { __schema { types { fields { type { name } } } } }`
	w := post(t, h, deeper, nil)
	a = decodeAny(t, w)
	if w.Code != http.StatusBadRequest || len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != CodeTooDeep || !strings.Contains(a.Errors[0].Message, "nests 5 levels deep, more than the limit of 4 (INSYN_MAX_DEPTH)") {
		t.Errorf("a query 5 deep through a fragment: %d %+v", w.Code, a.Errors)
	}
}

// TestIntrospectionWithinDefaultDepth: GraphiQL's introspection query
// passes the default depth limit, so tools can load the schema.
func TestIntrospectionWithinDefaultDepth(t *testing.T) {
	h := sampleHandler(t)
	a := decode(t, post(t, h, introspectionQuery, nil))
	if len(a.Errors) != 0 || !strings.Contains(string(a.Data), `"name":"Measure"`) {
		t.Errorf("introspection: errors %+v", a.Errors)
	}
}

// introspectionQuery is GraphiQL's.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

// TestInternalErrorsAreMasked: a failure that is not the client's is
// logged and answered with the request id only.
func TestInternalErrorsAreMasked(t *testing.T) {
	l, err := OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), LakeOptions{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	v := l.cur.Load()
	// A version whose kbf cube has lost a measure: computing fails.
	broken := withBrokenKBF(t, v)
	l.cur.Store(&broken)
	h, err := NewHandler(l, HandlerOptions{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	a := decode(t, post(t, h, `{ table(dataset: "kbf", measure: SUM_SEK, period: "2024") { unit } }`, nil))
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != CodeInternal || !strings.HasPrefix(a.Errors[0].Message, "internal error (request id") ||
		strings.Contains(a.Errors[0].Message, "belopp") {
		t.Errorf("internal failure answered as %+v", a.Errors)
	}
}

// TestAnswerCache: a repeated request is answered with the bytes of the
// first without computing again, only within one lake version; error
// answers are not kept, and a handler without the cache computes every
// time.
func TestAnswerCache(t *testing.T) {
	l, err := OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), LakeOptions{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	good := l.cur.Load()
	broken := withBrokenKBF(t, good)
	const q = `{ table(dataset: "kbf", measure: SUM_SEK, period: "2024", groupBy: ["kon"]) { cells { value display } } }`

	h, err := NewHandler(l, HandlerOptions{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	l.cur.Store(&broken)
	if a := decode(t, post(t, h, q, nil)); len(a.Errors) != 1 {
		t.Fatalf("the broken version answers %+v", a)
	}
	l.cur.Store(good)
	first := post(t, h, q, nil)
	if a := decode(t, first); len(a.Errors) > 0 {
		t.Fatalf("an error answer was kept: %+v", a.Errors)
	}
	l.cur.Store(&broken)
	again := post(t, h, q, nil)
	if again.Body.String() != first.Body.String() || again.Header().Get("ETag") != first.Header().Get("ETag") {
		t.Errorf("the repeated request was computed again:\n%s\nwant\n%s", again.Body, first.Body)
	}
	if cc := get(t, h, q, nil).Header().Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
		t.Errorf("a GET answered from the cache has Cache-Control %q", cc)
	}
	if cc := again.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("a POST answered from the cache has Cache-Control %q", cc)
	}

	other := broken
	m := *broken.snap.Manifest
	m.Version = "another-version"
	snap := *broken.snap
	snap.Manifest = &m
	other.snap = &snap
	l.cur.Store(&other)
	if a := decode(t, post(t, h, q, nil)); len(a.Errors) != 1 {
		t.Errorf("another version was answered from the cache: %+v", a)
	}

	off, err := NewHandler(l, HandlerOptions{Logger: discardLogger(), AnswerCacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	l.cur.Store(good)
	post(t, off, q, nil)
	l.cur.Store(&broken)
	if a := decode(t, post(t, off, q, nil)); len(a.Errors) != 1 {
		t.Errorf("a handler without the cache answered from one: %+v", a)
	}
}

// TestAnswerCacheBounds: the cache keeps at most its limit in bytes,
// starting over when full, and never an answer larger than an eighth of it.
func TestAnswerCacheBounds(t *testing.T) {
	c := newAnswerCache(800)
	key := func(i int) answerKey { return answerKey{version: "v", sum: [32]byte{byte(i)}} }
	c.put(key(0), body{make([]byte, 50), make([]byte, 51)})
	if c.get(key(0)) != nil {
		t.Error("an answer over an eighth of the limit was kept")
	}
	for i := 1; i <= 8; i++ {
		c.put(key(i), body{make([]byte, 100)})
	}
	if c.size != 800 || c.get(key(1)) == nil || c.get(key(8)) == nil {
		t.Fatalf("size %d after 8 answers of 100 bytes", c.size)
	}
	c.put(key(9), body{make([]byte, 60), make([]byte, 40)})
	if c.size != 100 || c.get(key(1)) != nil || c.get(key(9)) == nil {
		t.Errorf("size %d: the full cache did not start over", c.size)
	}
	off := newAnswerCache(-1)
	if off.put(key(1), body{[]byte("x")}); off.get(key(1)) != nil {
		t.Error("a disabled cache kept an answer")
	}
}

// TestTableSize: the number of cells a table is budgeted for, worked out
// without enumerating them, is the number it has, for every grouping of up
// to three dimensions of every dataset, with and without totals and
// lagrum/insats filters; and refusing a table of millions of cells costs
// next to no memory.
func TestTableSize(t *testing.T) {
	h := sampleHandler(t)
	v := h.lake.cur.Load()
	checked := 0
	for _, ds := range v.datasets {
		first, _, _ := strings.Cut(periodRange(t, ds), "/")
		filters := [][]filterArg{nil}
		if _, ok := ds.def.dim("lagrum"); ok {
			filters = append(filters, []filterArg{{Dimension: "lagrum", Codes: []string{"SoL"}}})
		}
		if d, ok := ds.def.dim("insats"); ok {
			filters = append(filters, []filterArg{{Dimension: "insats", Codes: d.codes.CodeValues()[:min(3, len(d.codes.Codes))]}})
		}
		for _, g := range groupings(ds.def.dims, 3) {
			for _, totals := range []bool{false, true} {
				for _, f := range filters {
					req := tableRequest{Dataset: ds.def.name, Measure: ds.def.measuresOf()[0], Period: first,
						GroupBy: g, Filter: f, Totals: totals}
					p, err := v.planTable(req)
					if err != nil {
						continue
					}
					if got, want := p.size(), len(p.cells()); got != want {
						t.Fatalf("%+v: size %d, but %d cells", req, got, want)
					}
					checked++
				}
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d plans checked", checked)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a := decode(t, post(t, h, tableQuery, map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2022/2024",
		"groupBy": []string{"namnd", "lagrum", "insats", "kon", "aldersgrupp", "regi", "boendeform"}, "totals": true}))
	runtime.ReadMemStats(&after)
	if len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, "this table has 1746108 cells") {
		t.Fatalf("the largest table: %+v", a.Errors)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 8 {
		t.Errorf("refusing a table of 1 746 108 cells allocated %d MiB", mb)
	}
}

package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"

	"github.com/stockholm/insyn/internal/serve"
)

// hostile is a request an attacker would choose, and how the guard must
// answer it.
type hostile struct {
	name   string
	method string // GET or POST
	query  string
	vars   map[string]any
	status int
	code   string
}

// nested returns open n times, then middle, then close n times.
func nested(open, middle, close string, n int) string {
	return strings.Repeat(open, n) + middle + strings.Repeat(close, n)
}

// doublingFragments is a chain of n fragments, each spreading the one
// before twice: 2^n paths to one field.
func doublingFragments(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d } fragment F0 on Query { lake { version } }", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i-1, i-1)
	}
	return b.String()
}

// hostileRequests are the cases outsiders found (numbered as in the
// finding) and their neighbours just past each limit.
func hostileRequests() []hostile {
	table := func(groupBy string) string {
		return `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ` + groupBy + `) { unit } }`
	}
	var aliases, schemas, reports strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&schemas, " s%d: __schema { queryType { name } }", i)
	}
	for i := range 3 {
		fmt.Fprintf(&aliases, " s%d: __schema { queryType { name } }", i)
	}
	for range 2000 {
		reports.WriteString(` report(id:"9:4"){number}`)
	}
	var manyAliases strings.Builder
	for i := range 70 {
		fmt.Fprintf(&manyAliases, " l%d: lake { version }", i)
	}
	var manyFields strings.Builder
	for range 501 {
		manyFields.WriteString(" version")
	}
	return []hostile{
		{"1: a fragment that spreads itself", "GET", `{ lake { ...A } } fragment A on Lake { version ...A }`, nil, 400, CodeFragmentCycle},
		{"1: a cycle through three fragments", "POST", `{ lake { ...A } } fragment A on Lake { ...B } fragment B on Lake { version ...C } fragment C on Lake { ...A }`, nil, 400, CodeFragmentCycle},
		{"2: a list literal 320 deep", "POST", table(nested("[", `"kon"`, "]", 320)), nil, 400, CodeTooDeep},
		{"2: a list literal 30 000 deep", "POST", table(nested("[", `"kon"`, "]", 30000)), nil, 413, CodeQueryTooLarge},
		{"2: a list literal 9 deep", "POST", table(nested("[", `"kon"`, "]", 9)), nil, 400, CodeTooDeep},
		{"2: a variable 9 deep", "POST", `query($g: [String!]) ` + table("$g"), map[string]any{"g": json.RawMessage(nested("[", `"kon"`, "]", 9))}, 400, CodeTooDeep},
		{"3: a selection 6 500 deep", "POST", nested("{ lake ", "version", " }", 6500), nil, 413, CodeQueryTooLarge},
		{"3: a selection 1 000 deep", "GET", nested("{lake", "", "}", 1000), nil, 400, CodeTooDeep},
		{"3: 16 levels through fragments", "POST", `query { ...R } fragment R on Query { __schema { types { fields { type ` + nested("{ ofType ", "{ name }", " }", 11) + ` } } } }`, nil, 400, CodeTooDeep},
		{"4: fragments that double 22 times", "POST", doublingFragments(22), nil, 400, CodeTooComplex},
		{"4: fragments that double 60 times", "POST", doublingFragments(60), nil, 400, CodeTooComplex},
		{"5: 2 000 report fields", "POST", "{" + reports.String() + " }", nil, 413, CodeQueryTooLarge},
		{"5: 2 500 aliases of __schema", "POST", "{" + schemas.String() + " }", nil, 413, CodeQueryTooLarge},
		{"5: three aliases of __schema", "POST", "{" + aliases.String() + " }", nil, 400, CodeTooComplex},
		{"5: 70 aliases", "POST", "{" + manyAliases.String() + " }", nil, 400, CodeTooComplex},
		{"5: 501 fields", "POST", "{ lake {" + manyFields.String() + " } }", nil, 400, CodeTooComplex},
		{"150 fields of one name with object arguments", "POST", "{" + strings.Repeat(" __typename(x:{a:1 b:1})", 150) + " }", nil, 400, CodeTooComplex},
		{"two fields of one name comparing 300 argument values", "POST", "{" + strings.Repeat(" __typename(x:["+strings.Repeat("1 ", 150)+"])", 2) + " }", nil, 400, CodeTooComplex},
		{"17 fields of one name merged from 17 selections", "POST", "{" + strings.Repeat(" lake { v: version }", 17) + " }", nil, 400, CodeTooComplex},
		{"17 fields of one name", "POST", "{" + strings.Repeat(" lake { version }", 17) + " }", nil, 400, CodeTooComplex},
		{"64 tables of one name", "POST", "{" + strings.Repeat(` table(dataset:"insatser",measure:DECISIONS,period:"2024",filter:[{dimension:"kon",codes:["K"]}]){unit}`, 64) + " }", nil, 400, CodeTooComplex},
		{"17 fields of one name through fragments", "POST", "{ ...A ...B } fragment A on Query {" + strings.Repeat(" lake { version }", 9) + " } fragment B on Query {" + strings.Repeat(" lake { created }", 8) + " ... { lake { format } } }", nil, 400, CodeTooComplex},
		{"a query of 2 001 tokens", "POST", "{ lake { " + strings.Repeat("version ", 2001) + "} }", nil, 413, CodeQueryTooLarge},
	}
}

// send answers one hostile request through the handler behind serve.Wrap,
// as it is served, and returns the answer and the access log line.
func send(t testing.TB, h http.Handler, c hostile) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	var logged bytes.Buffer
	wrapped := serve.Wrap(h, serve.Options{Logger: slog.New(slog.NewJSONHandler(&logged, nil))})
	var req *http.Request
	if c.method == http.MethodGet {
		req = httptest.NewRequest(http.MethodGet, Path+"?query="+url.QueryEscape(c.query), nil)
	} else {
		body, err := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
		if err != nil {
			t.Fatal(err)
		}
		req = httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	wrapped.ServeHTTP(rec, req)
	var line map[string]any
	if err := json.Unmarshal(logged.Bytes(), &line); err != nil {
		t.Fatalf("%s: the access log line is not one JSON object: %v\n%s", c.name, err, logged.Bytes())
	}
	return rec, line
}

// TestHostileRequests: every request of the finding is refused before
// graphql-go validates it, with a GraphQL error whose code names the
// limit, a 4xx status and an access log line that says so; each costs
// little memory; valid requests are answered after them.
func TestHostileRequests(t *testing.T) {
	h := sampleHandler(t)
	// The wrapped body limit is the transport's default; the GET cases
	// are sent without the header limit a server would apply.
	for _, c := range hostileRequests() {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rec, line := send(t, h, c)
			runtime.ReadMemStats(&after)
			if rec.Code == http.StatusRequestEntityTooLarge && c.code == CodeQueryTooLarge && strings.Contains(rec.Body.String(), "request body") {
				// The transport's body limit came first: a refusal too.
				return
			}
			a := decodeAny(t, rec)
			if rec.Code != c.status || len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != c.code {
				t.Fatalf("status %d, errors %+v; want %d with code %s", rec.Code, a.Errors, c.status, c.code)
			}
			fixed := c.code == CodeFragmentCycle || strings.Contains(a.Errors[0].Message, "compared pair by pair") // no setting
			if !strings.Contains(a.Errors[0].Message, "INSYN_") && !fixed {
				t.Errorf("the message does not name the setting: %q", a.Errors[0].Message)
			}
			if line["status"] != float64(c.status) || line["refused"] != c.code {
				t.Errorf("access log %v; want status %d, refused %s", line, c.status, c.code)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("refusing it allocated %d MiB", alloc>>20)
			}
		})
	}
	if a := decode(t, post(t, h, `{ lake { version } }`, nil)); len(a.Errors) != 0 {
		t.Errorf("a valid request after them: %+v", a.Errors)
	}
}

// TestGuardAdmits: what a frontend or a tool sends passes: GraphiQL's
// introspection query, a table with its filter, fragments spread many
// times (not a cycle), every limit reached exactly.
func TestGuardAdmits(t *testing.T) {
	l := Limits{}.withDefaults()
	var exact strings.Builder
	for i := range l.Fields - 1 {
		fmt.Fprintf(&exact, " f%d", i) // the guard does not check names: validation does
	}
	for _, q := range []string{
		introspectionQuery,
		`{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], filter: [{dimension: "insats", codes: ["ledsagarservice"]}]) { cells { display } } }`,
		`{ a: lake { ...V } b: lake { ...V } } fragment V on Lake { version ...W } fragment W on Lake { created }`,
		"{ lake {" + exact.String() + " } }", // the limit of fields, lake counted
		doublingFragments(4),                 // lake 2^4 times, the limit of repeats
	} {
		if ref := l.checkText(q); ref != nil {
			t.Errorf("%.80s: refused: %v", q, ref)
			continue
		}
		doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(q)})})
		if err != nil {
			t.Fatal(err)
		}
		if ref := l.checkDocument(doc); ref != nil {
			t.Errorf("%.80s: refused: %v", q, ref)
		}
	}
	if ref := l.checkVariables(map[string]any{"f": []any{map[string]any{"dimension": "insats", "codes": []any{"a"}}}}); ref != nil {
		t.Errorf("a filter in a variable: refused: %v", ref)
	}
}

// TestRequestDeadline: a request whose deadline passes is answered 503
// with CodeTimeout, and no resolver computes after it; an answer over
// the byte limit is refused whole.
func TestRequestDeadline(t *testing.T) {
	l := sampleHandler(t).lake
	for _, tc := range []struct {
		limits Limits
		query  string
		status int
		code   string
	}{
		{Limits{Timeout: time.Nanosecond}, `{ report(id: "9:4") { number } }`, 503, CodeTimeout},
		{Limits{Timeout: time.Nanosecond}, `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"]) { cells { display } } }`, 503, CodeTimeout},
		{Limits{AnswerBytes: 100}, `{ report(id: "9:4") { rows { label } } }`, 400, CodeAnswerTooLarge},
	} {
		h, err := NewHandler(l, HandlerOptions{Limits: tc.limits, AnswerCacheBytes: -1, Logger: discardLogger()})
		if err != nil {
			t.Fatal(err)
		}
		rec, line := send(t, h, hostile{name: tc.query, method: "POST", query: tc.query})
		a := decodeAny(t, rec)
		if rec.Code != tc.status || len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != tc.code || line["refused"] != tc.code {
			t.Errorf("%s with %+v: status %d, %+v, log %v; want %d, %s", tc.query, tc.limits, rec.Code, a.Errors, line, tc.status, tc.code)
		}
		if rec.Header().Get("ETag") != "" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("a refused answer is cacheable: %v", rec.Header())
		}
	}
}

// TestRoutes: paths are matched from the root, by method; a stage's
// prefix is served only where serve.StripPrefix takes it off.
func TestRoutes(t *testing.T) {
	h := sampleHandler(t)
	q := "?query=" + url.QueryEscape("{ lake { version } }")
	for _, tc := range []struct {
		method, target string
		status         int
	}{
		{"GET", Path + q, 200},
		{"HEAD", Path + q, 200},
		{"DELETE", Path, 405},
		{"GET", "/a/b/c/graphql" + q, 404},
		{"GET", "/x/y/v1/reports", 404},
		{"GET", "/graphql/" + q, 404},
		{"GET", "/v1/reports", 200},
		{"GET", "/v1/reports/", 200},
		{"GET", "/v1/reports/9:4.csv", 200},
		{"GET", "/v1/reports/9:4.csv/x", 404},
		{"POST", "/v1/reports", 405},
		{"GET", "/v1", 404},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d, want %d\n%s", tc.method, tc.target, rec.Code, tc.status, rec.Body)
		}
		if tc.status >= 400 && tc.method != "HEAD" && !strings.Contains(rec.Body.String(), `"errors"`) {
			t.Errorf("%s %s: not a JSON error: %s", tc.method, tc.target, rec.Body)
		}
	}
}

// TestHostileConcurrently: valid requests sent while others send the
// hostile ones are all answered (run with -race).
func TestHostileConcurrently(t *testing.T) {
	h := sampleHandler(t)
	cases := hostileRequests()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 20 {
				c := cases[(i*20+j)%len(cases)]
				if rec, _ := send(t, h, c); rec.Code < 400 || rec.Code >= 500 {
					t.Errorf("%s: %d", c.name, rec.Code)
				}
			}
		})
		wg.Go(func() {
			for range 20 {
				rec := post(t, h, `{ report(id: "9:4") { number } }`, nil)
				if rec.Code != 200 || strings.Contains(rec.Body.String(), `"errors"`) {
					t.Errorf("valid request: %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
	wg.Wait()
}

// FuzzRequest sends any query with any variables (raw JSON, valid or not)
// through the handler as served (serve.Wrap), by POST and, the query
// alone, by GET: never a panic, always JSON with a status the API
// documents, and never more bytes than the answer limit.
func FuzzRequest(f *testing.F) {
	for _, c := range hostileRequests() {
		vars, _ := json.Marshal(c.vars)
		if len(c.query) < 4<<10 {
			f.Add(c.query, string(vars))
		}
	}
	for _, q := range []string{
		`{ lake { version } }`,
		`{ report(id: "9:4") { rows { label cells { display } } } }`,
		`query($p: String!) { table(dataset: "kbf", measure: SUM_SEK, period: $p, groupBy: ["namnd"]) { cells { value mark } } }`,
		`query($f: [Filter!]) { table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], filter: $f) { cells { display } } }`,
		`{ datasets { name dimensions { name codes { code } } } }`,
		introspectionQuery,
	} {
		f.Add(q, `{"p": "2024", "f": [{"dimension": "insats", "codes": ["hemtjanst"]}]}`)
	}
	h := serve.Wrap(sampleHandler(f), serve.Options{Logger: discardLogger()})
	limit := Limits{}.withDefaults().AnswerBytes
	f.Fuzz(func(t *testing.T, query, variables string) {
		q, _ := json.Marshal(query)
		body := `{"query":` + string(q) + `,"variables":` + variables + `}`
		post := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(body))
		post.Header.Set("Content-Type", "application/json")
		for _, req := range []*http.Request{post, httptest.NewRequest(http.MethodGet, Path+"?query="+url.QueryEscape(query), nil)} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch rec.Code {
			case 200, 400, 413, 415, 503:
			default:
				t.Fatalf("status %d for %q, variables %q: %s", rec.Code, query, variables, rec.Body)
			}
			if rec.Body.Len() > limit {
				t.Fatalf("%d bytes for %q, over the limit of %d", rec.Body.Len(), query, limit)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("not JSON for %q: %s", query, rec.Body)
			}
		}
	})
}

// FuzzOpenData asks for any path below /v1/ with any query string: never a
// panic, a documented status, a JSON error for a 4xx.
func FuzzOpenData(f *testing.F) {
	for _, p := range []string{"reports", "reports/9:4.csv", "reports/ev:2.json", "tables/insatser.csv", "tables/kbf.json", "tables/", "x/../reports", "reports/%zz"} {
		f.Add(p, "")
	}
	f.Add("tables/insatser.csv", "measure=DECISIONS&period=2024&groupBy=kon,namnd&dialect=rfc4180")
	f.Add("tables/insatser.json", "measure=MEAN_HOURS&period=2022/2024&groupBy=insats&filter=kon:K&totals=true")
	h := serve.Wrap(sampleHandler(f), serve.Options{Logger: discardLogger()})
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		u := &url.URL{Path: OpenDataPath + path, RawQuery: rawQuery}
		req, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil {
			return // not a URL a client could send
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
		case 301, 307, 308: // http.ServeMux to the cleaned path
			if rec.Header().Get("Location") == "" {
				t.Fatalf("%s: %d without a Location", u, rec.Code)
			}
		case 400, 404:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: %d, not a JSON error: %s", u, rec.Code, rec.Body)
			}
		default:
			t.Fatalf("%s: status %d: %s", u, rec.Code, rec.Body)
		}
	})
}

// BenchmarkHostile times the guard's refusal of each hostile request,
// through the handler as served (serve.Wrap): the CPU and memory one
// costs.
func BenchmarkHostile(b *testing.B) {
	h := sampleHandler(b)
	for _, c := range hostileRequests() {
		b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec, _ := send(b, h, c); rec.Code < 400 {
					b.Fatalf("%d", rec.Code)
				}
			}
		})
	}
}

// TestAnswerBounds: a table's cells asked for again under other aliases
// take its cells again from the request's budget, through the one-table
// path and the executor alike; lists written past the executor stop once
// the answer passes its byte limit, and the answer is refused whole.
func TestAnswerBounds(t *testing.T) {
	l := sampleHandler(t).lake
	big := `table(dataset: "insatser", measure: DECISIONS, period: "2022/2024", groupBy: ["namnd", "lagrum", "insats", "kon"], totals: true)`
	cells := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, " c%d: cells { display }", i)
		}
		return b.String()
	}
	h, err := NewHandler(l, HandlerOptions{AnswerCacheBytes: -1, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"{ " + big + " {" + cells(3) + " } }",                  // one table: the fast path first
		"{ " + big + " {" + cells(3) + " } lake { version } }", // the executor
	} {
		a := decode(t, post(t, h, q, nil))
		if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != CodeTooManyCells || !strings.Contains(a.Errors[0].Message, "asked for again") {
			t.Errorf("three lists of a table's cells: %+v", a.Errors)
		}
		if a := decode(t, post(t, h, "{ "+big+" {"+cells(2)+" } }", nil)); len(a.Errors) != 0 {
			t.Errorf("two lists of a table's cells, within the limit: %+v", a.Errors)
		}
	}
	small, err := NewHandler(l, HandlerOptions{Limits: Limits{AnswerBytes: 100 << 10}, AnswerCacheBytes: -1, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	q := `{ a: ` + big + ` { cells { display coordinates { code label } } } b: ` + big + ` { cells { display } } }`
	rec, line := send(t, small, hostile{name: "two big tables", method: "POST", query: q})
	if a := decodeAny(t, rec); rec.Code != 400 || len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != CodeAnswerTooLarge || line["refused"] != CodeAnswerTooLarge {
		t.Errorf("an answer past the byte limit: %d %+v, log %v", rec.Code, a.Errors, line)
	}
}

// TestStrictRequests: what a request says is read exactly, or refused:
// a query string that does not parse, a body with more than one JSON
// object or members GraphQL over HTTP does not define.
func TestStrictRequests(t *testing.T) {
	h := sampleHandler(t)
	for _, tc := range []struct {
		method, target, body string
		status               int
	}{
		{"GET", "/v1/tables/insatser.csv?measure=DECISIONS&period=2024&groupBy=kon;totals=true", "", 400},
		{"GET", "/v1/tables/insatser.csv?measure=DECISIONS&period=2024&%zz=1", "", 400},
		{"GET", Path + "?query=" + url.QueryEscape("{ lake { version } }") + "&%zz", "", 400},
		{"POST", Path, `{"query": "{ lake { version } }"} {"query": "{ lake { created } }"}`, 400},
		{"POST", Path, `{"query": "{ lake { version } }"} junk`, 400},
		{"POST", Path, `{"query": "{ lake { version } }", "querry": "x"}`, 400},
		{"POST", Path, `{"query": "{ lake { version } }", "extensions": {"persistedQuery": null}}`, 200},
		{"POST", Path, `{"query": "{ lake { version } }"}` + "\n", 200},
	} {
		req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s %s: %d, want %d\n%s", tc.method, tc.target, tc.body, rec.Code, tc.status, rec.Body)
		}
	}
}

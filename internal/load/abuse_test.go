package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/parser"

	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/serve"
)

// parse parses a GraphQL document or fails the test.
func parse(t *testing.T, query string) *ast.Document {
	t.Helper()
	doc, err := parser.Parse(parser.ParseParams{Source: query})
	if err != nil {
		t.Fatalf("%.80s…: %v", query, err)
	}
	return doc
}

// operation returns the document's first operation's selections.
func operation(t *testing.T, doc *ast.Document) []ast.Selection {
	t.Helper()
	for _, d := range doc.Definitions {
		if op, ok := d.(*ast.OperationDefinition); ok {
			return op.SelectionSet.Selections
		}
	}
	t.Fatal("no operation")
	return nil
}

// fragments returns the document's fragments by name.
func fragments(doc *ast.Document) map[string]*ast.FragmentDefinition {
	out := map[string]*ast.FragmentDefinition{}
	for _, d := range doc.Definitions {
		if f, ok := d.(*ast.FragmentDefinition); ok {
			out[f.Name.Value] = f
		}
	}
	return out
}

// TestAbusiveQueries: each abusive query is what its name says, and
// parses as GraphQL (the harm is in validating or executing it).
func TestAbusiveQueries(t *testing.T) {
	t.Run("fragment cycle", func(t *testing.T) {
		doc := parse(t, FragmentCycle())
		a := fragments(doc)["A"]
		if a == nil {
			t.Fatal("no fragment A")
		}
		spreadsItself := false
		for _, s := range a.SelectionSet.Selections {
			if fs, ok := s.(*ast.FragmentSpread); ok && fs.Name.Value == "A" {
				spreadsItself = true
			}
		}
		if !spreadsItself {
			t.Error("fragment A does not spread itself")
		}
	})

	for _, depth := range []int{1, NestedListDepth, DeepNestedListDepth} {
		t.Run(fmt.Sprint("nested list ", depth), func(t *testing.T) {
			q := NestedList(depth)
			table := operation(t, parse(t, q))[0].(*ast.Field)
			var groupBy ast.Value
			for _, a := range table.Arguments {
				if a.Name.Value == "groupBy" {
					groupBy = a.Value
				}
			}
			got := 0
			for {
				l, ok := groupBy.(*ast.ListValue)
				if !ok {
					break
				}
				got++
				if len(l.Values) != 1 {
					t.Fatalf("level %d has %d values", got, len(l.Values))
				}
				groupBy = l.Values[0]
			}
			if s, ok := groupBy.(*ast.StringValue); got != depth || !ok || s.Value != "kon" {
				t.Errorf("NestedList(%d): a list %d deep around %#v", depth, got, groupBy)
			}
			if depth == NestedListDepth && (len(q) < 700 || len(q) > 800) {
				t.Errorf("NestedList(%d) is %d bytes, the finding's 751", depth, len(q))
			}
		})
	}

	t.Run("deep selection", func(t *testing.T) {
		sels := operation(t, parse(t, DeepSelection(SelectionDepth)))
		depth := 1
		for {
			if len(sels) != 1 {
				t.Fatalf("level %d has %d selections", depth, len(sels))
			}
			f := sels[0].(*ast.Field)
			if f.SelectionSet == nil {
				if f.Name.Value != "name" {
					t.Errorf("the innermost field is %s", f.Name.Value)
				}
				break
			}
			sels = f.SelectionSet.Selections
			depth++
		}
		if depth != SelectionDepth {
			t.Errorf("DeepSelection(%d) nests %d selection sets", SelectionDepth, depth)
		}
	})

	t.Run("fragment chain", func(t *testing.T) {
		doc := parse(t, FragmentChain(FragmentChainLevels))
		frags := fragments(doc)
		if len(frags) != FragmentChainLevels+1 {
			t.Fatalf("%d fragments, want %d", len(frags), FragmentChainLevels+1)
		}
		// paths counts the ways from a selection set to a field, every
		// spread and inline fragment expanded as an executor does.
		memo := map[string]int{}
		var paths func(sels []ast.Selection) int
		paths = func(sels []ast.Selection) int {
			n := 0
			for _, s := range sels {
				switch s := s.(type) {
				case *ast.Field:
					n++
				case *ast.InlineFragment:
					n += paths(s.SelectionSet.Selections)
				case *ast.FragmentSpread:
					name := s.Name.Value
					if _, ok := memo[name]; !ok {
						memo[name] = paths(frags[name].SelectionSet.Selections)
					}
					n += memo[name]
				}
			}
			return n
		}
		if got := paths(operation(t, doc)); got != 1<<FragmentChainLevels {
			t.Errorf("FragmentChain(%d) has %d paths, want 2^%d", FragmentChainLevels, got, FragmentChainLevels)
		}
		// Each level doubles: F(i) has twice F(i+1)'s paths.
		for i := range FragmentChainLevels {
			if a, b := memo[fmt.Sprint("F", i)], memo[fmt.Sprint("F", i+1)]; a != 2*b {
				t.Errorf("F%d has %d paths, F%d %d", i, a, i+1, b)
			}
		}
	})

	t.Run("repeated field", func(t *testing.T) {
		sels := operation(t, parse(t, RepeatedField(RepeatedFields)))
		if len(sels) != RepeatedFields {
			t.Fatalf("%d fields, want %d", len(sels), RepeatedFields)
		}
		for _, s := range sels {
			f := s.(*ast.Field)
			if f.Alias != nil || f.Name.Value != "report" || len(f.Arguments) != 1 || f.Arguments[0].Value.GetValue() != "9:4" {
				t.Fatalf("a field is %+v", f)
			}
		}
	})

	t.Run("schema aliases", func(t *testing.T) {
		q := SchemaAliasesQuery(SchemaAliases)
		sels := operation(t, parse(t, q))
		aliases := map[string]bool{}
		for _, s := range sels {
			f := s.(*ast.Field)
			if f.Name.Value != "__schema" || f.Alias == nil {
				t.Fatalf("a field is %s", f.Name.Value)
			}
			aliases[f.Alias.Value] = true
		}
		if len(sels) != SchemaAliases || len(aliases) != SchemaAliases {
			t.Errorf("%d fields with %d aliases, want %d", len(sels), len(aliases), SchemaAliases)
		}
		if len(q) < 55_000 || len(q) > 62_000 {
			t.Errorf("%d bytes, the finding's 61 KB", len(q))
		}
	})

	t.Run("bodies", func(t *testing.T) {
		big := OversizedBody(OversizedBodyBytes)
		if len(big) != OversizedBodyBytes || !json.Valid(big) || len(big) <= serve.DefaultMaxRequestBytes {
			t.Errorf("the oversized body: %d bytes, valid JSON %v, serve's limit %d", len(big), json.Valid(big), serve.DefaultMaxRequestBytes)
		}
		if json.Valid(MalformedJSON()) {
			t.Error("the malformed JSON is valid")
		}
	})
}

// TestAbuses: every request of Abuses reaches the API: a POST's body
// within serve's limit (but the oversized one), a GET's URL within Go's
// server's header limit; each sending's query differs from the last.
func TestAbuses(t *testing.T) {
	const target = "http://127.0.0.1:1"
	names := map[string]bool{}
	for _, a := range Abuses() {
		if names[a.Name] {
			t.Errorf("two requests named %s", a.Name)
		}
		names[a.Name] = true
		req, err := a.request(context.Background(), target, 7)
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		if req.URL.Path != api.Path || req.Method != a.Method {
			t.Errorf("%s: %s %s", a.Name, req.Method, req.URL)
		}
		switch a.Method {
		case http.MethodGet:
			q := req.URL.Query().Get("query")
			if len(req.URL.String()) > 8<<10 || !strings.HasSuffix(q, "\n# 7") || !strings.HasPrefix(q, a.Query) {
				t.Errorf("%s: a URL of %d bytes, query ending %q", a.Name, len(req.URL.String()), q[max(0, len(q)-10):])
			}
		case http.MethodPost:
			body, _ := io.ReadAll(req.Body)
			if req.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: Content-Type %q", a.Name, req.Header.Get("Content-Type"))
			}
			if a.Body != nil {
				if !bytes.Equal(body, a.Body) {
					t.Errorf("%s: the body sent is not Body", a.Name)
				}
				continue
			}
			var r struct{ Query string }
			if err := json.Unmarshal(body, &r); err != nil || r.Query != a.Query+"\n# 7" {
				t.Errorf("%s: body %.100s: %v", a.Name, body, err)
			}
		default:
			t.Errorf("%s: method %s", a.Name, a.Method)
		}
		if a.Query != "" {
			parse(t, a.Query)
		}
	}
}

// TestLargestTables: the largest tables answer on the sample lake, within
// the API's default cell limit and near it.
func TestLargestTables(t *testing.T) {
	srv := sampleServer(t)
	body, _ := json.Marshal(map[string]string{"query": LargestTables()})
	resp, err := http.Post(srv.URL+api.Path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		Data   map[string]struct{ Cells []json.RawMessage }
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("status %d, %v, %+v", resp.StatusCode, err, a.Errors)
	}
	cells := 0
	for alias, table := range a.Data {
		if len(table.Cells) != LargestTableCells {
			t.Errorf("%s: %d cells, want %d", alias, len(table.Cells), LargestTableCells)
		}
		cells += len(table.Cells)
	}
	if len(a.Data) != 4 || cells > api.DefaultMaxCells || cells < api.DefaultMaxCells*9/10 {
		t.Errorf("%d tables, %d cells; the limit is %d", len(a.Data), cells, api.DefaultMaxCells)
	}
}

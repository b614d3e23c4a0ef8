package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/graphql-go/graphql"
)

// orderQueries are answered by the server and their key order compared
// with graphql-js's CollectFields (TestGraphQLJS): aliases, repeated
// fields, named fragments, inline fragments with and without a type
// condition, @skip and @include by literals, variables and defaults, on
// objects and on lists, through the executor and the one-table path
// (fast.go) and the lists written past the executor (direct.go).
var orderQueries = []conformanceDoc{
	{Name: "lake then datasets", Query: `{ lake { version created format } datasets { name label } }`},
	{Name: "aliases", Query: `{ z: datasets { b: name a: label } a: lake { format z: version } }`},
	{Name: "repeated fields and named fragments", Query: `query { ...Q lake { format ...L version } } fragment Q on Query { datasets { label name } lake { created } } fragment L on Lake { version created }`},
	{Name: "skip and include", Variables: map[string]any{"yes": true}, Query: `query($yes: Boolean!, $no: Boolean = false) {
		lake { format @include(if: $no) version created @skip(if: $yes) format created @skip(if: false) }
		datasets @include(if: $yes) { ...D @skip(if: $no) name } } fragment D on Dataset { public label }`},
	{Name: "inline fragments without a type condition", Variables: map[string]any{"on": false}, Query: `query($on: Boolean!) {
		lake { ... { created } version ... @include(if: $on) { format } }
		datasets { ... { label ... on Dataset { name } } ... @skip(if: $on) { periods { ... { label } code } } public } }`},
	{Name: "typename and introspection", Query: `{ __typename lake { __typename version } __type(name: "Lake") { name kind fields { type { kind name ofType { name kind } } name } } }`},
	{Name: "one table, without the executor", Query: `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], totals: true) {
		unit cells { mark display coordinates { label code dimension total } period value } dataset } }`},
	{Name: "one table, inline fragments in lists", Variables: map[string]any{"s": true}, Query: `query($s: Boolean!) { t: table(dataset: "kbf", measure: SUM_SEK, period: "2022/2024", groupBy: ["namnd"], totals: true) {
		... { source } cells { ... { value } ... @include(if: $s) { coordinates { ... { label } code } } mark ...C } measure } } fragment C on Cell { period display }`},
	{Name: "a table through the executor", Query: `{ lake { version } table(dataset: "ej_verkstallda", measure: DECISIONS, period: "2023-Q2/2024-Q2", groupBy: ["lagrum"], totals: true) {
		periods { label code } cells { ... { display } period coordinates { code label } } unit } }`},
	{Name: "a seed table's rows", Query: `{ report(id: "9:4") { rows { ... { marker label } cells { unit display mark value } } number id columns { key heading } } }`},
	{Name: "a table's open-data links", Query: `{ table(dataset: "lov", measure: PROVIDERS, period: "2024", groupBy: ["insats"]) { links { jsonStat csv csvRfc4180 } cells { display } } }`},
}

// conformanceDoc is a request conformance.mjs checks.
type conformanceDoc struct {
	Name          string         `json:"name"`
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables,omitempty"`
	OperationName string         `json:"operationName,omitempty"`
}

// TestGraphQLJS holds the API to what a standard GraphQL client expects,
// with graphql-js (the reference implementation, npm package graphql)
// against the handler served on 127.0.0.1 (conformance.mjs):
//
//   - the schema buildClientSchema builds from the served introspection
//     (graphql-js's query as it is, and with every option of the current
//     spec) prints as the committed schema/api.graphql (both sorted),
//     default values included;
//   - every explorer example, every query of the README, docs/ and
//     schema/ and every ```graphql block of a schema description
//     validates against the served schema and is answered without errors;
//   - every object of those answers and of orderQueries has its keys in
//     the order of graphql-js's CollectFields.
//
// It fails, never skips, when Node.js or the package is missing.
func TestGraphQLJS(t *testing.T) {
	root := repoRoot(t)
	h := sampleHandler(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	sdl, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	docs := documentedQueries(t, root, h.schema)
	docs = append(docs, orderQueries...)
	out := runGraphQLJS(t, root, map[string]any{"url": srv.URL + Path, "sdl": string(sdl), "documents": docs})

	t.Run("introspection round trip", func(t *testing.T) {
		if out.Schema.Served != out.Schema.Committed {
			t.Errorf("the schema graphql-js builds from introspection differs from %s:\n%s", schemaFile, lineDiff(out.Schema.Committed, out.Schema.Served))
		}
		if out.Schema.ServedAllOptions != out.Schema.Committed {
			t.Errorf("the schema graphql-js builds from introspection with every option differs from %s:\n%s", schemaFile, lineDiff(out.Schema.Committed, out.Schema.ServedAllOptions))
		}
	})
	if len(out.Documents) != len(docs)+2 {
		t.Fatalf("conformance.mjs checked %d documents, sent %d and its two introspection queries", len(out.Documents), len(docs))
	}
	for _, d := range out.Documents {
		t.Run(d.Name, func(t *testing.T) {
			for _, p := range d.Problems {
				t.Error(p)
			}
		})
	}
}

// graphQLJSOutput is what conformance.mjs prints.
type graphQLJSOutput struct {
	Schema struct {
		Served           string `json:"served"`
		ServedAllOptions string `json:"servedAllOptions"`
		Committed        string `json:"committed"`
	} `json:"schema"`
	Documents []struct {
		Name     string   `json:"name"`
		Problems []string `json:"problems"`
	} `json:"documents"`
}

// runGraphQLJS runs conformance.mjs with Node.js from the repository
// root, installing the pinned npm packages first if graphql is missing.
func runGraphQLJS(t *testing.T, root string, in any) *graphQLJSOutput {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found (%v): the conformance test runs graphql-js with Node.js >= 20; install Node.js and npm", err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "graphql", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatalf("npm not found (%v): it installs graphql from package-lock.json; install npm or run `npm install` in %s", err, root)
		}
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install in %s: %v\n%s", root, err, b)
		}
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("internal", "api", "conformance.mjs"))
	cmd.Dir = root
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node conformance.mjs: %v\n%s", err, stderr.String())
	}
	var out graphQLJSOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("conformance.mjs printed something that is not its JSON: %v\n%s", err, stdout.String())
	}
	return &out
}

// repoRoot is the repository root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

var (
	graphqlBlock  = regexp.MustCompile("(?s)```graphql\n(.*?)```")
	urlQuery      = regexp.MustCompile(`--data-urlencode 'query=([^']*)'`)
	jsonBody      = regexp.MustCompile(`(?s) -d '(\{.*?\})'`)
	markdownFiles = []string{"README.md", "docs/*.md", "schema/*.md", "functions/*.md"}
)

// documentedQueries are the queries a reader is shown: the explorer's
// examples, the ```graphql blocks and the queries of the curl commands
// (GET with --data-urlencode 'query=…', POST with -d '{"query": …}') of
// the Markdown files, and the ```graphql blocks of the schema's
// descriptions.
func documentedQueries(t *testing.T, root string, schema graphql.Schema) []conformanceDoc {
	t.Helper()
	var docs []conformanceDoc
	examples, err := filepath.Glob(filepath.Join(root, "internal", "explorer", "examples", "*.graphql"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no explorer examples found (%v)", err)
	}
	for _, f := range examples {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, conformanceDoc{Name: "explorer " + filepath.Base(f), Query: string(b)})
	}
	fromText := func(where, text string) {
		n := 0
		add := func(q string) {
			n++
			docs = append(docs, conformanceDoc{Name: where + " query " + strconv.Itoa(n), Query: q})
		}
		for _, m := range graphqlBlock.FindAllStringSubmatch(text, -1) {
			add(m[1])
		}
		for _, m := range urlQuery.FindAllStringSubmatch(text, -1) {
			add(m[1])
		}
		for _, m := range jsonBody.FindAllStringSubmatch(text, -1) {
			var body map[string]any
			if err := json.Unmarshal([]byte(m[1]), &body); err != nil {
				t.Errorf("%s: a request body that is not JSON: %v\n%s", where, err, m[1])
				continue
			}
			if _, ok := body["query"]; !ok {
				continue // another API's body (PxWeb's selection)
			}
			q, _ := body["query"].(string)
			if q == "" {
				t.Errorf("%s: a GraphQL request body without a query\n%s", where, m[1])
				continue
			}
			add(q)
		}
	}
	readme := len(docs)
	for _, pattern := range markdownFiles {
		files, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(root, f)
			fromText(rel, string(b))
		}
		if pattern == "README.md" && len(docs)-readme < 5 {
			t.Fatalf("found %d queries in README.md, want its curl examples (5 or more): has their form changed?", len(docs)-readme)
		}
	}
	for _, text := range schemaDescriptions(schema) {
		fromText("schema description", text)
	}
	return docs
}

// schemaDescriptions are the descriptions of the schema's types, fields,
// arguments and enum values.
func schemaDescriptions(s graphql.Schema) []string {
	var out []string
	for name, t := range s.TypeMap() {
		if strings.HasPrefix(name, "__") {
			continue
		}
		out = append(out, t.Description())
		switch t := t.(type) {
		case *graphql.Object:
			for _, f := range t.Fields() {
				out = append(out, f.Description)
				for _, a := range f.Args {
					out = append(out, a.Description())
				}
			}
		case *graphql.InputObject:
			for _, f := range t.Fields() {
				out = append(out, f.Description())
			}
		case *graphql.Enum:
			for _, v := range t.Values() {
				out = append(out, v.Description)
			}
		}
	}
	slices.Sort(out)
	return out
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

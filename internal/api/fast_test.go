package api

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/workload"
)

// answerFast answers a request as the handler does and as graphql-go's
// executor alone does (encoded by encoding/json), with the variables as
// a JSON body decodes them, and reports whether the handler answered it
// without the executor.
func answerFast(t *testing.T, h *Handler, req gqlRequest, limit int) (handler, executor string, fast bool) {
	t.Helper()
	if req.Variables != nil {
		b, err := json.Marshal(req.Variables)
		if err != nil {
			t.Fatal(err)
		}
		req.Variables = nil
		if err := json.Unmarshal(b, &req.Variables); err != nil {
			t.Fatal(err)
		}
	}
	got, ref, r := answerTwice(t, h, req, limit)
	return string(got), string(ref), r.fast
}

// TestFastAsExecutor: a request for one table and nothing else is
// answered without the executor, with the executor's bytes; every other
// request, every variable the coercion here does not take as it is, and
// every error are the executor's, and so is the answer.
func TestFastAsExecutor(t *testing.T) {
	h := sampleHandler(t)
	vars := func(groupBy ...string) map[string]any {
		return map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2024", "groupBy": groupBy, "totals": true}
	}
	const cells = `cells { period coordinates { code label } value mark display }`
	named := `query Q($dataset: String!, $measure: Measure!, $period: String!, $groupBy: [String!], $filter: [Filter!], $totals: Boolean) {
		table(dataset: $dataset, measure: $measure, period: $period, groupBy: $groupBy, filter: $filter, totals: $totals) { unit ` + cells + ` } }`
	cases := []struct {
		name  string
		req   gqlRequest
		limit int
		fast  bool
	}{
		{"the workload's query", gqlRequest{Query: workload.TableQuery, Variables: vars("namnd", "kon")}, 0, true},
		{"no grouping, no footnotes", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"dataset": "kbf", "measure": "SUM_SEK", "period": "2024"}}, 0, true},
		{"quarters, share", gqlRequest{Query: `query($s: String) { table(dataset: "insatser", measure: SHARE, period: "2024", groupBy: ["boendeform", "kon"], totals: true, shareOf: $s,
			filter: [{dimension: "insats", codes: ["bostad_vuxna"]}]) { dataset measure footnotes ` + cells + ` } }`, Variables: map[string]any{"s": "kon"}}, 0, true},
		{"literals, alias, fragments, __typename", gqlRequest{Query: `query { t: table(dataset: "ej_verkstallda", measure: DECISIONS, period: "2023-Q2/2024-Q2", groupBy: ["lagrum"], totals: true) {
			...T __typename c: cells { ...C } } } fragment T on Table { version lakeVersion source } fragment C on Cell { mark ... on Cell { display } }`}, 0, true},
		{"@skip and @include by variables", gqlRequest{Query: `query($y: Boolean!, $n: Boolean!) { table(dataset: "kbf", measure: SUM_SEK, period: "2022/2024", groupBy: ["namnd"]) {
			unit @skip(if: $y) source @include(if: $y) cells { value @include(if: $n) mark @skip(if: $n) } } }`, Variables: map[string]any{"y": true, "n": false}}, 0, true},
		{"inline fragments without a type condition", gqlRequest{Query: `query($y: Boolean!) { table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], totals: true) {
			... { unit } cells { ... @include(if: $y) { display } ... { coordinates { ... { code } label } } mark } ... @skip(if: $y) { source } } }`, Variables: map[string]any{"y": true}}, 0, true},
		{"its operation named", gqlRequest{Query: named, OperationName: "Q", Variables: vars("kon")}, 0, true},
		{"a filter by variable", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"dataset": "insatser", "measure": "MEAN_HOURS", "period": "2024", "groupBy": []string{"namnd"},
			"filter": []map[string]any{{"dimension": "insats", "codes": []string{"personlig_assistans"}}}}}, 0, true},

		{"another operation named", gqlRequest{Query: named, OperationName: "R", Variables: vars("kon")}, 0, false},
		{"a field without a writer", gqlRequest{Query: `{ table(dataset: "kbf", measure: SUM_SEK, period: "2024") { periods { code } cells { value } } }`}, 0, false},
		{"open-data links", gqlRequest{Query: `{ table(dataset: "kbf", measure: SUM_SEK, period: "2024") { ` + cells + ` csvUrl: links { csv } } }`}, 0, false},
		{"two fields", gqlRequest{Query: `{ lake { version } table(dataset: "kbf", measure: SUM_SEK, period: "2024") { ` + cells + ` } }`}, 0, false},
		{"a period without data", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2019"}}, 0, false},
		{"too many cells", gqlRequest{Query: workload.TableQuery, Variables: vars("namnd", "insats")}, 20, false},
		{"not a measure", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"dataset": "insatser", "measure": "NOPE", "period": "2024"}}, 0, false},
		{"a number for a String", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"dataset": "kbf", "measure": "SUM_SEK", "period": 2024}}, 0, false},
		{"one String for a list", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"dataset": "kbf", "measure": "SUM_SEK", "period": "2024", "groupBy": "namnd"}}, 0, false},
		{"null for a required variable", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"dataset": nil, "measure": "SUM_SEK", "period": "2024"}}, 0, false},
		{"a required variable missing", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"measure": "SUM_SEK", "period": "2024"}}, 0, false},
		{"an unknown field of a filter", gqlRequest{Query: workload.TableQuery, Variables: map[string]any{"dataset": "kbf", "measure": "SUM_SEK", "period": "2024",
			"filter": []map[string]any{{"dimension": "namnd", "codes": []string{"bromma"}, "x": 1}}}}, 0, false},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			limit := c.limit
			if limit == 0 {
				limit = DefaultMaxCells
			}
			got, want, fast := answerFast(t, h, c.req, limit)
			if got != want {
				t.Fatalf("the answers differ\nhandler:  %s\nexecutor: %s", got, want)
			}
			if fast != c.fast {
				t.Errorf("answered without the executor: %v, want %v\n%s", fast, c.fast, got)
			}
		})
	}
}

// TestFastVariables sends the workload's query with random variables —
// valid ones, and valid ones with one value changed to an invalid one or
// to another JSON type — and requires the executor's answer for each.
func TestFastVariables(t *testing.T) {
	h := sampleHandler(t)
	rng := rand.New(rand.NewPCG(3, 5))
	valid := []struct {
		dataset, measure, period string
		dims                     []string
		filter                   map[string]any
	}{
		{"insatser", "DECISIONS", "2022/2024", []string{"namnd", "kon", "insats", "lagrum"}, map[string]any{"dimension": "insats", "codes": []any{"personlig_assistans", "kontaktperson"}}},
		{"insatser", "MEAN_HOURS", "2024", []string{"namnd", "kon"}, map[string]any{"dimension": "insats", "codes": []any{"personlig_assistans"}}},
		{"kbf", "SUM_SEK", "2023", []string{"namnd"}, nil},
		{"lov", "PROVIDERS", "2024", []string{"insats"}, nil},
		{"ej_verkstallda", "DECISIONS", "2023-Q2/2024-Q2", []string{"lagrum", "kon", "namnd"}, map[string]any{"dimension": "kon", "codes": []any{"kvinnor"}}},
	}
	others := []any{nil, 7.0, true, "nope", []any{"kon"}, []any{nil}, map[string]any{"dimension": "kon"}, []any{map[string]any{"dimension": "kon", "codes": []any{"man"}, "x": 1}}, "kon", ""}
	fast := 0
	const n = 300
	for range n {
		v := valid[rng.IntN(len(valid))]
		groupBy := []any{}
		for _, d := range v.dims[:rng.IntN(min(3, len(v.dims))+1)] {
			groupBy = append(groupBy, d)
		}
		vars := map[string]any{"dataset": v.dataset, "measure": v.measure, "period": v.period, "groupBy": groupBy, "totals": rng.IntN(2) == 0}
		if v.filter != nil && rng.IntN(2) == 0 {
			vars["filter"] = []any{v.filter}
		}
		if rng.IntN(2) == 0 {
			name := []string{"dataset", "measure", "period", "groupBy", "filter", "totals"}[rng.IntN(6)]
			if rng.IntN(8) == 0 {
				delete(vars, name)
			} else {
				vars[name] = others[rng.IntN(len(others))]
			}
		}
		got, want, f := answerFast(t, h, gqlRequest{Query: workload.TableQuery, Variables: vars}, DefaultMaxCells)
		if got != want {
			t.Fatalf("variables %v: the answers differ\nhandler:  %s\nexecutor: %s", vars, got, want)
		}
		if f {
			fast++
		}
	}
	// About half the requests are valid: most of those must have been
	// answered without the executor, or the test says little of it.
	if fast < n/3 {
		t.Errorf("only %d of %d requests were answered without the executor", fast, n)
	}
}

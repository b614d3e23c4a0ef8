// Package workload is the representative query mix of insyn's scale
// benchmark (infra/scale) and load test (infra/load): seed tables and
// generic tables as a frontend asks for them, each as a GraphQL request to
// the API and, for the benchmark's comparison with DuckDB, as the same
// logical query in SQL over the lake's Parquet files. Every query answers
// on the sample lake and on the national benchmark lake alike.
package workload

import (
	"fmt"
	"strings"

	"github.com/stockholm/insyn/internal/dataset"
)

// TableQuery asks for everything a generic table's answer has.
const TableQuery = `query($dataset: String!, $measure: Measure!, $period: String!, $groupBy: [String!], $filter: [Filter!], $totals: Boolean) {
  table(dataset: $dataset, measure: $measure, period: $period, groupBy: $groupBy, filter: $filter, totals: $totals) {
    unit source version footnotes
    cells { period coordinates { code label } value mark display }
  }
}`

// ReportQuery asks for everything a seed table's answer has.
const ReportQuery = `query($id: String!) { report(id: $id) {
  id number caption source lakeVersion footnotes
  datasets { name version }
  columns { key heading }
  rows { label cells { value mark display unit } }
} }`

// Query is one query of the mix.
type Query struct {
	// Name identifies the query in tables of results.
	Name string
	// GraphQL and Variables are the request to the API.
	GraphQL   string
	Variables map[string]any
	// SQL computes the same figures in DuckDB from the lake directory
	// named by the placeholder {lake}. A table's SQL returns the columns
	// period, d0, d1, … (the grouped dimensions' codes, NULL for a total)
	// and v, the figure before rounding, so answers can be compared cell
	// by cell (Comparable).
	SQL string
	// Comparable is whether SQL's rows are the cells of the API's answer.
	// A seed table's SQL computes its figures in another layout.
	Comparable bool
}

// Mix returns the queries, in the order results list them.
func Mix() []Query {
	table := func(name string, vars map[string]any, sql string) Query {
		return Query{Name: name, GraphQL: TableQuery, Variables: vars, SQL: sql, Comparable: true}
	}
	report := func(id, sql string) Query {
		return Query{Name: "report " + id, GraphQL: ReportQuery, Variables: map[string]any{"id": id}, SQL: sql}
	}
	filter := func(dim string, codes ...string) []map[string]any {
		return []map[string]any{{"dimension": dim, "codes": codes}}
	}
	adults := quoted(dataset.BandsBetween(24, 120))
	return []Query{
		report("9:3", `SELECT ar, insats, kon, sum(antal_beslut) AS v FROM `+scan("insatser")+`
			WHERE lagrum = 'LSS' GROUP BY GROUPING SETS ((ar, insats, kon), (ar, insats), (ar))`),
		report("9:22", `SELECT grp, regi, kon, sum(antal_beslut) AS v FROM (
			SELECT *, CASE
				WHEN insats IN ('ledsagarservice', 'sol_ledsagning') AND aldersgrupp IN (`+adults+`) THEN 'ledsagning'
				WHEN insats IN ('avlosarservice', 'sol_avlosning') AND aldersgrupp IN (`+adults+`) THEN 'avlosning'
				WHEN insats = 'korttidsvistelse' AND aldersgrupp IN (`+adults+`) THEN 'korttidsvistelse'
				WHEN insats IN ('bostad_vuxna', 'daglig_verksamhet') THEN insats END AS grp
			FROM `+scan("insatser")+` WHERE ar = 2024) WHERE grp IS NOT NULL
			GROUP BY GROUPING SETS ((grp, regi, kon), (grp, regi), (grp))`),
		table("insatser by namnd × kön", map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2024",
			"groupBy": []string{"namnd", "kon"}, "totals": true},
			`SELECT '2024' AS period, namnd AS d0, kon AS d1, sum(antal_beslut) AS v FROM `+scan("insatser")+`
			WHERE ar = 2024 GROUP BY GROUPING SETS ((namnd, kon), (namnd), (kon), ())`),
		table("insatser by namnd × insats", map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2024",
			"groupBy": []string{"namnd", "insats"}},
			`SELECT '2024' AS period, namnd AS d0, insats AS d1, sum(antal_beslut) AS v FROM `+scan("insatser")+`
			WHERE ar = 2024 GROUP BY namnd, insats`),
		table("insatser by insats × kön, 3 years", map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2022/2024",
			"groupBy": []string{"insats", "kon"}, "totals": true},
			`SELECT CAST(ar AS VARCHAR) AS period, insats AS d0, kon AS d1, sum(antal_beslut) AS v FROM `+scan("insatser")+`
			WHERE ar BETWEEN 2022 AND 2024 GROUP BY GROUPING SETS ((ar, insats, kon), (ar, insats), (ar, kon), (ar))`),
		table("mean hours of personlig assistans by namnd", map[string]any{"dataset": "insatser", "measure": "MEAN_HOURS", "period": "2024",
			"groupBy": []string{"namnd"}, "totals": true, "filter": filter("insats", "personlig_assistans")},
			`SELECT '2024' AS period, namnd AS d0, sum(timmar_summa) / sum(timmar_antal) AS v FROM `+scan("insatser")+`
			WHERE ar = 2024 AND insats = 'personlig_assistans' GROUP BY GROUPING SETS ((namnd), ())`),
		table("persons by lagrumsgrupp × kön", map[string]any{"dataset": "insatser_personer", "measure": "PERSONS", "period": "2024",
			"groupBy": []string{"lagrumsgrupp", "kon"}, "totals": true},
			`SELECT '2024' AS period, lagrumsgrupp AS d0, kon AS d1, sum(antal_personer) AS v FROM `+scan("insatser_personer")+`
			WHERE ar = 2024 GROUP BY GROUPING SETS ((lagrumsgrupp, kon), (lagrumsgrupp), (kon), ())`),
		table("KBF kronor by namnd", map[string]any{"dataset": "kbf", "measure": "SUM_SEK", "period": "2024",
			"groupBy": []string{"namnd"}, "totals": true},
			`SELECT '2024' AS period, namnd AS d0, sum(belopp_kr) AS v FROM `+scan("kbf")+`
			WHERE ar = 2024 GROUP BY GROUPING SETS ((namnd), ())`),
		// by nämnd, not by lagrum: in the national lake's certified pattern
		// every national figure of ej verkställda is suppressed (the
		// municipalities' small counts meet in its national margins), so
		// a table by lagrum has no published cell to check
		table("ej verkställda by quarter × namnd", map[string]any{"dataset": "ej_verkstallda", "measure": "DECISIONS", "period": "2023-Q2/2024-Q2",
			"groupBy": []string{"namnd"}, "totals": true},
			`SELECT ar || '-Q' || kvartal AS period, namnd AS d0, sum(antal_beslut) AS v FROM `+scan("ej_verkstallda")+`
			WHERE ar * 10 + kvartal BETWEEN 20232 AND 20242 GROUP BY GROUPING SETS ((ar, kvartal, namnd), (ar, kvartal))`),
	}
}

// scan reads a dataset's aggregate files with the year from the Hive
// partition, as a user of the lake writes it.
func scan(dataset string) string {
	return fmt.Sprintf("read_parquet('{lake}/aggregates/dataset=%s/*/*.parquet', hive_partitioning = true)", dataset)
}

// SQLFor returns q's SQL over the lake directory dir.
func (q Query) SQLFor(dir string) string { return strings.ReplaceAll(q.SQL, "{lake}", dir) }

func quoted(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = "'" + c + "'"
	}
	return strings.Join(out, ", ")
}

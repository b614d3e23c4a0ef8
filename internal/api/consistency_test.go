package api

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/reports"
)

// tableQuery asks for a generic table with everything the test needs.
const tableQuery = `query($dataset: String!, $measure: Measure!, $period: String!, $groupBy: [String!], $filter: [Filter!], $totals: Boolean, $shareOf: String) {
  table(dataset: $dataset, measure: $measure, period: $period, groupBy: $groupBy, filter: $filter, totals: $totals, shareOf: $shareOf) {
    dataset measure unit version lakeVersion source footnotes
    periods { code label }
    dimensions { name }
    cells { period coordinates { dimension code label total } value mark display }
  }
}`

type tableJSON struct {
	Table struct {
		Dataset, Measure, Unit, Version, LakeVersion, Source string
		Footnotes                                            []string
		Dimensions                                           []struct{ Name string }
		Cells                                                []struct {
			Period      string
			Coordinates []struct {
				Dimension string
				Code      *string
				Label     string
				Total     bool
			}
			Value   *float64
			Mark    string
			Display string
		}
	}
}

// askTable runs a table query and decodes it.
func askTable(t *testing.T, h *Handler, vars map[string]any) tableJSON {
	t.Helper()
	var out tableJSON
	query(t, h, tableQuery, vars, &out)
	return out
}

// measureKey identifies what a figure computes, so that a generic table's
// cell and a seed table's cell can be recognised as the same figure.
func measureKey(m reports.Measure) string {
	switch m := m.(type) {
	case reports.Count:
		return "count " + m.Cube + "." + m.Field
	case reports.Mean:
		return "mean " + m.Cube + "." + m.Sum + "/" + m.N
	case reports.Amount:
		return "amount " + m.Cube + "." + m.Field
	case reports.Share:
		if len(m.NumWithout) > 0 || len(m.DenWithout) != 1 {
			return "" // a share the table query does not express
		}
		return "share " + m.Of.Cube + "." + m.Of.Field + " of " + m.DenWithout[0]
	case reports.Rate:
		return "rate " + m.Of.Cube + "." + m.Of.Field
	}
	return ""
}

// genericMeasureKey is measureKey of a table query's measure.
func genericMeasureKey(ds *datasetDef, m Measure, shareOf string) string {
	count := ds.measures[m]
	switch m {
	case MeanHours:
		return "mean " + ds.cube + ".timmar_summa/timmar_antal"
	case SumSEK:
		return "amount " + ds.cube + ".belopp_kr"
	case Share:
		return "share " + ds.cube + "." + count + " of " + shareOf
	case RatePer10000:
		return "rate " + ds.cube + "." + count
	}
	return "count " + ds.cube + "." + count
}

// canonical renders a filter with sorted codes, "ar" and "kvartal" included.
func canonical(f cube.Filter) string {
	g := cube.Filter{}
	for d, codes := range f {
		g[d] = slices.Sorted(slices.Values(codes))
	}
	return g.String()
}

// seedFigures indexes every figure of the 29 seed tables by measure and
// filter, to the display and mark the report answer gives it.
func seedFigures(t *testing.T, h *Handler) map[string][]string {
	t.Helper()
	specs, err := reports.Specs()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := reports.Tables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, p := range tables {
		spec := specs[p.ID]
		var ans reportJSON
		query(t, h, reportQuery, map[string]any{"id": p.ID}, &ans)
		for r, row := range spec.Rows {
			for c, col := range spec.Cols {
				cell := ans.Report.Rows[r].Cells[c]
				if cell == nil || row.Cube != "" || col.Cube != "" {
					continue
				}
				m := col.Measure
				if m == nil {
					m = row.Measure
				}
				key := measureKey(m)
				if key == "" {
					continue
				}
				f := cube.Filter{}.Merge(spec.Where).Merge(row.Where).Merge(col.Where)
				at := fmt.Sprintf("%s|%s|%s", p.ID, row.Label, col.Label)
				out[key+" "+canonical(f)] = append(out[key+" "+canonical(f)], at+" = "+cell.Display+" "+cell.Mark)
			}
		}
	}
	return out
}

// TestTablesAgreeWithReports: a figure has the same value and mark in
// every answer. Generic table queries that cover cells of the seed tables
// give, cell for cell, what report(id:) gives (a cell is recognised by its
// measure and its filter), for counts, means, amounts, shares and rates of
// every dataset.
func TestTablesAgreeWithReports(t *testing.T) {
	h := sampleHandler(t)
	seed := seedFigures(t, h)
	adults := dataset.BandsBetween(18, 120)
	children := dataset.BandsBetween(0, 17)
	tests := []struct {
		name string
		vars map[string]any
		min  int // seed-table figures the table must meet at least
	}{
		{"9:3 LSS decisions by insats and kön", map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2022/2024",
			"groupBy": []string{"insats", "kon"}, "totals": true, "filter": []any{filter("lagrum", "LSS")}}, 90},
		{"9:10 SoL decisions by insats and kön", map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2022/2024",
			"groupBy": []string{"insats", "kon"}, "totals": true, "filter": []any{filter("lagrum", "SoL")}}, 99},
		{"9:4 mean hours of adults", map[string]any{"dataset": "insatser", "measure": "MEAN_HOURS", "period": "2022/2024",
			"groupBy": []string{"namnd", "kon"}, "filter": []any{filter("insats", "personlig_assistans"), filter("aldersgrupp", adults...)}}, 66},
		{"9:5 children by nämnd", map[string]any{"dataset": "insatser", "measure": "PERSONS", "period": "2022/2024",
			"groupBy": []string{"namnd"}, "totals": true, "filter": []any{filter("insats", "personlig_assistans"), filter("aldersgrupp", children...)}}, 36},
		{"9:6 share of women in bostad för vuxna", map[string]any{"dataset": "insatser", "measure": "SHARE", "period": "2024",
			"groupBy": []string{"boendeform", "kon"}, "totals": true, "shareOf": "kon", "filter": []any{filter("insats", "bostad_vuxna")}}, 8},
		{"9:9 rates per 10 000", map[string]any{"dataset": "insatser", "measure": "RATE_PER_10000", "period": "2024",
			"groupBy": []string{"namnd", "insats"}, "filter": []any{filter("insats", "personlig_assistans", "daglig_verksamhet", "kontaktperson")}}, 33},
		{"9:1 and 9:2 persons by lagrumsgrupp", map[string]any{"dataset": "insatser_personer", "measure": "SHARE", "period": "2022/2024",
			"groupBy": []string{"lagrumsgrupp", "kon"}, "shareOf": "kon"}, 18},
		{"9:16 decisions by utfall", map[string]any{"dataset": "beslut", "measure": "DECISIONS", "period": "2024",
			"groupBy": []string{"utfall", "insats"}, "totals": true}, 11},
		{"9:19 KBF recipients", map[string]any{"dataset": "kbf", "measure": "PERSONS", "period": "2024",
			"groupBy": []string{"namnd", "kon"}, "totals": true}, 36},
		{"9:20 KBF costs", map[string]any{"dataset": "kbf", "measure": "SUM_SEK", "period": "2022/2024",
			"groupBy": []string{"namnd"}, "totals": true}, 36},
		{"9:21 LOV providers", map[string]any{"dataset": "lov", "measure": "PROVIDERS", "period": "2022/2024",
			"groupBy": []string{"insats"}, "totals": true}, 21},
		{"ev:5 and ev:6 ej verkställda by kön", map[string]any{"dataset": "ej_verkstallda", "measure": "DECISIONS", "period": "2023-Q2/2024-Q2",
			"groupBy": []string{"lagrum", "kon"}, "totals": true}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans := askTable(t, h, tt.vars).Table
			def, _ := lookupDataset(ans.Dataset)
			shareOf, _ := tt.vars["shareOf"].(string)
			mkey := genericMeasureKey(def, Measure(ans.Measure), shareOf)
			met := 0
			for _, cell := range ans.Cells {
				f := cube.Filter{}
				for _, fa := range asFilters(tt.vars["filter"]) {
					f[fa.Dimension] = fa.Codes
				}
				year, quarter, _ := strings.Cut(cell.Period, "-Q")
				f["ar"] = []string{year}
				if quarter != "" {
					f["kvartal"] = []string{quarter}
				}
				for _, c := range cell.Coordinates {
					if !c.Total {
						f[c.Dimension] = []string{*c.Code}
					}
				}
				for _, at := range seed[mkey+" "+canonical(f)] {
					met++
					if !strings.HasSuffix(at, " = "+cell.Display+" "+cell.Mark) {
						t.Errorf("cell %s %v of the table query shows %s %s, but seed table %s", cell.Period, f, cell.Display, cell.Mark, at)
					}
				}
			}
			t.Logf("%d cells, %d seed-table figures met, all equal", len(ans.Cells), met)
			if met < tt.min {
				t.Errorf("met %d seed-table figures, want at least %d: the query no longer covers the table it is meant to", met, tt.min)
			}
		})
	}
}

func filter(dim string, codes ...string) map[string]any {
	return map[string]any{"dimension": dim, "codes": codes}
}

func asFilters(v any) []filterArg {
	list, _ := v.([]any)
	var out []filterArg
	for _, x := range list {
		m := x.(map[string]any)
		out = append(out, filterArg{Dimension: m["dimension"].(string), Codes: m["codes"].([]string)})
	}
	return out
}

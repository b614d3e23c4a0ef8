package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/reports"
)

// TestEveryFigureThroughDisclosure asks every dataset for every measure,
// grouped by every set of up to two dimensions with totals, and checks each
// answered cell against the Disclosure directly: a shown figure rests only
// on published counts, and a shown count is the structure's own value; a
// hidden one rests on some count that is not published (or is a mean of
// 1..3 persons). Combinations outside the protected structure must be
// refused as NOT_PUBLISHED, never answered.
func TestEveryFigureThroughDisclosure(t *testing.T) {
	h := sampleHandler(t)
	v := h.lake.cur.Load()
	disc := valued(t, v)
	answered, refused, shown, hidden := 0, 0, 0, 0
	for _, ds := range v.datasets {
		def := ds.def
		period := periodRange(t, ds)
		for _, m := range def.measuresOf() {
			for _, g := range groupings(def.dims, 2) {
				vars := map[string]any{"dataset": def.name, "measure": string(m), "period": period, "groupBy": g, "totals": true}
				if m == Share {
					if len(g) == 0 {
						continue
					}
					vars["shareOf"] = g[len(g)-1]
				}
				if m == MeanHours || (m == Persons && def.name == "insatser") {
					vars["filter"] = []any{filter("insats", hourInsatser...)}
					vars["totals"] = m == MeanHours
				}
				a := decode(t, post(t, h, tableQuery, vars))
				if len(a.Errors) > 0 {
					code := a.Errors[0].Extensions["code"]
					if code != CodeNotPublished && code != CodeBadInput {
						t.Errorf("%v: %+v", vars, a.Errors)
					}
					refused++
					continue
				}
				answered++
				var ans tableJSON
				if err := json.Unmarshal(a.Data, &ans); err != nil {
					t.Fatal(err)
				}
				for _, cell := range ans.Table.Cells {
					where := cube.Filter{}
					for _, f := range asFilters(vars["filter"]) {
						where[f.Dimension] = f.Codes
					}
					year, quarter, _ := strings.Cut(cell.Period, "-Q")
					where["ar"] = []string{year}
					if quarter != "" {
						where["kvartal"] = []string{quarter}
					}
					var shareDen cube.Filter
					for _, c := range cell.Coordinates {
						if !c.Total {
							where[c.Dimension] = []string{*c.Code}
						}
					}
					if m == Share {
						shareDen = cube.Filter{}.Merge(where).Without(g[len(g)-1])
						for _, f := range asFilters(vars["filter"]) {
							if f.Dimension == g[len(g)-1] {
								shareDen[f.Dimension] = f.Codes
							}
						}
					}
					what := fmt.Sprintf("%s %s %v", def.name, m, where)
					if def.public {
						if cell.Mark == MarkSuppressed {
							t.Errorf("%s: a public dataset's cell is hidden", what)
						}
						continue
					}
					refs := []reports.CountRef{{Cube: def.cube, Field: def.measures[m], Where: where}}
					if shareDen != nil {
						refs = append(refs, reports.CountRef{Cube: def.cube, Field: def.measures[m], Where: shareDen})
					}
					allPublished := true
					for _, ref := range refs {
						mark, value, err := disc.Mark(ref)
						if err != nil {
							t.Errorf("%s was answered (%s) but rests on %v, no cell of the protected structure: %v", what, cell.Display, ref.Where, err)
							continue
						}
						allPublished = allPublished && mark == protect.Published
						c, _ := v.cubes.get(ref.Cube)
						sum, _, _ := c.Sum(ref.Where, ref.Field)
						if sum != value {
							t.Errorf("%s: the structure's cell holds %v, the cube %v", what, value, sum)
						}
						if isCount(m) && len(refs) == 1 && cell.Mark == MarkPublished && *cell.Value != value {
							t.Errorf("%s: shown as %v, the structure's cell is %v", what, *cell.Value, value)
						}
					}
					switch cell.Mark {
					case MarkPublished, MarkNotComputable:
						shown++
						if !allPublished {
							t.Errorf("%s is shown (%s) though a count it rests on is suppressed", what, cell.Display)
						}
						if m == MeanHours && cell.Mark == MarkPublished {
							c, _ := v.cubes.get("insatser")
							n, _, _ := c.Sum(where, "timmar_antal")
							if n < DefaultThreshold {
								t.Errorf("%s: a mean over %v persons is shown", what, n)
							}
						}
					case MarkSuppressed:
						hidden++
						if allPublished && m != MeanHours {
							t.Errorf("%s is hidden though every count it rests on is published", what)
						}
					default:
						t.Errorf("%s: mark %s", what, cell.Mark)
					}
				}
			}
		}
	}
	t.Logf("%d tables answered (%d figures shown, %d hidden), %d refused", answered, shown, hidden, refused)
	if answered < 50 || hidden == 0 || refused == 0 {
		t.Errorf("the sweep is too thin to mean anything: %d answered, %d hidden, %d refused", answered, hidden, refused)
	}
}

func isCount(m Measure) bool {
	switch m {
	case Persons, Decisions, Rulings, RulingsAgainstCity, Providers, Inhabitants:
		return true
	}
	return false
}

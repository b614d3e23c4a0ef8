package api

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/stockholm/insyn/internal/reports"
)

// reportAnswer is a seed table in its printed layout, every figure
// computed from the lake version and passed through disclosure control.
type reportAnswer struct {
	printed   *reports.Printed
	rows      []reportRow
	footnotes []string
	// datasets are the datasets the table reads, in schema order.
	datasets []*datasetState
	cells    int
}

// reportRow is a printed row; a nil cell is a position the layout leaves
// empty.
type reportRow struct {
	label, marker string
	cells         []*reportCell
}

// reportCell is a figure of a printed table.
type reportCell struct {
	fig  figure
	unit string
}

// report returns the answer for the seed table id, computed once per
// version.
func (v *version) report(id string) (*reportAnswer, error) {
	slot, ok := v.reports[id]
	if !ok {
		return nil, badInput("id", reportIDs(), "%q is not a seed table", id)
	}
	if !v.geo.IsDefault() && slices.Contains(byNamnd(), id) {
		return nil, badInput("id", slices.DeleteFunc(reportIDs(), func(id string) bool { return slices.Contains(byNamnd(), id) }),
			"seed table %s is laid out by Stockholm's nämnder, and lake version %s holds geography %s; the table query gives its figures by %s",
			id, v.lakeVersion(), v.geo.Name, strings.ToLower(v.geo.Label))
	}
	return slot.get()
}

// reportIDs lists the seed tables in report order.
func reportIDs() []string {
	tables, err := reports.Tables()
	if err != nil {
		return nil
	}
	ids := make([]string, len(tables))
	for i, t := range tables {
		ids[i] = t.ID
	}
	return ids
}

// byNamnd lists the seed tables whose rows or columns are Stockholm's
// nämnder: they have no figures in a lake of another geography.
var byNamnd = sync.OnceValue(func() []string {
	specs, err := reports.Specs()
	if err != nil {
		return nil
	}
	var out []string
	for id, s := range specs {
		lines := append(slices.Clone(s.Rows), s.Cols...)
		if _, ok := s.Where["namnd"]; ok || slices.ContainsFunc(lines, func(l reports.Line) bool {
			_, ok := l.Where["namnd"]
			return ok
		}) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
})

func (v *version) buildReport(id string) (*reportAnswer, error) {
	tables, err := reports.Tables()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(tables, func(t *reports.Printed) bool { return t.ID == id })
	specs, err := reports.Specs()
	if err != nil {
		return nil, err
	}
	spec := specs[id]
	if i < 0 || spec == nil {
		return nil, fmt.Errorf("api: seed table %s has no printed layout or no specification", id)
	}
	src, err := v.cubes.source(spec.Cubes(), spec.Years())
	if err != nil {
		return nil, err
	}
	p := tables[i]
	ans := &reportAnswer{printed: p}
	cubes := map[string]bool{}
	for r, row := range p.Rows {
		out := reportRow{label: row.Label, marker: row.Marker, cells: make([]*reportCell, len(row.Cells))}
		for c, printed := range row.Cells {
			if printed == nil {
				continue
			}
			val, err := spec.Eval(src, r, c)
			if err != nil {
				return nil, err
			}
			hidden := false
			if val.Status != reports.StatusNoData {
				refs, err := spec.Counts(r, c)
				if err != nil {
					return nil, err
				}
				for _, ref := range refs {
					cubes[ref.Cube] = true
				}
				hidden, err = markOf(v.disc, refs)
				if err != nil {
					return nil, fmt.Errorf("api: table %s row %q column %s: %w", id, row.Label, p.Columns[c].Key, err)
				}
			}
			out.cells[c] = &reportCell{fig: makeFigure(val, hidden), unit: unitOfKind(val.Kind)}
			ans.cells++
		}
		ans.rows = append(ans.rows, out)
	}
	for _, ds := range v.datasets {
		if cubes[ds.def.cube] {
			ans.datasets = append(ans.datasets, ds)
		}
	}
	ans.footnotes = reportFootnotes(p)
	ans.footnotes = append(ans.footnotes, markNotes(func(yield func(figure) bool) {
		for _, r := range ans.rows {
			for _, c := range r.cells {
				if c != nil && !yield(c.fig) {
					return
				}
			}
		}
	})...)
	return ans, nil
}

// markSentences are the printed explanations of the reports' own marks.
// insyn's marks differ (one marker for every hidden figure, set by
// disclosure control), so they are replaced by insyn's notes.
var markSentences = regexp.MustCompile(`(?i)\s*(antal under 4 redovisas ej|antal som baseras på färre än 4 personer redovisas ej|motsatsgrupp, för få för att redovisas|värden som ej går att beräkna redovisas med en punkt)\.?`)

// reportFootnotes returns the printed footnotes without the explanations
// of the printed marks. A note that explained a mark and says more keeps
// the rest, without the marker unless a row label carries it.
func reportFootnotes(p *reports.Printed) []string {
	var out []string
	for _, n := range p.Footnotes {
		if !markSentences.MatchString(n) {
			out = append(out, n)
			continue
		}
		rest := strings.TrimSpace(markSentences.ReplaceAllString(n, ""))
		text := strings.TrimLeft(rest, "*")
		marker := rest[:len(rest)-len(text)]
		rest = strings.TrimSpace(text)
		if rest == "" {
			continue
		}
		if marker != "" && slices.ContainsFunc(p.Rows, func(r reports.PrintedRow) bool { return r.Marker == marker }) {
			rest = marker + " " + rest
		}
		out = append(out, rest)
	}
	return out
}

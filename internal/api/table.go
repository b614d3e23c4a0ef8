package api

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/reports"
)

// tableRequest is the arguments of the table query.
type tableRequest struct {
	Dataset string
	Measure Measure
	Period  string
	GroupBy []string
	Filter  []filterArg
	Totals  bool
	ShareOf string
}

// filterArg selects whole categories of one dimension.
type filterArg struct {
	Dimension string
	Codes     []string
}

// tableAnswer is a computed table: one cell per period and combination of
// the grouped dimensions' codes (and totals).
type tableAnswer struct {
	ds      *datasetState
	measure Measure
	periods []period
	dims    []dimDef
	// The cells: each one's figure, in the order of the plan's cells
	// (plan.eachCell), and the grouped dimensions' coordinates
	// (members[gi][m+1], [0] the total). A cell's period and coordinates
	// are made as it is written (eachCell): a table of thousands of
	// cells is not laid out a second time to be written.
	plan    *plan
	members [][]coord
	figs    []figure
	// laidOut is every cell, made when first asked for (cells).
	laidOut     *lazy[[]tableCell]
	source      string
	footnotes   []string
	lakeVersion string
	// req is the request, its filter codes as codes (for the URLs of the
	// table's open-data files).
	req tableRequest
}

// eachCell gives the table's cells in order, each in the same tableCell
// (changed for the next: a caller keeps none of them).
func (t *tableAnswer) eachCell(yield func(*tableCell) bool) {
	c := tableCell{coords: make([]*coord, len(t.members))}
	i := 0
	t.plan.eachCell(func(pi int, member []int) bool {
		c.period = t.periods[pi]
		for gi, m := range member {
			c.coords[gi] = &t.members[gi][m+1]
		}
		c.fig = t.figs[i]
		i++
		return yield(&c)
	})
}

// cells lays out every cell of the table, once.
func (t *tableAnswer) cells() []tableCell {
	out, _ := t.laidOut.get()
	return out
}

// layOut makes every cell of the table, each with its own coordinates.
func (t *tableAnswer) layOut() ([]tableCell, error) {
	out := make([]tableCell, 0, len(t.figs))
	coords := make([]*coord, 0, len(t.figs)*len(t.members))
	for c := range t.eachCell {
		start := len(coords)
		coords = append(coords, c.coords...)
		out = append(out, tableCell{period: c.period, coords: coords[start:len(coords):len(coords)], fig: c.fig})
	}
	return out, nil
}

// tableCell is a cell of a table answer.
type tableCell struct {
	period period
	coords []*coord
	fig    figure
}

// coord is a cell's member of one grouped dimension: a code, or the total.
type coord struct {
	dim   *dimDef // its name
	code  string
	total bool
	// label is the code's label, or totalLabel.
	label string
	// keyPart is "|dim=code", the code's part of a count's key (cellKeys).
	keyPart string
	// list, pos and n identify a member of a dimension's own list
	// (dimDef.members): the dimension's number (list 0 for others), the
	// member's position and the list's length. Its JSON is written once
	// per list (memoKeyOf).
	list, pos, n int
}

// A dimension's total has the code totalCode ("_T", SDMX's code for a
// total) and the label totalLabel in every output: GraphQL's
// Coordinate.code, the CSV files' code columns and the JSON-stat files'
// category ids. No code list has a code of that name
// (TestTotalCodeIsNoCode).
const (
	totalCode  = "_T"
	totalLabel = "Totalt"
)

// Marks of an answered figure (the GraphQL enum Mark).
const (
	MarkPublished     = "PUBLISHED"
	MarkSuppressed    = "SUPPRESSED"
	MarkNotComputable = "NOT_COMPUTABLE"
	MarkNoData        = "NO_DATA"
)

// figure is one answered value: published with its value, or a mark.
// It holds no pointer: a table's figures are an array the garbage
// collector need not scan, nor a write barrier slow down while it marks.
type figure struct {
	value float64 // as printed: rounded to whole units; only when published
	mark  markCode
}

// markCode is a figure's mark by number, in the order of markNames.
type markCode uint8

const (
	markPublished markCode = iota
	markSuppressed
	markNotComputable
	markNoData
)

var markNames = [...]string{MarkPublished, MarkSuppressed, MarkNotComputable, MarkNoData}

// String is the mark as the GraphQL enum Mark has it.
func (m markCode) String() string { return markNames[m] }

// published reports whether the figure shows a number.
func (f figure) published() bool { return f.mark == markPublished }

// display is the figure as printed: "4 984", "*", "." or "i.u".
func (f figure) display() string {
	if f.published() {
		return reports.Grouped(int64(f.value))
	}
	return markDisplay(f.mark)
}

// appendDisplay appends display() as a JSON string.
func (f figure) appendDisplay(buf []byte) []byte {
	if !f.published() {
		return appendString(buf, markDisplay(f.mark))
	}
	return append(reports.AppendGrouped(append(buf, '"'), int64(f.value)), '"')
}

// markDisplay is how a mark other than MarkPublished is printed.
func markDisplay(mark markCode) string {
	switch mark {
	case markSuppressed:
		return reports.MarkSuppressed
	case markNotComputable:
		return reports.MarkNotComputable
	}
	return reports.MarkNoData
}

// makeFigure turns a computed value and whether disclosure control hides it
// into what the client sees. A hidden figure shows "*" whatever its value
// or status, so that "." does not tell a hidden count is 0.
func makeFigure(v reports.Value, hidden bool) figure {
	switch {
	case v.Status == reports.StatusNoData:
		return figure{mark: markNoData}
	case hidden:
		return figure{mark: markSuppressed}
	case v.Status == reports.StatusNotComputable:
		return figure{mark: markNotComputable}
	}
	return figure{value: v.Rounded(), mark: markPublished}
}

// Footnotes for the marks, in the reports' style. One marker stands for
// every hidden figure.
const (
	noteSuppressed    = "* Uppgiften redovisas ej: antal under 4, värden som baseras på färre än 4 personer, och uppgifter som annars skulle göra det möjligt att räkna fram sådana."
	noteNotComputable = ". Värden som ej går att beräkna redovisas med en punkt."
	noteNoData        = "i.u Inga uppgifter."
)

// markNotes returns the footnotes of the marks that occur.
func markNotes(figs func(yield func(figure) bool)) []string {
	var seen marksSeen
	for f := range figs {
		seen[f.mark] = true
	}
	return seen.notes()
}

// marksSeen is which marks occur among some figures.
type marksSeen [len(markNames)]bool

// notes returns the footnotes of the marks seen.
func (seen marksSeen) notes() []string {
	var out []string
	if seen[markSuppressed] {
		out = append(out, noteSuppressed)
	}
	if seen[markNotComputable] {
		out = append(out, noteNotComputable)
	}
	if seen[markNoData] {
		out = append(out, noteNoData)
	}
	return out
}

// plan is a validated table request.
type plan struct {
	ds      *datasetState
	measure Measure
	count   string // the count field the cells rest on
	periods []period
	grouped []groupedDim
	filter  cube.Filter // query filters, every dimension
	shareOf int         // index into grouped, or -1
}

// groupedDim is a dimension the table is grouped by.
type groupedDim struct {
	def   dimDef
	codes []string
	// total is whether cells at the dimension's total are wanted (or
	// needed, as a share's denominator).
	total, totalWanted bool
}

// planTable checks a table request against a lake version. Its errors name
// the argument at fault and list the valid values.
func (v *version) planTable(req tableRequest) (*plan, error) {
	ds, ok := v.dataset(req.Dataset)
	if !ok {
		var names []string
		for _, d := range v.datasets {
			names = append(names, d.def.name)
		}
		return nil, badInput("dataset", names, "%q is not a dataset", req.Dataset)
	}
	def := ds.def
	p := &plan{ds: ds, measure: req.Measure, filter: cube.Filter{}, shareOf: -1}
	count, ok := def.measures[req.Measure]
	if !ok {
		return nil, badInput("measure", measureNames(def.measuresOf()), "dataset %s has no measure %s", def.name, req.Measure)
	}
	p.count = count
	periods, err := parsePeriod(ds, req.Period)
	if err != nil {
		return nil, err
	}
	p.periods = periods

	dimNames := make([]string, len(def.dims))
	for i, d := range def.dims {
		dimNames[i] = d.name
	}
	for i, f := range req.Filter {
		field := fmt.Sprintf("filter[%d]", i)
		d, ok := def.dim(f.Dimension)
		if !ok {
			return nil, badInput(field+".dimension", dimNames, "dataset %s has no dimension %q", def.name, f.Dimension)
		}
		if _, dup := p.filter[d.name]; dup {
			return nil, badInput(field+".dimension", nil, "dimension %s is filtered twice; give all its codes in one filter", d.name)
		}
		if len(f.Codes) == 0 {
			return nil, badInput(field+".codes", d.codes.CodeValues(), "no codes for dimension %s", d.name)
		}
		var codes []string
		for _, c := range f.Codes {
			code, err := d.codes.Normalize(c)
			if err != nil {
				return nil, badInput(field+".codes", d.codes.CodeValues(), "%q is not a code of dimension %s", c, d.name)
			}
			codes = append(codes, code)
		}
		// In code list order, once each: the filter is a set of categories.
		var ordered []string
		for _, c := range d.values {
			if slices.Contains(codes, c) {
				ordered = append(ordered, c)
			}
		}
		p.filter[d.name] = ordered
	}
	for i, name := range req.GroupBy {
		field := fmt.Sprintf("groupBy[%d]", i)
		d, ok := def.dim(name)
		if !ok {
			return nil, badInput(field, dimNames, "dataset %s has no dimension %q", def.name, name)
		}
		if slices.ContainsFunc(p.grouped, func(g groupedDim) bool { return g.def.name == name }) {
			return nil, badInput(field, nil, "dimension %s is grouped by twice", name)
		}
		codes := d.values
		if f, ok := p.filter[name]; ok {
			codes = f
		}
		p.grouped = append(p.grouped, groupedDim{def: d, codes: codes, total: req.Totals, totalWanted: req.Totals})
	}
	if err := p.checkMeasure(req); err != nil {
		return nil, err
	}
	return p, nil
}

// checkMeasure applies the rules of the measures that need more than a count.
func (p *plan) checkMeasure(req tableRequest) error {
	var grouped []string
	for _, g := range p.grouped {
		grouped = append(grouped, g.def.name)
	}
	switch {
	case req.Measure == Share && req.ShareOf == "":
		return badInput("shareOf", grouped, "measure SHARE needs shareOf: the grouped dimension whose total is 100 %%")
	case req.Measure != Share && req.ShareOf != "":
		return badInput("shareOf", nil, "shareOf applies to measure SHARE only, not %s", req.Measure)
	case req.Measure == Share:
		p.shareOf = slices.Index(grouped, req.ShareOf)
		if p.shareOf < 0 {
			return badInput("shareOf", grouped, "%q is not a grouped dimension", req.ShareOf)
		}
		p.grouped[p.shareOf].total = true
	}
	if p.ds.def.name != "insatser" {
		return nil
	}
	// The insats sets the cells can have: each grouped code, the total of
	// a grouped insats (with totals), or the filter (all insatser without).
	var sets [][]string
	if i := slices.Index(grouped, "insats"); i >= 0 {
		for _, c := range p.grouped[i].codes {
			sets = append(sets, []string{c})
		}
		if p.grouped[i].total {
			sets = append(sets, p.insatsTotal())
		}
	} else {
		sets = append(sets, p.insatsTotal())
	}
	switch req.Measure {
	case Persons:
		for _, s := range sets {
			if len(s) != 1 {
				return badInput("measure", []string{string(Decisions)},
					"PERSONS of dataset insatser needs one insats per cell (a person can hold several); group by insats without totals or filter on one insats, use DECISIONS, or dataset insatser_personer for persons by lagrumsgrupp")
			}
		}
	case MeanHours:
		for _, s := range sets {
			hours := 0
			for _, c := range s {
				if slices.Contains(hourInsatser, c) {
					hours++
				}
			}
			if hours != 0 && hours != len(s) {
				return badInput("filter", hourInsatser,
					"MEAN_HOURS needs every cell's insatser to be granted in hours, or none of them (then the mean is \".\"); filter or group by insats")
			}
		}
	}
	return nil
}

// insatsTotal is the insatser a cell at the insats total covers: the
// filtered ones (narrowed by a lagrum filter), or all.
func (p *plan) insatsTotal() []string {
	codes := p.ds.def.dims[slices.IndexFunc(p.ds.def.dims, func(d dimDef) bool { return d.name == "insats" })].values
	if f, ok := p.filter["insats"]; ok {
		codes = f
	}
	if law, ok := p.filter["lagrum"]; ok {
		codes = slices.DeleteFunc(slices.Clone(codes), func(c string) bool {
			return !slices.ContainsFunc(law, func(l string) bool { return p.ds.def.compatible(l, c) })
		})
	}
	return codes
}

func measureNames(ms []Measure) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return out
}

var (
	yearRE    = regexp.MustCompile(`^(\d{4})$`)
	quarterRE = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)
)

// parsePeriod reads a period expression: a year ("2024"), a quarter
// ("2024-Q2"), or a range of either ("2022/2024", "2023-Q2/2024-Q2"). A
// year of a quarterly dataset means its quarters.
func parsePeriod(ds *datasetState, expr string) ([]period, error) {
	periods, err := ds.periods.get()
	if err != nil {
		return nil, err
	}
	valid, err := ds.periodCodes()
	if err != nil {
		return nil, err
	}
	syntax := "a year (2024), a quarter (2024-Q2) or a range (2022/2024, 2023-Q2/2024-Q2)"
	from, to, isRange := strings.Cut(strings.TrimSpace(expr), "/")
	if !isRange {
		to = from
	}
	lo, loQ, err := parsePeriodPart(from)
	if err == nil {
		var hi period
		var hiQ bool
		hi, hiQ, err = parsePeriodPart(to)
		if err == nil && loQ != hiQ {
			err = fmt.Errorf("both ends of a range must be years or both quarters")
		}
		if err == nil && hi.less(lo) {
			err = fmt.Errorf("the range ends before it starts")
		}
		if err == nil {
			if loQ && !ds.def.quarterly {
				return nil, badInput("period", valid, "%q: dataset %s is yearly", expr, ds.def.name)
			}
			if !loQ {
				// Years cover their quarters.
				hi.quarter = 4
			}
			var out []period
			for _, p := range periods {
				if !p.less(lo) && !hi.less(p) {
					out = append(out, p)
				}
			}
			for _, end := range []period{lo, hi} {
				if !slices.ContainsFunc(periods, func(p period) bool {
					return p.year == end.year && (!loQ || p.quarter == end.quarter)
				}) {
					return nil, badInput("period", valid, "dataset %s has no data for %s", ds.def.name, periodText(end, loQ))
				}
			}
			return out, nil
		}
	}
	return nil, badInput("period", valid, "%q is not %s: %v", expr, syntax, err)
}

func periodText(p period, quarter bool) string {
	if quarter {
		return p.code()
	}
	return strconv.Itoa(p.year)
}

// parsePeriodPart reads "2024" (a year: quarter 0) or "2024-Q2".
func parsePeriodPart(s string) (period, bool, error) {
	if m := yearRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		return period{year: y}, false, nil
	}
	if m := quarterRE.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		return period{year: y, quarter: q}, true, nil
	}
	return period{}, false, fmt.Errorf("%q is neither a year nor a quarter", s)
}

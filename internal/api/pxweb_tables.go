package api

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/reports"
)

// A pxTable is one table of the PxWeb API (pxweb.go): a seed table in its
// printed layout, or a view of a dataset — a linked table of the protected
// structure, whose every cell (codes and totals, each measure, each
// period) the table query answers. Its variables are PxWeb's: regular,
// geographical, contents (the measures) and time.
type pxTable struct {
	id, label, description string
	vars                   []pxVar
	source                 string
	notes                  []string
	datasets               []*datasetState
	// A seed table: its answer, the printed row of each value of the
	// variable "rad", and the printed column of each pair of values of
	// the time and column variables (-1 where the layout has none).
	report *reportAnswer
	colAt  [][]int
	// A view: its dataset and the dimensions its first variables are.
	ds   *datasetState
	dims []string
}

// pxVar is a variable of a PxWeb table.
type pxVar struct {
	code, label string
	// kind is PxWeb's variable type: RegularVariable,
	// GeographicalVariable, ContentsVariable or TimeVariable.
	kind   string
	values []pxValue
	// elimination: the variable may be left out of a selection, and then
	// stands at its total (eliminationValueCode, "_T").
	elimination bool
	// axis says what a seed table's variable indexes: the printed rows,
	// columns, or the period part of the column headings.
	axis pxAxis
}

type pxAxis uint8

const (
	axisNone pxAxis = iota
	axisRow
	axisColumn
	axisTime
)

// pxValue is a value of a variable: a code and its label; a contents
// value has its unit.
type pxValue struct {
	code, label, unit string
}

// PxWeb's variable types.
const (
	pxRegular  = "RegularVariable"
	pxGeo      = "GeographicalVariable"
	pxContents = "ContentsVariable"
	pxTime     = "TimeVariable"
)

// Variable codes insyn gives the variables that are no dataset dimension.
const (
	pxVarRow      = "rad"
	pxVarColumn   = "kolumn"
	pxVarContents = "ContentsCode"
	pxVarTime     = "Tid"
)

// size is the number of cells of the whole table.
func (t *pxTable) size() int {
	n := 1
	for _, v := range t.vars {
		n *= len(v.values)
	}
	return n
}

// timeVar returns the index of the time variable, or -1.
func (t *pxTable) timeVar() int {
	return slices.IndexFunc(t.vars, func(v pxVar) bool { return v.kind == pxTime })
}

// periods are the first and last values of the time variable ("" when
// the table has none).
func (t *pxTable) periods() (first, last string) {
	if i := t.timeVar(); i >= 0 {
		vs := t.vars[i].values
		return vs[0].code, vs[len(vs)-1].code
	}
	return "", ""
}

// pxCatalogue is the PxWeb tables of one lake version, in the order they
// are listed: the seed tables, then the views of each dataset.
type pxCatalogue struct {
	tables []*pxTable
	byID   map[string]*pxTable
}

// pxCatalogues keeps the catalogue of the version served (a version's
// tables never change; a new version gets its own).
type pxCatalogues struct {
	mu  sync.Mutex
	v   *version
	cat *pxCatalogue
}

// of returns the catalogue of r's version, built by the first request
// that needs it. It is built without the request's deadline (a client that
// leaves does not cut it short) and is kept only when built whole.
func (c *pxCatalogues) of(r *request) (*pxCatalogue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.v != r.v {
		cat, err := buildPxCatalogue(&request{v: r.v, budget: &budget{limit: math.MaxInt}, rules: r.rules, log: r.log})
		if err != nil {
			return nil, err
		}
		c.v, c.cat = r.v, cat
	}
	return c.cat, nil
}

// refused reports whether err is the table query refusing what was asked
// (not a failure, nor a deadline).
func refused(err error) bool {
	qe, ok := err.(*queryError)
	return ok && qe.code != CodeTimeout && qe.code != CodeInternal
}

// buildPxCatalogue lays out every table of a version. A view is listed
// with the measures for which the table query answers every one of its
// cells: what the API publishes decides what PxWeb lists.
func buildPxCatalogue(r *request) (*pxCatalogue, error) {
	cat := &pxCatalogue{byID: map[string]*pxTable{}}
	add := func(t *pxTable) {
		cat.tables = append(cat.tables, t)
		cat.byID[t.id] = t
	}
	for _, id := range reportIDs() {
		ans, err := r.v.report(id)
		if refused(err) {
			continue // a seed table by nämnd in a lake of another geography
		}
		if err != nil {
			return nil, err
		}
		t, err := reportPxTable(ans)
		if err != nil {
			return nil, err
		}
		add(t)
	}
	for _, ds := range r.v.datasets {
		if periods, err := ds.periodCodes(); err != nil {
			return nil, err
		} else if len(periods) == 0 {
			continue
		}
		for _, cand := range viewCandidates(r.v, ds) {
			t, err := viewPxTable(r, ds, cand)
			if err != nil {
				return nil, err
			}
			if t != nil {
				add(t)
			}
		}
	}
	return cat, nil
}

// Ids of the tables: "rapport-9-4" for seed table 9:4, and the dataset
// and the dimensions of a view ("insatser-namnd-insats-kon").
func reportPxID(id string) string { return "rapport-" + strings.ReplaceAll(id, ":", "-") }

var (
	// keyYear is a printed column whose first heading level is a year
	// ("2024.kvinnor"), keyQuarter a quarter ("kv2_2023").
	keyYear    = regexp.MustCompile(`^(\d{4})(?:\.(.+))?$`)
	keyQuarter = regexp.MustCompile(`^kv([1-4])_(\d{4})$`)
)

// reportPxTable lays a seed table out as PxWeb variables: "rad", the
// printed rows; "kolumn", the printed columns without their period; and
// "Tid", the period of each column (when every column names one and each
// period has the same columns) or of the whole table (when it reads one
// year). The column variable is the contents variable when each of its
// values has one unit.
func reportPxTable(ans *reportAnswer) (*pxTable, error) {
	p := ans.printed
	t := &pxTable{
		id: reportPxID(p.ID), label: p.Number + ". " + p.Caption,
		description: p.Publication, source: "Källa: " + p.Source, notes: ans.footnotes, datasets: ans.datasets,
		report: ans,
	}
	rows := pxVar{code: pxVarRow, label: p.RowHeading, kind: pxRegular, axis: axisRow}
	for i, id := range rowIDs(ans.rows) {
		rows.values = append(rows.values, pxValue{code: id, label: ans.rows[i].label + ans.rows[i].marker})
	}
	t.vars = append(t.vars, rows)

	// Split each column key into its period and the rest.
	type split struct{ period, periodLabel, rest, restLabel string }
	splits := make([]split, len(p.Columns))
	ok := true
	for i, c := range p.Columns {
		restLabel := flatHeading(c.Heading)
		if len(c.Heading) > 1 {
			restLabel = flatHeading(c.Heading[1:])
		}
		switch m, q := keyYear.FindStringSubmatch(c.Key), keyQuarter.FindStringSubmatch(c.Key); {
		case m != nil:
			splits[i] = split{m[1], m[1], m[2], restLabel}
			if m[2] == "" {
				splits[i].restLabel = ""
			}
		case q != nil:
			splits[i] = split{q[2] + "-Q" + q[1], "Kv " + q[1] + " " + q[2], "", ""}
		default:
			ok = false
		}
	}
	var periods, rests []pxValue
	at := map[[2]string]int{}
	if ok {
		for i, s := range splits {
			if !slices.ContainsFunc(periods, func(v pxValue) bool { return v.code == s.period }) {
				periods = append(periods, pxValue{code: s.period, label: s.periodLabel})
			}
			if s.rest != "" && !slices.ContainsFunc(rests, func(v pxValue) bool { return v.code == s.rest }) {
				rests = append(rests, pxValue{code: s.rest, label: s.restLabel})
			}
			at[[2]string{s.period, s.rest}] = i
		}
		n := max(len(rests), 1)
		ok = len(periods) > 1 && len(periods)*n == len(p.Columns) && len(at) == len(p.Columns)
	}
	if !ok {
		periods, rests, at = nil, nil, map[[2]string]int{}
		for i, c := range p.Columns {
			rests = append(rests, pxValue{code: c.Key, label: flatHeading(c.Heading)})
			at[[2]string{"", c.Key}] = i
		}
	}
	byPeriod := ok
	// colAt[period][column]: the printed column of each pair of values.
	np, nc := max(len(periods), 1), max(len(rests), 1)
	t.colAt = make([][]int, np)
	for i := range np {
		t.colAt[i] = make([]int, nc)
		for k := range nc {
			per := ""
			if byPeriod {
				per = periods[i].code
			}
			c, found := at[[2]string{per, restCode(rests, k)}]
			if !found {
				c = -1
			}
			t.colAt[i][k] = c
		}
	}
	if len(rests) > 0 {
		cols := pxVar{code: pxVarColumn, label: "Kolumn", kind: pxRegular, axis: axisColumn, values: rests}
		// One unit per value makes the column variable the contents.
		units := make([]string, len(rests))
		uniform := true
		for k := range rests {
			for i := range np {
				c := t.colAt[i][k]
				if c < 0 {
					continue
				}
				for _, row := range ans.rows {
					cell := row.cells[c]
					switch {
					case cell == nil:
					case units[k] == "":
						units[k] = cell.unit
					case units[k] != cell.unit:
						uniform = false
					}
				}
			}
		}
		if uniform {
			cols.kind = pxContents
			for k := range cols.values {
				cols.values[k].unit = units[k]
			}
		}
		t.vars = append(t.vars, cols)
	}
	spec, err := reportSpec(p.ID)
	if err != nil {
		return nil, err
	}
	if periods == nil {
		if years := spec.Years(); len(years) == 1 {
			y := strconv.Itoa(years[0])
			periods = []pxValue{{code: y, label: y}}
		}
	}
	if periods != nil {
		t.vars = append(t.vars, pxVar{code: pxVarTime, label: "Period", kind: pxTime, axis: axisTime, values: periods})
	}
	return t, nil
}

func restCode(rests []pxValue, k int) string {
	if len(rests) == 0 {
		return ""
	}
	return rests[k].code
}

func reportSpec(id string) (*reports.Spec, error) {
	specs, err := reports.Specs()
	if err != nil {
		return nil, err
	}
	s, ok := specs[id]
	if !ok {
		return nil, fmt.Errorf("api: seed table %s has no specification", id)
	}
	return s, nil
}

// viewCandidate is a linked table of the protected structure as the
// table query can ask for it: dimensions with the codes of their leaf
// members (each dimension's total, "_T", where the view crosses it) and
// the count the structure protects. Members that are groups of codes
// (age groups, LSS and SoL) are the table query's filters, not codes,
// and are left out.
type viewCandidate struct {
	// counts are the counts of the structures holding the view (the
	// beslut's rulings and rulings against the city are two).
	counts []string
	dims   []string
	values [][]string
}

// viewCandidates are the views of the protected structures of a dataset
// (each dataset's structures come from internal/protect, with the lake
// version's pattern); a public dataset has one view crossing all its
// dimensions. Views with the same dimensions whose codes differ in one
// dimension only are one table (their cells together are the cross
// product); a view whose cells another view holds is left out.
func viewCandidates(v *version, ds *datasetState) []viewCandidate {
	var out []viewCandidate
	if ds.def.public {
		c := viewCandidate{counts: []string{ds.def.measures[ds.def.measuresOf()[0]]}}
		for _, d := range ds.def.dims {
			c.dims = append(c.dims, d.name)
			c.values = append(c.values, append(slices.Clone(d.values), totalCode))
		}
		return []viewCandidate{c}
	}
	for _, p := range protectedStructures(v.disc) {
		if p.Cube != ds.def.cube {
			continue
		}
	views:
		for _, view := range p.Views {
			c := viewCandidate{counts: []string{p.Measure}}
			for _, d := range ds.def.dims { // the dataset's order
				i := slices.IndexFunc(view.Dims, func(x protect.Dim) bool { return x.Name == d.name })
				if i < 0 {
					continue
				}
				var codes []string
				total := false
				for _, m := range view.Dims[i].Members {
					switch {
					case m.Code == protect.Total:
						total = true
					case len(m.Leaves) == 1 && m.Leaves[0] == m.Code && slices.Contains(d.values, m.Code):
						codes = append(codes, m.Code)
					}
				}
				if len(codes) == 0 {
					if !total {
						continue views // no cell at the dimension's total
					}
					continue // only groups: the view is at the total here
				}
				if total {
					codes = append(codes, totalCode)
				}
				c.dims = append(c.dims, d.name)
				c.values = append(c.values, codes)
			}
			out = mergeCandidate(out, c)
		}
	}
	// Drop the views whose cells another holds.
	var kept []viewCandidate
	for i, c := range out {
		if !slices.ContainsFunc(out, func(o viewCandidate) bool { return !sameCandidate(o, out[i]) && holds(o, c) }) {
			kept = append(kept, c)
		}
	}
	return kept
}

// protectedStructures are the structures behind a version's marks.
func protectedStructures(d Disclosure) []*protect.Protected {
	if m, ok := d.(*memoDisclosure); ok {
		d = m.d
	}
	if z, ok := d.(lazyDisclosure); ok {
		var err error
		if d, err = z.l.get(); err != nil {
			return nil
		}
	}
	if l, ok := d.(*protect.Lake); ok {
		return l.Structures
	}
	return nil
}

func sameCandidate(a, b viewCandidate) bool {
	return slices.Equal(a.counts, b.counts) && slices.Equal(a.dims, b.dims) &&
		slices.EqualFunc(a.values, b.values, func(x, y []string) bool { return slices.Equal(x, y) })
}

// mergeCandidate adds c to cs: into a candidate with the same
// dimensions and codes (adding its counts), or with the same counts and
// dimensions whose codes differ from c's in one dimension, or as its own.
func mergeCandidate(cs []viewCandidate, c viewCandidate) []viewCandidate {
	for i, o := range cs {
		if !slices.Equal(o.dims, c.dims) {
			continue
		}
		if sameCandidate(viewCandidate{dims: o.dims, values: o.values}, viewCandidate{dims: c.dims, values: c.values}) {
			cs[i].counts = appendNew(slices.Clone(o.counts), c.counts...)
			return cs
		}
		if !slices.Equal(o.counts, c.counts) {
			continue
		}
		differ := -1
		for d := range o.dims {
			if !slices.Equal(o.values[d], c.values[d]) {
				if differ >= 0 {
					differ = -2
					break
				}
				differ = d
			}
		}
		switch {
		case differ == -1:
			return cs
		case differ >= 0:
			merged := slices.Clone(o.values[differ])
			for _, code := range c.values[differ] {
				if !slices.Contains(merged, code) {
					merged = append(merged, code)
				}
			}
			cs[i].values = slices.Clone(o.values)
			cs[i].values[differ] = merged
			return cs
		}
	}
	return append(cs, c)
}

// holds reports whether every cell of c is a cell of o: o has c's
// dimensions with at least their codes, and its other dimensions have
// their total.
func holds(o, c viewCandidate) bool {
	for _, n := range c.counts {
		if !slices.Contains(o.counts, n) {
			return false
		}
	}
	for d, name := range o.dims {
		i := slices.Index(c.dims, name)
		if i < 0 {
			if !slices.Contains(o.values[d], totalCode) {
				return false
			}
			continue
		}
		for _, code := range c.values[i] {
			if !slices.Contains(o.values[d], code) {
				return false
			}
		}
	}
	for _, name := range c.dims {
		if !slices.Contains(o.dims, name) {
			return false
		}
	}
	return true
}

// viewPxTable makes the table of a view: its dimensions, the measures
// resting on the view's count for which the table query answers every
// cell of the view in every period (nil when there is none), and the
// period. The table's notes are those of the whole table's answers.
func viewPxTable(r *request, ds *datasetState, c viewCandidate) (*pxTable, error) {
	def := ds.def
	t := &pxTable{ds: ds, dims: c.dims, source: ds.source, datasets: []*datasetState{ds}}
	var labels []string
	for i, name := range c.dims {
		d, _ := def.dim(name)
		v := pxVar{code: name, label: d.label, kind: pxRegular}
		if name == "namnd" {
			v.kind = pxGeo
		}
		for _, code := range c.values[i] {
			label := totalLabel
			if code != totalCode {
				label = d.codeLabel(code)
			}
			v.values = append(v.values, pxValue{code: code, label: label})
		}
		v.elimination = slices.Contains(c.values[i], totalCode)
		t.vars = append(t.vars, v)
		labels = append(labels, strings.ToLower(d.label))
	}
	periods, err := ds.periods.get()
	if err != nil {
		return nil, err
	}
	tv := pxVar{code: pxVarTime, label: "Period", kind: pxTime}
	for _, p := range periods {
		tv.values = append(tv.values, pxValue{code: p.code(), label: p.label()})
	}
	cv := pxVar{code: pxVarContents, label: "Tabellinnehåll", kind: pxContents}
	t.vars = append(t.vars, cv, tv)
	ci := len(t.vars) - 2
	var notes []string
	for _, m := range def.measuresOf() {
		if m == Share || !slices.Contains(c.counts, def.measures[m]) {
			continue
		}
		t.vars[ci].values = []pxValue{{code: string(m), label: unitOf(m), unit: unitOf(m)}}
		cube, err := t.fill(r, t.all())
		if refused(err) {
			continue // a cell of the view the table query does not answer with this measure
		}
		if err != nil {
			return nil, err
		}
		cv.values = append(cv.values, t.vars[ci].values[0])
		notes = appendNew(notes, cube.notes...)
		if m == RatePer10000 {
			if pop, ok := r.v.dataset("befolkning"); ok && !slices.Contains(t.datasets, pop) {
				t.datasets = append(t.datasets, pop)
			}
		}
	}
	if len(cv.values) == 0 {
		return nil, nil
	}
	t.vars[ci] = cv
	t.notes = notes
	t.id = def.name + "-" + strings.Join(c.dims, "-")
	if len(c.dims) == 0 {
		t.id = def.name + "-totalt"
	}
	t.label = def.label
	if len(labels) > 0 {
		t.label += " efter " + joinSwedish(labels)
	}
	first, last := t.periods()
	t.label += ", " + first
	if last != first {
		t.label += "–" + last
	}
	t.description = def.doc
	return t, nil
}

// joinSwedish joins words as a Swedish list: "a, b och c".
func joinSwedish(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " och " + words[len(words)-1]
}

// appendNew appends the items not yet in list, in order.
func appendNew(list []string, items ...string) []string {
	for _, s := range items {
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// all is the selection of every value of every variable.
func (t *pxTable) all() [][]int {
	sel := make([][]int, len(t.vars))
	for i, v := range t.vars {
		for j := range v.values {
			sel[i] = append(sel[i], j)
		}
	}
	return sel
}

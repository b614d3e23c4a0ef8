package api

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/lake"
)

// cubeIndex is a cube laid out for the table query's single pass: each
// dimension's codes as small integers in a column, each measure in a
// column, and the rows of each period as ranges. A national year of
// insatser is 140 000 rows; scanning them as strings and maps took tens of
// milliseconds a query, as integers it takes about one.
type cubeIndex struct {
	// cube names the cube (for errors); dims and measures are the
	// index's, in the cube's order (a roll-up keeps some of the dims).
	cube     string
	dims     []string
	measures []string
	// ids maps each dimension's codes to their integers; codes lists them.
	// A roll-up shares them with its cube's index.
	ids   []map[string]uint16
	codes [][]string
	// col holds, per dimension, each row's code as an integer.
	col [][]uint16
	// val holds, per measure, each row's value (nil in a roll-up for a
	// measure that is not exact: its sums would depend on the order).
	val [][]float64
	// exact is, per measure, whether every value is an integer and their
	// magnitudes sum to less than 2⁵³: then every partial sum is exact,
	// and its values add up to the same float in any order. (The float
	// sum of the magnitudes is below 2⁵³ exactly when the true one is:
	// below it every partial sum is exact, and rounding never goes below
	// 2⁵³ from above.)
	exact []bool
	// periods are the row ranges of each period ("2024", "2024-Q2").
	periods map[string][]rowRange
	// rows is the number of rows.
	rows int
	// set is the cube's dimensions the index keeps, as bits (bit d: the
	// cube's dimension d); all of them in the cube's own index.
	set uint64
	// baseDim is, per dimension, its number in the cube.
	baseDim []int
	// rollups are the roll-ups of the cube's own index (nil in a roll-up).
	rollups *rollups
	// rowsOf holds, in a roll-up, per dimension (nil for one of a single
	// code) and code integer, the code's rows as ascending ranges: a
	// table filtered on a few codes sums their rows only (rowsFor).
	rowsOf [][][]rowRange
	// lists are, per dimension of the cube (by the cube's number), the
	// dataset's whole code list (dimDef.values; nil if none) and its
	// codes' integers, looked up once (listIDs); shared by the cube's
	// index and its roll-ups, whose integers are the same.
	lists []codeList
}

// codeList is a dimension's whole code list and its codes' integers.
type codeList struct {
	codes []string
	ids   []int32
}

// keepLists looks up the integers of the whole code lists of dims (the
// dataset's dimensions).
func (x *cubeIndex) keepLists(dims []dimDef) {
	x.lists = make([]codeList, len(x.dims))
	for _, dim := range dims {
		if d := slices.Index(x.dims, dim.name); d >= 0 {
			x.lists[d] = codeList{dim.values, x.lookUp(d, dim.values)}
		}
	}
}

// listIDs returns the integers of codes in dimension d, -1 for a code
// with no rows: those of a whole code list as looked up once.
func (x *cubeIndex) listIDs(d int, codes []string) []int32 {
	if x.lists != nil {
		if l := x.lists[x.baseDim[d]]; len(codes) > 0 && len(codes) == len(l.codes) && &codes[0] == &l.codes[0] {
			return l.ids
		}
	}
	return x.lookUp(d, codes)
}

// lookUp returns the integers of codes in dimension d, -1 for a code
// with no rows.
func (x *cubeIndex) lookUp(d int, codes []string) []int32 {
	ids := make([]int32, len(codes))
	for i, c := range codes {
		ids[i] = -1
		if id, ok := x.ids[d][c]; ok {
			ids[i] = int32(id)
		}
	}
	return ids
}

// rowRange is the rows lo..hi-1.
type rowRange struct{ lo, hi int }

// newCubeIndex lays c out; quarterly cubes are ranged by year and quarter.
func newCubeIndex(c *cube.Cube, quarterly bool) (*cubeIndex, error) {
	if len(c.Dims) > 64 {
		return nil, fmt.Errorf("cube %s has %d dimensions, more than an index can have", c.Name, len(c.Dims))
	}
	n := len(c.Rows)
	x := &cubeIndex{cube: c.Name, dims: c.Dims, measures: c.Measures, rows: n}
	for d := range c.Dims {
		x.ids = append(x.ids, map[string]uint16{})
		x.codes = append(x.codes, nil)
		x.col = append(x.col, make([]uint16, n))
		x.set |= 1 << d
		x.baseDim = append(x.baseDim, d)
	}
	for range c.Measures {
		x.val = append(x.val, make([]float64, n))
	}
	for r, row := range c.Rows {
		for d, code := range row.Coords {
			id, ok := x.ids[d][code]
			if !ok {
				if len(x.codes[d]) > math.MaxUint16 {
					return nil, fmt.Errorf("cube %s: dimension %s has more than %d codes", c.Name, c.Dims[d], math.MaxUint16+1)
				}
				id = uint16(len(x.codes[d]))
				x.ids[d][code] = id
				x.codes[d] = append(x.codes[d], code)
			}
			x.col[d][r] = id
		}
		for m, v := range row.Values {
			x.val[m][r] = v
		}
	}
	x.finish(quarterly)
	return x, nil
}

// indexColumns lays out a year's part of cube empty (its dimensions and
// measures) from the columns lake.ReadColumns read, sharing them: what
// newCubeIndex makes of the cube a builder makes of the same rows. It
// reports false when that cube would not have the rows in the files'
// order (rows out of coordinate order, or two of one cell, which a
// builder sorts and sums), or other dimensions or measures.
func indexColumns(empty *cube.Cube, c *lake.Columns) (*cubeIndex, bool) {
	if !slices.Equal(empty.Dims, c.Dims) || !slices.Equal(empty.Measures, c.Measures) || len(c.Dims) > 64 || !ascending(c.Codes, c.IDs, c.Rows) {
		return nil, false
	}
	x := &cubeIndex{cube: empty.Name, dims: empty.Dims, measures: empty.Measures, rows: c.Rows, codes: c.Codes, col: c.IDs, val: c.Values}
	for d, codes := range c.Codes {
		ids := make(map[string]uint16, len(codes))
		for i, code := range codes {
			ids[code] = uint16(i)
		}
		x.ids = append(x.ids, ids)
		x.set |= 1 << d
		x.baseDim = append(x.baseDim, d)
	}
	x.finish(false)
	return x, true
}

// ascending reports whether the rows' coordinates (col[d][r] a number in
// codes[d]) strictly ascend, compared code by code as strings.
func ascending(codes [][]string, col [][]uint16, rows int) bool {
	rank := make([][]int, len(codes))
	for d, cs := range codes {
		order := make([]int, len(cs))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(i, j int) bool { return cs[order[i]] < cs[order[j]] })
		rank[d] = make([]int, len(cs))
		for r, i := range order {
			rank[d][i] = r
		}
	}
next:
	for r := 1; r < rows; r++ {
		for d := range col {
			a, b := rank[d][col[d][r-1]], rank[d][col[d][r]]
			if a < b {
				continue next
			}
			if a > b {
				return false
			}
		}
		return false // two rows of one cell
	}
	return true
}

// finish works out which measures are exact and the rows of each period.
func (x *cubeIndex) finish(quarterly bool) {
	for _, col := range x.val {
		magnitude, integers := 0.0, true
		for _, v := range col {
			integers = integers && v == math.Trunc(v)
			magnitude += math.Abs(v)
		}
		x.exact = append(x.exact, integers && magnitude < 1<<53)
	}
	x.periods = x.periodRanges(quarterly)
}

// periodRanges returns the row ranges of each period: of each year, or
// of each quarter of a year.
func (x *cubeIndex) periodRanges(quarterly bool) map[string][]rowRange {
	periods := map[string][]rowRange{}
	ai, qi := slices.Index(x.dims, "ar"), slices.Index(x.dims, "kvartal")
	// The code of each pair of code integers, made once.
	names := map[[2]uint16]string{}
	for r := range x.rows {
		var k [2]uint16
		if ai >= 0 {
			k[0] = x.col[ai][r]
		}
		if quarterly && qi >= 0 {
			k[1] = x.col[qi][r]
		}
		pc, ok := names[k]
		if !ok {
			if ai >= 0 {
				pc = x.codes[ai][k[0]]
			}
			if quarterly && qi >= 0 {
				pc += "-Q" + x.codes[qi][k[1]]
			}
			names[k] = pc
		}
		rs := periods[pc]
		if k := len(rs) - 1; k >= 0 && rs[k].hi == r {
			rs[k].hi = r + 1
		} else {
			rs = append(rs, rowRange{r, r + 1})
		}
		periods[pc] = rs
	}
	return periods
}

// byQuarter is x ranged by quarter when quarterly (a view sharing x's
// columns), else x itself.
func (x *cubeIndex) byQuarter(quarterly bool) *cubeIndex {
	if !quarterly {
		return x
	}
	view := *x
	view.rollups, view.lists = nil, nil
	view.periods = x.periodRanges(true)
	return &view
}

// unpack returns the index's cube: its rows in order, each code and
// value as the cube had them (the rows share two arrays).
func (x *cubeIndex) unpack() *cube.Cube {
	d, m := len(x.dims), len(x.measures)
	coords := make([]string, x.rows*d)
	values := make([]float64, x.rows*m)
	rows := make([]cube.Row, x.rows)
	for r := range rows {
		cs := coords[r*d : (r+1)*d : (r+1)*d]
		for i, col := range x.col {
			cs[i] = x.codes[i][col[r]]
		}
		vs := values[r*m : (r+1)*m : (r+1)*m]
		for i, col := range x.val {
			vs[i] = col[r]
		}
		rows[r] = cube.Row{Coords: cs, Values: vs}
	}
	return cube.FromRows(x.cube, x.dims, x.measures, rows)
}

// sums holds the summed fields of every cell of a planned table (and of
// every share's denominator) in one dense array: the cell of period pi and
// members m (-1 for a total) is at ((pi·(n₀+1) + m₀+1)·(n₁+1) + m₁+1)…
type sums struct {
	radix  []int // per grouped dimension: its codes and the total
	fields int
	vals   []float64
}

// get returns the fields of a cell, zeros where no row adds to it.
func (s *sums) get(period int, member []int) []float64 {
	i := period
	for d, m := range member {
		i = i*s.radix[d] + m + 1
	}
	return s.vals[i*s.fields : (i+1)*s.fields]
}

// yearIndexes are the indexes of a cube's parts (cubeSet), by year.
type yearIndexes map[int]*cubeIndex

// accumulate sums fields over the cube's rows into every cell a row
// belongs to, in one pass over the rows of the plan's periods (each in
// the index of its year). Rows are added in the cube's order, as cube.Sum
// adds them, so a cell's sum is the very float a report's figure of the
// same cell gets.
//
// Where every field is exact (cubeIndex.exact), the order does not
// matter: a row is added to its own cell only, and the totals are summed
// from the cells below them (addTotals), which is several times faster
// than adding each row to every total it belongs to.
func (p *plan) accumulate(xs yearIndexes, fields []string) (*sums, error) {
	return p.accumulateRows(p.rolledUp(xs, fields), fields, true)
}

// rolledUp replaces each year's index by its roll-up with the fewest rows
// that keeps every dimension the plan groups or filters by, where every
// field is exact (rollup.go); the sums are the same floats.
func (p *plan) rolledUp(xs yearIndexes, fields []string) yearIndexes {
	out := make(yearIndexes, len(xs))
	for year, x := range xs {
		out[year] = x
		if need, ok := p.needs(x, fields); ok && x.rollups != nil {
			out[year] = x.rollups.use(need)
		}
	}
	return out
}

// needs returns the dimensions of x the plan groups or filters by, as
// bits; ok is false when a field is not exact in x (or x lacks a field or
// dimension: the scan of x reports it).
func (p *plan) needs(x *cubeIndex, fields []string) (need uint64, ok bool) {
	for _, f := range fields {
		if m := slices.Index(x.measures, f); m < 0 || !x.exact[m] {
			return 0, false
		}
	}
	bit := func(dim string) bool {
		d := slices.Index(x.dims, dim)
		if d < 0 {
			return false
		}
		need |= 1 << x.baseDim[d]
		return true
	}
	for dim := range p.filter {
		if !bit(dim) {
			return 0, false
		}
	}
	for _, g := range p.grouped {
		if !bit(g.def.name) {
			return 0, false
		}
	}
	return need, true
}

// rowPass is a plan bound to one index: the columns it sums, its filters
// and its grouped dimensions as the index's code integers.
type rowPass struct {
	cols   [][]float64
	conds  []rowCond
	groups []rowGroup
}

// rowCond is a filter on one dimension: which code integers pass, and
// those codes' rows where the index lists them (cubeIndex.rowsOf).
type rowCond struct {
	col    []uint16
	pass   []bool
	rowsOf [][]rowRange
}

// rowsFor returns the rows of the period within rs that the most
// selective filter with listed rows passes, when they are fewer than
// half of rs's; else rs. Only for sums by cell: the rows are not in the
// cube's order.
func (rp *rowPass) rowsFor(rs []rowRange) []rowRange {
	if len(rs) != 1 {
		return rs // not a roll-up's period
	}
	n := 0
	for _, r := range rs {
		n += r.hi - r.lo
	}
	best, fewest := -1, n/2
	for i, k := range rp.conds {
		if k.rowsOf == nil {
			continue
		}
		m := 0
		for id, pass := range k.pass {
			if pass {
				for _, r := range clip(k.rowsOf[id], rs[0]) {
					m += r.hi - r.lo
				}
			}
		}
		if m < fewest {
			best, fewest = i, m
		}
	}
	if best < 0 {
		return rs
	}
	var out []rowRange
	k := rp.conds[best]
	for id, pass := range k.pass {
		if pass {
			out = append(out, clip(k.rowsOf[id], rs[0])...)
		}
	}
	return out
}

// clip returns the ranges of rows (ascending) within the range within
// (a roll-up's period: one range).
func clip(rows []rowRange, within rowRange) []rowRange {
	lo, hi := within.lo, within.hi
	i := sort.Search(len(rows), func(i int) bool { return rows[i].hi > lo })
	j := sort.Search(len(rows), func(j int) bool { return rows[j].lo >= hi })
	return rows[i:j]
}

// rowGroup is a grouped dimension: it maps code integers to how far into
// the cells of a period their member's cells start, (m+1)·stride, where
// stride is the cells of one member (-1: the code is no member).
type rowGroup struct {
	col    []uint16
	offset []int
	total  bool
	stride int
}

// bind lays the plan out on index x; strides are the grouped dimensions'
// strides (the same for every index).
func (p *plan) bind(x *cubeIndex, fields []string, strides []int) (*rowPass, error) {
	rp := &rowPass{cols: make([][]float64, len(fields)), groups: make([]rowGroup, len(p.grouped))}
	for i, f := range fields {
		m := slices.Index(x.measures, f)
		if m < 0 || x.val[m] == nil {
			return nil, fmt.Errorf("cube %s has no measure %s", x.cube, f)
		}
		rp.cols[i] = x.val[m]
	}
	for dim, codes := range p.filter {
		d := slices.Index(x.dims, dim)
		if d < 0 {
			return nil, fmt.Errorf("cube %s has no dimension %s", x.cube, dim)
		}
		pass := make([]bool, len(x.codes[d]))
		for _, code := range codes {
			if id, ok := x.ids[d][code]; ok {
				pass[id] = true
			}
		}
		k := rowCond{col: x.col[d], pass: pass}
		if x.rowsOf != nil {
			k.rowsOf = x.rowsOf[d]
		}
		rp.conds = append(rp.conds, k)
	}
	for gi, g := range p.grouped {
		d := slices.Index(x.dims, g.def.name)
		if d < 0 {
			return nil, fmt.Errorf("cube %s has no dimension %s", x.cube, g.def.name)
		}
		offset := make([]int, len(x.codes[d]))
		for i := range offset {
			offset[i] = -1
		}
		for m, id := range x.listIDs(d, g.codes) {
			if id >= 0 {
				offset[id] = (m + 1) * strides[gi]
			}
		}
		rp.groups[gi] = rowGroup{x.col[d], offset, g.total, strides[gi]}
	}
	return rp, nil
}

// accumulateRows is accumulate; byCell false adds every row to every
// cell it belongs to even where every field is exact (for the test that
// both ways give the same floats).
func (p *plan) accumulateRows(xs yearIndexes, fields []string, byCell bool) (*sums, error) {
	if len(p.grouped) > 16 {
		return nil, fmt.Errorf("%d grouped dimensions, more than a table can have", len(p.grouped))
	}
	s := &sums{fields: len(fields), radix: make([]int, len(p.grouped))}
	strides := make([]int, len(p.grouped))
	stride := len(fields)
	var totals uint // the grouped dimensions with a total, as bits
	for gi := len(p.grouped) - 1; gi >= 0; gi-- {
		g := p.grouped[gi]
		if g.total {
			totals |= 1 << gi
		}
		strides[gi] = stride
		s.radix[gi] = len(g.codes) + 1
		stride *= s.radix[gi]
	}
	// Each year's index is bound once; the sums are exact when every
	// field is in every year read (each cell sums rows of one period, so
	// of one year).
	passes := map[int]*rowPass{}
	for _, pr := range p.periods {
		x := xs[pr.year]
		if x == nil || passes[pr.year] != nil {
			continue
		}
		rp, err := p.bind(x, fields, strides)
		if err != nil {
			return nil, err
		}
		passes[pr.year] = rp
		for _, f := range fields {
			byCell = byCell && x.exact[slices.Index(x.measures, f)]
		}
	}
	s.vals = make([]float64, stride*len(p.periods))
	// own[gi] is the offset of a row's member of grouped dimension gi.
	own := make([]int, len(p.grouped))
	for pi, pr := range p.periods {
		rp := passes[pr.year]
		if rp == nil {
			continue // no rows in the year
		}
		cols, conds, groups := rp.cols, rp.conds, rp.groups
		ranges := xs[pr.year].periods[pr.code()]
		if byCell {
			ranges = rp.rowsFor(ranges)
		}
		for _, rr := range ranges {
		rows:
			for r := rr.lo; r < rr.hi; r++ {
				for _, k := range conds {
					if !k.pass[k.col[r]] {
						continue rows
					}
				}
				// The cell of the row's members, and the cells with any
				// set of the dimensions that have a total at their total
				// (the set must hold the dimensions the row has no
				// member of).
				cell, must := pi*stride, uint(0)
				for gi := range groups {
					g := &groups[gi]
					o := g.offset[g.col[r]]
					if o < 0 {
						if !g.total {
							continue rows
						}
						must |= 1 << gi
						o = 0
					}
					own[gi] = o
					cell += o
				}
				if byCell {
					for i, col := range cols {
						s.vals[cell+i] += col[r]
					}
					continue
				}
				for set := totals; ; set = (set - 1) & totals {
					if set&must == must {
						at := cell
						for b := set; b != 0; b &= b - 1 {
							at -= own[bits.TrailingZeros(b)]
						}
						for i, col := range cols {
							s.vals[at+i] += col[r]
						}
					}
					if set == 0 {
						break
					}
				}
			}
		}
	}
	if byCell {
		// Each total, dimension by dimension: after dimension gi, a cell
		// at gi's total holds its members' cells (at their totals of the
		// dimensions before), so the last holds every set of totals.
		for gi, g := range p.grouped {
			if !g.total {
				continue
			}
			span := strides[gi] * s.radix[gi]
			for at := 0; at < len(s.vals); at += span {
				for m := 1; m < s.radix[gi]; m++ {
					for i := range strides[gi] {
						s.vals[at+i] += s.vals[at+m*strides[gi]+i]
					}
				}
			}
		}
	}
	return s, nil
}

// indexes builds the index of each year of each cube once per version,
// when a table first reads the year, and its roll-ups on work (nil: none).
type indexes struct {
	mu   sync.Mutex
	by   map[string]*indexSlot
	work *rollupWork
}

func newIndexes(rollupBytes int64) *indexes {
	return &indexes{by: map[string]*indexSlot{}, work: newRollupWork(rollupBytes)}
}

type indexSlot struct {
	once sync.Once
	x    *cubeIndex
	err  error
}

// index returns the indexes of the years of the cube a dataset reads.
func (v *version) index(def *datasetDef, years []int) (yearIndexes, error) {
	yc, err := v.cubes.cubeYears(def.cube)
	if err != nil {
		return nil, err
	}
	parts, err := yc.read(years)
	if err != nil {
		return nil, err
	}
	out := yearIndexes{}
	for year, part := range parts {
		key := def.cube + "/" + strconv.FormatBool(def.quarterly) + "/" + strconv.Itoa(year)
		v.indexes.mu.Lock()
		slot := v.indexes.by[key]
		if slot == nil {
			slot = &indexSlot{}
			v.indexes.by[key] = slot
		}
		v.indexes.mu.Unlock()
		slot.once.Do(func() {
			slot.x = part.x.byQuarter(def.quarterly)
			slot.x.keepLists(def.dims)
			slot.x.rollups = newRollups(slot.x, def.quarterly, v.indexes.work)
		})
		if slot.err != nil {
			return nil, slot.err
		}
		out[year] = slot.x
	}
	return out, nil
}

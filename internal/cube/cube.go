// Package cube holds aggregate tables in memory: rows of dimension codes with
// additive measures, and sums over whole categories of those dimensions.
// Every figure insyn publishes is computed from such sums.
package cube

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Cube is one aggregate table of a dataset, e.g. insatser by nämnd, insats,
// kön, ... with the measures antal_beslut, timmar_antal, timmar_summa.
type Cube struct {
	Name     string
	Dims     []string
	Measures []string
	Rows     []Row
	// sorted is set by Builder.Cube: Rows are in coordinate order, so the
	// rows of one code of the first dimension (the year) are contiguous
	// and Sum finds them by binary search instead of reading every row.
	sorted bool
}

// Row is one cell of the finest cross-tabulation: a code per dimension and a
// value per measure, in the order of Cube.Dims and Cube.Measures.
type Row struct {
	Coords []string
	Values []float64
}

// Filter selects whole categories: for each named dimension, the codes a row
// must have one of. A dimension not named is not restricted.
type Filter map[string][]string

// Merge returns the intersection of f and g: a dimension named in both keeps
// the codes both allow.
func (f Filter) Merge(g Filter) Filter {
	out := Filter{}
	for d, codes := range f {
		out[d] = codes
	}
	for d, codes := range g {
		if prev, ok := out[d]; ok {
			var both []string
			for _, c := range codes {
				if slices.Contains(prev, c) {
					both = append(both, c)
				}
			}
			if both == nil {
				both = []string{}
			}
			out[d] = both
			continue
		}
		out[d] = codes
	}
	return out
}

// Without returns f without restrictions on the given dimensions.
func (f Filter) Without(dims ...string) Filter {
	out := Filter{}
	for d, codes := range f {
		if !slices.Contains(dims, d) {
			out[d] = codes
		}
	}
	return out
}

// Only returns f restricted to the given dimensions.
func (f Filter) Only(dims []string) Filter {
	out := Filter{}
	for d, codes := range f {
		if slices.Contains(dims, d) {
			out[d] = codes
		}
	}
	return out
}

// String renders f deterministically, e.g. {kon=K namnd=jarva|bromma}.
func (f Filter) String() string {
	dims := make([]string, 0, len(f))
	for d := range f {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = d + "=" + strings.Join(f[d], "|")
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// Sum adds up measure over the rows f selects. It returns the sum and the
// number of rows that matched; an error names a dimension or measure the cube
// does not have.
func (c *Cube) Sum(f Filter, measure string) (float64, int, error) {
	m := slices.Index(c.Measures, measure)
	if m < 0 {
		return 0, 0, fmt.Errorf("cube %s: no measure %q (has %s)", c.Name, measure, strings.Join(c.Measures, ", "))
	}
	type cond struct {
		dim   int
		codes []string
	}
	conds := make([]cond, 0, len(f))
	for d, codes := range f {
		i := slices.Index(c.Dims, d)
		if i < 0 {
			return 0, 0, fmt.Errorf("cube %s: no dimension %q (has %s)", c.Name, d, strings.Join(c.Dims, ", "))
		}
		conds = append(conds, cond{i, codes})
	}
	var sum float64
	n := 0
	for _, rr := range c.ranges(f) {
	rows:
		for _, r := range c.Rows[rr[0]:rr[1]] {
			for _, k := range conds {
				if !slices.Contains(k.codes, r.Coords[k.dim]) {
					continue rows
				}
			}
			sum += r.Values[m]
			n++
		}
	}
	return sum, n, nil
}

// ranges returns the row ranges Sum must read, in row order: all rows, or
// for a sorted cube filtered on its first dimension the rows of each code
// asked for. The rows are visited in the same order either way, so sums
// are the same floats.
func (c *Cube) ranges(f Filter) [][2]int {
	all := [][2]int{{0, len(c.Rows)}}
	if !c.sorted || len(c.Dims) == 0 {
		return all
	}
	codes, ok := f[c.Dims[0]]
	if !ok {
		return all
	}
	var out [][2]int
	for _, code := range slices.Compact(slices.Sorted(slices.Values(codes))) {
		lo := sort.Search(len(c.Rows), func(i int) bool { return c.Rows[i].Coords[0] >= code })
		hi := sort.Search(len(c.Rows), func(i int) bool { return c.Rows[i].Coords[0] > code })
		if lo < hi {
			out = append(out, [2]int{lo, hi})
		}
	}
	return out
}

// Builder accumulates rows keyed by their coordinates, adding the measures of
// rows with equal coordinates.
type Builder struct {
	cube *Cube
	// index finds a row by its coordinates; nil while every row added
	// came after the one before in coordinate order (a lake's files are
	// written sorted): such rows are all distinct and already in the
	// cube's order, and neither a key per row nor the sort is needed.
	index map[string]int
	// codes holds each distinct coordinate once: the cube's rows share
	// them rather than the strings they were given (a lake's rows each
	// bring their own copies, half a million of them at national scale).
	codes map[string]string
}

// NewBuilder starts an empty cube.
func NewBuilder(name string, dims, measures []string) *Builder {
	return &Builder{cube: &Cube{Name: name, Dims: dims, Measures: measures}, codes: map[string]string{}}
}

// Add adds values to the cell at coords.
func (b *Builder) Add(coords []string, values ...float64) {
	if len(coords) != len(b.cube.Dims) || len(values) != len(b.cube.Measures) {
		panic(fmt.Sprintf("cube %s: Add with %d coords and %d values, want %d and %d",
			b.cube.Name, len(coords), len(values), len(b.cube.Dims), len(b.cube.Measures)))
	}
	if b.index == nil {
		rows := b.cube.Rows
		if len(rows) == 0 || slices.Compare(rows[len(rows)-1].Coords, coords) < 0 {
			b.addRow(coords, values)
			return
		}
		// Out of order, or a second row of a cell: index the rows so far.
		b.index = make(map[string]int, len(rows))
		for i, r := range rows {
			b.index[strings.Join(r.Coords, "\x00")] = i
		}
	}
	key := strings.Join(coords, "\x00")
	i, ok := b.index[key]
	if !ok {
		i = len(b.cube.Rows)
		b.index[key] = i
		b.addRow(coords, values)
		return
	}
	for j, v := range values {
		b.cube.Rows[i].Values[j] += v
	}
}

// addRow adds a row for coords, its measures values added to zeros (as
// to every row: -0 becomes 0).
func (b *Builder) addRow(coords []string, values []float64) {
	own := make([]string, len(coords))
	for d, code := range coords {
		shared, ok := b.codes[code]
		if !ok {
			shared = strings.Clone(code)
			b.codes[shared] = shared
		}
		own[d] = shared
	}
	sums := make([]float64, len(values))
	for j, v := range values {
		sums[j] += v
	}
	b.cube.Rows = append(b.cube.Rows, Row{Coords: own, Values: sums})
}

// Cube returns the cube with its rows sorted by coordinates, so equal data
// always give an equal cube.
func (b *Builder) Cube() *Cube {
	c := b.cube
	if b.index != nil {
		sort.Slice(c.Rows, func(i, j int) bool {
			return slices.Compare(c.Rows[i].Coords, c.Rows[j].Coords) < 0
		})
	}
	c.sorted = true
	return c
}

// FromRows returns the cube of rows, each a distinct coordinate, as they
// are (not copied); it is sorted (Builder.Cube) when they are in
// coordinate order.
func FromRows(name string, dims, measures []string, rows []Row) *Cube {
	c := &Cube{Name: name, Dims: dims, Measures: measures, Rows: rows, sorted: true}
	for i := 1; i < len(rows); i++ {
		if slices.Compare(rows[i-1].Coords, rows[i].Coords) >= 0 {
			c.sorted = false
			break
		}
	}
	return c
}

// Source gives the cubes of one lake version by name.
type Source map[string]*Cube

// Get returns the cube called name.
func (s Source) Get(name string) (*Cube, error) {
	c, ok := s[name]
	if !ok {
		return nil, fmt.Errorf("no cube %q", name)
	}
	return c, nil
}

// Concat returns one cube of the rows of parts, one part after another:
// parts of one cube split by its first dimension (a cube per year), in
// that dimension's order, give the cube built from all their rows, so its
// sums are the same floats. The parts share their rows with the result.
func Concat(parts ...*Cube) (*Cube, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("cube: Concat of no cubes")
	}
	first := parts[0]
	out := &Cube{Name: first.Name, Dims: first.Dims, Measures: first.Measures, sorted: true}
	n := 0
	for _, p := range parts {
		if p.Name != first.Name || !slices.Equal(p.Dims, first.Dims) || !slices.Equal(p.Measures, first.Measures) {
			return nil, fmt.Errorf("cube: Concat of %s%v%v and %s%v%v", first.Name, first.Dims, first.Measures, p.Name, p.Dims, p.Measures)
		}
		n += len(p.Rows)
	}
	out.Rows = make([]Row, 0, n)
	for _, p := range parts {
		if len(p.Rows) == 0 {
			continue
		}
		// The result is sorted when each part is and each starts after
		// the one before ends.
		if !p.sorted || (len(out.Rows) > 0 && slices.Compare(out.Rows[len(out.Rows)-1].Coords, p.Rows[0].Coords) >= 0) {
			out.sorted = false
		}
		out.Rows = append(out.Rows, p.Rows...)
	}
	return out, nil
}

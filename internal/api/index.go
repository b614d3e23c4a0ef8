package api

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/stockholm/insyn/internal/cube"
)

// cubeIndex is a cube laid out for the table query's single pass: each
// dimension's codes as small integers in a column, each measure in a
// column, and the rows of each period as ranges. A national year of
// insatser is 140 000 rows; scanning them as strings and maps took tens of
// milliseconds a query, as integers it takes about one.
type cubeIndex struct {
	c *cube.Cube
	// ids maps each dimension's codes to their integers; codes lists them.
	ids   []map[string]uint16
	codes [][]string
	// col holds, per dimension, each row's code as an integer.
	col [][]uint16
	// val holds, per measure, each row's value.
	val [][]float64
	// periods are the row ranges of each period ("2024", "2024-Q2").
	periods map[string][]rowRange
}

// rowRange is the rows lo..hi-1.
type rowRange struct{ lo, hi int }

// newCubeIndex lays c out; quarterly cubes are ranged by year and quarter.
func newCubeIndex(c *cube.Cube, quarterly bool) (*cubeIndex, error) {
	x := &cubeIndex{c: c, periods: map[string][]rowRange{}}
	n := len(c.Rows)
	for range c.Dims {
		x.ids = append(x.ids, map[string]uint16{})
		x.codes = append(x.codes, nil)
		x.col = append(x.col, make([]uint16, n))
	}
	for range c.Measures {
		x.val = append(x.val, make([]float64, n))
	}
	ai, qi := slices.Index(c.Dims, "ar"), slices.Index(c.Dims, "kvartal")
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
		pc := ""
		if ai >= 0 {
			pc = row.Coords[ai]
		}
		if quarterly && qi >= 0 {
			pc += "-Q" + row.Coords[qi]
		}
		rs := x.periods[pc]
		if k := len(rs) - 1; k >= 0 && rs[k].hi == r {
			rs[k].hi = r + 1
		} else {
			rs = append(rs, rowRange{r, r + 1})
		}
		x.periods[pc] = rs
	}
	return x, nil
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

// accumulate sums fields over the cube's rows into every cell a row
// belongs to, in one pass over the rows of the plan's periods. Rows are
// added in the cube's order, as cube.Sum adds them, so a cell's sum is the
// very float a report's figure of the same cell gets.
func (p *plan) accumulate(x *cubeIndex, fields []string) (*sums, error) {
	c := x.c
	fi := make([]int, len(fields))
	for i, f := range fields {
		fi[i] = slices.Index(c.Measures, f)
		if fi[i] < 0 {
			return nil, fmt.Errorf("cube %s has no measure %s", c.Name, f)
		}
	}
	// A filter is, per dimension, which code integers pass.
	type cond struct {
		col  []uint16
		pass []bool
	}
	var conds []cond
	for dim, codes := range p.filter {
		d := slices.Index(c.Dims, dim)
		if d < 0 {
			return nil, fmt.Errorf("cube %s has no dimension %s", c.Name, dim)
		}
		pass := make([]bool, len(x.codes[d]))
		for _, code := range codes {
			if id, ok := x.ids[d][code]; ok {
				pass[id] = true
			}
		}
		conds = append(conds, cond{x.col[d], pass})
	}
	// A grouped dimension maps code integers to members (-1: none).
	type group struct {
		col    []uint16
		member []int32
		total  bool
	}
	s := &sums{fields: len(fields)}
	groups := make([]group, len(p.grouped))
	cells := len(p.periods)
	for gi, g := range p.grouped {
		d := slices.Index(c.Dims, g.def.name)
		if d < 0 {
			return nil, fmt.Errorf("cube %s has no dimension %s", c.Name, g.def.name)
		}
		member := make([]int32, len(x.codes[d]))
		for i := range member {
			member[i] = -1
		}
		for m, code := range g.codes {
			if id, ok := x.ids[d][code]; ok {
				member[id] = int32(m)
			}
		}
		groups[gi] = group{x.col[d], member, g.total}
		s.radix = append(s.radix, len(g.codes)+1)
		cells *= len(g.codes) + 1
	}
	s.vals = make([]float64, cells*len(fields))
	// offsets[k] are the cell indexes a row adds to, as the grouped
	// dimensions are taken in turn: its member's and, where wanted, the
	// total's.
	offsets := make([]int, 0, 1<<len(groups))
	next := make([]int, 0, 1<<len(groups))
	for pi, pr := range p.periods {
		for _, rr := range x.periods[pr.code()] {
		rows:
			for r := rr.lo; r < rr.hi; r++ {
				for _, k := range conds {
					if !k.pass[k.col[r]] {
						continue rows
					}
				}
				offsets = append(offsets[:0], pi)
				for gi, g := range groups {
					m := g.member[g.col[r]]
					if m < 0 && !g.total {
						continue rows
					}
					next = next[:0]
					for _, o := range offsets {
						if m >= 0 {
							next = append(next, o*s.radix[gi]+int(m)+1)
						}
						if g.total {
							next = append(next, o*s.radix[gi])
						}
					}
					offsets, next = next, offsets
				}
				for _, o := range offsets {
					cell := s.vals[o*len(fi) : (o+1)*len(fi)]
					for i, f := range fi {
						cell[i] += x.val[f][r]
					}
				}
			}
		}
	}
	return s, nil
}

// indexes builds each cube's index once per version, when a table first
// reads the cube.
type indexes struct {
	mu sync.Mutex
	by map[string]*indexSlot
}

type indexSlot struct {
	once sync.Once
	x    *cubeIndex
	err  error
}

// index returns the index of the cube a dataset reads.
func (v *version) index(def *datasetDef) (*cubeIndex, error) {
	c, err := v.src.Get(def.cube)
	if err != nil {
		return nil, err
	}
	key := def.cube + "/" + strconv.FormatBool(def.quarterly)
	v.indexes.mu.Lock()
	slot := v.indexes.by[key]
	if slot == nil {
		slot = &indexSlot{}
		v.indexes.by[key] = slot
	}
	v.indexes.mu.Unlock()
	slot.once.Do(func() { slot.x, slot.err = newCubeIndex(c, def.quarterly) })
	return slot.x, slot.err
}

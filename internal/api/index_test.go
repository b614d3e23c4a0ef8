package api

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
)

// TestAccumulateByCell: summing exact fields into each row's own cell and
// the totals from the cells below gives the very floats of adding every
// row to every cell it belongs to, for every dataset and measure,
// groupings of up to three dimensions with totals, filters, and ranges
// of years and quarters.
func TestAccumulateByCell(t *testing.T) {
	v := sampleHandler(t).lake.cur.Load()
	byCell := 0
	for _, ds := range v.datasets {
		def := ds.def
		x, err := v.index(def, nil)
		if err != nil {
			t.Fatal(err)
		}
		period := periodRange(t, ds)
		codes := def.dims[0].codes.CodeValues()
		for _, m := range def.measuresOf() {
			for _, g := range groupings(def.dims, 3) {
				// The last dimension outermost: the sums must not depend
				// on the order of groupBy.
				if len(g) > 1 {
					g = append([]string{g[len(g)-1]}, g[:len(g)-1]...)
				}
				for _, f := range [][]filterArg{nil, {{Dimension: def.dims[0].name, Codes: codes[:min(2, len(codes))]}}} {
					req := tableRequest{Dataset: def.name, Measure: m, Period: period, GroupBy: g, Filter: f, Totals: true}
					if m == Share {
						if len(g) == 0 {
							continue
						}
						req.ShareOf = g[0]
					}
					p, err := v.planTable(req)
					if err != nil {
						continue // a measure's rules (MEAN_HOURS, PERSONS) refuse it
					}
					fields := p.fieldsOf()
					fast, err := p.accumulateRows(x, fields, true)
					if err != nil {
						t.Fatal(err)
					}
					slow, err := p.accumulateRows(x, fields, false)
					if err != nil {
						t.Fatal(err)
					}
					for i := range slow.vals {
						if math.Float64bits(fast.vals[i]) != math.Float64bits(slow.vals[i]) {
							t.Fatalf("%s %s by %v, filter %v: value %d is %v by cell, %v by row", def.name, m, g, f, i, fast.vals[i], slow.vals[i])
						}
					}
					if !slices.ContainsFunc(fields, func(f string) bool {
						for _, y := range p.years() {
							if yx := x[y]; yx != nil && !yx.exact[slices.Index(yx.measures, f)] {
								return true
							}
						}
						return false
					}) {
						byCell++
					}
				}
			}
		}
	}
	if byCell == 0 {
		t.Fatal("no table was summed by cell")
	}
	t.Logf("%d tables summed by cell", byCell)
}

// TestExactMeasures: a measure is exact only when its values are integers
// whose magnitudes sum to less than 2⁵³.
func TestExactMeasures(t *testing.T) {
	c := &cube.Cube{Name: "t", Dims: []string{"ar"}, Measures: []string{"count", "hours", "huge"}, Rows: []cube.Row{
		{Coords: []string{"2024"}, Values: []float64{3, 1.5, 1 << 52}},
		{Coords: []string{"2024"}, Values: []float64{-2, 2, 1 << 52}},
		{Coords: []string{"2024"}, Values: []float64{0, 0, -1}},
	}}
	x, err := newCubeIndex(c, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, false}; !slices.Equal(x.exact, want) {
		t.Errorf("exact %v, want %v", x.exact, want)
	}
}

// TestCells: the cells of random tables of the sample lake (seeded), with
// and without totals, are those of walking the grouped dimensions in
// order (codes, then the total), feasible combinations only, and as many
// as size says.
func TestCells(t *testing.T) {
	v := sampleHandler(t).lake.cur.Load()
	rng := rand.New(rand.NewPCG(2, 3))
	checked := 0
	for range 400 {
		_, req := randomTable(t, rng, v)
		p, err := v.planTable(req)
		if err != nil {
			continue
		}
		var want []cellSpec
		member := make([]int, len(p.grouped))
		var walk func(pi, d int)
		walk = func(pi, d int) {
			if d == len(p.grouped) {
				if p.feasible(member) {
					want = append(want, cellSpec{period: pi, member: slices.Clone(member)})
				}
				return
			}
			for i := range p.grouped[d].codes {
				member[d] = i
				walk(pi, d+1)
			}
			if p.grouped[d].totalWanted {
				member[d] = -1
				walk(pi, d+1)
			}
		}
		for pi := range p.periods {
			walk(pi, 0)
		}
		got := p.cells()
		if len(got) != len(want) || p.size() != len(want) {
			t.Fatalf("%+v: %d cells, size %d, want %d", req, len(got), p.size(), len(want))
		}
		for i := range want {
			if got[i].period != want[i].period || !slices.Equal(got[i].member, want[i].member) {
				t.Fatalf("%+v: cell %d is %+v, want %+v", req, i, got[i], want[i])
			}
		}
		checked++
	}
	if checked < 200 {
		t.Fatalf("only %d tables checked", checked)
	}
}

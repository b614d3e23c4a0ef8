package reports

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/stockholm/insyn/internal/cube"
)

// Source gives the aggregate cubes of one lake version by name.
type Source = cube.Source

// Kind says what a figure is, which decides how it is rounded and what it
// rests on for disclosure control.
type Kind int

// Kinds of figures.
const (
	KindCount  Kind = iota // number of persons or decisions
	KindMean               // mean of a magnitude per person
	KindShare              // percent of a total
	KindRate               // per 10 000 inhabitants
	KindAmount             // sum of a magnitude (SEK)
)

// Status says whether a figure could be computed.
type Status int

// Statuses of a computed figure.
const (
	StatusOK            Status = iota
	StatusNotComputable        // a mean or share over 0 persons: "."
	StatusNoData               // no data for the period or unit: "i.u"
)

// Value is a computed, unrounded figure with the number of persons (or
// decisions) it rests on.
type Value struct {
	Kind   Kind
	Value  float64
	Basis  float64
	Status Status
}

// Rounded is the figure as the reports print it: half away from zero, to
// whole units (counts, SEK, hours, percent, rate).
func (v Value) Rounded() float64 { return math.Floor(v.Value + 0.5) }

// Measure computes one figure of a cell from the cubes.
type Measure interface {
	Eval(src Source, f cube.Filter) (Value, error)
}

// periodDims are the dimensions whose absence means "no data" rather than zero.
var periodDims = []string{"ar", "kvartal"}

// hasPeriod reports whether the cube has any row for the period f selects.
func hasPeriod(c *cube.Cube, f cube.Filter) (bool, error) {
	_, n, err := c.Sum(f.Only(periodDims), c.Measures[0])
	return n > 0, err
}

// Count sums a count measure (persons or decisions).
type Count struct{ Cube, Field string }

// Eval implements Measure.
func (m Count) Eval(src Source, f cube.Filter) (Value, error) {
	c, err := src.Get(m.Cube)
	if err != nil {
		return Value{}, err
	}
	ok, err := hasPeriod(c, f)
	if err != nil || !ok {
		return Value{Kind: KindCount, Status: StatusNoData}, err
	}
	v, _, err := c.Sum(f, m.Field)
	return Value{Kind: KindCount, Value: v, Basis: v}, err
}

// Amount sums a magnitude (SEK); it rests on the persons counted by Persons.
type Amount struct{ Cube, Field, Persons string }

// Eval implements Measure.
func (m Amount) Eval(src Source, f cube.Filter) (Value, error) {
	n, err := Count{m.Cube, m.Persons}.Eval(src, f)
	if err != nil || n.Status != StatusOK {
		return Value{Kind: KindAmount, Status: n.Status}, err
	}
	c, _ := src.Get(m.Cube)
	v, _, err := c.Sum(f, m.Field)
	return Value{Kind: KindAmount, Value: v, Basis: n.Value}, err
}

// Mean divides a summed magnitude by the number of persons it belongs to.
type Mean struct{ Cube, Sum, N string }

// Eval implements Measure.
func (m Mean) Eval(src Source, f cube.Filter) (Value, error) {
	n, err := Count{m.Cube, m.N}.Eval(src, f)
	if err != nil || n.Status != StatusOK {
		return Value{Kind: KindMean, Status: n.Status}, err
	}
	if n.Value == 0 {
		return Value{Kind: KindMean, Status: StatusNotComputable}, nil
	}
	c, _ := src.Get(m.Cube)
	s, _, err := c.Sum(f, m.Sum)
	return Value{Kind: KindMean, Value: s / n.Value, Basis: n.Value}, err
}

// Share is a count as a percent of a total. The numerator is Of over the
// cell's filter without NumWithout; the denominator drops DenWithout as well
// (e.g. share of women: DenWithout kon).
type Share struct {
	Of                     Count
	NumWithout, DenWithout []string
}

// Eval implements Measure.
func (m Share) Eval(src Source, f cube.Filter) (Value, error) {
	nf := f.Without(m.NumWithout...)
	num, err := m.Of.Eval(src, nf)
	if err != nil || num.Status != StatusOK {
		return Value{Kind: KindShare, Status: num.Status}, err
	}
	den, err := m.Of.Eval(src, nf.Without(m.DenWithout...))
	if err != nil {
		return Value{}, err
	}
	if den.Value == 0 {
		return Value{Kind: KindShare, Status: StatusNotComputable}, nil
	}
	return Value{Kind: KindShare, Value: 100 * num.Value / den.Value, Basis: num.Value}, nil
}

// Rate is a count per Per inhabitants; the population is summed over the
// cell's filter restricted to the population cube's dimensions.
type Rate struct {
	Of  Count
	Pop Count
	Per float64
}

// Eval implements Measure.
func (m Rate) Eval(src Source, f cube.Filter) (Value, error) {
	num, err := m.Of.Eval(src, f)
	if err != nil || num.Status != StatusOK {
		return Value{Kind: KindRate, Status: num.Status}, err
	}
	pc, err := src.Get(m.Pop.Cube)
	if err != nil {
		return Value{}, err
	}
	pop, err := m.Pop.Eval(src, f.Only(pc.Dims))
	if err != nil {
		return Value{}, err
	}
	if pop.Status != StatusOK || pop.Value == 0 {
		return Value{Kind: KindRate, Status: StatusNotComputable}, nil
	}
	return Value{Kind: KindRate, Value: m.Per * num.Value / pop.Value, Basis: num.Value}, nil
}

// Spec computes one printed table: each cell is Measure (the column's, else
// the row's) over Where ∩ row.Where ∩ column.Where.
type Spec struct {
	ID    string
	Where cube.Filter
	Rows  []Line
	Cols  []Line
}

// Line is a row (Label as printed) or a column (Label = the column key).
// Cube, when set, makes the line's cells read that cube instead of the
// measure's own (table 9:1's SFB row reads "sfb" with the columns' measures).
type Line struct {
	Label   string
	Where   cube.Filter
	Measure Measure
	Cube    string
}

// measureAt is the measure of the cell at row r and column c (the
// column's, else the row's, on the line's cube), nil if there is none.
func (s *Spec) measureAt(r, c int) Measure {
	row, col := s.Rows[r], s.Cols[c]
	m := col.Measure
	if m == nil {
		m = row.Measure
	}
	if m == nil {
		return nil
	}
	if row.Cube != "" {
		m = onCube(m, row.Cube)
	}
	if col.Cube != "" {
		m = onCube(m, col.Cube)
	}
	return m
}

// Cubes lists the cubes the table's cells read, sorted, so that a reader
// can have just those at hand for Eval.
func (s *Spec) Cubes() []string {
	seen := map[string]bool{}
	for r := range s.Rows {
		for c := range s.Cols {
			switch m := s.measureAt(r, c).(type) {
			case Count:
				seen[m.Cube] = true
			case Amount:
				seen[m.Cube] = true
			case Mean:
				seen[m.Cube] = true
			case Share:
				seen[m.Of.Cube] = true
			case Rate:
				seen[m.Of.Cube], seen[m.Pop.Cube] = true, true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Years lists the years (the codes of the dimension ar) the table's cells
// read, sorted, so that a reader can have just those at hand for Eval; nil
// when a cell reads every year (its filter does not restrict ar, or a
// share drops the restriction).
func (s *Spec) Years() []int {
	seen := map[int]bool{}
	for r := range s.Rows {
		for c := range s.Cols {
			m := s.measureAt(r, c)
			if m == nil {
				continue
			}
			if sh, ok := m.(Share); ok && (slices.Contains(sh.NumWithout, "ar") || slices.Contains(sh.DenWithout, "ar")) {
				return nil
			}
			codes, ok := cube.Filter{}.Merge(s.Where).Merge(s.Rows[r].Where).Merge(s.Cols[c].Where)["ar"]
			if !ok {
				return nil
			}
			for _, code := range codes {
				y, err := strconv.Atoi(code)
				if err != nil {
					return nil
				}
				seen[y] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Eval computes the cell at row r and column c.
func (s *Spec) Eval(src Source, r, c int) (Value, error) {
	row, col := s.Rows[r], s.Cols[c]
	m := s.measureAt(r, c)
	if m == nil {
		return Value{}, fmt.Errorf("table %s row %q column %s: no measure", s.ID, row.Label, col.Label)
	}
	f := cube.Filter{}.Merge(s.Where).Merge(row.Where).Merge(col.Where)
	v, err := m.Eval(src, f)
	if err != nil {
		return Value{}, fmt.Errorf("table %s row %q column %s: %w", s.ID, row.Label, col.Label, err)
	}
	return v, nil
}

// onCube returns m reading cube name instead of its own cube; a Rate keeps
// its population cube.
func onCube(m Measure, name string) Measure {
	switch m := m.(type) {
	case Count:
		m.Cube = name
		return m
	case Amount:
		m.Cube = name
		return m
	case Mean:
		m.Cube = name
		return m
	case Share:
		m.Of.Cube = name
		return m
	case Rate:
		m.Of.Cube = name
		return m
	}
	return m
}

// CountRef is a count a figure rests on: a cube's count field over a filter.
// A mean rests on its persons, a share on its numerator and denominator, a
// rate on its numerator (the population is public).
type CountRef struct {
	Cube, Field string
	Where       cube.Filter
}

// Counts returns the counts the cell at row r and column c rests on, which
// disclosure control must publish before the figure can be.
func (s *Spec) Counts(r, c int) ([]CountRef, error) {
	row, col := s.Rows[r], s.Cols[c]
	m := s.measureAt(r, c)
	f := cube.Filter{}.Merge(s.Where).Merge(row.Where).Merge(col.Where)
	switch m := m.(type) {
	case Count:
		return []CountRef{{m.Cube, m.Field, f}}, nil
	case Amount:
		return []CountRef{{m.Cube, m.Persons, f}}, nil
	case Mean:
		return []CountRef{{m.Cube, m.N, f}}, nil
	case Share:
		nf := f.Without(m.NumWithout...)
		return []CountRef{{m.Of.Cube, m.Of.Field, nf}, {m.Of.Cube, m.Of.Field, nf.Without(m.DenWithout...)}}, nil
	case Rate:
		return []CountRef{{m.Of.Cube, m.Of.Field, f}}, nil
	}
	return nil, fmt.Errorf("table %s row %q column %s: no measure", s.ID, row.Label, col.Label)
}

package protect

import "sort"

// Mark is what the API shows for a cell.
type Mark uint8

// Marks, as the city's reports print them.
const (
	Published Mark = iota
	Primary        // "*": a count of 1..threshold-1
	Secondary      // "**": hidden so that no primary cell can be computed
	// Unpublished is a cell a publication neither shows nor marks (used to
	// audit the printed reports, which publish only some cells).
	Unpublished
)

// Rules are the disclosure rules of a dataset.
type Rules struct {
	Threshold       int     // counts 1..Threshold-1 are primary (default 4)
	ProtectionLevel float64 // width a primary cell's interval must keep (default 3)
	// Datasets overrides Threshold per cube (e.g. "kbf": 5), for a dataset
	// whose owner asks for more.
	Datasets map[string]int
}

// For returns the rules of one cube: its own threshold if it has one.
func (r Rules) For(cube string) Rules {
	if t, ok := r.Datasets[cube]; ok {
		return Rules{Threshold: t, ProtectionLevel: r.ProtectionLevel}
	}
	return Rules{Threshold: r.Threshold, ProtectionLevel: r.ProtectionLevel}
}

// Pattern is the published/suppressed mark of every cell of a structure.
type Pattern struct {
	Marks                  []Mark
	Primaries, Secondaries int
}

// Suppress decides the pattern of a structure: cells of 1..threshold-1
// persons are primary; then, in the manner of Statistics Norway's
// GaussSuppression, every other cell is considered in a fixed order of
// preference to publish — zeros first (they are public and never
// complementary), then cells a seed report prints a figure on (markPrinted),
// then aggregates before their parts (cells with more dimensions at total
// first), larger values before smaller, ties by key — and is
// published unless its publication would make some suppressed cell a linear
// combination of published cells, in which case it is suppressed as well.
// The same structure always gives the same pattern.
func Suppress(s *Structure, r Rules) *Pattern {
	return gauss(s, r, nil)
}

// Protect is Suppress followed by interval protection: it alternates the
// Gauss pass with widenIntervals (over the structure's additive relations)
// until neither adds a suppression, so the pattern is both free of exact
// disclosure and wide in every relation. Deterministic.
func Protect(s *Structure, hier []Hierarchy, r Rules) *Pattern {
	return protectWith(s, s.relations(hier), r)
}

// protectWith is Protect over the structure's relations.
func protectWith(s *Structure, rels []relation, r Rules) *Pattern {
	level := r.ProtectionLevel
	if level == 0 {
		level = 3
	}
	var forced []bool
	for {
		p := gauss(s, r, forced)
		if len(widenIntervals(s, p, rels, level)) == 0 {
			return p
		}
		forced = make([]bool, len(s.Cells))
		for i, m := range p.Marks {
			forced[i] = m == Secondary
		}
	}
}

// gauss is the Gauss pass; forced cells are suppressed (as secondary) from
// the start.
func gauss(s *Structure, r Rules, forced []bool) *Pattern {
	t := float64(r.threshold())
	p := &Pattern{Marks: make([]Mark, len(s.Cells))}
	type suppressed struct {
		cell     int
		residual residual
	}
	var supp []suppressed
	var order []int
	for i, c := range s.Cells {
		t := t
		if s.cellThreshold != nil {
			t = float64(s.cellThreshold[i])
		}
		if c.Value >= 1 && c.Value < t {
			p.Marks[i] = Primary
			p.Primaries++
			supp = append(supp, suppressed{i, newResidual(unitVector(c.Atoms))})
			continue
		}
		if forced != nil && forced[i] {
			p.Marks[i] = Secondary
			p.Secondaries++
			supp = append(supp, suppressed{i, newResidual(unitVector(c.Atoms))})
			continue
		}
		order = append(order, i)
	}
	totals := make([]int, len(s.Cells))
	for i, c := range s.Cells {
		for _, code := range c.Coords {
			if code == Total {
				totals[i]++
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		ca, cb := s.Cells[order[a]], s.Cells[order[b]]
		if (ca.Value == 0) != (cb.Value == 0) {
			return ca.Value == 0
		}
		if pa, pb := s.isPrinted(order[a]), s.isPrinted(order[b]); pa != pb {
			return pa // what the reports print before what they do not
		}
		if totals[order[a]] != totals[order[b]] {
			return totals[order[a]] > totals[order[b]] // totals before their parts
		}
		if ca.Value != cb.Value {
			return ca.Value > cb.Value
		}
		return ca.Key < cb.Key
	})
	b := newBasis()
	for _, i := range order {
		red := b.reduce(unitVector(s.Cells[i].Atoms))
		if red.isZero() {
			continue // already implied by what is published
		}
		q := red.idx[0]
		norm := red.normalised()
		discloses := false
		if s.Cells[i].Value != 0 {
			for k := range supp {
				if supp[k].residual.cancelsWith(norm) {
					discloses = true
					break
				}
			}
		}
		if discloses {
			p.Marks[i] = Secondary
			p.Secondaries++
			supp = append(supp, suppressed{i, newResidual(red)})
			continue
		}
		b.byPivot[q] = norm
		for k := range supp {
			if f := supp[k].residual.at(q); f != 0 {
				supp[k].residual.subtract(f, norm)
			}
		}
	}
	return p
}

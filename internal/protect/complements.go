package protect

import (
	"math"
	"slices"
	"sort"
)

// complementsFor chooses, for a primary cell without a certificate, the
// published cells to suppress so that one exists: the linear program of a
// certificate (move the cell up by the protection level, atoms >= 0,
// suppressed cells >= 1) in which every published cell may change too, at a
// cost of 1 + its value per unit. The cells it changes are the complements
// (Fischetti and Salazar's model of cell suppression, with the integer
// choice relaxed and restricted to a neighbourhood); large cells — the
// totals a reader most wants — are the dearest, so they are chosen last.
// It returns nil when the program finds nothing to suppress. The program's
// answer is also a candidate certificate for the pattern with those cells
// suppressed (it may move atoms the certifier's own searches leave alone);
// certify checks it like any other.
//
// The program is written in perturbations of the truth, like
// certifier.extreme's, and solved by program's dual simplex method: each
// atom's rise and fall, each published cell's rise and fall (costly) and
// an artificial fixed at 0, each suppressed cell's surplus, and the
// target's artificial, which starts at the level and must reach 0. The
// truth with every row's own variable basic is then the cheapest table
// (every cost is 0 or more) and breaks only the target's row, which is
// where the dual method starts: it moves the target by the level at the
// least cost in about a tenth of the pivots the primal method took from a
// first phase's answer.
func complementsFor(s *Structure, p *Pattern, cell int, level float64) ([]int, certificate) {
	zero := zeroPinned(s, p)
	atoms := relaxedNeighbourhood(s, p, cell, zero)
	sc := getScratch()
	defer sc.release()
	rows, target := s.programRows(p, atoms, cell, sc)
	if target == nil {
		return nil, certificate{}
	}
	for _, r := range rows {
		if r.val < 0 {
			return nil, certificate{} // the truth breaks it: no suppressed cell is 0
		}
	}
	values := make([]float64, len(atoms))
	for k, a := range atoms {
		values[k] = s.Atoms[a].Value
	}
	weights := make([]float64, len(rows))
	for i, r := range rows {
		if r.pub {
			weights[i] = 1 + s.Cells[r.cell].Value
		}
	}
	delta, changed, err := relaxedProgram(values, rows, weights, target.vars, level)
	if err != nil {
		return nil, certificate{}
	}
	var cand certificate
	for k, a := range atoms {
		if math.Abs(delta[k]) > 1e-9 {
			cand.atoms = append(cand.atoms, a)
			cand.delta = append(cand.delta, delta[k])
		}
	}
	var out []int
	for i, r := range rows {
		if changed[i] {
			out = append(out, int(r.cell))
		}
	}
	return out, cand
}

// relaxedProgram solves the complement program over atoms of the given
// values: the cheapest perturbation (a published row's change costs its
// weight per unit) that moves the target's atoms up by level, keeping
// atoms >= 0 and suppressed rows at least 1. It returns each atom's change
// and which published rows change.
func relaxedProgram(values []float64, rows []programRow, weights []float64, target []int32, level float64) ([]float64, []bool, error) {
	n := len(values)
	// columns: each atom's change; per published row the cell's rise and
	// fall, per suppressed row a surplus; then, fixed (out of the
	// tableau), each published row's artificial and the target's
	cols, pub := n, 0
	for _, r := range rows {
		if r.pub {
			cols += 2
			pub++
		} else {
			cols++
		}
	}
	m := len(rows) + 1
	lp := newProgram(m, cols, pub+1)
	defer lp.release()
	for k, v := range values {
		lp.lower[k], lp.upper[k] = -v, math.Inf(1)
	}
	cost := lp.cost
	next, artificial := n, cols
	for i, r := range rows {
		t := lp.t[i]
		sign := -1.0 // a suppressed cell or a link: its surplus is how far it may still fall
		if r.pub {
			sign = 1 // a published cell: the atoms' change is its rise - fall
		}
		for j, k := range r.vars {
			t[k] = sign * r.at(j)
		}
		if r.pub {
			cost[next], cost[next+1] = weights[i], weights[i]
			t[next], t[next+1] = -1, 1
			lp.setBasic(i, artificial, 0)
			next += 2
			artificial++
		} else {
			t[next] = 1
			lp.setBasic(i, next, r.val)
			next++
		}
	}
	// the target rises by the level: its artificial starts at the level
	// and must reach 0
	t := lp.t[m-1]
	for _, k := range target {
		t[k] = 1
	}
	lp.setBasic(m-1, artificial, level)
	if err := lp.dualMinimise(cost); err != nil {
		return nil, nil, err
	}
	x := lp.solution()
	delta := slices.Clone(x[:n])
	changed := make([]bool, len(rows))
	next = n
	for i, r := range rows {
		if r.pub {
			changed[i] = x[next]+x[next+1] > tolerance
			next += 2
		} else {
			next++
		}
	}
	return delta, changed, nil
}

// zeroPinned marks the atoms of published zeros: the only atoms a new
// suppression can never free.
func zeroPinned(s *Structure, p *Pattern) []bool {
	pinned := make([]bool, len(s.Atoms))
	for i, c := range s.Cells {
		if p.Marks[i] == Published && c.Value == 0 {
			for _, a := range c.Atoms {
				pinned[a] = true
			}
		}
	}
	return pinned
}

// relaxedNeighbourhood is the atoms the complement program may move: the
// cell's own, then breadth first those of the cells containing them,
// suppressed and small cells first, and of the links they are in, up to
// complementAtoms atoms, not following cells of more than nearCell free
// atoms or links of more than nearCell atoms.
func relaxedNeighbourhood(s *Structure, p *Pattern, cell int, pinned []bool) []int32 {
	free := func(c int32) int {
		n := 0
		for _, a := range s.Cells[c].Atoms {
			if !pinned[a] {
				n++
			}
		}
		return n
	}
	sc := getScratch()
	defer sc.release()
	in, followed := sc.marks(len(s.Atoms), len(s.Cells)+len(s.links))
	var out []int32
	add := func(a int32) {
		if !pinned[a] && len(out) < complementAtoms && !in(a) {
			out = append(out, a)
		}
	}
	for _, a := range s.Cells[cell].Atoms {
		add(a)
	}
	followed(int32(cell))
	size := map[int32]int{}
	for head := 0; head < len(out) && len(out) < complementAtoms; head++ {
		cells := slices.Clone(s.Atoms[out[head]].Cells)
		for _, c := range cells {
			if _, ok := size[c]; !ok {
				size[c] = free(c)
			}
		}
		sort.SliceStable(cells, func(x, y int) bool {
			sx, sy := p.Marks[cells[x]] != Published, p.Marks[cells[y]] != Published
			if sx != sy {
				return sx
			}
			return size[cells[x]] < size[cells[y]]
		})
		for _, c := range cells {
			if size[c] > nearCell || followed(c) {
				continue
			}
			for _, a := range s.Cells[c].Atoms {
				add(a)
			}
		}
		s.followLinks(out[head], nearCell, followed, add)
	}
	slices.Sort(out)
	return out
}

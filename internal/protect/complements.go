package protect

import (
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
// certifier.extreme's, and solved by program: each atom's rise and fall,
// each published cell's rise and fall (costly), each suppressed cell's
// surplus, and one artificial for the target's rise, driven to 0 first.
// A published cell holding the target's atoms starts with its rise as the
// basic variable, the others with their fall, so the target's first move
// is not a cascade of degenerate pivots (a sample year's complement
// programs took about a third less time than with the two-phase method).
func complementsFor(s *Structure, p *Pattern, cell int, level float64) ([]int, certificate) {
	zero := zeroPinned(s, p)
	atoms := relaxedNeighbourhood(s, p, cell, zero)
	rows, target := s.programRows(p, atoms, cell)
	if target == nil {
		return nil, certificate{}
	}
	for _, r := range rows {
		if r.val < 0 {
			return nil, certificate{} // the truth breaks it: no suppressed cell is 0
		}
	}
	n := len(atoms)
	// columns: each atom's rise and fall; per published row a rise and a
	// fall of the cell (one of them basic), per suppressed row a surplus;
	// the target's artificial
	cols := 2 * n
	for _, r := range rows {
		if r.pub {
			cols += 2
		} else {
			cols++
		}
	}
	cols++
	m := len(rows) + 1
	lp := newProgram(m, cols)
	defer lp.release()
	for k, a := range atoms {
		lp.upper[n+k] = s.Atoms[a].Value
	}
	cost := make([]float64, cols)
	next := 2 * n
	inTarget := map[int32]bool{}
	for _, k := range target.vars {
		inTarget[k] = true
	}
	for i, r := range rows {
		t := lp.t[i]
		sign := -1.0
		if r.pub {
			sign = 1
		}
		// a published row the target's atoms are in rises with them: its
		// rise is its basic variable (the row negated), so the target's
		// first move is no degenerate pivot; others start with the fall
		up := false
		if r.pub {
			for _, k := range r.vars {
				if inTarget[k] {
					up = true
					break
				}
			}
		}
		if up {
			sign = -1
		}
		for _, k := range r.vars {
			t[k], t[n+int(k)] = sign, -sign
		}
		if r.pub {
			w := 1 + s.Cells[r.cell].Value
			cost[next], cost[next+1] = w, w
			if up {
				t[next], t[next+1] = 1, -1
				lp.setBasic(i, next, 0)
			} else {
				t[next], t[next+1] = -1, 1
				lp.setBasic(i, next+1, 0)
			}
			next += 2
		} else {
			t[next] = 1
			lp.setBasic(i, next, r.val)
			next++
		}
	}
	// the target rises by the level: first find such a perturbation, then
	// the cheapest
	t := lp.t[m-1]
	for _, k := range target.vars {
		t[k], t[n+int(k)] = 1, -1
	}
	art := cols - 1
	t[art] = 1
	lp.setBasic(m-1, art, level)
	phase1 := make([]float64, cols)
	phase1[art] = 1
	if err := lp.minimise(phase1); err != nil || lp.solution()[art] > 1e-7 {
		return nil, certificate{}
	}
	lp.upper[art] = 0
	if err := lp.minimise(cost); err != nil {
		return nil, certificate{}
	}
	x := lp.solution()
	cand := certificateFrom(atoms, x)
	var out []int
	next = 2 * n
	for _, r := range rows {
		if r.pub {
			if x[next]+x[next+1] > tolerance {
				out = append(out, int(r.cell))
			}
			next += 2
		} else {
			next++
		}
	}
	return out, cand
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
// suppressed and small cells first, up to complementAtoms atoms, not following
// cells of more than nearCell free atoms.
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
	in := map[int32]bool{}
	var out []int32
	add := func(a int32) {
		if !pinned[a] && !in[a] && len(out) < complementAtoms {
			in[a] = true
			out = append(out, a)
		}
	}
	for _, a := range s.Cells[cell].Atoms {
		add(a)
	}
	followed := map[int32]bool{int32(cell): true}
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
			if followed[c] || size[c] > nearCell {
				continue
			}
			followed[c] = true
			for _, a := range s.Cells[c].Atoms {
				add(a)
			}
		}
	}
	slices.Sort(out)
	return out
}

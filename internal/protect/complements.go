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
func complementsFor(s *Structure, p *Pattern, cell int, level float64) ([]int, certificate) {
	zero := zeroPinned(s, p)
	atoms := relaxedNeighbourhood(s, p, cell, zero)
	type row struct {
		cell int32
		vars []int32
		rhs  float64
		pub  bool
	}
	var rows []row
	touched, parts := s.parts(atoms)
	for _, ci := range touched {
		if ci == int32(cell) {
			continue
		}
		pt := parts[ci]
		if p.Marks[ci] == Published {
			rows = append(rows, row{cell: ci, vars: pt.vars, rhs: pt.inside, pub: true})
		} else if rhs := 1 - pt.outside; rhs > 0 {
			rows = append(rows, row{cell: ci, vars: pt.vars, rhs: rhs})
		}
	}
	n := len(atoms)
	// columns: atoms; per published row a rise and a fall; per suppressed
	// row a surplus
	cols := n
	for _, r := range rows {
		if r.pub {
			cols += 2
		} else {
			cols++
		}
	}
	m := len(rows) + 1
	A := make([][]float64, m)
	rhs := make([]float64, m)
	obj := make([]float64, cols)
	next := n
	for i, r := range rows {
		A[i] = make([]float64, cols)
		for _, k := range r.vars {
			A[i][k] = 1
		}
		if r.pub {
			w := 1 + s.Cells[r.cell].Value
			A[i][next], A[i][next+1] = -1, 1
			obj[next], obj[next+1] = w, w
			next += 2
		} else {
			A[i][next] = -1
			next++
		}
		rhs[i] = r.rhs
	}
	// the target rises by the level
	A[m-1] = make([]float64, cols)
	var tvars []int32
	var truth float64
	if pt := parts[int32(cell)]; pt != nil {
		tvars, truth = pt.vars, pt.inside
	}
	for _, k := range tvars {
		A[m-1][k] = 1
	}
	rhs[m-1] = truth + level
	x, err := simplex(A, rhs, obj)
	if err != nil {
		return nil, certificate{}
	}
	cand := s.certificateFrom(atoms, x)
	var out []int
	next = n
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

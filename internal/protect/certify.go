package protect

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// A certificate proves part of a primary cell's protection without trusting
// any solver: it is a perturbation of the atoms after which every published
// cell keeps its value, every atom stays non-negative and every suppressed
// cell stays at least 1 — so the perturbed table is one the attacker cannot
// tell from the truth, and the primary cell's value in it is a value the
// attacker's interval must contain. Two certificates (or one and the truth)
// whose primary values lie protection-level apart prove the interval wide
// enough. The linear program that finds a certificate only searches; check
// is what makes it a proof.
type certificate struct {
	atoms []int32
	delta []float64 // the perturbation of each atom
}

// sumOn is the certificate's change to a cell's value.
func (c certificate) sumOn(cell Cell) float64 {
	var sum float64
	for k, a := range c.atoms {
		if _, ok := slices.BinarySearch(cell.Atoms, a); ok {
			sum += c.delta[k]
		}
	}
	return sum
}

// certifier searches certificates for the primary cells of one pattern.
type certifier struct {
	s      *Structure
	p      *Pattern
	level  float64
	pinned []bool // atoms the published cells determine
	// movable counts, per cell, its atoms that are neither pinned nor
	// outside every suppressed cell: the atoms a certificate may move (an
	// atom only in published cells could move only along with others like
	// it; leaving those out costs a rare certificate, never soundness)
	movable []int
}

// The neighbourhood of the certifier's own search: at most so many atoms,
// following cells with at most so many movable atoms. A cell it cannot prove
// goes to complementsFor, whose program searches a larger neighbourhood
// (pruneAtoms) and both finds complements and, when none is needed, a
// certificate. Pruning (publishing a secondary cell again) works within the
// larger one too. A wide search (wideAtoms) runs only in structures of at
// most smallCells cells, where its programs stay small (their rows are
// cells): in a year of the sample's insatser (1 323 cells) it proved 46 of
// 160 cells at 40 times the cost of the rest (68 of 90 CPU seconds) and
// saved 7 of 583 secondary cells over three years; in ej_verkstallda (117
// cells) it saves more than half of them.
const (
	nearAtoms, nearCell   = 160, 48
	pruneAtoms, pruneCell = 400, 200
	wideAtoms, wideCell   = 1000, 200
	smallCells            = 300
)

func newCertifier(s *Structure, p *Pattern, level float64) *certifier {
	ct := &certifier{s: s, p: p, level: level}
	ct.pin()
	inSuppressed := make([]bool, len(s.Atoms))
	for i, c := range s.Cells {
		if p.Marks[i] != Published {
			for _, a := range c.Atoms {
				inSuppressed[a] = true
			}
		}
	}
	for a := range s.Atoms {
		if !inSuppressed[a] {
			ct.pinned[a] = true
		}
	}
	ct.movable = make([]int, len(s.Cells))
	for i, c := range s.Cells {
		for _, a := range c.Atoms {
			if !ct.pinned[a] {
				ct.movable[i]++
			}
		}
	}
	return ct
}

// pin marks the atoms an attacker knows outright: those of published zeros,
// and, repeatedly, the one atom a published cell leaves unknown.
func (ct *certifier) pin() {
	s := ct.s
	ct.pinned = make([]bool, len(s.Atoms))
	unknown := make([]int, len(s.Cells))
	var queue []int
	for i, c := range s.Cells {
		unknown[i] = len(c.Atoms)
		if ct.p.Marks[i] == Published && (c.Value == 0 || len(c.Atoms) == 1) {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		c := s.Cells[i]
		if c.Value != 0 && unknown[i] != 1 {
			continue
		}
		for _, a := range c.Atoms {
			if ct.pinned[a] {
				continue
			}
			ct.pinned[a] = true
			for _, j := range s.Atoms[a].Cells {
				unknown[j]--
				if unknown[j] == 1 && ct.p.Marks[j] == Published {
					queue = append(queue, int(j))
				}
			}
		}
	}
}

// neighbourhood is the atoms a certificate for cell may move: the cell's own,
// then, breadth first, those of the cells containing them (suppressed and
// small cells first), skipping cells too large to follow.
func (ct *certifier) neighbourhood(cell, maxAtoms, maxCell int) []int32 {
	s := ct.s
	in := map[int32]bool{}
	var out []int32
	add := func(a int32) {
		if !ct.pinned[a] && !in[a] && len(out) < maxAtoms {
			in[a] = true
			out = append(out, a)
		}
	}
	for _, a := range s.Cells[cell].Atoms {
		add(a)
	}
	followed := map[int32]bool{int32(cell): true}
	for head := 0; head < len(out) && len(out) < maxAtoms; head++ {
		cells := slices.Clone(s.Atoms[out[head]].Cells)
		sort.SliceStable(cells, func(x, y int) bool {
			sx, sy := ct.p.Marks[cells[x]] != Published, ct.p.Marks[cells[y]] != Published
			if sx != sy {
				return sx
			}
			return ct.movable[cells[x]] < ct.movable[cells[y]]
		})
		for _, c := range cells {
			if followed[c] || ct.movable[c] > maxCell {
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

// errNoCertificate says the search found no perturbation wide enough.
var errNoCertificate = errors.New("no certificate")

// prove searches certificates that cell (a primary) can move protection
// level apart: one moving it up by the level, else one up and one down.
func (ct *certifier) prove(cell int) ([]certificate, error) {
	certs, err := ct.proveWithin(cell, nearAtoms, nearCell)
	if err != nil && len(ct.s.Cells) <= smallCells {
		certs, err = ct.proveWithin(cell, wideAtoms, wideCell)
	}
	return certs, err
}

func (ct *certifier) proveWithin(cell, maxAtoms, maxCell int) ([]certificate, error) {
	atoms := ct.neighbourhood(cell, maxAtoms, maxCell)
	up, err := ct.extreme(cell, atoms, +1)
	if err != nil {
		return nil, err
	}
	c := ct.s.Cells[cell]
	rise := up.sumOn(c)
	if rise >= ct.level-1e-9 {
		return []certificate{up}, nil
	}
	down, err := ct.extreme(cell, atoms, -1)
	if err != nil {
		return nil, err
	}
	if rise-down.sumOn(c) >= ct.level-1e-9 {
		return []certificate{up, down}, nil
	}
	return nil, errNoCertificate
}

// extreme solves, over the atoms given, the LP that moves cell as far as the
// level in the direction dir (+1 up, -1 down), and checks the answer.
//
// Variables: the new value of each atom (>= 0), one surplus per suppressed
// cell that must stay >= 1, and the slack of the cap on the target. Rows:
// each published cell the atoms touch keeps its value; each suppressed one
// stays >= 1; the target moves at most level. Published rows that are
// combinations of others are dropped (fewer rows, faster pivots); the truth
// satisfies them all, so none is lost.
func (ct *certifier) extreme(cell int, atoms []int32, dir float64) (certificate, error) {
	s := ct.s
	type row struct {
		vars    []int32 // local atom indexes, ascending
		rhs     float64
		surplus bool
	}
	var rows []row
	b := newBasis()
	touched, parts := s.parts(atoms)
	for _, ci := range touched {
		if ci == int32(cell) {
			continue
		}
		pt := parts[ci]
		if ct.p.Marks[ci] == Published {
			if b.add(unitVector(pt.vars)) {
				rows = append(rows, row{vars: pt.vars, rhs: pt.inside})
			}
		} else if rhs := 1 - pt.outside; rhs > 0 {
			rows = append(rows, row{vars: pt.vars, rhs: rhs, surplus: true})
		}
	}
	// the target: at least 1 (it is suppressed), at most level away
	target := parts[int32(cell)]
	if target == nil {
		target = &part{outside: s.atomSums()[cell]}
	}
	tvars, truth, outside := target.vars, target.inside, target.outside
	if rhs := 1 - outside; rhs > 0 {
		rows = append(rows, row{vars: tvars, rhs: rhs, surplus: true})
	}
	n := len(atoms)
	surplus := 0
	for _, r := range rows {
		if r.surplus {
			surplus++
		}
	}
	cols, m := n+surplus+1, len(rows)+1
	A := make([][]float64, m)
	rhs := make([]float64, m)
	next := n
	for i, r := range rows {
		A[i] = make([]float64, cols)
		for _, k := range r.vars {
			A[i][k] = 1
		}
		if r.surplus {
			A[i][next] = -1
			next++
		}
		rhs[i] = r.rhs
	}
	// the cap: dir*(target) + slack = dir*truth + level, scaled to rhs >= 0
	sign := 1.0
	if dir*truth+ct.level < 0 {
		sign = -1
	}
	A[m-1] = make([]float64, cols)
	for _, k := range tvars {
		A[m-1][k] = sign * dir
	}
	A[m-1][cols-1] = sign
	rhs[m-1] = sign * (dir*truth + ct.level)
	obj := make([]float64, cols)
	obj[cols-1] = 1 // minimise the slack: move the target as far as the cap
	x, err := simplex(A, rhs, obj)
	if err != nil {
		return certificate{}, err
	}
	cert := s.certificateFrom(atoms, x)
	return cert, ct.check(cert)
}

// certificateFrom is the perturbation a program's answer makes: x holds the
// new values of the neighbourhood's atoms (and then other variables).
func (s *Structure) certificateFrom(atoms []int32, x []float64) certificate {
	var cert certificate
	for k, a := range atoms {
		if d := x[k] - s.Atoms[a].Value; math.Abs(d) > 1e-9 {
			cert.atoms = append(cert.atoms, a)
			cert.delta = append(cert.delta, d)
		}
	}
	return cert
}

// tolerance is the rounding a certificate may carry: far below the
// protection level (3) and below what an integer count can tell apart.
const tolerance = 1e-6

// part is a cell's share of a neighbourhood: the local indexes of its
// atoms there (ascending, as the neighbourhood is sorted) and the values
// they hold and the atoms outside hold.
type part struct {
	vars            []int32
	inside, outside float64
}

// parts divides every cell that atoms (a sorted neighbourhood) touch into
// its part inside and outside, listing the cells in the order first
// touched. It walks the neighbourhood's atoms, not the cells' — a national
// total has a hundred thousand atoms, of which a neighbourhood holds a few
// hundred.
func (s *Structure) parts(atoms []int32) (touched []int32, of map[int32]*part) {
	of = map[int32]*part{}
	for i, a := range atoms {
		for _, ci := range s.Atoms[a].Cells {
			p := of[ci]
			if p == nil {
				p = &part{}
				of[ci] = p
				touched = append(touched, ci)
			}
			p.vars = append(p.vars, int32(i))
			p.inside += s.Atoms[a].Value
		}
	}
	sums := s.atomSums()
	for _, ci := range touched {
		// the atoms outside, added in the cell's order as a sum of its
		// atoms would; for counts (whole numbers) this is exact
		of[ci].outside = sums[ci] - of[ci].inside
	}
	return touched, of
}

// errInvalidCertificate says a solver's answer does not hold up.
var errInvalidCertificate = errors.New("invalid certificate")

// proves tells whether certificates prove a primary cell protected: each
// holds, and they span the level.
func (ct *certifier) proves(cell int, cs []certificate) bool {
	return ct.checkAll(cs) == nil && ct.spans(cell, cs)
}

// spans tells whether the cell's values in the certificates and in the
// truth lie the protection level apart.
func (ct *certifier) spans(cell int, cs []certificate) bool {
	lo, hi := 0.0, 0.0
	for _, c := range cs {
		d := c.sumOn(ct.s.Cells[cell])
		lo, hi = min(lo, d), max(hi, d)
	}
	return hi-lo >= ct.level-1e-9
}

// checkAll checks every certificate of a cell.
func (ct *certifier) checkAll(cs []certificate) error {
	for _, c := range cs {
		if err := ct.check(c); err != nil {
			return err
		}
	}
	return nil
}

// check verifies a certificate exactly as the attacker's constraints state
// it: published cells unchanged, atoms non-negative, suppressed cells >= 1.
func (ct *certifier) check(c certificate) error {
	s := ct.s
	for k, a := range c.atoms {
		if s.Atoms[a].Value+c.delta[k] < -tolerance {
			return fmt.Errorf("%w: atom %d at %v", errInvalidCertificate, a, s.Atoms[a].Value+c.delta[k])
		}
	}
	// each touched cell's change, summed over the certificate's atoms in
	// their order (as sumOn sums), cells in the order first touched
	change := map[int32]float64{}
	var touched []int32
	for k, a := range c.atoms {
		for _, ci := range s.Atoms[a].Cells {
			if _, ok := change[ci]; !ok {
				touched = append(touched, ci)
			}
			change[ci] += c.delta[k]
		}
	}
	for _, ci := range touched {
		d := change[ci]
		if ct.p.Marks[ci] == Published && math.Abs(d) > tolerance {
			return fmt.Errorf("%w: published %s changes by %v", errInvalidCertificate, s.Cells[ci].Key, d)
		}
		if ct.p.Marks[ci] != Published && s.Cells[ci].Value+d < 1-tolerance {
			return fmt.Errorf("%w: suppressed %s falls to %v", errInvalidCertificate, s.Cells[ci].Key, s.Cells[ci].Value+d)
		}
	}
	return nil
}

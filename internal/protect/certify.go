package protect

import (
	"errors"
	"fmt"
	"math"
	"runtime"
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

	// what publish updates: the atoms an attacker knows outright, per cell
	// its atoms not known, per atom the suppressed cells holding it
	known   []bool
	unknown []int
	inSupp  []int32
}

// The neighbourhood of the certifier's own search: at most so many atoms,
// following cells with at most so many movable atoms. A cell it cannot prove
// goes to complementsFor, whose program searches a larger neighbourhood
// (complementAtoms) and both finds complements and, when none is needed, a
// certificate. Pruning (publishing a secondary cell again) searches the
// certifier's neighbourhood and, where that fails, a larger one
// (pruneAtoms). A wide search (wideAtoms) runs only in structures of at
// most smallCells cells, where its programs stay small (their rows are
// cells): in a year of the sample's insatser (1 323 cells) it proved 46 of
// 160 cells at 40 times the cost of the rest (68 of 90 CPU seconds) and
// saved 7 of 583 secondary cells over three years; in ej_verkstallda (117
// cells) it saves more than half of them.
//
// complementAtoms was pruneAtoms (400) until the programs were written in
// perturbations; at 240 the complement programs cost a fifth, and the
// sample lake's patterns need fewer secondary cells (613 against 630: the
// smaller programs choose complements nearer the cell, which pruning then
// frees more often); at 160, 624.
const (
	nearAtoms, nearCell   = 160, 48
	complementAtoms       = 240
	pruneAtoms, pruneCell = 400, 200
	wideAtoms, wideCell   = 1000, 200
	smallCells            = 300
)

func newCertifier(s *Structure, p *Pattern, level float64) *certifier {
	ct := &certifier{s: s, p: p, level: level,
		known: make([]bool, len(s.Atoms)), unknown: make([]int, len(s.Cells)),
		inSupp: make([]int32, len(s.Atoms)), pinned: make([]bool, len(s.Atoms)),
		movable: make([]int, len(s.Cells))}
	var queue []int
	for i, c := range s.Cells {
		ct.unknown[i] = len(c.Atoms)
		if p.Marks[i] == Published && (c.Value == 0 || len(c.Atoms) == 1) {
			queue = append(queue, i)
		}
		if p.Marks[i] != Published {
			for _, a := range c.Atoms {
				ct.inSupp[a]++
			}
		}
	}
	for a := range s.Atoms {
		ct.pinned[a] = ct.inSupp[a] == 0
	}
	for i, c := range s.Cells {
		for _, a := range c.Atoms {
			if !ct.pinned[a] {
				ct.movable[i]++
			}
		}
	}
	ct.pin(queue)
	return ct
}

// pin marks the atoms an attacker knows outright: those of published zeros,
// and, repeatedly, the one atom a published cell leaves unknown — from the
// published cells queued, until no more follow. The atoms known are the
// same in whatever order cells are published (each rule only adds).
func (ct *certifier) pin(queue []int) {
	s := ct.s
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		c := s.Cells[i]
		if c.Value != 0 && ct.unknown[i] != 1 {
			continue
		}
		for _, a := range c.Atoms {
			if ct.known[a] {
				continue
			}
			ct.known[a] = true
			ct.fix(a)
			for _, j := range s.Atoms[a].Cells {
				ct.unknown[j]--
				if ct.unknown[j] == 1 && ct.p.Marks[j] == Published {
					queue = append(queue, int(j))
				}
			}
		}
	}
}

// fix makes atom a pinned, if it was not.
func (ct *certifier) fix(a int32) {
	if ct.pinned[a] {
		return
	}
	ct.pinned[a] = true
	for _, j := range ct.s.Atoms[a].Cells {
		ct.movable[j]--
	}
}

// publish updates the certifier for a cell its pattern has just published
// (a secondary cell pruning publishes again): the cell's atoms may now lie
// in no suppressed cell, and the cell may pin atoms. The result is the
// certifier newCertifier makes for the new pattern, at the cost of the
// cells the change reaches.
func (ct *certifier) publish(cell int) {
	c := ct.s.Cells[cell]
	for _, a := range c.Atoms {
		if ct.inSupp[a]--; ct.inSupp[a] == 0 {
			ct.fix(a)
		}
	}
	if c.Value == 0 || ct.unknown[cell] == 1 {
		ct.pin([]int{cell})
	}
}

// clone is a copy to try a change on.
func (ct *certifier) clone() *certifier {
	return &certifier{s: ct.s, p: ct.p, level: ct.level,
		pinned: slices.Clone(ct.pinned), movable: slices.Clone(ct.movable),
		known: slices.Clone(ct.known), unknown: slices.Clone(ct.unknown), inSupp: slices.Clone(ct.inSupp)}
}

// neighbourhood is the atoms a certificate for cell may move: the cell's own,
// then, breadth first, those of the cells containing them (suppressed and
// small cells first) and of the links they are in, skipping cells and
// links too large to follow.
func (ct *certifier) neighbourhood(cell, maxAtoms, maxCell int) []int32 {
	s := ct.s
	sc := getScratch()
	defer sc.release()
	in, followed := sc.marks(len(s.Atoms), len(s.Cells)+len(s.links))
	var out []int32
	add := func(a int32) {
		if !ct.pinned[a] && len(out) < maxAtoms && !in(a) {
			out = append(out, a)
		}
	}
	for _, a := range s.Cells[cell].Atoms {
		add(a)
	}
	followed(int32(cell))
	cells := sc.cells[:0]
	for head := 0; head < len(out) && len(out) < maxAtoms; head++ {
		cells = append(cells[:0], s.Atoms[out[head]].Cells...)
		sort.SliceStable(cells, func(x, y int) bool {
			sx, sy := ct.p.Marks[cells[x]] != Published, ct.p.Marks[cells[y]] != Published
			if sx != sy {
				return sx
			}
			return ct.movable[cells[x]] < ct.movable[cells[y]]
		})
		for _, c := range cells {
			if ct.movable[c] > maxCell || followed(c) {
				continue
			}
			for _, a := range s.Cells[c].Atoms {
				add(a)
			}
		}
		s.followLinks(out[head], maxCell, followed, add)
	}
	sc.cells = cells
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
	return ct.proveOn(cell, ct.neighbourhood(cell, maxAtoms, maxCell))
}

// proveOn is proveWithin over a neighbourhood already found: the programs
// of both directions share its rows.
func (ct *certifier) proveOn(cell int, atoms []int32) ([]certificate, error) {
	s := ct.s
	sc := getScratch()
	defer sc.release()
	rows, target := s.programRows(ct.p, atoms, cell, sc)
	if target == nil {
		return nil, errNoCertificate
	}
	// the target: at least 1 (it is suppressed), at most level away
	if 1-target.outside > 0 {
		rows = append(rows, programRow{cell: int32(cell), vars: target.vars, val: s.Cells[cell].Value - 1})
	}
	up, err := ct.extreme(atoms, rows, target.vars, +1)
	if err != nil {
		return nil, err
	}
	c := ct.s.Cells[cell]
	rise := up.sumOn(c)
	if rise >= ct.level-1e-9 {
		return []certificate{up}, nil
	}
	down, err := ct.extreme(atoms, rows, target.vars, -1)
	if err != nil {
		return nil, err
	}
	if rise-down.sumOn(c) >= ct.level-1e-9 {
		return []certificate{up, down}, nil
	}
	return nil, errNoCertificate
}

// extreme solves, over the atoms given and the rows of the cells they
// touch (programRows, with the target's own row), the LP that moves the
// target (its atoms' local indexes) as far as the level in the direction
// dir (+1 up, -1 down), and checks the answer.
//
// It is written in perturbations of the truth, so the truth is its starting
// basis (see program). Variables: each atom's change (down to minus its
// value); per row its own: an artificial fixed at 0 for a published cell
// the atoms touch (the cell keeps its value), a surplus for a suppressed
// one (its fall is at most its value - 1: it stays >= 1), the slack of the
// cap on the target (it moves at most level). A published row that is a
// combination of others costs a degenerate pivot at most; finding and
// dropping those rows (a Gauss elimination per program) cost more.
func (ct *certifier) extreme(atoms []int32, rows []programRow, target []int32, dir float64) (certificate, error) {
	s := ct.s
	// columns: each atom's change, each suppressed row's surplus and the
	// cap's slack in the tableau; each published row's artificial fixed
	// (out of it)
	n := len(atoms)
	m := len(rows) + 1
	pub := 0
	for _, r := range rows {
		if r.pub {
			pub++
		}
	}
	live := n + m - pub
	lp := newProgram(m, live, pub)
	defer lp.release()
	for k, a := range atoms {
		lp.lower[k], lp.upper[k] = -s.Atoms[a].Value, math.Inf(1)
	}
	surplus, artificial := n, live
	for i, r := range rows {
		if r.val < 0 {
			return certificate{}, errNoCertificate // the truth breaks it: no suppressed cell is 0
		}
		sign := -1.0 // a suppressed cell: its fall is at most its value - 1
		if r.pub {
			sign = 1 // the published cell keeps its value
		}
		t := lp.t[i]
		for j, k := range r.vars {
			t[k] = sign * r.at(j)
		}
		if r.pub {
			lp.setBasic(i, artificial, 0)
			artificial++
		} else {
			t[surplus] = 1
			lp.setBasic(i, surplus, r.val)
			surplus++
		}
	}
	// the cap: dir*(the target's change) + slack = level
	cap := lp.t[m-1]
	c := lp.cost
	for _, k := range target {
		cap[k], c[k] = dir, -dir
	}
	cap[surplus] = 1
	lp.setBasic(m-1, surplus, ct.level)
	if err := lp.minimise(c); err != nil {
		return certificate{}, err
	}
	cert := certificateFrom(atoms, lp.solution())
	return cert, ct.check(cert)
}

// programRow is a row of a program in perturbations: a cell the
// neighbourhood's atoms touch (or a link: cell -1), their local indexes in
// it, and the value of the row's own variable at the truth (a suppressed
// cell's surplus: its value - 1, how far it may fall and stay at least 1;
// a link's: its slack).
type programRow struct {
	cell int32
	vars []int32   // local atom indexes, ascending
	coef []float64 // a link's coefficient of each var; nil: all 1
	val  float64
	pub  bool
}

// at is the row's coefficient of its j-th var.
func (r programRow) at(j int) float64 {
	if r.coef == nil {
		return 1
	}
	return r.coef[j]
}

// programRows divides the cells atoms (a sorted neighbourhood) touch into
// the rows of a program in perturbations for cell, which is left out and
// returned as its part (nil when the atoms miss it): a published cell
// keeps its value; a suppressed one stays at least 1, a row only where the
// atoms could take it below (the atoms outside hold less than 1).
func (s *Structure) programRows(p *Pattern, atoms []int32, cell int, sc *scratch) ([]programRow, *part) {
	touched, parts := s.parts(atoms, sc)
	rows := sc.rows[:0]
	defer func() { sc.rows = rows[:0] }()
	var target *part
	for k, ci := range touched {
		pt := &parts[k]
		switch {
		case ci == int32(cell):
			target = pt
		case p.Marks[ci] == Published:
			rows = append(rows, programRow{cell: ci, vars: pt.vars, pub: true})
		case 1-pt.outside > 0:
			rows = append(rows, programRow{cell: ci, vars: pt.vars, val: s.Cells[ci].Value - 1})
		}
	}
	return s.linkRows(atoms, rows, sc), target
}

// linkRows appends a row for every link the atoms (a sorted neighbourhood)
// are in: the change of its sum may fall by at most its slack at the
// truth, a row like a suppressed cell's with the link's coefficients (the
// atoms outside keep their values). A link whose coefficients in the
// neighbourhood are all positive and whose atoms outside hold a
// non-negative share of its sum needs no row: non-negativity implies it.
func (s *Structure) linkRows(atoms []int32, rows []programRow, sc *scratch) []programRow {
	if len(s.links) == 0 {
		return rows
	}
	// rowOf: each link's row, -1 for none (as long as the links, left all
	// -1 again)
	for len(sc.linkRow) < len(s.links) {
		sc.linkRow = append(sc.linkRow, -1)
	}
	rowOf := sc.linkRow
	first := len(rows)
	inside := sc.inside[:0]
	for i, a := range atoms {
		for _, al := range s.linksOf(a) {
			r := int(rowOf[al.link])
			if r < 0 {
				r = len(rows)
				rowOf[al.link] = int32(r)
				rows = append(rows, programRow{cell: al.link, val: s.links[al.link].slack})
				inside = append(inside, 0)
			}
			rows[r].vars = append(rows[r].vars, int32(i))
			rows[r].coef = append(rows[r].coef, al.coef)
			inside[r-first] += al.coef * s.Atoms[a].Value
		}
	}
	sc.inside = inside
	keep := first
	for r := first; r < len(rows); r++ {
		rowOf[rows[r].cell] = -1
		if rows[r].val-inside[r-first] >= 0 && !slices.ContainsFunc(rows[r].coef, func(c float64) bool { return c < 0 }) {
			continue
		}
		rows[keep] = rows[r]
		rows[keep].cell = -1
		keep++
	}
	return rows[:keep]
}

// followLinks adds, through add, the atoms of the links atom a is in that
// follow (none taken before, at most maxAtoms atoms): a certificate that
// moves a may need to move the other side of a link.
func (s *Structure) followLinks(a int32, maxAtoms int, followed func(int32) bool, add func(int32)) {
	for _, al := range s.linksOf(a) {
		if len(s.links[al.link].atoms) > maxAtoms || followed(int32(len(s.Cells))+al.link) {
			continue
		}
		for _, b := range s.links[al.link].atoms {
			add(b)
		}
	}
}

// certificateFrom is the perturbation a program's answer makes: x holds
// the change of each of the neighbourhood's atoms first.
func certificateFrom(atoms []int32, x []float64) certificate {
	var cert certificate
	for k, a := range atoms {
		if d := x[k]; math.Abs(d) > 1e-9 {
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
// touched, ps[k] the part of touched[k]. It walks the neighbourhood's
// atoms, not the cells' — a national total has a hundred thousand atoms, of
// which a neighbourhood holds a few hundred.
func (s *Structure) parts(atoms []int32, sc *scratch) (touched []int32, ps []part) {
	// pos: each cell's index in touched, -1 for none (as large as the
	// structure, left all -1 again)
	for len(sc.pos) < len(s.Cells) {
		sc.pos = append(sc.pos, -1)
	}
	pos := sc.pos
	// first each cell's count of atoms, then their indexes in one array
	touched, counts := sc.touched[:0], sc.counts[:0]
	total := 0
	for _, a := range atoms {
		for _, ci := range s.Atoms[a].Cells {
			k := pos[ci]
			if k < 0 {
				k = int32(len(touched))
				pos[ci] = k
				touched = append(touched, ci)
				counts = append(counts, 0)
			}
			counts[k]++
			total++
		}
	}
	ps = resize(sc.ps, len(touched))
	flat := resize(sc.flat, total)
	sc.touched, sc.counts, sc.ps, sc.flat = touched, counts, ps, flat
	for k, c := range counts {
		ps[k].vars, flat = flat[:0:c], flat[c:]
	}
	for i, a := range atoms {
		for _, ci := range s.Atoms[a].Cells {
			k := pos[ci]
			ps[k].vars = append(ps[k].vars, int32(i))
			ps[k].inside += s.Atoms[a].Value
		}
	}
	sums := s.atomSums()
	for k, ci := range touched {
		// the atoms outside, added in the cell's order as a sum of its
		// atoms would; for counts (whole numbers) this is exact
		ps[k].outside = sums[ci] - ps[k].inside
		pos[ci] = -1
	}
	return touched, ps
}

// scratch is the memory a program's rows are built in (parts,
// programRows), reused from one program to the next: a sample lake's
// pattern builds some ten thousand.
type scratch struct {
	pos             []int32 // per cell of the structure, -1 between uses
	touched, counts []int32
	ps              []part
	flat            []int32
	rows            []programRow
	cells           []int32
	linkRow         []int32 // per link of the structure, -1 between uses
	inside          []float64

	// marks of the atoms and cells a neighbourhood has taken: those equal
	// to gen, a new number for each neighbourhood
	atomGen, cellGen []uint32
	gen              uint32
}

// marks returns the tests a neighbourhood search takes atoms and cells
// by: each reports whether the atom (cell) was taken already and takes it.
func (sc *scratch) marks(atoms, cells int) (atom, cell func(int32) bool) {
	sc.gen++
	if sc.gen == 0 { // wrapped: the old marks could match
		clear(sc.atomGen)
		clear(sc.cellGen)
		sc.gen = 1
	}
	for len(sc.atomGen) < atoms {
		sc.atomGen = append(sc.atomGen, 0)
	}
	for len(sc.cellGen) < cells {
		sc.cellGen = append(sc.cellGen, 0)
	}
	gen := sc.gen
	take := func(marks []uint32) func(int32) bool {
		return func(i int32) bool {
			if marks[i] == gen {
				return true
			}
			marks[i] = gen
			return false
		}
	}
	return take(sc.atomGen), take(sc.cellGen)
}

var scratches = make(chan *scratch, 4*runtime.GOMAXPROCS(0))

func getScratch() *scratch {
	select {
	case sc := <-scratches:
		return sc
	default:
		return &scratch{}
	}
}

// release gives the scratch back; nothing built in it is used again.
func (sc *scratch) release() {
	select {
	case scratches <- sc:
	default:
	}
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
// it: published cells unchanged, atoms non-negative, suppressed cells >= 1,
// every link kept.
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
	return s.checkLinks(c)
}

// checkLinks verifies that a certificate keeps every link.
func (s *Structure) checkLinks(c certificate) error {
	if len(s.links) == 0 {
		return nil
	}
	change := map[int32]float64{}
	var touched []int32
	for k, a := range c.atoms {
		for _, al := range s.linksOf(a) {
			if _, ok := change[al.link]; !ok {
				touched = append(touched, al.link)
			}
			change[al.link] += al.coef * c.delta[k]
		}
	}
	for _, l := range touched {
		if v := s.links[l].slack + change[l]; v < -tolerance {
			return fmt.Errorf("%w: a link between %s falls to %v", errInvalidCertificate, s.Dataset, v)
		}
	}
	return nil
}

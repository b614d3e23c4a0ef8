package protect

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
)

// grower chooses the neighbourhoods of the audit's programs — the atoms
// around a target cell over which the attacker's programs range while
// every other atom keeps its true value — and writes those programs. It
// is the audit's own, sharing nothing with the engine's search for
// certificates, so that a mistake in one is not repeated in the other.
//
// A neighbourhood starts from the target's atoms and adds, cell by cell,
// the atoms of the published and suppressed cells that touch it, always
// the cell that adds the fewest atoms next (suppressed before published on
// a tie): an attacker's change of the target must be balanced inside every
// published cell it touches, and the small cells are where that is hard.
// Unpublished cells say nothing and are not followed. A link (links.go)
// is followed like a suppressed cell: a change on one side may need one on
// the other. Then it grows by the programs' duals (improving): the atoms
// outside whose reduced cost says that freeing them would move the optimum.
type grower struct {
	a *auditor
	// per atom: in the neighbourhood when inN == nStamp, then its variable
	inN    []int32
	varOf  []int32
	nStamp int32
	atoms  []int32
	// per cell, then per link (at len(Cells)+link): touched when cellAt ==
	// nStamp, then how many of its atoms are in (count); expanded when done
	// == nStamp
	cellAt  []int32
	count   []int32
	done    []int32
	heap    []uint64 // (atoms a cell would add, published, cell), smallest first
	growing bool     // grow's loop runs: added atoms push their cells
	// the last program: per cell, its row when rowAt == stamp (-1: none);
	// per row, the cells whose lower and upper bounds it holds (owners);
	// the cells touching the neighbourhood (rowCells)
	rowAt    []int32
	rowOf    []int32
	stamp    int32
	owners   [][2]int32
	rowCells []int32
	// the last program's rows from cellRows on are links, linkRow[j] the
	// link of row cellRows+j
	cellRows int
	linkRow  []int32
	linkAt   []int32 // per link: its row in linkOf when linkAt == stamp
	linkOf   []int32
	rowByKey map[string]int32 // problem's scratch: rows by their variables
	key      []byte
	rows     [][]int32 // the last problem's memory
	lo, hi   []float64
	inside   []float64
	// scratch of improving and witness: per cell, then per link (at
	// len(Cells)+link), a number (a dual, a change of its sum) when
	// cellMarkAt == mStamp; per atom, priced when pricedAt == mStamp; the
	// cells and links a witness changes
	cellMarkAt []int32
	cellNum    []float64
	pricedAt   []int32
	mStamp     int32
	touched    []int32
}

func newGrower(a *auditor) *grower {
	na, nc, nl := len(a.s.Atoms), len(a.s.Cells), len(a.s.links)
	return &grower{a: a, rowByKey: map[string]int32{},
		inN: make([]int32, na), varOf: make([]int32, na), pricedAt: make([]int32, na),
		cellAt: make([]int32, nc+nl), count: make([]int32, nc+nl), done: make([]int32, nc+nl),
		rowAt: make([]int32, nc), rowOf: make([]int32, nc), cellMarkAt: make([]int32, nc+nl), cellNum: make([]float64, nc+nl),
		linkAt: make([]int32, nl), linkOf: make([]int32, nl)}
}

// atomsOf is the atoms of cell c, or of link c-len(Cells).
func (g *grower) atomsOf(c int) []int32 {
	if nc := len(g.a.s.Cells); c >= nc {
		return g.a.s.links[c-nc].atoms
	}
	return g.a.s.Cells[c].Atoms
}

// reset empties the neighbourhood.
func (g *grower) reset() {
	g.nStamp++
	g.atoms = g.atoms[:0]
}

// grow starts a neighbourhood of at most k free atoms around cell (the
// first k of the cell's own when it has more) and returns its atoms.
func (g *grower) grow(cell, k int) []int32 {
	g.reset()
	g.heap = g.heap[:0]
	g.growing = true
	defer func() { g.growing = false }()
	g.expand(cell, k)
	for len(g.atoms) < k && len(g.heap) > 0 {
		e := g.pop()
		c := int(uint32(e))
		if g.done[c] == g.nStamp || int32(e>>33) != g.left(c) {
			continue // expanded, or a stale entry (the cell has a newer one)
		}
		if int(g.left(c)) > k-len(g.atoms) {
			continue
		}
		g.expand(c, k)
	}
	return g.atoms
}

// all makes every free atom the neighbourhood and returns them.
func (g *grower) all() []int32 {
	g.reset()
	for at, free := range g.a.free {
		if free {
			g.add(int32(at))
		}
	}
	return g.atoms
}

// left is how many of cell (or link) c's free atoms are not in the
// neighbourhood.
func (g *grower) left(c int) int32 {
	if g.cellAt[c] != g.nStamp {
		return g.a.freeIn[c]
	}
	return g.a.freeIn[c] - g.count[c]
}

// expand adds cell (or link) c's free atoms (at most k in all).
func (g *grower) expand(c, k int) {
	g.done[c] = g.nStamp
	for _, at := range g.atomsOf(c) {
		if len(g.atoms) >= k {
			return
		}
		if g.a.free[at] && g.inN[at] != g.nStamp {
			g.add(at)
		}
	}
}

// add puts a free atom in the neighbourhood.
func (g *grower) add(at int32) {
	g.inN[at] = g.nStamp
	g.atoms = append(g.atoms, at)
	for _, c := range g.a.s.Atoms[at].Cells {
		m := g.a.p.Marks[c]
		if m == Unpublished {
			continue
		}
		if g.cellAt[c] != g.nStamp {
			g.cellAt[c] = g.nStamp
			g.count[c] = 0
		}
		g.count[c]++
		if g.growing && g.done[c] != g.nStamp {
			var published uint64
			if m == Published {
				published = 1
			}
			g.push(uint64(g.left(int(c)))<<33 | published<<32 | uint64(uint32(c)))
		}
	}
	nc := int32(len(g.a.s.Cells))
	for _, al := range g.a.s.linksOf(at) {
		c := nc + al.link
		if g.cellAt[c] != g.nStamp {
			g.cellAt[c] = g.nStamp
			g.count[c] = 0
		}
		g.count[c]++
		if g.growing && g.done[c] != g.nStamp {
			g.push(uint64(g.left(int(c)))<<33 | uint64(uint32(c)))
		}
	}
}

func (g *grower) push(e uint64) {
	g.heap = append(g.heap, e)
	i := len(g.heap) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if g.heap[parent] <= g.heap[i] {
			break
		}
		g.heap[parent], g.heap[i] = g.heap[i], g.heap[parent]
		i = parent
	}
}

func (g *grower) pop() uint64 {
	h := g.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l] < h[m] {
			m = l
		}
		if r < len(h) && h[r] < h[m] {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	g.heap = h
	return top
}

// problem is the linear program over the atoms of the neighbourhood, every
// other free atom held at its true value, for the given target cells: a
// published cell touching the neighbourhood says its neighbourhood atoms
// add up to its value less the true values of its other atoms; a
// suppressed cell's bounds shift likewise (dropped when non-negativity
// already implies them); a cell not touching it holds by the truth; cells
// with the same atoms in the neighbourhood share one row. Over
// every free atom it is the program of the whole structure. It returns,
// per target, the true value of its atoms outside the neighbourhood, which
// its interval is shifted by.
func (g *grower) problem(targets []int) (*lpProblem, []float64) {
	a := g.a
	g.stamp++
	// the rows reuse the last problem's memory: a problem is used up
	// before the next is written
	pr := &lpProblem{N: len(g.atoms), Rows: g.rows[:0], Lo: g.lo[:0], Hi: g.hi[:0]}
	inside := g.inside[:0] // per row, the true values of its atoms in the neighbourhood
	g.rowCells = g.rowCells[:0]
	g.owners = g.owners[:0]
	for v, at := range g.atoms {
		g.varOf[at] = int32(v)
		for _, c := range a.s.Atoms[at].Cells {
			if a.p.Marks[c] == Unpublished {
				continue
			}
			if g.rowAt[c] != g.stamp {
				g.rowAt[c] = g.stamp
				g.rowOf[c] = int32(len(pr.Rows))
				if len(pr.Rows) < cap(pr.Rows) {
					pr.Rows = pr.Rows[:len(pr.Rows)+1]
					pr.Rows[len(pr.Rows)-1] = pr.Rows[len(pr.Rows)-1][:0]
				} else {
					pr.Rows = append(pr.Rows, nil)
				}
				inside = append(inside, 0)
				g.rowCells = append(g.rowCells, c)
			}
			r := g.rowOf[c]
			pr.Rows[r] = append(pr.Rows[r], int32(v))
			inside[r] += a.s.Atoms[at].Value
		}
	}
	keep := 0
	for r, c := range g.rowCells {
		outside := a.freeTruth[c] - inside[r]
		lo, hi, suppressed := a.bounds(int(c))
		if !suppressed {
			lo = a.s.Cells[c].Value - outside
			hi = lo
		} else {
			lo, hi = lo-outside, hi-outside
			if lo <= 0 && math.IsInf(hi, 1) {
				g.rowOf[c] = -1
				continue // non-negativity says as much
			}
		}
		// cells with the same atoms in the neighbourhood are one row, with
		// both bounds (the truth meets both, so they intersect; an
		// inconsistent input keeps every row, for HiGHS to say so)
		g.key = g.key[:0]
		for _, v := range pr.Rows[r] {
			g.key = binary.LittleEndian.AppendUint32(g.key, uint32(v))
		}
		if k, ok := g.rowByKey[string(g.key)]; ok && a.truthHolds {
			g.rowOf[c] = -1
			switch {
			case pr.Lo[k] == pr.Hi[k]:
			case lo == hi:
				pr.Lo[k], pr.Hi[k] = lo, hi
				g.owners[k] = [2]int32{c, c}
			default:
				if lo > pr.Lo[k] {
					pr.Lo[k], g.owners[k][0] = lo, c
				}
				if hi < pr.Hi[k] {
					pr.Hi[k], g.owners[k][1] = hi, c
				}
			}
			continue
		}
		g.rowByKey[string(g.key)] = int32(keep)
		g.rowOf[c] = int32(keep)
		g.owners = append(g.owners, [2]int32{c, c})
		pr.Rows[keep], pr.Rows[r] = pr.Rows[r], pr.Rows[keep] // a swap: each row keeps its own memory
		pr.Lo = append(pr.Lo, lo)
		pr.Hi = append(pr.Hi, hi)
		keep++
	}
	clear(g.rowByKey)
	g.rows, g.lo, g.hi, g.inside = pr.Rows, pr.Lo, pr.Hi, inside
	pr.Rows = pr.Rows[:keep]
	g.linkRows(pr)
	shift := make([]float64, len(targets))
	for j, t := range targets {
		var vars []int32
		var in float64
		for _, at := range a.s.Cells[t].Atoms {
			if a.free[at] && g.inN[at] == g.nStamp {
				vars = append(vars, g.varOf[at])
				in += a.s.Atoms[at].Value
			}
		}
		pr.Targets = append(pr.Targets, vars)
		shift[j] = a.freeTruth[t] - in
	}
	return pr, shift
}

// linkRows appends to the problem a row for every link the neighbourhood's
// atoms are in: their weighted sum is at least minus the link's slack over
// the free atoms outside (held at their true values). A row whose
// coefficients are all positive and whose bound non-negativity implies is
// left out.
func (g *grower) linkRows(pr *lpProblem) {
	a := g.a
	g.cellRows, g.linkRow = len(pr.Rows), g.linkRow[:0]
	if len(a.s.links) == 0 {
		return
	}
	var inside []float64
	var coefs [][]float64
	for v, at := range g.atoms {
		for _, al := range a.s.linksOf(at) {
			if g.linkAt[al.link] != g.stamp {
				g.linkAt[al.link] = g.stamp
				g.linkOf[al.link] = int32(len(g.linkRow))
				g.linkRow = append(g.linkRow, al.link)
				inside = append(inside, 0)
				coefs = append(coefs, nil)
				pr.Rows = append(pr.Rows, nil)
			}
			j := g.linkOf[al.link]
			r := g.cellRows + int(j)
			pr.Rows[r] = append(pr.Rows[r], int32(v))
			coefs[j] = append(coefs[j], al.coef)
			inside[j] += al.coef * a.s.Atoms[at].Value
		}
	}
	if len(g.linkRow) == 0 {
		return
	}
	// the cell rows' coefficients are all 1 (nil)
	pr.Coefs = make([][]float64, len(pr.Rows))
	copy(pr.Coefs[g.cellRows:], coefs)
	keep := g.cellRows
	for j, l := range g.linkRow {
		lo := -(a.linkFreeSlack[l] - inside[j])
		r := g.cellRows + j
		if lo <= 0 && !slices.ContainsFunc(pr.Coefs[r], func(c float64) bool { return c < 0 }) {
			g.linkAt[l] = 0 // non-negativity says as much
			continue
		}
		g.linkOf[l] = int32(keep - g.cellRows)
		pr.Rows[keep], pr.Rows[r] = pr.Rows[r], pr.Rows[keep] // a swap: each row keeps its own memory
		pr.Coefs[keep] = pr.Coefs[r]
		g.linkRow[keep-g.cellRows] = l
		pr.Lo = append(pr.Lo, lo)
		pr.Hi = append(pr.Hi, math.Inf(1))
		keep++
	}
	pr.Rows, pr.Coefs = pr.Rows[:keep], pr.Coefs[:keep]
	g.linkRow = g.linkRow[:keep-g.cellRows]
}

// candidate is an atom outside the neighbourhood that would improve an
// optimum: absent counts its published cells the program has no row for
// (each would pin it to its true value until another of the cell's atoms
// joins), gain is the size of its reduced cost.
type candidate struct {
	atom   int32
	absent int
	gain   float64
}

// improving prices the atoms outside the neighbourhood against the duals
// of an optimum of the last program for target (sign: +1 minimising the
// target, -1 maximising it) and appends those whose reduced cost
// d = sign·[in target] - Σ duals of its rows says raising them (d < 0) or
// lowering them from a positive true value (d > 0) improves the optimum.
// None means the optimum is the whole structure's: the duals, zero on
// every row the program lacks, show it optimal for every atom.
func (g *grower) improving(target int, sign float64, duals [][2]float64, out []candidate) []candidate {
	a := g.a
	g.mStamp++
	// a row's dual belongs to the cell whose bound it holds at the optimum:
	// the lower one when positive (the reduced costs are c - A'y), so the
	// duals are those of a program with every cell its own row
	// (a link's row is its own: at len(Cells)+link)
	nc := int32(len(a.s.Cells))
	owner := func(d [2]float64) int32 {
		if r := int(d[0]); r >= g.cellRows {
			return nc + g.linkRow[r-g.cellRows]
		}
		if d[1] > 0 {
			return g.owners[int(d[0])][0]
		}
		return g.owners[int(d[0])][1]
	}
	for _, d := range duals {
		c := owner(d)
		g.cellMarkAt[c] = g.mStamp
		g.cellNum[c] = d[1]
	}
	price := func(at int32) {
		if !a.free[at] || g.inN[at] == g.nStamp || g.pricedAt[at] == g.mStamp {
			return
		}
		g.pricedAt[at] = g.mStamp
		var d float64
		absent := 0
		for _, c := range a.s.Atoms[at].Cells {
			if int(c) == target {
				d += sign
			}
			if g.cellMarkAt[c] == g.mStamp {
				d -= g.cellNum[c]
			}
			if a.p.Marks[c] == Published && g.cellAt[c] != g.nStamp {
				absent++
			}
		}
		for _, al := range a.s.linksOf(at) {
			if c := nc + al.link; g.cellMarkAt[c] == g.mStamp {
				d -= g.cellNum[c] * al.coef
			}
		}
		const tol = 1e-7
		if d < -tol || (d > tol && a.s.Atoms[at].Value > 0) {
			out = append(out, candidate{atom: at, absent: absent, gain: math.Abs(d)})
		}
	}
	for _, d := range duals {
		for _, at := range g.atomsOf(int(owner(d))) {
			price(at)
		}
	}
	for _, at := range a.s.Cells[target].Atoms {
		price(at)
	}
	return out
}

// widen adds at most n of the candidates (an atom may come twice, from
// the minimum's and the maximum's duals): those with the fewest published
// cells still absent first, then the largest reduced costs.
func (g *grower) widen(cands []candidate, n int) {
	slices.SortFunc(cands, func(x, y candidate) int {
		if c := cmp.Compare(x.absent, y.absent); c != 0 {
			return c
		}
		if c := cmp.Compare(y.gain, x.gain); c != 0 {
			return c
		}
		return cmp.Compare(x.atom, y.atom)
	})
	for _, c := range cands {
		if n == 0 {
			return
		}
		if g.inN[c.atom] != g.nStamp {
			g.add(c.atom)
			n--
		}
	}
}

// witness checks a solution x of the last program against the whole
// structure — the neighbourhood's atoms at x, every other atom at its true
// value — and notes every suppressed cell's value there in the auditor's
// seen intervals. It fails (false) unless
// every atom is non-negative, every published cell keeps its value and
// every suppressed cell stays within its marks' bounds; the cells that
// touch no atom of the neighbourhood keep their true sums, which the
// auditor checked hold. So a pass never rests on the program being written
// right, only on this check and the truth.
func (g *grower) witness(x []float64) bool {
	a := g.a
	if len(x) != len(g.atoms) {
		return false
	}
	g.mStamp++
	touched := g.touched[:0]
	for v, at := range g.atoms {
		if x[v] < -witnessTolerance {
			return false
		}
		change := x[v] - a.s.Atoms[at].Value
		for _, c := range a.s.Atoms[at].Cells {
			if g.cellMarkAt[c] != g.mStamp {
				g.cellMarkAt[c] = g.mStamp
				g.cellNum[c] = 0
				touched = append(touched, c)
			}
			g.cellNum[c] += change
		}
	}
	for _, c := range touched {
		sum := a.freeTruth[c] + g.cellNum[c]
		lo, hi, suppressed := a.bounds(int(c))
		switch {
		case a.p.Marks[c] == Published && math.Abs(sum-a.s.Cells[c].Value) > witnessTolerance:
			return false
		case suppressed && (sum < lo-witnessTolerance || sum > hi+witnessTolerance):
			return false
		}
	}
	if !g.keepsLinks(x) {
		return false
	}
	a.seenMu.Lock()
	for _, c := range touched {
		if _, _, suppressed := a.bounds(int(c)); suppressed {
			sum := a.freeTruth[c] + g.cellNum[c]
			if sum < a.seenLo[c] || sum > a.seenHi[c] {
				a.seenLo[c], a.seenHi[c] = min(a.seenLo[c], sum), max(a.seenHi[c], sum)
				a.seenAtoms[c] = max(a.seenAtoms[c], int32(len(g.atoms)))
			}
		}
	}
	a.seenMu.Unlock()
	g.touched = touched
	return true
}

// keepsLinks tells whether a solution x of the last program, every atom
// outside the neighbourhood at its true value, keeps every link.
func (g *grower) keepsLinks(x []float64) bool {
	a := g.a
	if len(a.s.links) == 0 {
		return true
	}
	g.mStamp++
	nc := int32(len(a.s.Cells))
	var touched []int32
	for v, at := range g.atoms {
		for _, al := range a.s.linksOf(at) {
			c := nc + al.link
			if g.cellMarkAt[c] != g.mStamp {
				g.cellMarkAt[c] = g.mStamp
				g.cellNum[c] = 0
				touched = append(touched, al.link)
			}
			g.cellNum[c] += al.coef * (x[v] - a.s.Atoms[at].Value)
		}
	}
	for _, l := range touched {
		if a.s.links[l].slack+g.cellNum[nc+l] < -witnessTolerance {
			return false
		}
	}
	return true
}

// witnessTolerance is how far a witness may miss a cell's value or bound,
// as the audit's verdicts allow 1e-6 of an interval's width: counts are
// integers, and HiGHS's solutions here are exact to about 1e-9.
const witnessTolerance = 1e-6

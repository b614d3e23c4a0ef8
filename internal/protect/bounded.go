package protect

import "math"

// program is a linear program in tableau form for the bounded primal
// simplex method: minimise c·x subject to A x = b and 0 <= x <= upper,
// started from a basis the caller gives. The certificates' programs are
// written in perturbations of the truth (an atom's rise and fall), so the
// truth itself — every perturbation zero — is a feasible basis: each row
// has a column of its own (a surplus or slack at its value, or, for a
// published cell, an artificial fixed at 0 that leaves when a pivot first
// needs the row) and no first phase is needed. The rest follows the
// textbook: a nonbasic variable sits at its lower or upper bound, the ratio
// test includes the entering variable's own bound (a flip, no pivot),
// Dantzig's rule chooses the entering column, Bland's once the objective
// stalls. It only searches: every answer is checked exactly as the
// attacker's constraints state it (certifier.check), so a numerical slip
// can cost a certificate, never soundness.
type program struct {
	m, n    int
	slab    *[]float64
	t       [][]float64 // m constraint rows, then the reduced costs; n columns
	vals    []float64   // the basic variable's value, per row
	basis   []int       // the basic column, per row
	upper   []float64   // per column; +Inf when unbounded
	atUpper []bool      // per nonbasic column: at its upper bound
	basic   []bool      // per column
	nz      []int       // scratch for pivots
	hits    []int       // the rows with an entry in the entering column
}

// newProgram returns a program of m rows and n columns, every coefficient
// zero and every upper bound infinite.
func newProgram(m, n int) *program {
	slab := getSlab((m + 1) * n)
	p := &program{m: m, n: n, slab: slab, t: make([][]float64, m+1),
		vals: make([]float64, m), basis: make([]int, m),
		upper: make([]float64, n), atUpper: make([]bool, n), basic: make([]bool, n),
		nz: make([]int, 0, n)}
	for i := range m + 1 {
		p.t[i] = (*slab)[i*n : (i+1)*n : (i+1)*n]
	}
	for j := range p.upper {
		p.upper[j] = math.Inf(1)
	}
	return p
}

// release gives the tableau's memory back to the pool.
func (p *program) release() { slabs.Put(p.slab) }

// setBasic makes col row i's basic variable at val (>= 0): the caller has
// written 1 in that column of row i and 0 in every other row.
func (p *program) setBasic(i, col int, val float64) {
	p.basis[i], p.vals[i], p.basic[col] = col, val, true
}

// solution is every variable's value in the current basis.
func (p *program) solution() []float64 {
	x := make([]float64, p.n)
	for j := range x {
		if p.atUpper[j] {
			x[j] = p.upper[j]
		}
	}
	for i, b := range p.basis {
		x[b] = p.vals[i]
	}
	return x
}

// setCosts writes the reduced costs of the objective c in the current
// basis.
func (p *program) setCosts(c []float64) {
	obj := p.t[p.m]
	copy(obj, c)
	for i, b := range p.basis {
		if f := c[b]; f != 0 {
			for j, a := range p.t[i] {
				if a != 0 {
					obj[j] -= f * a
				}
			}
		}
	}
}

// minimise runs the simplex method on the objective c from the current
// basis, which must be feasible.
func (p *program) minimise(c []float64) error {
	p.setCosts(c)
	stalled := 0
	for it := 0; it < 50*(p.m+p.n); it++ {
		col, dir := p.price(stalled > 20)
		if col < 0 {
			return nil
		}
		// how far the entering variable can move: to its own other bound,
		// or until a basic variable reaches one of its bounds
		theta, row, toUpper := p.upper[col], -1, false
		// the rows with an entry in the column, read once (the column is
		// strided: the ratio test, the values and the pivot each need it)
		p.hits = p.hits[:0]
		for i := range p.m + 1 {
			if p.t[i][col] != 0 {
				p.hits = append(p.hits, i)
			}
		}
		for _, i := range p.hits {
			if i == p.m {
				continue
			}
			a := p.t[i][col]
			if math.Abs(a) <= simplexEps {
				continue
			}
			rate := -dir * a // the basic variable's change per unit
			var lim float64
			up := false
			if rate < 0 {
				lim = p.vals[i] / -rate
			} else if u := p.upper[p.basis[i]]; !math.IsInf(u, 1) {
				lim, up = (u-p.vals[i])/rate, true
			} else {
				continue
			}
			lim = max(lim, 0)
			// ties go to the flip, then to the lowest basic column (Bland)
			if lim < theta-simplexEps || (lim < theta+simplexEps && row >= 0 && p.basis[i] < p.basis[row]) {
				theta, row, toUpper = lim, i, up
			}
		}
		if math.IsInf(theta, 1) {
			return errUnbounded
		}
		if theta < simplexEps {
			stalled++
		} else {
			stalled = 0
		}
		for _, i := range p.hits {
			if i < p.m {
				p.vals[i] = max(p.vals[i]-dir*p.t[i][col]*theta, 0)
			}
		}
		if row < 0 { // a bound flip
			p.atUpper[col] = !p.atUpper[col]
			continue
		}
		enter := theta
		if dir < 0 {
			enter = p.upper[col] - theta
		}
		leaving := p.basis[row]
		p.basic[leaving], p.atUpper[leaving] = false, toUpper
		p.basic[col], p.atUpper[col] = true, false
		p.pivot(row, col)
		p.vals[row] = enter
	}
	return errPivots
}

// price chooses the entering column and its direction (+1 up from its
// lower bound, -1 down from its upper): the largest improvement (Dantzig),
// or with bland the first column that improves. -1 when none does.
func (p *program) price(bland bool) (int, float64) {
	obj := p.t[p.m]
	col, dir, best := -1, 0.0, simplexEps
	for j, d := range obj {
		if p.basic[j] || p.upper[j] == 0 {
			continue
		}
		gain := -d
		s := 1.0
		if p.atUpper[j] {
			gain, s = d, -1
		}
		if gain > best {
			col, dir, best = j, s, gain
			if bland {
				break
			}
		}
	}
	return col, dir
}

// pivot makes col basic in row, eliminating it from every other row and
// the reduced costs.
func (p *program) pivot(row, col int) {
	p.nz = eliminate(p.t, row, col, p.nz, p.hits)
	p.basis[row] = col
}

// dualMinimise runs the dual simplex method on the objective c from the
// current basis, which must be dual feasible (every nonbasic column at its
// lower bound has a reduced cost >= 0, at its upper bound <= 0) and may
// break its rows' bounds: each step takes the row furthest outside its
// basic variable's bounds, moves that variable to the bound, and brings in
// the column that keeps the reduced costs' signs (the smallest ratio of
// reduced cost to the row's entry; ties to the larger entry, then the
// lower column). A program whose truth breaks one row — the complement
// program's target, which must move by the level — starts there and
// reaches the cheapest answer in far fewer steps than a first phase and
// the primal method from its answer (about 670 pivots a sample program).
func (p *program) dualMinimise(c []float64) error {
	p.setCosts(c)
	obj := p.t[p.m]
	for it := 0; it < 50*(p.m+p.n); it++ {
		// the leaving row: the largest violation of a basic bound
		row, worst, below := -1, simplexEps, false
		for i, v := range p.vals {
			if -v > worst {
				row, worst, below = i, -v, true
			} else if u := p.upper[p.basis[i]]; v-u > worst {
				row, worst, below = i, v-u, false
			}
		}
		if row < 0 {
			return nil
		}
		// the entering column: a nonbasic variable that moves the leaving
		// one towards its bound (below: the row's sum of t*x must fall),
		// the smallest |reduced cost / entry|
		tr := p.t[row]
		col, best, size := -1, math.Inf(1), 0.0
		for j, a := range tr {
			if math.Abs(a) <= simplexEps || p.basic[j] || p.upper[j] == 0 {
				continue
			}
			up := !p.atUpper[j] // it can rise from its lower bound, else fall
			if (a < 0) != (up == below) {
				continue
			}
			r := math.Abs(obj[j]) / math.Abs(a)
			if r < best-simplexEps || (r < best+simplexEps && math.Abs(a) > size+simplexEps) {
				col, best, size = j, r, math.Abs(a)
			}
		}
		if col < 0 {
			return errInfeasible
		}
		bound := 0.0
		if !below {
			bound = p.upper[p.basis[row]]
		}
		theta := (p.vals[row] - bound) / tr[col] // the entering variable's change
		p.hits = p.hits[:0]
		for i := range p.m + 1 {
			if p.t[i][col] != 0 {
				p.hits = append(p.hits, i)
			}
		}
		for _, i := range p.hits {
			if i < p.m && i != row {
				p.vals[i] -= p.t[i][col] * theta
			}
		}
		enter := theta
		if p.atUpper[col] {
			enter += p.upper[col]
		}
		leaving := p.basis[row]
		p.basic[leaving], p.atUpper[leaving] = false, !below
		p.basic[col], p.atUpper[col] = true, false
		p.pivot(row, col)
		p.vals[row] = enter
	}
	return errPivots
}

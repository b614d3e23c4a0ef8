package protect

import (
	"math"
	"runtime"
)

// program is a linear program in tableau form for the bounded simplex
// methods: minimise c·x subject to A x = b and lower <= x <= upper,
// started from a basis the caller gives, every nonbasic variable at 0
// (which lies within its bounds). The certificates' programs are written
// in perturbations of the truth — an atom's change, from minus its value
// up — so the truth itself, every change zero, is the starting point: each
// row has a column of its own (a surplus or slack at its value, or, for a
// published cell, an artificial fixed at 0 that leaves when a pivot first
// needs the row), and no first phase is needed. An atom's change is one
// column that passes through 0 without a pivot (a rise and a fall, two
// columns, doubled the tableau's width and made 0 a vertex to pivot at).
// The rest follows the textbook: a nonbasic variable sits at a bound or at
// 0 between them, the ratio test includes the entering variable's own
// bound (a flip, no pivot), Dantzig's rule chooses the entering column,
// Bland's once the objective stalls. It only searches: every answer is
// checked exactly as the attacker's constraints state it
// (certifier.check), so a numerical slip can cost a certificate, never
// soundness.
type program struct {
	m, n         int // rows, and columns in the tableau
	fixed        int // columns fixed at 0 after the tableau's (see newProgram)
	slab         []float64
	t            [][]float64 // m constraint rows, then the reduced costs; n columns
	vals         []float64   // the basic variable's value, per row
	basis        []int       // the basic column, per row
	lower, upper []float64   // per column; ±Inf when unbounded
	x            []float64   // per nonbasic column: its value (a bound, or 0)
	basic        []bool      // per column
	dead         []bool      // per column: fixed and out of the basis, never updated again
	cost         []float64   // per column: zero, for the caller's objective
	nz           []int       // scratch for pivots
	hits         []int       // the rows with an entry in the entering column
}

// newProgram returns a program of m rows and n columns, every coefficient
// zero, every variable at least 0 and unbounded above, and after them
// fixed columns n, n+1, … fixed at 0 that have no place in the tableau:
// each may start as a row's basic variable (a published row's artificial,
// whose column is then a unit one) and, fixed, never enters once it has
// left, so its column is never read — a certificate program's published
// rows are most of its rows, and the tableau is a third narrower without
// them. Its memory is reused from programs released before (a sample
// lake's pattern solves some ten thousand programs; a sync.Pool, emptied
// at every collection, kept few of their tableaux).
func newProgram(m, n, fixed int) *program {
	var p *program
	select {
	case p = <-programs:
	default:
		p = &program{}
	}
	p.m, p.n, p.fixed = m, n, fixed
	size := (m + 1) * n
	if cap(p.slab) < size {
		p.slab = make([]float64, size+size/4)
	} else {
		clear(p.slab[:size])
	}
	p.t = resize(p.t, m+1)
	for i := range m + 1 {
		p.t[i] = p.slab[i*n : (i+1)*n : (i+1)*n]
	}
	p.vals, p.basis = resize(p.vals, m), resize(p.basis, m)
	all := n + fixed
	p.lower, p.upper, p.x = resize(p.lower, all), resize(p.upper, all), resize(p.x, all)
	p.basic, p.dead, p.cost = resize(p.basic, all), resize(p.dead, all), resize(p.cost, all)
	for j := range n {
		p.upper[j] = math.Inf(1)
	}
	return p
}

// programs holds released programs for reuse, a few per core.
var programs = make(chan *program, 4*runtime.GOMAXPROCS(0))

// resize returns s with length n, zeroed, reusing its memory when it can.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// release gives the program's memory back for reuse; the program is not
// used again.
func (p *program) release() {
	select {
	case programs <- p:
	default:
	}
}

// setBasic makes col row i's basic variable at val (within its bounds, or
// for the dual method outside them): the caller has written 1 in that
// column of row i and 0 in every other row, or col is a fixed column.
func (p *program) setBasic(i, col int, val float64) {
	p.basis[i], p.vals[i], p.basic[col] = col, val, true
}

// solution is every variable's value in the current basis.
func (p *program) solution() []float64 {
	x := make([]float64, p.n+p.fixed)
	for j := range x {
		if !p.basic[j] {
			x[j] = p.x[j]
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

// column lists the rows with an entry in col, the reduced costs' included
// (the column is strided: the ratio test, the values and the pivot each
// need it).
func (p *program) column(col int) {
	p.hits = p.hits[:0]
	for i := range p.m + 1 {
		if p.t[i][col] != 0 {
			p.hits = append(p.hits, i)
		}
	}
}

// enter makes col basic in row, at value, the leaving variable nonbasic
// at its bound.
func (p *program) enter(row, col int, value, bound float64) {
	leaving := p.basis[row]
	p.basic[leaving], p.x[leaving] = false, bound
	// a variable fixed at its bound (a published row's artificial) never
	// enters again: its column need not be kept
	p.dead[leaving] = p.lower[leaving] == p.upper[leaving]
	p.basic[col] = true
	p.pivot(row, col)
	p.vals[row] = value
}

// minimise runs the primal simplex method on the objective c from the
// current basis, which must be feasible.
func (p *program) minimise(c []float64) error {
	p.setCosts(c)
	stalled := 0
	for it := 0; it < 50*(p.m+p.n); it++ {
		col, dir := p.price(stalled > 20)
		if col < 0 {
			return nil
		}
		// how far the entering variable can move: to its own bound in that
		// direction, or until a basic variable reaches one of its bounds
		theta := p.upper[col] - p.x[col]
		if dir < 0 {
			theta = p.x[col] - p.lower[col]
		}
		row, bound := -1, 0.0
		p.column(col)
		for _, i := range p.hits {
			if i == p.m {
				continue
			}
			a := p.t[i][col]
			if math.Abs(a) <= simplexEps {
				continue
			}
			b := p.basis[i]
			rate := -dir * a // the basic variable's change per unit
			var lim, to float64
			if rate < 0 {
				lim, to = (p.vals[i]-p.lower[b])/-rate, p.lower[b]
			} else if !math.IsInf(p.upper[b], 1) {
				lim, to = (p.upper[b]-p.vals[i])/rate, p.upper[b]
			} else {
				continue
			}
			lim = max(lim, 0)
			// ties go to the flip, then to the lowest basic column (Bland)
			if lim < theta-simplexEps || (lim < theta+simplexEps && row >= 0 && b < p.basis[row]) {
				theta, row, bound = lim, i, to
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
				p.vals[i] = max(p.vals[i]-dir*p.t[i][col]*theta, p.lower[p.basis[i]])
			}
		}
		value := p.x[col] + dir*theta
		if row < 0 { // a bound flip
			p.x[col] = value
			continue
		}
		p.enter(row, col, value, bound)
	}
	return errPivots
}

// price chooses the entering column and its direction (+1 up, -1 down):
// the largest improvement (Dantzig), or with bland the first column that
// improves. -1 when none does.
func (p *program) price(bland bool) (int, float64) {
	obj := p.t[p.m]
	col, dir, best := -1, 0.0, simplexEps
	for j, d := range obj {
		if p.basic[j] {
			continue
		}
		if -d > best && p.x[j] < p.upper[j] {
			col, dir, best = j, 1, -d
		} else if d > best && p.x[j] > p.lower[j] {
			col, dir, best = j, -1, d
		} else {
			continue
		}
		if bland {
			break
		}
	}
	return col, dir
}

// pivot makes col basic in row, eliminating it from every other row and
// the reduced costs.
func (p *program) pivot(row, col int) {
	p.nz = eliminate(p.t, row, col, p.nz, p.hits, p.dead)
	p.basis[row] = col
}

// dualMinimise runs the dual simplex method on the objective c from the
// current basis, which must be dual feasible (a nonbasic column at its
// lower bound has a reduced cost >= 0, at its upper bound <= 0, between
// them 0) and may break its rows' bounds: each step takes the row furthest
// outside its basic variable's bounds, moves that variable to the bound,
// and brings in the column that keeps the reduced costs' signs (the
// smallest ratio of reduced cost to the row's entry; ties to the larger
// entry, then the lower column). A program whose truth breaks one row —
// the complement program's target, which must move by the level — starts
// there and reaches the cheapest answer in far fewer steps than a first
// phase and the primal method from its answer (121 pivots a sample program
// against 670).
func (p *program) dualMinimise(c []float64) error {
	p.setCosts(c)
	obj := p.t[p.m]
	for it := 0; it < 50*(p.m+p.n); it++ {
		// the leaving row: the largest violation of a basic bound
		row, worst, below := -1, simplexEps, false
		for i, v := range p.vals {
			b := p.basis[i]
			if p.lower[b]-v > worst {
				row, worst, below = i, p.lower[b]-v, true
			} else if v-p.upper[b] > worst {
				row, worst, below = i, v-p.upper[b], false
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
			if math.Abs(a) <= simplexEps || p.basic[j] {
				continue
			}
			if rise := (a < 0) == below; rise && p.x[j] >= p.upper[j] || !rise && p.x[j] <= p.lower[j] {
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
		b := p.basis[row]
		bound := p.upper[b]
		if below {
			bound = p.lower[b]
		}
		theta := (p.vals[row] - bound) / tr[col] // the entering variable's change
		p.column(col)
		for _, i := range p.hits {
			if i < p.m && i != row {
				p.vals[i] -= p.t[i][col] * theta
			}
		}
		p.enter(row, col, p.x[col]+theta, bound)
	}
	return errPivots
}

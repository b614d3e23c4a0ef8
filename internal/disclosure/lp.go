package disclosure

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// simplexTol is the reduced-cost tolerance handed to lp.Simplex.
const simplexTol = 1e-10

// target is a set of suppressed cells over the same unknowns (hence the same
// value): one pair of LPs answers for all of them.
type target struct {
	vars   []int32 // local variable ids
	cells  []int32
	lo, hi float64 // what the marks tell about the sum of vars
}

// solve audits one component: suppressed cells in the span of its published
// cells are disclosed outright; the rest get the min and max of an LP.
func (a *attack) solve(comp component) error {
	local := make(map[int32]int32, len(comp.vars))
	for i, v := range comp.vars {
		local[v] = int32(i)
	}
	toLocal := func(vars []int32) []int32 {
		out := make([]int32, len(vars))
		for i, v := range vars {
			out[i] = local[v]
		}
		return out
	}
	var published [][]int32
	var rhs []float64
	e := newEchelon(len(comp.vars))
	for _, c := range comp.pub {
		// Published cells that are linear combinations of others add no
		// information, and lp.Simplex requires full row rank.
		lv := toLocal(a.cellVars[c])
		if e.add(lv, nil) {
			published = append(published, lv)
			rhs = append(rhs, float64(a.residual(c)))
		}
	}
	var targets []*target
	byVars := make(map[string]*target)
	for _, c := range comp.sup {
		lv := toLocal(a.cellVars[c])
		if e.inSpan(lv, nil) {
			v := float64(a.values[c])
			a.result[c] = bound{lo: v, hi: v, method: BySpan}
			a.stats.BySpan++
			continue
		}
		// A cell in the span is pinned by equalities its bounds cannot
		// change, so only cells outside the span need bound rows. The rows
		// bound the cell's unknown part: its value less the known parts.
		lo, hi := a.opt.bounds(a.p[c])
		known := float64(a.values[c] - a.residual(c))
		lo, hi = lo-known, hi-known
		k := varsKey(lv)
		t := byVars[k]
		if t == nil {
			t = &target{vars: lv, lo: lo, hi: hi}
			byVars[k] = t
			targets = append(targets, t)
		}
		t.cells = append(t.cells, c)
		t.lo, t.hi = max(t.lo, lo), min(t.hi, hi)
		// The truth must satisfy what the marks say: the LPs below take it
		// as a known feasible point.
		if r := float64(a.residual(c)); r < lo || r > hi {
			return fmt.Errorf("audit: %w: cell %d %q is marked %s, which says %v..%v, but its value is %d",
				ErrInconsistent, c, a.s.Cells[c].ID, a.p[c], lo+known, hi+known, a.values[c])
		}
	}
	if len(targets) == 0 {
		return nil
	}
	truth := make([]float64, len(comp.vars))
	for i, v := range comp.vars {
		truth[i] = float64(a.varValue[v])
	}
	prog := newProgram(truth, published, rhs, targets)
	if prog.A != nil {
		m, n := prog.A.Dims()
		a.stats.LargestRows = max(a.stats.LargestRows, m)
		a.stats.LargestCols = max(a.stats.LargestCols, n)
	}
	los, his, err := a.optimise(prog, targets)
	if err != nil {
		return a.lpError(err, comp)
	}
	for k, t := range targets {
		for _, c := range t.cells {
			known := float64(a.values[c] - a.residual(c))
			a.result[c] = bound{lo: known + los[k], hi: known + his[k], method: ByLP}
		}
	}
	return nil
}

// optimise returns the min and max of every target's sum over prog.
//
// LPs are the cost, so each answer that a known feasible point proves is
// taken without one: every target's sum has a floor (0 in shifted unknowns,
// or its mark's lower bound) and a ceiling (its upper bounds, or a published
// cell holding it, whose other parts are >= 0); a feasible point at the
// floor proves the minimum, one at the ceiling the maximum. The truth is the
// first such point, and every LP's optimum (a vertex: many unknowns at their
// bounds) the next ones.
//
// The first LP runs lp.Simplex's own search for a feasible basis (phase I);
// the others start from the basis it found — every LP of a component has the
// same constraints, so it is feasible for all — and run in parallel, in
// batches of fixed size so that which LPs run does not depend on the
// machine.
func (a *attack) optimise(prog *program, targets []*target) (los, his []float64, err error) {
	type state struct {
		cols           []int
		offset         float64 // lower bounds shifted out
		floor, ceiling float64 // in shifted unknowns
		loDone, hiDone bool
	}
	los, his = make([]float64, len(targets)), make([]float64, len(targets))
	st := make([]state, len(targets))
	for k, t := range targets {
		cols, offset, free := prog.objective(t)
		st[k] = state{cols: cols, offset: offset, floor: prog.floor(t), ceiling: prog.ceiling(t)}
		los[k], his[k] = offset, math.Inf(1)
		// An unknown in no row can grow without limit and sits at its
		// lower bound at the minimum.
		st[k].hiDone = free
		st[k].loDone = len(cols) == 0
	}
	settle := func(x []float64) {
		for k := range st {
			s := &st[k]
			if s.loDone && s.hiDone {
				continue
			}
			var sum float64
			for _, j := range s.cols {
				sum += x[j]
			}
			if !s.loDone && sum <= s.floor+pointTol {
				s.loDone, los[k] = true, s.offset+s.floor
			}
			if !s.hiDone && sum >= s.ceiling-pointTol {
				s.hiDone, his[k] = true, s.offset+s.ceiling
			}
		}
	}
	if prog.A == nil {
		return los, his, nil
	}
	settle(prog.truth)

	type job struct {
		k   int
		max bool
		opt float64
		x   []float64
		err error
	}
	var basis []int
	warm := false
	run := func(j *job) {
		sign := 1.0
		if j.max {
			sign = -1
		}
		j.opt, j.x, j.err = a.simplex(prog, st[j.k].cols, sign, basis)
	}
	for _, isMax := range []bool{false, true} {
		for k := 0; ; {
			limit := lpBatch
			if !warm {
				limit = 1
			}
			var batch []*job
			for ; k < len(st) && len(batch) < limit; k++ {
				done := st[k].loDone
				if isMax {
					done = st[k].hiDone
				}
				if !done {
					batch = append(batch, &job{k: k, max: isMax})
				}
			}
			if len(batch) == 0 {
				break
			}
			if !warm {
				run(batch[0])
				if batch[0].err == nil {
					basis, warm = prog.basisOf(batch[0].x), true
				}
			} else {
				var wg sync.WaitGroup
				for _, j := range batch {
					wg.Go(func() { run(j) })
				}
				wg.Wait()
			}
			for _, j := range batch {
				s, t := &st[j.k], targets[j.k]
				switch {
				case j.max && errors.Is(j.err, lp.ErrUnbounded):
					s.hiDone = true
				case j.err != nil:
					what := "minimum"
					if j.max {
						what = "maximum"
					}
					return nil, nil, &lpFailure{err: j.err, what: what, target: t}
				case j.max:
					s.hiDone, his[j.k] = true, s.offset-j.opt
				default:
					s.loDone, los[j.k] = true, s.offset+j.opt
				}
				if j.x != nil {
					settle(j.x)
				}
			}
		}
	}
	return los, his, nil
}

// lpBatch is how many LPs run at once; fixed, so the same LPs run on every
// machine.
const lpBatch = 4

// pointTol is how close a feasible point's sum must come to a floor or
// ceiling to prove it. Vertices of these 0/1 systems are fractions with
// small denominators, far coarser than this.
const pointTol = 1e-9

// lpFailure is an LP that lp.Simplex could not solve.
type lpFailure struct {
	err    error
	what   string // "minimum" or "maximum"
	target *target
}

func (f *lpFailure) Error() string { return f.what + ": " + f.err.Error() }
func (f *lpFailure) Unwrap() error { return f.err }

// program is one component's LP in the standard form lp.Simplex takes:
// minimise c·x subject to A x = b, x >= 0, over the component's unknowns
// shifted by their lower bounds (x = unknown - lb) and a slack column for
// every bound row (sum - s = lo, sum + s = hi).
//
// Rows are kept few, since each simplex step factorises the m×m basis:
// a lower bound on a single unknown is a shift, not a row; a lower bound on a
// sum that the shifted parts already meet is dropped; and an unknown that no
// row mentions is left out of the matrix, since nothing bounds it from above
// (a target holding it is unbounded) and its minimum is its lower bound.
type program struct {
	col   []int     // unknown -> column of A, or -1 if free (in no row)
	lb    []float64 // lower bound of each unknown
	ub    []float64 // upper bound of each unknown (+Inf if none)
	rows  []row
	truth []float64 // true value of each column, a feasible point
	A     *mat.Dense
	b     []float64

	colRows [][]int32  // nonzero rows of each column, for finding a basis
	colCoef [][]uint64 // and their coefficients in GF(p)
}

func newProgram(truth []float64, published [][]int32, rhs []float64, targets []*target) *program {
	nv := len(truth)
	lb := make([]float64, nv)
	ub := make([]float64, nv)
	for v := range ub {
		ub[v] = math.Inf(1)
	}
	for _, t := range targets {
		if len(t.vars) == 1 {
			v := t.vars[0]
			lb[v], ub[v] = max(lb[v], t.lo), min(ub[v], t.hi)
		}
	}
	sumLB := func(vars []int32) float64 {
		var s float64
		for _, v := range vars {
			s += lb[v]
		}
		return s
	}
	var rows []row
	for i, vars := range published {
		rows = append(rows, row{vars, 0, rhs[i] - sumLB(vars)})
	}
	for v := range nv {
		if !math.IsInf(ub[v], 1) {
			rows = append(rows, row{[]int32{int32(v)}, 1, ub[v] - lb[v]})
		}
	}
	for _, t := range targets {
		if len(t.vars) == 1 {
			continue
		}
		if base := sumLB(t.vars); t.lo > base+intTol {
			rows = append(rows, row{t.vars, -1, t.lo - base})
		}
		if !math.IsInf(t.hi, 1) {
			var ubs float64
			for _, v := range t.vars {
				ubs += ub[v]
			}
			if ubs > t.hi {
				rows = append(rows, row{t.vars, 1, t.hi - sumLB(t.vars)})
			}
		}
	}

	p := &program{col: make([]int, nv), lb: lb, ub: ub, rows: rows}
	for v := range p.col {
		p.col[v] = -1
	}
	for _, r := range rows {
		for _, v := range r.vars {
			if p.col[v] < 0 {
				p.col[v] = len(p.truth)
				p.truth = append(p.truth, truth[v]-lb[v])
			}
		}
	}
	if len(rows) == 0 {
		return p
	}
	nx := len(p.truth)
	slacks := 0
	for _, r := range rows {
		if r.slack != 0 {
			slacks++
		}
	}
	m, n := len(rows), nx+slacks
	p.A, p.b = mat.NewDense(m, n, nil), make([]float64, m)
	p.colRows, p.colCoef = make([][]int32, n), make([][]uint64, n)
	p.truth = append(p.truth, make([]float64, slacks)...)
	set := func(i, j int, v float64) {
		p.A.Set(i, j, v)
		p.colRows[j] = append(p.colRows[j], int32(i))
		p.colCoef[j] = append(p.colCoef[j], fromInt(int(v)))
	}
	s := nx
	for i, r := range rows {
		var sum float64
		for _, v := range r.vars {
			set(i, p.col[v], 1)
			sum += p.truth[p.col[v]]
		}
		p.b[i] = r.rhs
		if r.slack != 0 {
			set(i, s, r.slack)
			p.truth[s] = (r.rhs - sum) / r.slack
			s++
		}
	}
	return p
}

// row is a constraint of a program, over shifted unknowns.
type row struct {
	vars  []int32
	slack float64 // 0: equality (a published cell); -1: sum - s = rhs; +1: sum + s = rhs
	rhs   float64
}

// floor is a lower bound of t's shifted sum that every feasible point meets.
func (p *program) floor(t *target) float64 {
	var lbs float64
	for _, v := range t.vars {
		lbs += p.lb[v]
	}
	return max(0, t.lo-lbs)
}

// ceiling is an upper bound of t's shifted sum that every feasible point
// meets: from t's own bound, its unknowns' upper bounds, or a published cell
// holding all of t (whose other parts are >= 0). +Inf if none applies.
func (p *program) ceiling(t *target) float64 {
	var lbs, room float64
	for _, v := range t.vars {
		lbs += p.lb[v]
		room += p.ub[v] - p.lb[v]
	}
	c := min(room, t.hi-lbs)
	for _, r := range p.rows {
		if r.slack == 0 && r.rhs < c && contains(r.vars, t.vars) {
			c = r.rhs
		}
	}
	return c
}

// contains reports whether sorted set holds every element of sorted sub.
func contains(set, sub []int32) bool {
	i := 0
	for _, v := range sub {
		for i < len(set) && set[i] < v {
			i++
		}
		if i == len(set) || set[i] != v {
			return false
		}
	}
	return true
}

// objective returns the columns whose sum is target t's shifted unknown
// part, the lower bounds shifted out, and whether t holds a free unknown.
func (p *program) objective(t *target) (cols []int, offset float64, free bool) {
	for _, v := range t.vars {
		offset += p.lb[v]
		if p.col[v] < 0 {
			free = true
		} else {
			cols = append(cols, p.col[v])
		}
	}
	return cols, offset, free
}

// basisOf returns a basis (m independent columns) whose basic solution is the
// vertex x: its support, completed with slack columns and then others. It
// returns nil if x is not a vertex, and lp.Simplex then searches itself.
func (p *program) basisOf(x []float64) []int {
	m, n := p.A.Dims()
	e := newEchelon(m)
	var basis []int
	for j := range n {
		if x[j] > 1e-9 {
			if !e.add(p.colRows[j], p.colCoef[j]) {
				return nil
			}
			basis = append(basis, j)
		}
	}
	for j := n - 1; j >= 0 && len(basis) < m; j-- {
		if x[j] <= 1e-9 && e.add(p.colRows[j], p.colCoef[j]) {
			basis = append(basis, j)
		}
	}
	if len(basis) < m {
		return nil
	}
	return basis
}

// simplex minimises sign·(sum of cols) from basis (nil: let lp.Simplex find
// one). A square system has one feasible point, the truth, which lp.Simplex
// would test for non-negativity without tolerance; so it is answered here.
// The truth is feasible, so a warm start that fails other than by
// unboundedness failed through rounding (lp.Simplex even panics on a basis
// it finds infeasible), and a cold start gets a second chance.
func (a *attack) simplex(p *program, cols []int, sign float64, basis []int) (float64, []float64, error) {
	m, n := p.A.Dims()
	if m == n {
		var opt float64
		for _, j := range cols {
			opt += sign * p.truth[j]
		}
		return opt, p.truth, nil
	}
	c := make([]float64, n)
	for _, j := range cols {
		c[j] = sign
	}
	a.lps.Add(1)
	if basis != nil {
		opt, x, err := simplexFrom(c, p, basis)
		if err == nil || errors.Is(err, lp.ErrUnbounded) {
			return opt, x, err
		}
	}
	return simplexFrom(c, p, nil)
}

func simplexFrom(c []float64, p *program, basis []int) (opt float64, x []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("lp.Simplex: %v", r)
		}
	}()
	return lp.Simplex(c, p.A, p.b, simplexTol, basis)
}

func (a *attack) lpError(err error, comp component) error {
	what, c := "linear program", comp.sup[0]
	var f *lpFailure
	if errors.As(err, &f) {
		what, c = f.what, f.target.cells[0]
	}
	where := fmt.Sprintf("cell %d %q, in a block of %d unknowns and %d published, %d suppressed cells (%s)",
		c, a.s.Cells[c].ID, len(comp.vars), len(comp.pub), len(comp.sup), a.cellList(comp))
	if errors.Is(err, lp.ErrInfeasible) {
		// The true values satisfy every constraint (checked before), so
		// this is the solver's rounding, not the data.
		return fmt.Errorf("audit: %s of %s: lp.Simplex finds no feasible point although the true values are one (numerical failure): %w", what, where, err)
	}
	return fmt.Errorf("audit: %s of %s: %w", what, where, err)
}

// residual is what a published cell says about its unknown variables: its
// value minus the parts already known.
func (a *attack) residual(c int32) int64 {
	var r int64
	for _, v := range a.cellVars[c] {
		r += a.varValue[v]
	}
	return r
}

func varsKey(vars []int32) string {
	b := make([]byte, 0, 4*len(vars))
	for _, v := range vars {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return string(b)
}

// cellList names a component's suppressed cells, the first few of them.
func (a *attack) cellList(comp component) string {
	var ids []string
	for i, c := range comp.sup {
		if i == 5 {
			ids = append(ids, fmt.Sprintf("and %d more", len(comp.sup)-i))
			break
		}
		ids = append(ids, fmt.Sprintf("%q", a.s.Cells[c].ID))
	}
	return "suppressed: " + strings.Join(ids, ", ")
}

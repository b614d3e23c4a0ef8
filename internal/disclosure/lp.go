package disclosure

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

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

// optimise returns the min and max of every target's sum over prog. The
// first minimum runs lp.Simplex's own search for a feasible basis (phase I);
// the others start from the basis it found — every LP of a component has the
// same constraints, so it is feasible for all — and run in parallel.
func (a *attack) optimise(prog *program, targets []*target) (los, his []float64, err error) {
	los, his = make([]float64, len(targets)), make([]float64, len(targets))
	var basis []int
	warm := false // whether basis is settled; then solves may run in parallel
	solve := func(k int) error {
		t := targets[k]
		cols, offset, free := prog.objective(t)
		los[k], his[k] = offset, math.Inf(1)
		if len(cols) == 0 {
			return nil
		}
		lo, x, err := a.simplex(prog, cols, 1, basis)
		if err != nil {
			return &lpFailure{err: err, what: "minimum", target: t}
		}
		los[k] += lo
		if !warm {
			basis, warm = prog.basisOf(x), true
		}
		if free {
			return nil
		}
		negHi, _, err := a.simplex(prog, cols, -1, basis)
		switch {
		case errors.Is(err, lp.ErrUnbounded):
			return nil
		case err != nil:
			return &lpFailure{err: err, what: "maximum", target: t}
		}
		his[k] = offset - negHi
		return nil
	}
	k := 0
	for ; k < len(targets) && !warm; k++ {
		if err := solve(k); err != nil {
			return nil, nil, err
		}
	}
	errs := make([]error, len(targets))
	var next atomic.Int64
	next.Store(int64(k))
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(targets)-k) {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < len(targets); k = int(next.Add(1) - 1) {
				errs[k] = solve(k)
			}
		})
	}
	wg.Wait()
	// The first failure in target order, so the error does not depend on
	// scheduling.
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return los, his, nil
}

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
	type row struct {
		vars  []int32
		slack float64 // 0: equality; -1: sum - s = rhs; +1: sum + s = rhs
		rhs   float64 // in shifted unknowns
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

	p := &program{col: make([]int, nv), lb: lb}
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
// lp.Simplex panics on a basis it finds infeasible — possible only through
// rounding — so a failed warm start falls back to a cold one.
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
		if err == nil || errors.Is(err, lp.ErrUnbounded) || errors.Is(err, lp.ErrInfeasible) {
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
		return fmt.Errorf("audit: %w: no values satisfy the published cells and the marks' bounds; check %s", ErrInconsistent, where)
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

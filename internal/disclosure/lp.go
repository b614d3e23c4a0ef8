package disclosure

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

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
	lo, hi float64 // what the marks tell
}

// program is one component's LP in the standard form lp.Simplex takes:
// minimise c·x subject to A x = b, x >= 0. The first nv columns are the
// component's unknowns; each bound a mark implies is a row with a slack
// column of its own (value - s = lo, value + s = hi).
type program struct {
	nv      int
	A       *mat.Dense
	b       []float64
	colRows [][]int32  // nonzero rows of each column, for finding a basis
	colCoef [][]uint64 // and their coefficients in GF(p)
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
	prog := newProgram(len(comp.vars), published, rhs, targets)
	m, n := prog.A.Dims()
	a.stats.LargestRows = max(a.stats.LargestRows, m)
	a.stats.LargestCols = max(a.stats.LargestCols, n)

	var basis []int
	obj := make([]float64, n)
	for _, t := range targets {
		for _, v := range t.vars {
			obj[v] = 1
		}
		lo, x, err := a.simplex(obj, prog, basis)
		if err != nil {
			return a.lpError(err, "minimum", t, comp)
		}
		if basis == nil {
			// Every LP of the component has the same constraints, so the
			// first optimum's basis is a feasible start for all the others
			// and saves lp.Simplex its costly search for one (phase I).
			basis = prog.basisOf(x)
		}
		for _, v := range t.vars {
			obj[v] = -1
		}
		negHi, _, err := a.simplex(obj, prog, basis)
		hi := -negHi
		if errors.Is(err, lp.ErrUnbounded) {
			hi, err = math.Inf(1), nil
		}
		if err != nil {
			return a.lpError(err, "maximum", t, comp)
		}
		for _, v := range t.vars {
			obj[v] = 0
		}
		for _, c := range t.cells {
			known := float64(a.values[c] - a.residual(c))
			a.result[c] = bound{lo: known + lo, hi: known + hi, method: ByLP}
		}
	}
	return nil
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

func newProgram(nv int, published [][]int32, rhs []float64, targets []*target) *program {
	type slackRow struct {
		vars []int32
		sign float64 // -1: value - s = lo; +1: value + s = hi
		rhs  float64
	}
	var bounds []slackRow
	for _, t := range targets {
		bounds = append(bounds, slackRow{t.vars, -1, t.lo})
		if !math.IsInf(t.hi, 1) {
			bounds = append(bounds, slackRow{t.vars, 1, t.hi})
		}
	}
	m, n := len(published)+len(bounds), nv+len(bounds)
	p := &program{nv: nv, A: mat.NewDense(m, n, nil), b: make([]float64, m),
		colRows: make([][]int32, n), colCoef: make([][]uint64, n)}
	set := func(i, j int, v float64) {
		p.A.Set(i, j, v)
		p.colRows[j] = append(p.colRows[j], int32(i))
		p.colCoef[j] = append(p.colCoef[j], fromInt(int(v)))
	}
	for i, vars := range published {
		for _, v := range vars {
			set(i, int(v), 1)
		}
		p.b[i] = rhs[i]
	}
	for k, r := range bounds {
		i := len(published) + k
		for _, v := range r.vars {
			set(i, int(v), 1)
		}
		set(i, nv+k, r.sign)
		p.b[i] = r.rhs
	}
	return p
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

// simplex runs lp.Simplex from basis (nil: let it find one). lp.Simplex
// panics on a basis it finds infeasible — possible only through rounding —
// so a failed warm start falls back to a cold one.
func (a *attack) simplex(c []float64, p *program, basis []int) (float64, []float64, error) {
	a.stats.LPs++
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

func (a *attack) lpError(err error, what string, t *target, comp component) error {
	c := t.cells[0]
	where := fmt.Sprintf("cell %d %q, in a block of %d unknowns and %d published, %d suppressed cells (%s)",
		c, a.s.Cells[c].ID, len(comp.vars), len(comp.pub), len(comp.sup), a.cellList(comp))
	if errors.Is(err, lp.ErrInfeasible) {
		return fmt.Errorf("audit: %w: no values satisfy the published cells and the marks' bounds; check %s", ErrInconsistent, where)
	}
	return fmt.Errorf("audit: %s of %s: %w", what, where, err)
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

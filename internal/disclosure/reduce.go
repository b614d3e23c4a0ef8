package disclosure

import (
	"encoding/binary"
	"slices"
	"sync/atomic"
)

// attack holds one audit's reduced problem and its results.
type attack struct {
	s      *Structure
	p      Pattern
	opt    AuditOptions
	values []int64 // true value of each cell

	// Unknowns after reductions (a) and (b): merged inner cells.
	varValue []int64   // true value of each variable (sum of its inner cells)
	varCells [][]int32 // cells each variable lies in (all its inner cells share them)
	known    []bool    // determined by propagation (c)
	cellVars [][]int32 // unknown variables of each cell, sorted

	result []bound // per cell; set for suppressed cells
	stats  AuditStats
	lps    atomic.Int64 // simplex solves, counted from parallel workers
}

// bound is a raw attacker interval, before rounding to whole numbers.
type bound struct {
	lo, hi float64
	method Method
}

func newAttack(s *Structure, p Pattern, opt AuditOptions) *attack {
	a := &attack{s: s, p: p, opt: opt, values: make([]int64, len(s.Cells)), result: make([]bound, len(s.Cells))}
	for c := range s.Cells {
		a.values[c] = s.Value(c)
	}
	return a
}

func (a *attack) run() error {
	a.merge()
	a.propagate()
	for c, m := range a.p {
		if m != Published && len(a.cellVars[c]) == 0 {
			v := float64(a.values[c])
			a.result[c] = bound{lo: v, hi: v, method: ByPropagation}
		}
	}
	for _, comp := range a.components() {
		if err := a.solve(comp); err != nil {
			return err
		}
	}
	a.stats.LPs = int(a.lps.Load())
	return nil
}

// merge applies reductions (a) and (b): inner cells under a published zero
// are 0 and vanish; the remaining inner cells that lie in exactly the same
// cells become one variable, since every equation and bound sees only their
// sum and any non-negative sum can be split among them.
func (a *attack) merge() {
	s := a.s
	cellsOf := make([][]int32, len(s.InnerValues))
	for c, cell := range s.Cells {
		for _, in := range cell.Inner {
			cellsOf[in] = append(cellsOf[in], int32(c))
		}
	}
	zero := make([]bool, len(s.InnerValues))
	for c, cell := range s.Cells {
		if a.p[c] == Published && a.values[c] == 0 {
			for _, in := range cell.Inner {
				zero[in] = true
			}
		}
	}
	varOf := make([]int32, len(s.InnerValues))
	byCells := make(map[string]int32)
	key := make([]byte, 0, 64)
	for in, cells := range cellsOf {
		varOf[in] = -1
		if len(cells) == 0 {
			continue
		}
		a.stats.InnerCells++
		if zero[in] {
			a.stats.ZeroInner++
			continue
		}
		key = key[:0]
		for _, c := range cells {
			key = binary.LittleEndian.AppendUint32(key, uint32(c))
		}
		v, ok := byCells[string(key)]
		if !ok {
			v = int32(len(a.varValue))
			byCells[string(key)] = v
			a.varValue = append(a.varValue, 0)
			a.varCells = append(a.varCells, cells)
		}
		varOf[in] = v
		a.varValue[v] += s.InnerValues[in]
	}
	a.stats.Variables = len(a.varValue)
	a.known = make([]bool, len(a.varValue))

	// Every cell's distinct variables; last marks the cell that last listed a
	// variable, so merged inner cells are listed once.
	last := make([]int32, len(a.varValue))
	for i := range last {
		last[i] = -1
	}
	a.cellVars = make([][]int32, len(s.Cells))
	for c, cell := range s.Cells {
		var vars []int32
		for _, in := range cell.Inner {
			if v := varOf[in]; v >= 0 && last[v] != int32(c) {
				last[v] = int32(c)
				vars = append(vars, v)
			}
		}
		slices.Sort(vars)
		a.cellVars[c] = vars
	}
}

// propagate applies reduction (c): a published cell with one unknown
// variable determines it, and a published cell whose unknown variables must
// sum to 0 sets them all to 0; each such fact may enable the next. The
// attacker computes the same values from published numbers, so the true
// values stand in for them. Published cells left without unknowns drop out.
func (a *attack) propagate() {
	unknown := make([]int, len(a.cellVars))
	residual := make([]int64, len(a.cellVars))
	var queue []int32
	ready := func(c int32) bool {
		return a.p[c] == Published && unknown[c] > 0 && (unknown[c] == 1 || residual[c] == 0)
	}
	for c, vars := range a.cellVars {
		unknown[c] = len(vars)
		for _, v := range vars {
			residual[c] += a.varValue[v]
		}
		if ready(int32(c)) {
			queue = append(queue, int32(c))
		}
	}
	for len(queue) > 0 {
		c := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, v := range a.cellVars[c] {
			if a.known[v] {
				continue
			}
			a.known[v] = true
			a.stats.Propagated++
			for _, d := range a.varCells[v] {
				unknown[d]--
				residual[d] -= a.varValue[v]
				if ready(d) {
					queue = append(queue, d)
				}
			}
		}
	}
	for c, vars := range a.cellVars {
		live := vars[:0]
		for _, v := range vars {
			if !a.known[v] {
				live = append(live, v)
			}
		}
		a.cellVars[c] = live
	}
}

// component is a block of the reduced problem: unknown variables linked by
// the cells they share, with the published and suppressed cells over them.
// Blocks share no variable, so each one's LPs are exact on their own — unlike
// auditing table by table, where linked tables share inner cells.
type component struct {
	vars []int32 // sorted
	pub  []int32 // published cells with an unknown variable
	sup  []int32 // suppressed cells with an unknown variable
}

// components applies reduction (d) and returns, in a fixed order, the blocks
// that hold at least one suppressed cell; the others constrain nothing the
// attacker wants.
func (a *attack) components() []component {
	parent := make([]int32, len(a.varValue))
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(v int32) int32 {
		for parent[v] != v {
			parent[v] = parent[parent[v]]
			v = parent[v]
		}
		return v
	}
	for _, vars := range a.cellVars {
		for _, v := range vars[min(1, len(vars)):] {
			ra, rb := find(vars[0]), find(v)
			if ra != rb {
				parent[max(ra, rb)] = min(ra, rb)
			}
		}
	}
	index := make(map[int32]int)
	var comps []component
	at := func(v int32) *component {
		r := find(v)
		k, ok := index[r]
		if !ok {
			k = len(comps)
			index[r] = k
			comps = append(comps, component{})
		}
		return &comps[k]
	}
	for v := range a.varValue {
		if !a.known[v] {
			comp := at(int32(v))
			comp.vars = append(comp.vars, int32(v))
		}
	}
	for c, vars := range a.cellVars {
		if len(vars) == 0 {
			continue
		}
		comp := at(vars[0])
		if a.p[c] == Published {
			comp.pub = append(comp.pub, int32(c))
		} else {
			comp.sup = append(comp.sup, int32(c))
		}
	}
	out := comps[:0]
	for _, comp := range comps {
		if len(comp.sup) > 0 {
			out = append(out, comp)
		}
	}
	a.stats.Components = len(out)
	return out
}

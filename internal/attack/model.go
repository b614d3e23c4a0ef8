package attack

import (
	"fmt"
	"math"
	"slices"
)

// The attacker's unknowns: per family of counts (a dataset's count, e.g.
// insatser's decisions or beslut's rulings) and period, one non-negative
// unknown per cell of the finest cross-classification of the dataset's
// dimensions (and the latent ones the contracts imply), less the
// combinations the contracts rule out. Every published figure is a sum of
// these unknowns, or a ratio of such sums.

// blockDim is one dimension of a block of unknowns.
type blockDim struct {
	name  string
	codes []string // a latent code (never in a filter) is ""
}

// block is the unknowns of one family in one period.
type block struct {
	family string // e.g. "insatser/DECISIONS"
	period string
	dims   []blockDim
	radix  []int
	vars   []int32 // per flat cell, the unknown's index, -1 where impossible
}

// model is every unknown and every linear fact about them.
type model struct {
	blocks  map[string]*block // by family+"@"+period
	nVars   int
	rows    []row
	targets []target
	notes   []string // facts read but not used, with why
}

// row is lo <= sum of its terms <= hi.
type row struct {
	terms  []term
	lo, hi float64
	why    string
}

// term is coef times the sum of a block's unknowns over a product of
// codes (per dimension, the indices of the codes it sums).
type term struct {
	b    *block
	idx  [][]int
	coef float64
}

// target is a suppressed count: the unknowns it sums.
type target struct {
	t   term
	fig *Figure
}

// each calls fn with every unknown of the term.
func (t term) each(fn func(v int32)) {
	b := t.b
	pos := make([]int, len(b.dims))
	for _, ix := range t.idx {
		if len(ix) == 0 {
			return
		}
	}
	for {
		flat := 0
		for i := range b.dims {
			flat += t.idx[i][pos[i]] * b.radix[i]
		}
		if v := b.vars[flat]; v >= 0 {
			fn(v)
		}
		i := 0
		for ; i < len(pos); i++ {
			pos[i]++
			if pos[i] < len(t.idx[i]) {
				break
			}
			pos[i] = 0
		}
		if i == len(pos) {
			return
		}
	}
}

// each calls fn with every unknown of the row, its coefficient and the
// index of its term (an unknown in two terms comes twice).
func (r *row) each(fn func(v int32, coef float64, term int)) {
	for i, t := range r.terms {
		t.each(func(v int32) { fn(v, t.coef, i) })
	}
}

func blockKey(family, period string) string { return family + "@" + period }

// newBlock lays out a block's unknowns; possible says which combinations
// of codes (one per dimension) the contracts allow.
func (m *model) newBlock(family, period string, dims []blockDim, possible func(codes []string) bool) *block {
	b := &block{family: family, period: period, dims: dims}
	n := 1
	for _, d := range dims {
		b.radix = append(b.radix, n)
		n *= len(d.codes)
	}
	b.vars = make([]int32, n)
	codes := make([]string, len(dims))
	for flat := range n {
		for i, d := range dims {
			codes[i] = d.codes[flat/b.radix[i]%len(d.codes)]
		}
		if possible != nil && !possible(codes) {
			b.vars[flat] = -1
			continue
		}
		b.vars[flat] = int32(m.nVars)
		m.nVars++
	}
	m.blocks[blockKey(family, period)] = b
	return b
}

// cells is the term summing the unknowns a figure's categories cover:
// every dimension of the block restricted to where's codes (all its
// codes when where does not name it; a latent code only then). A code
// the block does not know is an error.
func (b *block) cells(where map[string][]string, coef float64) (term, error) {
	t := term{b: b, idx: make([][]int, len(b.dims)), coef: coef}
	for i, d := range b.dims {
		codes, ok := where[d.name]
		if !ok {
			t.idx[i] = make([]int, len(d.codes))
			for j := range d.codes {
				t.idx[i][j] = j
			}
			continue
		}
		for _, c := range codes {
			j := slices.Index(d.codes, c)
			if j < 0 || c == "" {
				return term{}, fmt.Errorf("%s: %q is no code of %s", b.family, c, d.name)
			}
			t.idx[i] = append(t.idx[i], j)
		}
	}
	for d := range where {
		if !slices.ContainsFunc(b.dims, func(x blockDim) bool { return x.name == d }) {
			return term{}, fmt.Errorf("%s has no dimension %s", b.family, d)
		}
	}
	return t, nil
}

// addRow adds lo <= sum of terms <= hi.
func (m *model) addRow(lo, hi float64, why string, terms ...term) {
	m.rows = append(m.rows, row{terms: terms, lo: lo, hi: hi, why: why})
}

var inf = math.Inf(1)

// single is the term of one cell (by its flat index).
func (b *block) single(flat int, coef float64) term {
	t := term{b: b, idx: make([][]int, len(b.dims)), coef: coef}
	for i, d := range b.dims {
		t.idx[i] = []int{flat / b.radix[i] % len(d.codes)}
	}
	return t
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

package disclosure

import "github.com/stockholm/insyn/internal/modp"

// Exact linear algebra for two questions the audit asks of integer matrices
// (entries 0, 1 and -1): is a cell's indicator vector a linear combination of
// the published cells' rows (then the attacker computes it exactly), and
// which rows or columns are linearly independent (gonum's simplex needs a
// constraint matrix of full row rank and a basis of independent columns).
//
// We compute over the prime field GF(p), p = 2^61-1, rather than with
// math/big.Rat: entries stay one machine word, so elimination allocates
// nothing per step and numerators never grow. Independence over GF(p)
// implies independence over the rationals (a primitive integer dependency
// stays nonzero mod p); the converse fails only if p divides a nonzero
// minor that decides the rank — a coincidence of order 2^-61 for the
// matrices of statistical tables. So a basis found here is always a basis
// over the rationals, and "in the span" and "dependent row" are exact short
// of that coincidence.

// fromInt maps a small integer coefficient into GF(p).
func fromInt(v int) uint64 {
	if v < 0 {
		return modp.P - uint64(-v)
	}
	return uint64(v)
}

// echelon is a set of linearly independent vectors over GF(p) of length n in
// row echelon form: every stored vector has a distinct leading column (its
// pivot) with coefficient 1.
type echelon struct {
	n     int
	pivot []int32 // column -> index into idx/val, or -1
	idx   [][]int32
	val   [][]uint64
	acc   []uint64 // dense scratch of length n
}

func newEchelon(n int) *echelon {
	e := &echelon{n: n, pivot: make([]int32, n), acc: make([]uint64, n)}
	for i := range e.pivot {
		e.pivot[i] = -1
	}
	return e
}

// load puts the sparse vector (cols, coef) into the scratch accumulator and
// returns its lowest column.
func (e *echelon) load(cols []int32, coef []uint64) int {
	low := e.n
	for k, c := range cols {
		v := uint64(1)
		if coef != nil {
			v = coef[k]
		}
		e.acc[c] = modp.Add(e.acc[c], v)
		if int(c) < low {
			low = int(c)
		}
	}
	return low
}

// eliminate reduces the accumulator by the stored vectors, column by column
// from low, and stops at the first nonzero column that is not a pivot,
// returning it (or n if the accumulator became zero). Columns below the
// returned one are zero afterwards.
func (e *echelon) eliminate(low int) int {
	for c := low; c < e.n; c++ {
		f := e.acc[c]
		if f == 0 {
			continue
		}
		r := e.pivot[c]
		if r < 0 {
			return c
		}
		for k, j := range e.idx[r] {
			e.acc[j] = modp.Sub(e.acc[j], modp.Mul(f, e.val[r][k]))
		}
	}
	return e.n
}

func (e *echelon) clear(from int) {
	for c := from; c < e.n; c++ {
		e.acc[c] = 0
	}
}

// inSpan reports whether the vector (cols, coef) — coef nil meaning all ones —
// is a linear combination of the stored vectors.
func (e *echelon) inSpan(cols []int32, coef []uint64) bool {
	low := e.load(cols, coef)
	lead := e.eliminate(low)
	e.clear(lead)
	return lead == e.n
}

// add stores the vector (cols, coef) if it is independent of the stored ones
// and reports whether it was.
func (e *echelon) add(cols []int32, coef []uint64) bool {
	low := e.load(cols, coef)
	lead := e.eliminate(low)
	if lead == e.n {
		return false
	}
	inv := modp.Inv(e.acc[lead])
	var idx []int32
	var val []uint64
	for c := lead; c < e.n; c++ {
		if v := e.acc[c]; v != 0 {
			idx = append(idx, int32(c))
			val = append(val, modp.Mul(v, inv))
			e.acc[c] = 0
		}
	}
	e.pivot[lead] = int32(len(e.idx))
	e.idx = append(e.idx, idx)
	e.val = append(e.val, val)
	return true
}

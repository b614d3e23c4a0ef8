package protect

import (
	"slices"
	"sort"

	"github.com/stockholm/insyn/internal/modp"
)

// Exact linear algebra over GF(2^61-1) (package modp): a suppressed cell
// is derivable from published cells exactly when its vector lies in their
// span.

// sparse is a vector as sorted column indexes and their nonzero values.
type sparse struct {
	idx []int32
	val []uint64
}

func unitVector(atoms []int32) sparse {
	v := sparse{idx: append([]int32(nil), atoms...), val: make([]uint64, len(atoms))}
	for i := range v.val {
		v.val[i] = 1
	}
	return v
}

func (v sparse) at(col int32) uint64 {
	i := sort.Search(len(v.idx), func(i int) bool { return v.idx[i] >= col })
	if i < len(v.idx) && v.idx[i] == col {
		return v.val[i]
	}
	return 0
}

// minus returns v - f*w.
func (v sparse) minus(f uint64, w sparse) sparse {
	n := len(v.idx) + len(w.idx)
	return v.minusInto(sparse{idx: make([]int32, 0, n), val: make([]uint64, 0, n)}, f, w)
}

// minusInto writes v - f*w into out's memory (which must not be v's) and
// returns it.
func (v sparse) minusInto(out sparse, f uint64, w sparse) sparse {
	out.idx, out.val = out.idx[:0], out.val[:0]
	i, j := 0, 0
	for i < len(v.idx) || j < len(w.idx) {
		switch {
		case j == len(w.idx) || (i < len(v.idx) && v.idx[i] < w.idx[j]):
			out.idx, out.val = append(out.idx, v.idx[i]), append(out.val, v.val[i])
			i++
		case i == len(v.idx) || w.idx[j] < v.idx[i]:
			out.idx, out.val = append(out.idx, w.idx[j]), append(out.val, modp.Sub(0, modp.Mul(f, w.val[j])))
			j++
		default:
			if x := modp.Sub(v.val[i], modp.Mul(f, w.val[j])); x != 0 {
				out.idx, out.val = append(out.idx, v.idx[i]), append(out.val, x)
			}
			i++
			j++
		}
	}
	return out
}

// basis is an echelon basis: each vector is normalised to 1 at its pivot (its
// first column), and no two share a pivot.
type basis struct {
	byPivot map[int32]sparse
	scratch [2]sparse // reduce's, in turn
}

func newBasis() *basis { return &basis{byPivot: map[int32]sparse{}} }

// reduce returns v minus its part in the span: zero iff v is in the span.
// The steps write into the basis's two scratch vectors in turn; the
// answer is a copy of its own.
func (b *basis) reduce(v sparse) sparse {
	// eliminate pivots left to right; subtracting a basis vector only
	// touches columns at or after its pivot
	turn, moved := 0, false
	for k := 0; k < len(v.idx); {
		col := v.idx[k]
		w, ok := b.byPivot[col]
		if !ok {
			k++
			continue
		}
		b.scratch[turn] = v.minusInto(b.scratch[turn], v.val[k], w)
		v, turn, moved = b.scratch[turn], 1-turn, true
		// v.idx[k] is now past col; the prefix before k is unchanged
	}
	if moved {
		v = sparse{idx: slices.Clone(v.idx), val: slices.Clone(v.val)}
	}
	return v
}

// add puts v into the basis unless it lies in the span, and reports whether
// it did.
func (b *basis) add(v sparse) bool {
	red := b.reduce(v)
	if red.isZero() {
		return false
	}
	b.byPivot[red.idx[0]] = red.normalised()
	return true
}

// normalised is v scaled to 1 at its first column.
func (v sparse) normalised() sparse {
	inv := modp.Inv(v.val[0])
	out := sparse{idx: v.idx, val: make([]uint64, len(v.val))}
	for k, x := range v.val {
		out.val[k] = modp.Mul(x, inv)
	}
	return out
}

// isZero reports whether v has no nonzero entry.
func (v sparse) isZero() bool { return len(v.idx) == 0 }

// residual is a suppressed cell's vector as the Gauss pass reduces it: a
// sparse vector that may hold explicit zeros, so that subtracting a short
// vector from a long one (a national total holds a hundred thousand atoms)
// updates it in place instead of copying it.
type residual struct {
	sparse
	nnz int // the entries that are not zero
}

func newResidual(v sparse) residual { return residual{sparse: v, nnz: len(v.idx)} }

// subtract sets r to r - f*w: in place when every column of w is already
// one of r's, else by a merge (which drops the zeros).
func (r *residual) subtract(f uint64, w sparse) {
	pos := make([]int, len(w.idx))
	lo := 0
	for j, col := range w.idx {
		k := lo + sort.Search(len(r.idx)-lo, func(k int) bool { return r.idx[lo+k] >= col })
		if k == len(r.idx) || r.idx[k] != col {
			r.sparse = r.compact().minus(f, w)
			r.nnz = len(r.idx)
			return
		}
		pos[j], lo = k, k+1
	}
	for j, k := range pos {
		old := r.val[k]
		r.val[k] = modp.Sub(old, modp.Mul(f, w.val[j]))
		switch {
		case old == 0 && r.val[k] != 0:
			r.nnz++
		case old != 0 && r.val[k] == 0:
			r.nnz--
		}
	}
}

// compact is r without its zeros.
func (r *residual) compact() sparse {
	if r.nnz == len(r.idx) {
		return r.sparse
	}
	out := sparse{idx: make([]int32, 0, r.nnz), val: make([]uint64, 0, r.nnz)}
	for k, x := range r.val {
		if x != 0 {
			out.idx, out.val = append(out.idx, r.idx[k]), append(out.val, x)
		}
	}
	return out
}

// cancelsWith reports whether r is a multiple of w (w normalised at its
// pivot).
func (r *residual) cancelsWith(w sparse) bool {
	if r.nnz != len(w.idx) {
		return false
	}
	f := r.at(w.idx[0])
	if f == 0 {
		return false
	}
	j := 0
	for k, x := range r.val {
		if x == 0 {
			continue
		}
		if r.idx[k] != w.idx[j] || x != modp.Mul(f, w.val[j]) {
			return false
		}
		j++
	}
	return true
}

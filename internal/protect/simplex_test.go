package protect

import "math"

// The two-phase tableau method (Bland's rule against cycling) that solved
// the certificate programs before the bounded method of program: the
// reference TestBoundedSimplexAgreesWithTwoPhase checks program against.

// simplex minimises c·x subject to A x = b, x >= 0 (A is m×n, row-major;
// every b[i] >= 0) and returns an optimal x.
func simplex(A [][]float64, b, c []float64) ([]float64, error) {
	m, n := len(A), len(c)
	w := n + m + 1 // columns: x, one artificial per row, right-hand side
	slab := make([]float64, (m+1)*w)
	t := make([][]float64, m+1)
	for i := range m {
		t[i] = slab[i*w : (i+1)*w : (i+1)*w]
		copy(t[i], A[i])
		t[i][n+i] = 1
		t[i][w-1] = b[i]
	}
	basis := make([]int, m)
	for i := range basis {
		basis[i] = n + i
	}
	// phase 1: minimise the artificials; the objective row holds reduced
	// costs, its last entry minus the objective's value
	obj := slab[m*w : (m+1)*w : (m+1)*w]
	for i := range m {
		for j := 0; j < n; j++ {
			obj[j] -= t[i][j]
		}
		obj[w-1] -= t[i][w-1]
	}
	t[m] = obj
	if err := iterate(t, basis, n+m); err != nil {
		return nil, err
	}
	if -t[m][w-1] > 1e-7 {
		return nil, errInfeasible
	}
	// drive the artificials out of the basis; a row with no other entry is
	// redundant and is dropped, and so are the artificial columns, which
	// never enter again
	for i, v := range basis {
		if v < n {
			continue
		}
		for j := 0; j < n; j++ {
			if math.Abs(t[i][j]) > simplexEps {
				pivot(t, basis, i, j)
				break
			}
		}
	}
	obj = t[m]
	var rows [][]float64
	var kept []int
	for i := range m {
		if basis[i] < n {
			r := t[i]
			r[n] = r[w-1]
			rows = append(rows, r[:n+1])
			kept = append(kept, basis[i])
		}
	}
	m, w = len(rows), n+1
	t = append(rows, obj[:w])
	basis = kept
	// phase 2: the true costs, reduced against the basis
	obj = t[m]
	clear(obj)
	copy(obj, c)
	for i, v := range basis {
		if v < n && c[v] != 0 {
			f := c[v]
			for j := range w {
				obj[j] -= f * t[i][j]
			}
		}
	}
	if err := iterate(t, basis, n); err != nil {
		return nil, err
	}
	x := make([]float64, n)
	for i, v := range basis {
		if v < n {
			x[v] = t[i][w-1]
		}
	}
	return x, nil
}

// iterate pivots until no column below enter has a negative reduced cost:
// Dantzig's rule (the most negative), and Bland's (the first) once the
// objective has stalled, which cannot cycle.
func iterate(t [][]float64, basis []int, enter int) error {
	m := len(t) - 1
	w := len(t[0])
	stalled := 0
	for it := 0; it < 50*(m+enter); it++ {
		obj := t[m]
		col := -1
		best := -simplexEps
		for j := 0; j < enter; j++ {
			if obj[j] < best {
				col, best = j, obj[j]
				if stalled > 20 {
					break
				}
			}
		}
		if col < 0 {
			return nil
		}
		row := -1
		var ratio float64
		for i := range m {
			if a := t[i][col]; a > simplexEps {
				r := t[i][w-1] / a
				if row < 0 || r < ratio-simplexEps || (r < ratio+simplexEps && basis[i] < basis[row]) {
					row, ratio = i, r
				}
			}
		}
		if row < 0 {
			return errUnbounded
		}
		if ratio < simplexEps {
			stalled++
		} else {
			stalled = 0
		}
		pivot(t, basis, row, col)
	}
	return errPivots
}

func pivot(t [][]float64, basis []int, row, col int) {
	eliminate(t, row, col, make([]int, 0, len(t[row])), nil, nil)
	basis[row] = col
}

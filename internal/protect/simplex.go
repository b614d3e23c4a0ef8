package protect

import (
	"errors"
	"math"
)

// The certificates' linear programs are small (a few hundred variables) and
// dense once restricted to a neighbourhood; gonum's lp.Simplex solves a
// dense linear system at every pivot (cubic per pivot) and gives up on the
// degenerate bases these 0/1 tables are full of. Both programs (the
// certificate's, certifier.extreme, and the complements', complementsFor)
// are solved by program, a bounded tableau method started from the truth
// (bounded.go); this file holds what it shares with the textbook two-phase
// method it replaced (about 390 pivots a certificate against some 80),
// which the tests keep as its reference: the elimination, the tolerances,
// the errors. Every answer is checked
// exactly as the attacker's constraints state it (certifier.check), so a
// numerical slip can cost a certificate, never soundness.

const simplexEps = 1e-9

var (
	errUnbounded  = errors.New("simplex: unbounded")
	errPivots     = errors.New("simplex: too many pivots")
	errInfeasible = errors.New("simplex: infeasible")
)

// eliminate divides row by its entry in col and subtracts it from every
// other row so that col is a unit column. rows lists the rows with an
// entry in col (nil: every row may have one); columns dead says are left
// as they are (nil: none; a program's variables fixed at a bound and out
// of the basis, never read again); nz is scratch space, returned.
func eliminate(t [][]float64, row, col int, nz, rows []int, dead []bool) []int {
	pr := t[row]
	inv := 1 / pr[col]
	// the pivot row is mostly zeros (these are 0/1 tables): update only the
	// columns where it has entries
	nz = nz[:0]
	j := 0
	for ; j+4 <= len(pr); j += 4 {
		// four entries at a time: most are zero (±0 once the sign bit
		// is shifted out)
		if (math.Float64bits(pr[j])|math.Float64bits(pr[j+1])|math.Float64bits(pr[j+2])|math.Float64bits(pr[j+3]))<<1 == 0 {
			continue
		}
		for k := j; k < j+4; k++ {
			if pr[k] != 0 && (dead == nil || !dead[k]) {
				pr[k] *= inv
				nz = append(nz, k)
			}
		}
	}
	for ; j < len(pr); j++ {
		if pr[j] != 0 && (dead == nil || !dead[j]) {
			pr[j] *= inv
			nz = append(nz, j)
		}
	}
	pr[col] = 1
	update := func(i int) {
		r := t[i]
		f := r[col]
		if i == row || f == 0 {
			return
		}
		for _, j := range nz {
			r[j] -= f * pr[j]
		}
		r[col] = 0
	}
	if rows == nil {
		for i := range t {
			update(i)
		}
	} else {
		for _, i := range rows {
			update(i)
		}
	}
	return nz
}

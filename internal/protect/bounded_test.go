package protect

import (
	"math"
	"math/rand/v2"
	"testing"
)

// certificateProgram is a random program of a certificate's shape: atoms
// with values, published rows (their sums fixed), suppressed rows (sums at
// least 1) and a target to move by at most level.
type certificateProgram struct {
	values     []float64
	pub, supp  [][]int
	target     []int
	level, dir float64
}

// sum is the truth's sum over some atoms.
func (pr certificateProgram) sum(atoms []int) float64 {
	var v float64
	for _, k := range atoms {
		v += pr.values[k]
	}
	return v
}

func randomCertificateProgram(rng *rand.Rand) certificateProgram {
	n := 2 + rng.IntN(12)
	pr := certificateProgram{level: 3, dir: 1}
	if rng.IntN(2) == 0 {
		pr.dir = -1
	}
	for range n {
		pr.values = append(pr.values, float64(rng.IntN(5)))
	}
	subset := func() []int {
		var s []int
		for k := range n {
			if rng.IntN(3) == 0 {
				s = append(s, k)
			}
		}
		if len(s) == 0 {
			s = []int{rng.IntN(n)}
		}
		return s
	}
	for range rng.IntN(6) {
		pr.pub = append(pr.pub, subset())
	}
	for range rng.IntN(4) {
		if s := subset(); pr.sum(s) >= 1 {
			pr.supp = append(pr.supp, s)
		}
	}
	pr.target = subset()
	return pr
}

// viaTwoPhase solves the program in the atoms' new values with the
// two-phase method and returns the target's change.
func (pr certificateProgram) viaTwoPhase() (float64, error) {
	n := len(pr.values)
	cols := n + len(pr.supp) + 1
	var A [][]float64
	var b []float64
	row := func(s []int, v float64) []float64 {
		r := make([]float64, cols)
		for _, k := range s {
			r[k] = v
		}
		return r
	}
	for _, s := range pr.pub {
		A, b = append(A, row(s, 1)), append(b, pr.sum(s))
	}
	for i, s := range pr.supp {
		r := row(s, 1)
		r[n+i] = -1
		A, b = append(A, r), append(b, 1)
	}
	// dir*target + slack = dir*truth + level
	r := row(pr.target, pr.dir)
	r[cols-1] = 1
	rhs := pr.dir*pr.sum(pr.target) + pr.level
	if rhs < 0 {
		for j := range r {
			r[j] = -r[j]
		}
		rhs = -rhs
	}
	A, b = append(A, r), append(b, rhs)
	c := make([]float64, cols)
	c[cols-1] = 1
	x, err := simplex(A, b, c)
	if err != nil {
		return 0, err
	}
	var change float64
	for _, k := range pr.target {
		change += x[k] - pr.values[k]
	}
	return change, nil
}

// viaBounded solves it as certifier.extreme does: in perturbations, from
// the truth.
func (pr certificateProgram) viaBounded() (float64, error) {
	n := len(pr.values)
	m := len(pr.pub) + len(pr.supp) + 1
	// the published rows' artificials are fixed columns, out of the
	// tableau, as certifier.extreme writes them
	live := n + len(pr.supp) + 1
	lp := newProgram(m, live, len(pr.pub))
	defer lp.release()
	for k, v := range pr.values {
		lp.lower[k], lp.upper[k] = -v, math.Inf(1)
	}
	set := func(i int, s []int, sign, val float64, col int) {
		for _, k := range s {
			lp.t[i][k] = sign
		}
		if col < live {
			lp.t[i][col] = 1
		}
		lp.setBasic(i, col, val)
	}
	for i, s := range pr.pub {
		set(i, s, 1, 0, live+i)
	}
	for i, s := range pr.supp {
		set(len(pr.pub)+i, s, -1, pr.sum(s)-1, n+i)
	}
	set(m-1, pr.target, pr.dir, pr.level, n+len(pr.supp))
	c := make([]float64, lp.n+lp.fixed)
	for _, k := range pr.target {
		c[k] = -pr.dir
	}
	if err := lp.minimise(c); err != nil {
		return 0, err
	}
	x := lp.solution()
	// the answer must satisfy every row and bound
	for j, v := range x {
		if v < lp.lower[j]-1e-9 || v > lp.upper[j]+1e-9 {
			return 0, errInvalidCertificate
		}
	}
	delta := func(s []int) float64 {
		var d float64
		for _, k := range s {
			d += x[k]
		}
		return d
	}
	for _, s := range pr.pub {
		if math.Abs(delta(s)) > 1e-9 {
			return 0, errInvalidCertificate
		}
	}
	for _, s := range pr.supp {
		if pr.sum(s)+delta(s) < 1-1e-9 {
			return 0, errInvalidCertificate
		}
	}
	return delta(pr.target), nil
}

// TestBoundedSimplexAgreesWithTwoPhase: on 2 000 random programs of a
// certificate's shape, the bounded method started from the truth finds a
// feasible answer moving the target exactly as far as the two-phase
// method's optimum — the two solvers share nothing but the pivot.
func TestBoundedSimplexAgreesWithTwoPhase(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	moved := 0
	for i := range 2000 {
		pr := randomCertificateProgram(rng)
		want, err := pr.viaTwoPhase()
		if err != nil {
			t.Fatalf("program %d: two-phase: %v (%+v)", i, err, pr)
		}
		got, err := pr.viaBounded()
		if err != nil {
			t.Fatalf("program %d: bounded: %v (%+v)", i, err, pr)
		}
		if math.Abs(got-want) > 1e-7 {
			t.Fatalf("program %d: the target moves %v, the two-phase optimum %v (%+v)", i, got, want, pr)
		}
		if math.Abs(got) > 1e-9 {
			moved++
		}
	}
	// the programs are not all trivial: many targets move
	if moved < 500 {
		t.Fatalf("only %d of 2000 targets move", moved)
	}
}

// TestBoundedSimplexBoundFlip: a variable whose own bound is the nearest
// limit flips without a pivot, and the answer holds it there.
func TestBoundedSimplexBoundFlip(t *testing.T) {
	// minimise -x0 + x1, x0 + x1 + s = 10, x0 <= 2, x1 <= 5
	lp := newProgram(1, 3, 0)
	defer lp.release()
	lp.t[0][0], lp.t[0][1], lp.t[0][2] = 1, 1, 1
	lp.upper[0], lp.upper[1] = 2, 5
	lp.setBasic(0, 2, 10)
	if err := lp.minimise([]float64{-1, 1, 0}); err != nil {
		t.Fatal(err)
	}
	x := lp.solution()
	if x[0] != 2 || x[1] != 0 || x[2] != 8 {
		t.Fatalf("x = %v, want [2 0 8]", x)
	}
	if lp.basis[0] != 2 {
		t.Fatalf("the slack left the basis (%v): the flip pivoted", lp.basis)
	}
}

// TestDualSimplexAgreesWithTwoPhase: on 2 000 random complement programs
// (relaxedProgram, solved by the dual method from the truth), the answer
// is feasible, moves the target by the level, reports exactly the
// published rows it changes, and costs what the two-phase method's optimum
// costs.
func TestDualSimplexAgreesWithTwoPhase(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	changing := 0
	for i := range 2000 {
		pr := randomCertificateProgram(rng)
		n := len(pr.values)
		var rows []programRow
		var weights []float64
		for _, s := range pr.pub {
			rows = append(rows, programRow{vars: int32s(s), pub: true})
			weights = append(weights, 1+pr.sum(s))
		}
		for _, s := range pr.supp {
			rows = append(rows, programRow{vars: int32s(s), val: pr.sum(s) - 1})
			weights = append(weights, 0)
		}
		delta, changed, err := relaxedProgram(pr.values, rows, weights, int32s(pr.target), pr.level)
		if err != nil {
			t.Fatalf("program %d: dual: %v (%+v)", i, err, pr)
		}
		change := func(s []int) float64 {
			var d float64
			for _, k := range s {
				d += delta[k]
			}
			return d
		}
		for k, d := range delta {
			if pr.values[k]+d < -1e-9 {
				t.Fatalf("program %d: atom %d falls to %v (%+v)", i, k, pr.values[k]+d, pr)
			}
		}
		if d := change(pr.target); math.Abs(d-pr.level) > 1e-9 {
			t.Fatalf("program %d: the target moves %v, not %v (%+v)", i, d, pr.level, pr)
		}
		var cost float64
		for j, s := range pr.pub {
			d := change(s)
			if changed[j] != (math.Abs(d) > 1e-9) {
				t.Fatalf("program %d: published row %d changes by %v, reported %v (%+v)", i, j, d, changed[j], pr)
			}
			cost += weights[j] * math.Abs(d)
			if changed[j] {
				changing++
			}
		}
		for _, s := range pr.supp {
			if pr.sum(s)+change(s) < 1-1e-9 {
				t.Fatalf("program %d: a suppressed row falls to %v (%+v)", i, pr.sum(s)+change(s), pr)
			}
		}
		// the reference: new values y >= 0, per published row a rise and a
		// fall, per suppressed row a surplus
		p, q := len(pr.pub), len(pr.supp)
		cols := n + 2*p + q
		var A [][]float64
		var b []float64
		row := func(s []int) []float64 {
			r := make([]float64, cols)
			for _, k := range s {
				r[k] = 1
			}
			return r
		}
		c := make([]float64, cols)
		for j, s := range pr.pub {
			r := row(s)
			r[n+2*j], r[n+2*j+1] = -1, 1
			c[n+2*j], c[n+2*j+1] = weights[j], weights[j]
			A, b = append(A, r), append(b, pr.sum(s))
		}
		for j, s := range pr.supp {
			r := row(s)
			r[n+2*p+j] = -1
			A, b = append(A, r), append(b, 1)
		}
		A, b = append(A, row(pr.target)), append(b, pr.sum(pr.target)+pr.level)
		x, err := simplex(A, b, c)
		if err != nil {
			t.Fatalf("program %d: two-phase: %v (%+v)", i, err, pr)
		}
		var want float64
		for j, v := range x {
			want += c[j] * v
		}
		if math.Abs(cost-want) > 1e-7 {
			t.Fatalf("program %d: the dual answer costs %v, the two-phase optimum %v (%+v)", i, cost, want, pr)
		}
	}
	// the programs are not all trivial: many change published rows
	if changing < 500 {
		t.Fatalf("only %d published rows change in 2000 programs", changing)
	}
}

func int32s(s []int) []int32 {
	out := make([]int32, len(s))
	for i, v := range s {
		out[i] = int32(v)
	}
	return out
}

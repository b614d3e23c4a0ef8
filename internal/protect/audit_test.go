package protect

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// handStructure builds a structure from atom values and cells given as atom
// lists (named for messages).
func handStructure(values []float64, cells map[string][]int32) *Structure {
	s := &Structure{Dataset: "hand", index: map[string]int{}}
	for _, v := range values {
		s.Atoms = append(s.Atoms, Atom{Value: v})
	}
	keys := make([]string, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	// stable order: sorted names
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	for _, k := range keys {
		c := Cell{Key: k, Atoms: cells[k]}
		for _, a := range c.Atoms {
			c.Value += values[a]
			s.Atoms[a].Cells = append(s.Atoms[a].Cells, int32(len(s.Cells)))
		}
		s.index[k] = len(s.Cells)
		s.Cells = append(s.Cells, c)
	}
	return s
}

func pattern(s *Structure, marks map[string]Mark) *Pattern {
	p := &Pattern{Marks: make([]Mark, len(s.Cells))}
	for k, m := range marks {
		p.Marks[s.index[k]] = m
	}
	return p
}

func interval(t *testing.T, s *Structure, r *AuditResult, key string) Interval {
	t.Helper()
	for _, iv := range r.Intervals {
		if s.Cells[iv.Cell].Key == key {
			return iv
		}
	}
	t.Fatalf("no interval for %s", key)
	return Interval{}
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

func TestAuditNeedsHiGHS(t *testing.T) {
	if out, err := exec.Command(Python(), "-c", "import scipy.optimize").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import scipy (%v: %s): run `bash infra/tools.sh`, which installs Debian's python3-scipy", Python(), err, out)
	}
}

// The BRIEF's marker leak: a row total of 5 = "*" + "**". Distinct markers
// tell the attacker * is 1..3 and ** at least 4, so both are pinned; one
// marker leaves each in [1, 4].
func TestAuditMarkerLeak(t *testing.T) {
	s := handStructure([]float64{1, 4}, map[string][]int32{"a": {0}, "b": {1}, "total": {0, 1}})
	p := pattern(s, map[string]Mark{"a": Primary, "b": Secondary})
	distinct, err := Audit(s, p, 4, 3, Distinct)
	if err != nil {
		t.Fatal(err)
	}
	if iv := interval(t, s, distinct, "a"); !near(iv.Lo, 1) || !near(iv.Hi, 1) {
		t.Errorf("two markers: a in [%v, %v], want exactly 1", iv.Lo, iv.Hi)
	}
	if len(distinct.Failures) != 2 {
		t.Errorf("two markers: failures %v, want both cells disclosed", distinct.Failures)
	}
	one, err := Audit(s, p, 4, 3, OneMark)
	if err != nil {
		t.Fatal(err)
	}
	if iv := interval(t, s, one, "a"); !near(iv.Lo, 1) || !near(iv.Hi, 4) {
		t.Errorf("one marker: a in [%v, %v], want [1, 4]", iv.Lo, iv.Hi)
	}
	if len(one.Failures) != 0 {
		t.Errorf("one marker: failures %v", one.Failures)
	}
}

// Two suppressed cells of a row whose published total is 2 are both 1: the
// audit catches an exact disclosure that no linear equation shows.
func TestAuditTotalOfTwo(t *testing.T) {
	s := handStructure([]float64{1, 1, 9}, map[string][]int32{"a": {0}, "b": {1}, "c": {2}, "ab": {0, 1}, "total": {0, 1, 2}})
	p := pattern(s, map[string]Mark{"a": Primary, "b": Primary})
	r, err := Audit(s, p, 4, 3, OneMark)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Failures) != 2 || !strings.Contains(r.Failures[0], "disclosed exactly") {
		t.Errorf("failures %v, want a and b disclosed exactly", r.Failures)
	}
}

// A 2×2 table with totals and one small cell: the complementary rectangle
// protects it with an interval of width 4; publishing one complement
// discloses it, and the audit says so.
func TestAuditRectangleAndABrokenPattern(t *testing.T) {
	// atoms: x11=1, x12=5, x21=6, x22=7
	s := handStructure([]float64{1, 5, 6, 7}, map[string][]int32{
		"x11": {0}, "x12": {1}, "x21": {2}, "x22": {3},
		"r1": {0, 1}, "r2": {2, 3}, "c1": {0, 2}, "c2": {1, 3}, "total": {0, 1, 2, 3},
	})
	good := pattern(s, map[string]Mark{"x11": Primary, "x12": Secondary, "x21": Secondary, "x22": Secondary})
	r, err := Audit(s, good, 4, 3, OneMark)
	if err != nil {
		t.Fatal(err)
	}
	if iv := interval(t, s, r, "x11"); !near(iv.Lo, 1) || !near(iv.Hi, 5) {
		t.Errorf("x11 in [%v, %v], want [1, 5]", iv.Lo, iv.Hi)
	}
	if len(r.Failures) != 0 {
		t.Errorf("the rectangle fails: %v", r.Failures)
	}
	broken := pattern(s, map[string]Mark{"x11": Primary, "x21": Secondary, "x22": Secondary})
	r, err = Audit(s, broken, 4, 3, OneMark)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Failures) == 0 {
		t.Fatal("publishing a complementary cell went unnoticed")
	}
	if iv := interval(t, s, r, "x11"); !near(iv.Lo, 1) || !near(iv.Hi, 1) {
		t.Errorf("broken pattern: x11 in [%v, %v], want exactly 1", iv.Lo, iv.Hi)
	}
}

// An inconsistent input (published values that cannot hold together) is an
// error naming the structure, not a silent pass.
func TestAuditInconsistentInput(t *testing.T) {
	s := handStructure([]float64{1, 5}, map[string][]int32{"a": {0}, "b": {1}, "total": {0, 1}})
	s.Cells[s.index["total"]].Value = 2 // a published total below its parts' bounds
	p := pattern(s, map[string]Mark{"a": Primary, "b": Secondary})
	if _, err := Audit(s, p, 4, 3, Distinct); err == nil || !strings.Contains(err.Error(), "hand") {
		t.Errorf("err = %v, want an error naming the structure", err)
	}
}

// A neighbourhood's program: in a 2×3 table with totals whose four top-left
// cells are suppressed (x11 primary), the neighbourhood {x11, x12} holds
// x13, x21, x22 and x23 at their true values. Each published cell touching
// it keeps the part of its value the neighbourhood holds (r1 = 10 less
// x13's 4), the cells that do not touch it drop out, a suppressed cell
// whose bound its outside atoms already meet drops out, cells with the
// same atoms in the neighbourhood share a row (its duals belong to the
// published one), and a target's outside atoms shift its interval. Any
// solution there is a table of the whole structure, so the interval it
// gives (x11 pinned to 1 by c1) lies inside the attacker's ([1, 5]); the
// wider neighbourhood finds it all.
func TestAuditNeighbourhoodProgram(t *testing.T) {
	// atoms: x11=1, x12=5, x13=4, x21=6, x22=7, x23=8
	s := handStructure([]float64{1, 5, 4, 6, 7, 8}, map[string][]int32{
		"x11": {0}, "x12": {1}, "x13": {2}, "x21": {3}, "x22": {4}, "x23": {5},
		"r1": {0, 1, 2}, "r2": {3, 4, 5}, "c1": {0, 3}, "c2": {1, 4}, "c3": {2, 5}, "total": {0, 1, 2, 3, 4, 5},
		"x12+x13": {1, 2},
	})
	p := pattern(s, map[string]Mark{"x11": Primary, "x12": Secondary, "x21": Secondary, "x22": Secondary, "x12+x13": Secondary})
	a := newAuditor(s, p, 4, 3, OneMark, auditGrowth)
	if !a.truthHolds {
		t.Fatal("the true values do not hold")
	}
	g := newGrower(a)
	g.reset()
	g.add(0)
	g.add(1)
	x11, x1213 := s.index["x11"], s.index["x12+x13"]
	pr, shift := g.problem([]int{x11, x1213})
	var rows []string
	for r, vars := range pr.Rows {
		var atoms []int32
		for _, v := range vars {
			atoms = append(atoms, g.atoms[v])
		}
		rows = append(rows, fmt.Sprintf("%v in [%v, %v] of %s", atoms, pr.Lo[r], pr.Hi[r], s.Cells[g.owners[r][0]].Key))
	}
	slices.Sort(rows)
	want := []string{
		"[0 1] in [6, 6] of r1", // 10 less x13 = 4; the total (31 less 25) shares it
		"[0] in [1, 1] of c1",   // 7 less x21 = 6; x11 (at least 1) shares it
		"[1] in [5, 5] of c2",   // 12 less x22 = 7; x12 shares it
		// x12+x13 is at least 1 - 4 without x12: dropped
	}
	if !slices.Equal(rows, want) {
		t.Errorf("rows\n%q, want\n%q", rows, want)
	}
	if len(pr.Targets) != 2 || len(pr.Targets[1]) != 1 || shift[0] != 0 || shift[1] != 4 {
		t.Errorf("targets %v, shifts %v: want x12+x13 over x12 alone, shifted by x13's 4", pr.Targets, shift)
	}
	ivs, err := highs.solve(pr)
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := *ivs[0].Lo+shift[0], *ivs[0].Hi+shift[0]; !near(lo, 1) || !near(hi, 1) {
		t.Errorf("x11 on {x11, x12} in [%v, %v], want pinned to 1 by c1", lo, hi)
	}
	exact, err := AuditExact(s, p, 4, 3, OneMark)
	if err != nil {
		t.Fatal(err)
	}
	if iv := interval(t, s, exact, "x11"); !near(iv.Lo, 1) || !near(iv.Hi, 5) || !iv.Exact {
		t.Errorf("x11 in %+v, want exactly [1, 5]", iv)
	}
	for _, at := range []int32{3, 4} {
		g.add(at)
	}
	pr, shift = g.problem([]int{x11})
	if ivs, err = highs.solve(pr); err != nil {
		t.Fatal(err)
	}
	if lo, hi := *ivs[0].Lo+shift[0], *ivs[0].Hi+shift[0]; !near(lo, 1) || !near(hi, 5) {
		t.Errorf("x11 on {x11, x12, x21, x22} in [%v, %v], want [1, 5]", lo, hi)
	}
}

// A witness is a table of the whole structure: the audit takes a program's
// solution only after checking it against every published cell and mark,
// so a pass does not rest on the program being written right.
func TestAuditWitness(t *testing.T) {
	s := handStructure([]float64{1, 5, 6, 7}, map[string][]int32{
		"x11": {0}, "x12": {1}, "x21": {2}, "x22": {3},
		"r1": {0, 1}, "r2": {2, 3}, "c1": {0, 2}, "c2": {1, 3}, "total": {0, 1, 2, 3},
	})
	p := pattern(s, map[string]Mark{"x11": Primary, "x12": Secondary, "x21": Secondary, "x22": Secondary})
	a := newAuditor(s, p, 4, 3, OneMark, auditGrowth)
	g := newGrower(a)
	g.all()
	for _, c := range []struct {
		x    []float64
		want bool
	}{
		{[]float64{1, 5, 6, 7}, true},   // the truth
		{[]float64{5, 1, 2, 11}, true},  // x11 at its maximum
		{[]float64{2, 5, 5, 7}, false},  // r1 = 7, published 6
		{[]float64{6, 0, 1, 12}, false}, // x12 = 0: suppressed cells are at least 1
		{[]float64{1, 5, 6}, false},     // not a table of every atom
	} {
		if got := g.witness(c.x); got != c.want {
			t.Errorf("witness %v = %v, want %v", c.x, got, c.want)
		}
	}
	if iv := a.seen(s.index["x11"]); !near(iv.Lo, 1) || !near(iv.Hi, 5) {
		t.Errorf("x11 seen in [%v, %v], want [1, 5] from the two tables that hold", iv.Lo, iv.Hi)
	}
	if iv := a.seen(s.index["x22"]); !near(iv.Lo, 7) || !near(iv.Hi, 11) {
		t.Errorf("x22 seen in [%v, %v], want [7, 11]", iv.Lo, iv.Hi)
	}
}

// A cell in no published cell has no maximum; on a neighbourhood the audit
// still passes it only with a witness, a table where it is capped above
// what passes it.
func TestAuditUnboundedNeedsAWitness(t *testing.T) {
	s := handStructure([]float64{1, 5, 3}, map[string][]int32{"x": {0}, "y": {1}, "z": {2}, "yz": {1, 2}})
	p := pattern(s, map[string]Mark{"x": Primary})
	exact, err := AuditExact(s, p, 4, 3, OneMark)
	if err != nil {
		t.Fatal(err)
	}
	if iv := interval(t, s, exact, "x"); !iv.Unbounded {
		t.Errorf("AuditExact: x in %+v, want unbounded", iv)
	}
	r, err := newAuditor(s, p, 4, 3, OneMark, growth{start: 1, step: 1, atoms: 10, rounds: 10}).run()
	if err != nil {
		t.Fatal(err)
	}
	if iv := interval(t, s, r, "x"); iv.Exact || iv.Unbounded || !near(iv.Lo, 1) || iv.Hi < 4 {
		t.Errorf("on a neighbourhood: x in %+v, want [1, at least 4] from a witness", iv)
	}
	if len(r.Failures) > 0 {
		t.Errorf("failures %v", r.Failures)
	}
}

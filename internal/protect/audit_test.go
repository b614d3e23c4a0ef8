package protect

import (
	"os/exec"
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

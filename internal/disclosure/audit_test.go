package disclosure

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

var inf = math.Inf(1)

// span is an expected interval [lo, hi].
type span [2]float64

// Hand-computed audits. Tables are written row by row; x is the primary
// cell's unknown value when the text derives an interval.
func TestAuditHandComputed(t *testing.T) {
	// 2x2 with totals:      c1  c2 | *
	//                  r1    1   5 |  6
	//                  r2    6   7 | 13
	//                  *     7  12 | 19
	twoByTwo := func() *table {
		return newTable([]int64{1, 5, 6, 7}, flat("r", "r1", "r2"), flat("c", "c1", "c2"))
	}
	rectangle := map[string]Mark{"r=r1|c=c1": Primary, "r=r1|c=c2": Secondary, "r=r2|c=c1": Secondary, "r=r2|c=c2": Secondary}

	// One row: a + b = total.
	row := func(values ...int64) *table {
		codes := []string{"a", "b", "c", "d"}[:len(values)]
		return newTable(values, flat("x", codes...))
	}

	// Nested: region a1, a2 in group A; b1, b2 in group B; by kon.
	//             K   M
	//       a1    1   6     A: K 6, M 10
	//       a2    5   4
	//       b1    7   5     B: K 15, M 14
	//       b2    8   9
	hier := func() *table {
		return newTable([]int64{1, 6, 5, 4, 7, 5, 8, 9},
			nested("region", [][]string{{"A", "a1", "a2"}, {"B", "b1", "b2"}}), flat("kon", "K", "M"))
	}

	// 2x3 with a zero column:  c1 c2 c3 | *
	//                     r1    2  0  4 |  6
	//                     r2    5  0  3 |  8
	zeros := func() *table {
		return newTable([]int64{2, 0, 4, 5, 0, 3}, flat("r", "r1", "r2"), flat("c", "c1", "c2", "c3"))
	}

	tests := []struct {
		name    string
		table   *table
		marks   map[string]Mark
		markers Markers
		want    map[string]span
		fail    map[string]Reason
		method  map[string]Method
	}{
		{
			// r1 total 6 minus the published 5.
			name:   "2x2 lone primary is disclosed",
			table:  twoByTwo(),
			marks:  map[string]Mark{"r=r1|c=c1": Primary},
			want:   map[string]span{"r=r1|c=c1": {1, 1}},
			fail:   map[string]Reason{"r=r1|c=c1": Disclosed},
			method: map[string]Method{"r=r1|c=c1": ByPropagation},
		},
		{
			// r1c2 = 6-x >= 4 gives x <= 2; r2c1 = 7-x >= 4, r2c2 = 6+x >= 4
			// bind nothing more; x in 1..3 by its mark.
			name:  "2x2 rectangle, distinct markers",
			table: twoByTwo(),
			marks: rectangle,
			want: map[string]span{"r=r1|c=c1": {1, 2}, "r=r1|c=c2": {4, 5},
				"r=r2|c=c1": {5, 6}, "r=r2|c=c2": {7, 8}},
			fail:   map[string]Reason{"r=r1|c=c1": Narrow},
			method: map[string]Method{"r=r1|c=c1": ByLP},
		},
		{
			// 6-x >= 1 gives x <= 5; 7-x >= 1 and 6+x >= 1 are weaker.
			name:    "2x2 rectangle, one marker",
			table:   twoByTwo(),
			marks:   rectangle,
			markers: OneMarker,
			want: map[string]span{"r=r1|c=c1": {1, 5}, "r=r1|c=c2": {1, 5},
				"r=r2|c=c1": {2, 6}, "r=r2|c=c2": {7, 11}},
		},
		{
			// The brief's marker leak: 5 = * + ** with * <= 3, ** >= 4.
			name:   "total 5 = * + **, distinct markers",
			table:  row(1, 4),
			marks:  map[string]Mark{"x=a": Primary, "x=b": Secondary},
			want:   map[string]span{"x=a": {1, 1}, "x=b": {4, 4}},
			fail:   map[string]Reason{"x=a": Disclosed, "x=b": Disclosed},
			method: map[string]Method{"x=a": ByLP, "x=b": ByLP},
		},
		{
			name:    "total 5 = * + *, one marker",
			table:   row(1, 4),
			marks:   map[string]Mark{"x=a": Primary, "x=b": Secondary},
			markers: OneMarker,
			want:    map[string]span{"x=a": {1, 4}, "x=b": {1, 4}},
		},
		{
			// 2 = a + b + 0 with a, b >= 1.
			name:    "two singletons alone in a row",
			table:   row(1, 1, 0),
			marks:   map[string]Mark{"x=a": Primary, "x=b": Primary},
			markers: OneMarker,
			want:    map[string]span{"x=a": {1, 1}, "x=b": {1, 1}},
			fail:    map[string]Reason{"x=a": Disclosed, "x=b": Disclosed},
		},
		{
			// 7 = a + b + c: a + b = 7 - c <= 3 with c >= 4.
			name:  "two singletons and a complement, distinct markers",
			table: row(1, 1, 5),
			marks: map[string]Mark{"x=a": Primary, "x=b": Primary, "x=c": Secondary},
			want:  map[string]span{"x=a": {1, 2}, "x=b": {1, 2}, "x=c": {4, 5}},
			fail:  map[string]Reason{"x=a": Narrow, "x=b": Narrow},
		},
		{
			name:    "two singletons and a complement, one marker",
			table:   row(1, 1, 5),
			marks:   map[string]Mark{"x=a": Primary, "x=b": Primary, "x=c": Secondary},
			markers: OneMarker,
			want:    map[string]span{"x=a": {1, 5}, "x=b": {1, 5}, "x=c": {1, 5}},
		},
		{
			// Complements in group B leave group A's totals to give a1 away:
			// a1K = A,K - a2K = 6 - 5. A table-by-table audit of the leaf
			// table alone would pass this pattern.
			name:  "nested: complements across groups",
			table: hier(),
			marks: map[string]Mark{"region=a1|kon=K": Primary, "region=b1|kon=K": Secondary,
				"region=a1|kon=M": Secondary, "region=b1|kon=M": Secondary},
			markers: OneMarker,
			want: map[string]span{"region=a1|kon=K": {1, 1}, "region=b1|kon=K": {7, 7},
				"region=a1|kon=M": {6, 6}, "region=b1|kon=M": {5, 5}},
			fail: map[string]Reason{"region=a1|kon=K": Disclosed, "region=b1|kon=K": Disclosed,
				"region=a1|kon=M": Disclosed, "region=b1|kon=M": Disclosed},
		},
		{
			// Inside group A: a2K = 6-x, a1M = 7-x, a2M = 3+x.
			name:  "nested: complements inside the group, one marker",
			table: hier(),
			marks: map[string]Mark{"region=a1|kon=K": Primary, "region=a2|kon=K": Secondary,
				"region=a1|kon=M": Secondary, "region=a2|kon=M": Secondary},
			markers: OneMarker,
			want: map[string]span{"region=a1|kon=K": {1, 5}, "region=a2|kon=K": {1, 5},
				"region=a1|kon=M": {2, 6}, "region=a2|kon=M": {4, 8}},
		},
		{
			// Same with distinct markers: 6-x >= 4 gives x <= 2.
			name:  "nested: complements inside the group, distinct markers",
			table: hier(),
			marks: map[string]Mark{"region=a1|kon=K": Primary, "region=a2|kon=K": Secondary,
				"region=a1|kon=M": Secondary, "region=a2|kon=M": Secondary},
			want: map[string]span{"region=a1|kon=K": {1, 2}, "region=a2|kon=K": {4, 5},
				"region=a1|kon=M": {5, 6}, "region=a2|kon=M": {4, 5}},
			fail: map[string]Reason{"region=a1|kon=K": Narrow},
		},
		{
			// The zero column fixes r1c2 and r2c2 at 0 and cannot serve as
			// complement. r1c3 = 6-x, r2c1 = 7-x, r2c3 = 1+x.
			name:  "zeros fix inner cells, one marker",
			table: zeros(),
			marks: map[string]Mark{"r=r1|c=c1": Primary, "r=r1|c=c3": Secondary,
				"r=r2|c=c1": Secondary, "r=r2|c=c3": Primary},
			markers: OneMarker,
			want: map[string]span{"r=r1|c=c1": {1, 5}, "r=r1|c=c3": {1, 5},
				"r=r2|c=c1": {2, 6}, "r=r2|c=c3": {2, 6}},
		},
		{
			// 6-x >= 4 and 1+x <= 3 each give x <= 2.
			name:  "zeros fix inner cells, distinct markers",
			table: zeros(),
			marks: map[string]Mark{"r=r1|c=c1": Primary, "r=r1|c=c3": Secondary,
				"r=r2|c=c1": Secondary, "r=r2|c=c3": Primary},
			want: map[string]span{"r=r1|c=c1": {1, 2}, "r=r1|c=c3": {4, 5},
				"r=r2|c=c1": {5, 6}, "r=r2|c=c3": {2, 3}},
			fail: map[string]Reason{"r=r1|c=c1": Narrow, "r=r2|c=c3": Narrow},
		},
		{
			// Nothing published: only the marks bound anything.
			name:  "unbounded maximum, distinct markers",
			table: row(2, 5),
			marks: map[string]Mark{"x=a": Primary, "x=b": Secondary, "x=*": Secondary},
			want:  map[string]span{"x=a": {1, 3}, "x=b": {4, inf}, "x=*": {5, inf}},
			fail:  map[string]Reason{"x=a": Narrow},
		},
		{
			name:    "unbounded maximum, one marker",
			table:   row(2, 5),
			marks:   map[string]Mark{"x=a": Primary, "x=b": Secondary, "x=*": Secondary},
			markers: OneMarker,
			want:    map[string]span{"x=a": {1, inf}, "x=b": {1, inf}, "x=*": {2, inf}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.table.pattern(t, tc.marks)
			rep, err := Audit(tc.table.Structure, p, AuditOptions{Markers: tc.markers})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Intervals) != len(tc.marks) {
				t.Errorf("%d intervals for %d suppressed cells", len(rep.Intervals), len(tc.marks))
			}
			for _, iv := range rep.Intervals {
				want, ok := tc.want[iv.ID]
				if !ok {
					t.Errorf("no expected interval for %s", iv.ID)
					continue
				}
				if iv.Lo != want[0] || iv.Hi != want[1] {
					t.Errorf("%s: attacker derives [%v, %v], want [%v, %v]", iv.ID, iv.Lo, iv.Hi, want[0], want[1])
				}
				if m, ok := tc.method[iv.ID]; ok && iv.Method != m {
					t.Errorf("%s: found by %s, want %s", iv.ID, iv.Method, m)
				}
			}
			got := map[string]Reason{}
			for _, f := range rep.Failures {
				got[f.ID] = f.Reason
			}
			for id, r := range tc.fail {
				if got[id] != r {
					t.Errorf("%s: failure reason %d, want %d", id, got[id], r)
				}
			}
			for id := range got {
				if _, ok := tc.fail[id]; !ok {
					t.Errorf("unexpected failure: %s", rep.Failures)
				}
			}
			if rep.OK() != (len(tc.fail) == 0) {
				t.Errorf("OK() = %v with failures %v", rep.OK(), rep.Failures)
			}
		})
	}
}

func TestAuditZeroStats(t *testing.T) {
	tb := newTable([]int64{2, 0, 4, 5, 0, 3}, flat("r", "r1", "r2"), flat("c", "c1", "c2", "c3"))
	p := tb.pattern(t, map[string]Mark{"r=r1|c=c1": Primary, "r=r1|c=c3": Secondary, "r=r2|c=c1": Secondary, "r=r2|c=c3": Primary})
	rep, err := Audit(tb.Structure, p, AuditOptions{Markers: OneMarker})
	if err != nil {
		t.Fatal(err)
	}
	// Inner cells r1c2 and r2c2 lie under the published zeros; the other
	// four are the suppressed unknowns, one block.
	if rep.Stats.ZeroInner != 2 || rep.Stats.InnerCells != 6 || rep.Stats.Components != 1 {
		t.Errorf("stats %+v: want 2 of 6 inner cells fixed at zero, 1 block", rep.Stats)
	}
}

func TestAuditRejectsInconsistentInput(t *testing.T) {
	tb := newTable([]int64{1, 5, 6, 0}, flat("r", "r1", "r2"), flat("c", "c1", "c2"))
	tests := []struct {
		name   string
		s      *Structure
		p      Pattern
		opt    AuditOptions
		substr string
	}{
		{"primary above threshold", tb.Structure, tb.pattern(t, map[string]Mark{"r=r1|c=c2": Primary}), AuditOptions{},
			`cell 1 "r=r1|c=c2" is marked * (primary) but its value 5 is outside 1..3`},
		{"secondary below threshold", tb.Structure, tb.pattern(t, map[string]Mark{"r=r1|c=c1": Secondary}), AuditOptions{},
			`"r=r1|c=c1" is marked ** (secondary) but its value 1 is below the threshold 4`},
		{"suppressed zero", tb.Structure, tb.pattern(t, map[string]Mark{"r=r2|c=c2": Secondary}), AuditOptions{},
			`"r=r2|c=c2" is marked ** (secondary) but its value 0`},
		{"short pattern", tb.Structure, Pattern{Primary}, AuditOptions{}, "1 marks for 9 cells"},
		{"unknown mark", tb.Structure, tb.pattern(t, map[string]Mark{"r=r1|c=c1": 7}), AuditOptions{}, "unknown mark 7"},
		{"threshold 1", tb.Structure, tb.pattern(t, nil), AuditOptions{Threshold: 1}, "threshold 1: must be at least 2"},
		{"negative protection", tb.Structure, tb.pattern(t, nil), AuditOptions{ProtectionLevel: -1}, "protection level -1"},
		{"inner out of range", &Structure{InnerValues: []int64{1}, Cells: []Cell{{ID: "a", Inner: []int32{0, 1}}}}, Pattern{0},
			AuditOptions{}, `cell 0 "a": inner id 1 out of range [0, 1)`},
		{"duplicate inner", &Structure{InnerValues: []int64{1, 2}, Cells: []Cell{{ID: "a", Inner: []int32{1, 1}}}}, Pattern{0},
			AuditOptions{}, `cell 0 "a": inner ids must be sorted and distinct, found 1 after 1`},
		{"duplicate cell id", &Structure{InnerValues: []int64{1}, Cells: []Cell{{ID: "a", Inner: []int32{0}}, {ID: "a"}}}, Pattern{0, 0},
			AuditOptions{}, `cells 0 and 1 have the same id "a"`},
		{"negative value", &Structure{InnerValues: []int64{-1}}, nil, AuditOptions{}, "inner cell 0 has negative value -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Audit(tc.s, tc.p, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("error %v, want one containing %q", err, tc.substr)
			}
			if contradiction := strings.Contains(tc.substr, "is marked"); errors.Is(err, ErrInconsistent) != contradiction {
				t.Errorf("errors.Is(%v, ErrInconsistent) should be %v", err, contradiction)
			}
		})
	}
}

// The marks' bounds can contradict the published values only if the marks
// contradict the true values, which CheckPattern refuses first; this drives
// the attack without that check to show it still refuses, by name.
func TestAttackRefusesInconsistentMarks(t *testing.T) {
	// total 3 = a + b published, a marked ** (>= 4).
	tb := newTable([]int64{2, 1}, flat("x", "a", "b"))
	p := tb.pattern(t, map[string]Mark{"x=a": Secondary, "x=b": Primary})
	opt, _ := AuditOptions{}.withDefaults()
	err := newAttack(tb.Structure, p, opt).run()
	if !errors.Is(err, ErrInconsistent) || !strings.Contains(err.Error(), `"x=a" is marked **, which says 4..+Inf, but its value is 2`) {
		t.Errorf("error %v, want ErrInconsistent naming x=a", err)
	}
}

// A pattern that passes, weakened by one complementary suppression, fails:
// the audit is not a check that cannot fail.
func TestAuditCatchesWeakenedPattern(t *testing.T) {
	tb := syntheticTable(rand.New(rand.NewPCG(7, 11)), 4, 5, 2)
	p := primaries(tb.Structure, 4)
	protectLines(tb.Structure, tb.relations, p)
	opt := AuditOptions{Markers: OneMarker}
	rep, err := Audit(tb.Structure, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("the full pattern should pass: %s", rep.Summary())
	}
	dropped := 0
	for c, m := range p {
		if m != Secondary {
			continue
		}
		weak := slices.Clone(p)
		weak[c] = Published
		rep, err := Audit(tb.Structure, weak, opt)
		if err != nil {
			t.Fatal(err)
		}
		// protectLines leaves no line with exactly two suppressed cells
		// where one would do; dropping either of two leaves the other alone.
		if lonely(tb.relations, weak) && rep.OK() {
			t.Errorf("dropping %s leaves a lone suppressed cell in a line, yet the audit passes", tb.Cells[c].ID)
		}
		if !rep.OK() {
			dropped++
		}
	}
	if dropped == 0 {
		t.Fatal("no weakened pattern fails")
	}
	// And the 2x2 by hand: drop r2c2 and r2 gives r2c1 = 13 - 7.
	tb2 := newTable([]int64{1, 5, 6, 7}, flat("r", "r1", "r2"), flat("c", "c1", "c2"))
	weak := tb2.pattern(t, map[string]Mark{"r=r1|c=c1": Primary, "r=r1|c=c2": Secondary, "r=r2|c=c1": Secondary})
	rep, err = Audit(tb2.Structure, weak, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Failures) != 3 {
		t.Errorf("2x2 without r2c2: want all three cells disclosed, got %s", rep.Summary())
	}
}

// lonely reports whether some line holds exactly one suppressed cell.
func lonely(rels []relation, p Pattern) bool {
	for _, r := range rels {
		n := 0
		for _, c := range append([]int{r.total}, r.parts...) {
			if p[c] != Published {
				n++
			}
		}
		if n == 1 {
			return true
		}
	}
	return false
}

// syntheticTable is a dims-dimensional table with totals whose inner cells
// are mostly large, about 5 % of them 1..3 and 3 % zero.
func syntheticTable(rng *rand.Rand, sizes ...int) *table {
	var dims []dim
	n := 1
	for k, size := range sizes {
		codes := make([]string, size)
		for i := range codes {
			codes[i] = string(rune('a'+k)) + string(rune('0'+i/10)) + string(rune('0'+i%10))
		}
		dims = append(dims, flat(string(rune('a'+k)), codes...))
		n *= size
	}
	values := make([]int64, n)
	for i := range values {
		switch r := rng.Float64(); {
		case r < 0.05:
			values[i] = 1 + rng.Int64N(3)
		case r < 0.08:
			values[i] = 0
		default:
			values[i] = 4 + int64(math.Exp(rng.NormFloat64()*1.2+2.5))
		}
	}
	return newTable(values, dims...)
}

// The reductions must not change any interval: on random small structures
// and tables, compare the reduced audit's raw LP optima with the LP over all inner
// cells and all published cells, unreduced.
func TestReductionsKeepIntervals(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 4))
	seen := map[Method]int{}
	for i := 0; i < 120; i++ {
		s, p := randomCase(rng)
		if i >= 100 {
			// Tables with every margin and a pattern closed line by line:
			// large LPs with many degenerate vertices.
			s, p = closedTable(rng)
		}
		opt := AuditOptions{Markers: Markers(rng.IntN(2))}
		opt, _ = opt.withDefaults()
		a := newAttack(s, p, opt)
		if err := a.run(); err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, dump(s, p))
		}
		ref, err := unreduced(s, p, opt)
		if err != nil {
			t.Fatalf("case %d: unreduced LP: %v\n%s", i, err, dump(s, p))
		}
		for c, want := range ref {
			got := a.result[c]
			seen[got.method]++
			if !near(got.lo, want[0]) || !near(got.hi, want[1]) {
				t.Errorf("case %d (%s), cell %q: reduced [%v, %v] by %s, unreduced [%v, %v]\n%s",
					i, opt.Markers, s.Cells[c].ID, got.lo, got.hi, got.method, want[0], want[1], dump(s, p))
			}
		}
	}
	// The cases must reach every way of deriving an interval.
	for _, m := range []Method{ByPropagation, BySpan, ByLP} {
		if seen[m] < 10 {
			t.Errorf("only %d suppressed cells derived by %s: %v", seen[m], m, seen)
		}
	}
	t.Logf("suppressed cells by method: %v", seen)
}

func near(a, b float64) bool {
	if math.IsInf(a, 1) || math.IsInf(b, 1) {
		return a == b
	}
	return math.Abs(a-b) < 1e-6
}

// closedTable is a 3-dimensional table with totals, many small cells, and
// primaries complemented by protectLines.
func closedTable(rng *rand.Rand) (*Structure, Pattern) {
	tb := syntheticTable(rng, 2+rng.IntN(3), 2+rng.IntN(3), 1+rng.IntN(2))
	for j := range tb.InnerValues {
		if rng.Float64() < 0.15 {
			tb.InnerValues[j] = rng.Int64N(4)
		}
	}
	p := primaries(tb.Structure, 4)
	protectLines(tb.Structure, tb.relations, p)
	return tb.Structure, p
}

// randomCase is either a table (some dimensions nested) with some of its
// cells left out, or cells that are random sets of inner cells; values are
// small, with zeros; cells of 1..3 are mostly primary, larger ones sometimes
// secondary.
func randomCase(rng *rand.Rand) (*Structure, Pattern) {
	small := []int64{0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12}
	var s *Structure
	if rng.IntN(2) == 0 {
		var sizes []int
		for range 1 + rng.IntN(3) {
			sizes = append(sizes, 1+rng.IntN(3))
		}
		n := 1
		var dims []dim
		for k, size := range sizes {
			codes := make([]string, size)
			for i := range codes {
				codes[i] = string(rune('a' + i))
			}
			d := flat(string(rune('x'+k)), codes...)
			if size > 1 && rng.IntN(3) == 0 {
				// A hierarchy: the first leaf alone, the rest in a group.
				d = nested(d.name, [][]string{{"G1", codes[0]}, append([]string{"G2"}, codes[1:]...)})
			}
			dims = append(dims, d)
			n *= size
		}
		values := make([]int64, n)
		for i := range values {
			values[i] = small[rng.IntN(len(small))]
		}
		tb := newTable(values, dims...)
		s = &Structure{InnerValues: values}
		for _, c := range tb.Cells {
			if rng.Float64() < 0.85 {
				s.Cells = append(s.Cells, c)
			}
		}
	} else {
		n := 2 + rng.IntN(7)
		s = &Structure{InnerValues: make([]int64, n)}
		for i := range s.InnerValues {
			s.InnerValues[i] = small[rng.IntN(len(small))]
		}
		seen := map[string]bool{}
		for range 3 + rng.IntN(9) {
			var inner []int32
			for in := range n {
				if rng.Float64() < 0.4 {
					inner = append(inner, int32(in))
				}
			}
			if len(inner) == 0 {
				continue
			}
			id := fmt.Sprintf("cell%d", len(s.Cells))
			key := varsKey(inner)
			if seen[key] {
				continue
			}
			seen[key] = true
			s.Cells = append(s.Cells, Cell{ID: id, Inner: inner})
		}
	}
	p := make(Pattern, len(s.Cells))
	for c := range s.Cells {
		switch v := s.Value(c); {
		case v >= 1 && v <= 3 && rng.Float64() < 0.8:
			p[c] = Primary
		case v >= 4 && rng.Float64() < 0.35:
			p[c] = Secondary
		}
	}
	return s, p
}

func dump(s *Structure, p Pattern) string {
	var b strings.Builder
	fmt.Fprintf(&b, "inner values %v", s.InnerValues)
	for c, cell := range s.Cells {
		fmt.Fprintf(&b, "\n  %s %s = %d over %v", cell.ID, p[c], s.Value(c), cell.Inner)
	}
	return b.String()
}

// unreduced solves min and max of every suppressed cell over all inner
// cells that lie in a cell, with a row for every published cell (dependent
// rows removed, as lp.Simplex needs) and the marks' bounds of every
// suppressed cell, each LP from scratch.
func unreduced(s *Structure, p Pattern, opt AuditOptions) (map[int][2]float64, error) {
	col := map[int32]int{}
	for _, cell := range s.Cells {
		for _, in := range cell.Inner {
			if _, ok := col[in]; !ok {
				col[in] = len(col)
			}
		}
	}
	nv := len(col)
	e := newEchelon(nv)
	type row struct {
		cols  []int32
		slack float64
		rhs   float64
	}
	var rows []row
	cols := func(c int) []int32 {
		var out []int32
		for _, in := range s.Cells[c].Inner {
			out = append(out, int32(col[in]))
		}
		return out
	}
	for c, m := range p {
		if m == Published && len(s.Cells[c].Inner) > 0 {
			if cs := cols(c); e.add(cs, nil) {
				rows = append(rows, row{cs, 0, float64(s.Value(c))})
			}
		}
	}
	for c, m := range p {
		if m != Published {
			lo, hi := opt.bounds(m)
			rows = append(rows, row{cols(c), -1, lo})
			if !math.IsInf(hi, 1) {
				rows = append(rows, row{cols(c), 1, hi})
			}
		}
	}
	out := map[int][2]float64{}
	if !slices.ContainsFunc(p, func(m Mark) bool { return m != Published }) {
		return out, nil
	}
	slacks := 0
	for _, r := range rows {
		if r.slack != 0 {
			slacks++
		}
	}
	A := mat.NewDense(len(rows), nv+slacks, nil)
	b := make([]float64, len(rows))
	k := nv
	for i, r := range rows {
		for _, j := range r.cols {
			A.Set(i, int(j), 1)
		}
		if r.slack != 0 {
			A.Set(i, k, r.slack)
			k++
		}
		b[i] = r.rhs
	}
	for c, m := range p {
		if m == Published {
			continue
		}
		obj := make([]float64, nv+slacks)
		for _, j := range cols(c) {
			obj[j] = 1
		}
		lo, _, err := lp.Simplex(obj, A, b, simplexTol, nil)
		if err != nil {
			return nil, err
		}
		for _, j := range cols(c) {
			obj[j] = -1
		}
		negHi, _, err := lp.Simplex(obj, A, b, simplexTol, nil)
		hi := -negHi
		if errors.Is(err, lp.ErrUnbounded) {
			hi, err = inf, nil
		}
		if err != nil {
			return nil, err
		}
		out[c] = [2]float64{lo, hi}
	}
	return out, nil
}

// Parallel solves must not make the report depend on scheduling.
func TestAuditDeterministic(t *testing.T) {
	tb := syntheticTable(rand.New(rand.NewPCG(3, 3)), 6, 8, 2)
	p := primaries(tb.Structure, 4)
	protectLines(tb.Structure, tb.relations, p)
	first, err := Audit(tb.Structure, p, AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := Audit(tb.Structure, p, AuditOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("two audits of the same pattern differ:\n%+v\n%+v", first, again)
		}
	}
}

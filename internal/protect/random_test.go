package protect

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
)

// randomStructure makes a small linked structure: up to three dimensions
// with a nested group in the first, all crossed with totals, over random
// counts with many small values and zeros, and the adversarial shapes the
// issue names.
func randomStructure(rng *rand.Rand, shape int) (*Structure, error) {
	s, _, err := randomStructureWithHierarchy(rng, shape)
	return s, err
}

// randomStructureWithHierarchy is randomStructure with its hierarchies.
func randomStructureWithHierarchy(rng *rand.Rand, shape int) (*Structure, []Hierarchy, error) {
	nd := 2 + rng.IntN(2)
	hier := make([]Hierarchy, nd)
	for d := range hier {
		n := 2 + rng.IntN(4)
		h := Hierarchy{Name: fmt.Sprintf("d%d", d), Groups: map[string][]string{}}
		for i := 0; i < n; i++ {
			h.Leaves = append(h.Leaves, fmt.Sprintf("c%d", i))
		}
		if d == 0 && n >= 3 {
			h.Groups["g"] = h.Leaves[:2] // a nested hierarchy level
		}
		hier[d] = h
	}
	dims := make([]string, nd)
	for d := range dims {
		dims[d] = hier[d].Name
	}
	b := cube.NewBuilder("random", append([]string{"ar"}, dims...), []string{"n"})
	var walk func(d int, coords []string)
	walk = func(d int, coords []string) {
		if d == nd {
			v := 0
			switch r := rng.IntN(10); {
			case r < 3:
				v = 0
			case r < 6:
				v = 1 + rng.IntN(3)
			default:
				v = 4 + rng.IntN(30)
			}
			b.Add(append([]string{"2024"}, coords...), float64(v))
			return
		}
		for _, l := range hier[d].Leaves {
			walk(d+1, append(slices.Clone(coords), l))
		}
	}
	walk(0, nil)
	c := b.Cube()
	switch shape {
	case 1: // one small cell alone in a row: everything else in its row 0
		for i := range c.Rows {
			if c.Rows[i].Coords[1] == "c0" {
				c.Rows[i].Values[0] = 0
			}
		}
		c.Rows[0].Values[0] = 1
	case 2: // a district (first leaf of d0) with one person
		for i := range c.Rows {
			if c.Rows[i].Coords[1] == "c1" {
				c.Rows[i].Values[0] = 0
			}
		}
		for i := range c.Rows {
			if c.Rows[i].Coords[1] == "c1" {
				c.Rows[i].Values[0] = 1
				break
			}
		}
	case 3: // a total of 4 split 1+3
		var row []int
		for i := range c.Rows {
			if c.Rows[i].Coords[1] == "c0" {
				c.Rows[i].Values[0] = 0
				row = append(row, i)
			}
		}
		c.Rows[row[0]].Values[0] = 1
		c.Rows[row[len(row)-1]].Values[0] = 3
	}
	views := []View{{Name: "all", Dims: make([]Dim, nd)}}
	for d, h := range hier {
		ms := h.AllLeaves()
		if g, ok := h.Groups["g"]; ok {
			ms = append(ms, Member{Code: "g", Leaves: g})
		}
		views[0].Dims[d] = Dim{Name: h.Name, Members: ms}
	}
	s, err := Build("random", c, "n", cube.Filter{"ar": {"2024"}}, hier, views, nil)
	return s, hier, err
}

// TestRandomStructures: on 240 seeded random structures (a quarter of each
// adversarial shape), the pattern marks exactly the counts 1..3 primary,
// publishes every zero, leaves no suppressed cell derivable from published
// ones, and is the same on a second run.
func TestRandomStructures(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	secondaries := 0
	for i := 0; i < 240; i++ {
		s, err := randomStructure(rng, i%4)
		if err != nil {
			t.Fatal(err)
		}
		p := Suppress(s, Rules{Threshold: 4})
		for j, c := range s.Cells {
			if primary := c.Value >= 1 && c.Value <= 3; primary != (p.Marks[j] == Primary) {
				t.Fatalf("structure %d: cell %s = %v has mark %d", i, c.Key, c.Value, p.Marks[j])
			}
			if c.Value == 0 && p.Marks[j] != Published {
				t.Fatalf("structure %d: zero cell %s suppressed", i, c.Key)
			}
		}
		if d := exactlyDisclosed(s, p); len(d) > 0 {
			t.Fatalf("structure %d (shape %d): cell %s is derivable from published cells", i, i%4, s.Cells[d[0]].Key)
		}
		if !slices.Equal(p.Marks, Suppress(s, Rules{Threshold: 4}).Marks) {
			t.Fatalf("structure %d: the pattern differs between runs", i)
		}
		secondaries += p.Secondaries
	}
	if secondaries == 0 {
		t.Error("no random structure needed a complementary suppression: the test does not exercise the engine")
	}
}

// TestRandomLakesPassTheAudit: 200 seeded random structures (a quarter of
// each adversarial shape), protected by the certificate-guided loop, pass
// the attacker audit: no primary cell narrower than 3 and no suppressed cell
// disclosed exactly. And every certificate is a table the attacker cannot
// rule out: the value it gives its primary cell lies inside the audit's
// interval (a certificate the solver got wrong would show here; AuditExact,
// whose intervals are the attacker's own).
func TestRandomLakesPassTheAudit(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 12))
	type lakeCase struct {
		s    *Structure
		hier []Hierarchy
	}
	var cases []lakeCase
	for i := 0; i < 200; i++ {
		s, hier, err := randomStructureWithHierarchy(rng, i%4)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, lakeCase{s, hier})
	}
	var certified, secondaries atomic.Int64
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			p, certs, err := protectCertified(c.s, c.hier, Rules{Threshold: 4}, 30)
			if err != nil {
				t.Fatal(err)
			}
			res, err := AuditExact(c.s, p, 4, 3, OneMark)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Failures {
				t.Errorf("shape %d: %s", i%4, f)
			}
			if d := exactlyDisclosed(c.s, p); len(d) > 0 {
				t.Errorf("shape %d: %s derivable", i%4, c.s.Cells[d[0]].Key)
			}
			for _, iv := range res.Intervals {
				if p.Marks[iv.Cell] != Primary {
					continue
				}
				certs, ok := certs[iv.Cell]
				if !ok {
					t.Fatalf("shape %d: %s has no certificate", i%4, c.s.Cells[iv.Cell].Key)
				}
				for _, cert := range certs {
					v := c.s.Cells[iv.Cell].Value + cert.sumOn(c.s.Cells[iv.Cell])
					if v < iv.Lo-1e-6 || (!iv.Unbounded && v > iv.Hi+1e-6) {
						t.Errorf("shape %d: a certificate puts %s at %v, outside the audit's [%v, %v]", i%4, c.s.Cells[iv.Cell].Key, v, iv.Lo, iv.Hi)
					}
				}
				certified.Add(1)
			}
			secondaries.Add(int64(p.Secondaries))
		})
	}
	t.Cleanup(func() {
		if certified.Load() < 200 || secondaries.Load() == 0 {
			t.Errorf("only %d certified primary cells and %d secondaries over 200 structures: the test does not exercise the engine", certified.Load(), secondaries.Load())
		}
	})
}

// TestRandomLakesFastAuditAgreesWithExact: on 200 seeded random structures
// (a quarter of each adversarial shape), protected as served and with one
// complement published again (a broken pattern), Audit's way — here on
// neighbourhoods of 4 atoms growing by 2, so that a structure of tens of
// atoms is not taken whole at once — gives the failures AuditExact gives,
// and every interval it decides on a neighbourhood lies inside
// AuditExact's.
func TestRandomLakesFastAuditAgreesWithExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 13))
	small := growth{start: 4, step: 2, atoms: 5000, rounds: 40}
	var onNeighbourhoods, brokenFailing atomic.Int64
	for i := 0; i < 200; i++ {
		s, hier, err := randomStructureWithHierarchy(rng, i%4)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			p, _, err := protectCertified(s, hier, Rules{Threshold: 4}, 30)
			if err != nil {
				t.Fatal(err)
			}
			patterns := []*Pattern{p}
			if c := slices.Index(p.Marks, Secondary); c >= 0 {
				broken := &Pattern{Marks: slices.Clone(p.Marks)}
				broken.Marks[c] = Published
				patterns = append(patterns, broken)
			}
			for k, q := range patterns {
				exact, err := AuditExact(s, q, 4, 3, OneMark)
				if err != nil {
					t.Fatal(err)
				}
				fast, err := newAuditor(s, q, 4, 3, OneMark, small).run()
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(fast.Failures, exact.Failures) {
					t.Errorf("pattern %d: failures %q, AuditExact's %q", k, fast.Failures, exact.Failures)
				}
				if k == 1 && len(exact.Failures) > 0 {
					brokenFailing.Add(1)
				}
				for j, iv := range fast.Intervals {
					ex := exact.Intervals[j]
					if iv.Cell != ex.Cell {
						t.Fatalf("pattern %d: interval %d is of cell %d, AuditExact's of %d", k, j, iv.Cell, ex.Cell)
					}
					if iv.Exact {
						continue
					}
					onNeighbourhoods.Add(1)
					if iv.Lo < ex.Lo-1e-6 || (!ex.Unbounded && (iv.Unbounded || iv.Hi > ex.Hi+1e-6)) {
						t.Errorf("pattern %d: %s in %+v, outside AuditExact's %+v", k, s.Cells[iv.Cell].Key, iv, ex)
					}
				}
			}
		})
	}
	t.Cleanup(func() {
		if onNeighbourhoods.Load() < 500 || brokenFailing.Load() < 20 {
			t.Errorf("%d intervals decided on neighbourhoods, %d broken patterns failing: the test does not exercise the audit", onNeighbourhoods.Load(), brokenFailing.Load())
		}
		t.Logf("%d intervals decided on neighbourhoods, %d broken patterns failing", onNeighbourhoods.Load(), brokenFailing.Load())
	})
}

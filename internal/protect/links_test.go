package protect

import (
	"testing"
)

// socialnamndenWomen2022 are the three primary cells of Socialnämnden's
// women in 2022 that the links between insatser and insatser_personer
// narrow when the two structures are protected apart: the persons with
// only SoL decisions, the SoL decisions, and those on hemtjänst (1 each).
var socialnamndenWomen2022 = []struct {
	part int
	key  string
}{
	{1, "namnd=socialnamnden|kon=K|lagrumsgrupp=endast_sol"},
	{0, "namnd=socialnamnden|insats=SoL|kon=K|aldersgrupp=*|regi=*|boendeform=*"},
	{0, "namnd=socialnamnden|insats=sol_hemtjanst|kon=K|aldersgrupp=*|regi=*|boendeform=*"},
}

// TestLinksNarrowSeparatePatterns reproduces the attack on the structure
// level: insatser and insatser_personer of 2022, each protected on its own,
// published side by side; with the links an attacker bounds the persons
// with only LSS from below by the decisions on bostad för vuxna (9) and so
// pins the three cells to [1, 3]. Protected as one system, the three keep
// exact intervals (over every atom of both structures, with the links) of
// width 3 or more.
func TestLinksNarrowSeparatePatterns(t *testing.T) {
	ps, err := BuildAll(sampleSource(t))
	if err != nil {
		t.Fatal(err)
	}
	systems, err := joinSystems(ps)
	if err != nil {
		t.Fatal(err)
	}
	var sys *system
	for _, s := range systems {
		if first := ps[s.parts[0]]; first.Name == "insatser" && first.Period.Year == 2022 {
			sys = s
		}
	}
	if sys == nil || len(sys.parts) != 2 || ps[sys.parts[1]].Name != "insatser_personer" {
		t.Fatal("insatser 2022 is not joined with insatser_personer 2022")
	}
	cells := make([]int, len(socialnamndenWomen2022))
	for j, c := range socialnamndenWomen2022 {
		i, ok := ps[sys.parts[c.part]].Structure.index[c.key]
		if !ok {
			t.Fatalf("no cell %s", c.key)
		}
		cells[j] = sys.cellStart[c.part] + i
		if v := sys.s.Cells[cells[j]].Value; v != 1 {
			t.Fatalf("%s holds %v, the attack assumes 1", c.key, v)
		}
	}
	r := Rules{Threshold: 4}

	apart := make([]*Pattern, len(ps))
	for _, i := range sys.parts {
		if apart[i], err = ProtectCertified(ps[i].Structure, ps[i].Hier, r, certifiedRounds); err != nil {
			t.Fatal(err)
		}
	}
	for j, iv := range exactIntervals(t, sys.s, sys.joinPatterns(apart), cells) {
		if iv.Width() >= 3-1e-6 {
			t.Errorf("protected apart, %s lies in [%v, %v]: the links should narrow it", socialnamndenWomen2022[j].key, iv.Lo, iv.Hi)
		}
		t.Logf("protected apart: %s in [%v, %v]", socialnamndenWomen2022[j].key, iv.Lo, iv.Hi)
	}

	joint, _, err := protectCertifiedRels(sys.s, sys.rels, r, certifiedRounds)
	if err != nil {
		t.Fatal(err)
	}
	for j, iv := range exactIntervals(t, sys.s, joint, cells) {
		if joint.Marks[cells[j]] != Primary {
			t.Fatalf("%s is not primary", socialnamndenWomen2022[j].key)
		}
		if iv.Width() < 3-1e-6 {
			t.Errorf("protected as one system, %s lies in [%v, %v], narrower than 3", socialnamndenWomen2022[j].key, iv.Lo, iv.Hi)
		}
		t.Logf("protected as one system: %s in [%v, %v]", socialnamndenWomen2022[j].key, iv.Lo, iv.Hi)
	}
}

// exactIntervals is the attacker's interval of each cell given the
// pattern: the programs over every free atom of the structure, with its
// links.
func exactIntervals(t *testing.T, s *Structure, p *Pattern, cells []int) []Interval {
	t.Helper()
	a := newAuditor(s, p, 4, 3, OneMark, growth{})
	res := &AuditResult{Intervals: make([]Interval, len(cells))}
	whole := make([]int, len(cells))
	for j := range whole {
		whole[j] = j
	}
	if err := a.solveWhole(cells, whole, res); err != nil {
		t.Fatal(err)
	}
	return res.Intervals
}

// TestCheckKeepsLinks: a certificate that keeps every cell's constraint
// but breaks a link is refused; one that keeps it passes.
func TestCheckKeepsLinks(t *testing.T) {
	// x is suppressed (1), y published (5); the link y - x >= 0
	s := handStructure([]float64{1, 5}, map[string][]int32{"x": {0}, "y": {1}})
	s.links = []linkAtoms{{atoms: []int32{0, 1}, coef: []float64{-1, 1}, slack: 4}}
	s.atomLinks = [][]atomLink{{{link: 0, coef: -1}}, {{link: 0, coef: 1}}}
	p := pattern(s, map[string]Mark{"x": Primary})
	ct := newCertifier(s, p, 3)
	if err := ct.check(certificate{atoms: []int32{0}, delta: []float64{4}}); err != nil {
		t.Errorf("x at 5 = y keeps the link: %v", err)
	}
	if err := ct.check(certificate{atoms: []int32{0}, delta: []float64{5}}); err == nil {
		t.Error("x at 6 > y breaks the link, yet the certificate passed")
	}
	certs, err := ct.prove(s.index["x"])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		if v := 1 + c.sumOn(s.Cells[s.index["x"]]); v > 5+tolerance {
			t.Errorf("a certificate moves x to %v, above y", v)
		}
	}
}

package protect

import (
	"errors"
	"slices"
	"testing"
)

// rectangle is a 2×2 table with its margins and total: atoms a11 a12 a21
// a22 in row-major order.
func rectangle(a11, a12, a21, a22 float64) *Structure {
	return handStructure([]float64{a11, a12, a21, a22}, map[string][]int32{
		"11": {0}, "12": {1}, "21": {2}, "22": {3},
		"r1": {0, 1}, "r2": {2, 3}, "c1": {0, 2}, "c2": {1, 3}, "total": {0, 1, 2, 3},
	})
}

var rectangleSuppressed = map[string]Mark{"11": Primary, "12": Secondary, "21": Secondary, "22": Secondary}

// TestCertificateOfARectangle: with the four inner cells of a 2×2 table
// suppressed, the primary 1 can rise by 3 (its row and column neighbours
// hold 5 and 4), and the certificate found is exactly such a table.
func TestCertificateOfARectangle(t *testing.T) {
	s := rectangle(1, 5, 4, 6)
	p := pattern(s, rectangleSuppressed)
	certs, err := newCertifier(s, p, 3).prove(s.index["11"])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"11": 3, "12": -3, "21": -3, "22": 3}
	for key, d := range want {
		if got := certs[0].sumOn(s.Cells[s.index[key]]); !near(got, d) {
			t.Errorf("the certificate moves %s by %v, want %v", key, got, d)
		}
	}
}

// TestNoCertificateWhenTheAttackerNarrows: with 2 in the primary's column,
// that cell (known to be at least 1) can give up only 1, and the primary 1
// cannot fall: the attacker's interval is [1, 2], and no certificate may
// claim otherwise.
func TestNoCertificateWhenTheAttackerNarrows(t *testing.T) {
	s := rectangle(1, 5, 2, 6)
	p := pattern(s, rectangleSuppressed)
	if _, err := newCertifier(s, p, 3).prove(s.index["11"]); !errors.Is(err, errNoCertificate) {
		t.Fatalf("got %v, want no certificate", err)
	}
	// and a width-1 requirement is met, by the one table [2 4; 1 7]
	certs, err := newCertifier(s, p, 1).prove(s.index["11"])
	if err != nil {
		t.Fatal(err)
	}
	if got := certs[0].sumOn(s.Cells[s.index["11"]]); !near(got, 1) {
		t.Errorf("the certificate moves the primary by %v, want 1", got)
	}
}

// TestCheckRejectsAForgedCertificate: a certificate that changes a
// published cell, takes an atom below zero or a suppressed cell below 1 is
// not accepted, whatever a solver returned.
func TestCheckRejectsAForgedCertificate(t *testing.T) {
	s := rectangle(1, 5, 4, 6)
	p := pattern(s, rectangleSuppressed)
	ct := newCertifier(s, p, 3)
	for name, c := range map[string]certificate{
		"changes row 1":      {atoms: []int32{0}, delta: []float64{3}},
		"atom below zero":    {atoms: []int32{0, 1, 2, 3}, delta: []float64{-2, 2, 2, -2}},
		"suppressed below 1": {atoms: []int32{0, 1, 2, 3}, delta: []float64{4, -4, -4, 4}},
	} {
		if err := ct.check(c); !errors.Is(err, errInvalidCertificate) {
			t.Errorf("%s: check says %v", name, err)
		}
	}
	if err := ct.check(certificate{atoms: []int32{0, 1, 2, 3}, delta: []float64{3, -3, -3, 3}}); err != nil {
		t.Errorf("a valid certificate is rejected: %v", err)
	}
}

// TestPublishUpdatesTheCertifier: pruning publishes secondary cells one at
// a time and updates the certifier instead of building it again; after
// every step it equals the one built afresh for the new pattern (a year
// of the sample's insatser, every secondary cell of its Gauss pattern
// published in turn, which pins ever more atoms).
func TestPublishUpdatesTheCertifier(t *testing.T) {
	s, hier := sampleInsatser2024(t)
	p := Protect(s, hier, Rules{Threshold: 4})
	q := &Pattern{Marks: slices.Clone(p.Marks)}
	ct := newCertifier(s, q, 3)
	pinnedBefore := pinnedCount(ct)
	steps := 0
	for i, m := range p.Marks {
		if m != Secondary {
			continue
		}
		q.Marks[i] = Published
		ct.publish(i)
		want := newCertifier(s, q, 3)
		for name, eq := range map[string]bool{
			"pinned":  slices.Equal(ct.pinned, want.pinned),
			"movable": slices.Equal(ct.movable, want.movable),
			"known":   slices.Equal(ct.known, want.known),
			"unknown": slices.Equal(ct.unknown, want.unknown),
			"inSupp":  slices.Equal(ct.inSupp, want.inSupp),
		} {
			if !eq {
				t.Fatalf("after publishing %s: %s differs from a new certifier's", s.Cells[i].Key, name)
			}
		}
		steps++
	}
	if steps < 50 || pinnedCount(ct) <= pinnedBefore {
		t.Fatalf("%d steps, %d -> %d atoms pinned: the test exercises nothing", steps, pinnedBefore, pinnedCount(ct))
	}
}

func pinnedCount(ct *certifier) int {
	n := 0
	for _, p := range ct.pinned {
		if p {
			n++
		}
	}
	return n
}

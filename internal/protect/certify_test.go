package protect

import (
	"errors"
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

package protect

import (
	"testing"

	"github.com/stockholm/insyn/internal/dataset"
)

// BenchmarkProtectSampleInsatser measures the pure-Go pattern (Gauss pass and
// per-relation widening) for one year of the sample lake's insatser.
func BenchmarkProtectSampleInsatser(b *testing.B) {
	s, hier := sampleInsatser2024(b)
	b.ResetTimer()
	for b.Loop() {
		Protect(s, hier, Rules{Threshold: 4})
	}
}

// BenchmarkBuildSampleInsatser measures building the structure of one year.
func BenchmarkBuildSampleInsatser(b *testing.B) {
	src := sampleSourceNoT()
	if src == nil {
		b.Fatal("cannot open testdata/lake")
	}
	for b.Loop() {
		if _, err := BuildInsatser(src["insatser"], "2024"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProtectCertifiedSampleInsatser measures the pattern the API
// serves (Protect, the certificate-guided loop, pruning) for one year of
// the sample lake's insatser.
func BenchmarkProtectCertifiedSampleInsatser(b *testing.B) {
	s, hier := sampleInsatser2024(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ProtectCertified(s, hier, Rules{Threshold: 4}, certifiedRounds); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditSampleInsatser measures the attacker audit (HiGHS) of that
// pattern.
func BenchmarkAuditSampleInsatser(b *testing.B) {
	s, hier := sampleInsatser2024(b)
	p, err := ProtectCertified(s, hier, Rules{Threshold: 4}, certifiedRounds)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Audit(s, p, 4, 3, OneMark); err != nil {
			b.Fatal(err)
		}
	}
}

// sampleInsatser2024 is the structure of the sample's insatser in 2024.
func sampleInsatser2024(tb testing.TB) (*Structure, []Hierarchy) {
	tb.Helper()
	src := sampleSourceNoT()
	if src == nil {
		tb.Fatal("cannot open testdata/lake")
	}
	s, err := BuildInsatser(src["insatser"], "2024")
	if err != nil {
		tb.Fatal(err)
	}
	_, hier, err := InsatserViews()
	if err != nil {
		tb.Fatal(err)
	}
	return s, hier
}

// BenchmarkProtectSampleLake measures the served patterns of the whole
// sample lake (every structure, on every core), as an ingest computes them.
// go test -run X -bench SampleLake -benchtime 1x ./internal/protect
func BenchmarkProtectSampleLake(b *testing.B) {
	src := sampleSourceNoT()
	if src == nil {
		b.Fatal("cannot open testdata/lake")
	}
	for b.Loop() {
		l, err := ProtectLake(src, dataset.Stockholm, Rules{Threshold: 4, ProtectionLevel: 3})
		if err != nil {
			b.Fatal(err)
		}
		var prim, sec int
		for _, p := range l.Patterns {
			prim += p.Primaries
			sec += p.Secondaries
		}
		b.ReportMetric(float64(len(l.Patterns)), "structures")
		b.ReportMetric(float64(prim), "primary")
		b.ReportMetric(float64(sec), "secondary")
	}
}

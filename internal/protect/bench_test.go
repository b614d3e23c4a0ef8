package protect

import "testing"

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
func sampleInsatser2024(b *testing.B) (*Structure, []Hierarchy) {
	src := sampleSourceNoT()
	if src == nil {
		b.Fatal("cannot open testdata/lake")
	}
	s, err := BuildInsatser(src["insatser"], "2024")
	if err != nil {
		b.Fatal(err)
	}
	_, hier, err := InsatserViews()
	if err != nil {
		b.Fatal(err)
	}
	return s, hier
}

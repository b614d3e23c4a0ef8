package protect

import "testing"

// BenchmarkProtectSampleInsatser measures the pure-Go pattern (Gauss pass and
// per-relation widening) for one year of the sample lake's insatser.
func BenchmarkProtectSampleInsatser(b *testing.B) {
	src := sampleSourceNoT()
	if src == nil {
		b.Fatal("cannot open testdata/lake")
	}
	s, err := BuildInsatser(src["insatser"], "2024")
	if err != nil {
		b.Fatal(err)
	}
	_, hier, _ := InsatserViews()
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

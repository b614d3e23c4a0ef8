package disclosure

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAuditDistrictInsatsKon audits a synthetic table of 12 districts ×
// 20 insatser × 2 sexes with every margin (13·21·3 = 819 cells over 480
// inner cells), about 5 % of the inner cells primary, complements chosen by
// protectLines (the smallest cell of each line left with one suppression).
func BenchmarkAuditDistrictInsatsKon(b *testing.B) {
	tb := syntheticTable(rand.New(rand.NewPCG(12, 20)), 12, 20, 2)
	p := primaries(tb.Structure, 4)
	protectLines(tb.Structure, tb.relations, p)
	for _, markers := range []Markers{OneMarker, DistinctMarkers} {
		b.Run(markers.String(), func(b *testing.B) {
			var rep *AuditReport
			for b.Loop() {
				var err error
				rep, err = Audit(tb.Structure, p, AuditOptions{Markers: markers})
				if err != nil {
					b.Fatal(err)
				}
			}
			st := rep.Stats
			b.ReportMetric(float64(len(rep.Intervals)), "suppressed")
			b.ReportMetric(float64(len(rep.Failures)), "failures")
			b.ReportMetric(float64(st.LPs), "LPs")
			b.ReportMetric(float64(st.LargestRows), "rows")
			b.ReportMetric(float64(st.LargestCols), "cols")
			b.Logf("%+v", st)
		})
	}
}

package disclosure

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkAudit audits synthetic tables of districts × 20 insatser × 2
// sexes with every margin — for 12 districts 13·21·3 = 819 cells over 480
// inner cells — about 5 % of the inner cells primary, complements added by
// protectAudited until the audit passes with one marker. With distinct
// markers the same pattern fails every primary cell (width at most t-2).
func BenchmarkAudit(b *testing.B) {
	for _, districts := range []int{12, 30} {
		tb := syntheticTable(rand.New(rand.NewPCG(12, 20)), districts, 20, 2)
		p := primaries(tb.Structure, 4)
		protectAudited(b, tb, p, AuditOptions{Markers: OneMarker})
		for _, markers := range []Markers{OneMarker, DistinctMarkers} {
			b.Run(fmt.Sprintf("%dx20x2/%s", districts, markers), func(b *testing.B) {
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
			})
		}
	}
}

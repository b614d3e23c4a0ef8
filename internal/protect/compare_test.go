package protect

import (
	"testing"

	"github.com/stockholm/insyn/internal/reports"
)

// TestEverySeedFigureHasAMark: every figure of the 29 seed tables rests on
// cells of the protected structures.
func TestEverySeedFigureHasAMark(t *testing.T) {
	l := protectedSample(t)
	for _, s := range l.Structures {
		i := 0
		for j, x := range l.Structures {
			if x == s {
				i = j
			}
		}
		t.Logf("%-30s %-10s %5d cells %5d atoms %4d primary %4d secondary", s.Name, s.Period, len(s.Structure.Cells), len(s.Structure.Atoms), l.Patterns[i].Primaries, l.Patterns[i].Secondaries)
	}
	specs, err := reports.Specs()
	if err != nil {
		t.Fatal(err)
	}
	printed, err := reports.LoadPrinted("../reports/printed")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range printed {
		spec := specs[p.ID]
		for r := range spec.Rows {
			for c := range spec.Cols {
				if _, err := l.FigureMark(spec, r, c); err != nil {
					t.Errorf("table %s row %q column %s: %v", p.ID, spec.Rows[r].Label, spec.Cols[c].Label, err)
				}
				n++
			}
		}
	}
	t.Logf("%d figures checked", n)
}

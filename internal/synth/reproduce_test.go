package synth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/reports"
)

const (
	deviationsFile = "../../testdata/reports/DEVIATIONS.md"
	threshold      = 4
)

// TestReproduction recomputes every seed table from the generated microdata
// and compares it cell by cell with the printed table. A cell may differ only
// where DEVIATIONS.md lists it with a reason, and every listed deviation must
// really differ.
func TestReproduction(t *testing.T) {
	m, e, genErr := Generate()
	if genErr != nil {
		t.Fatalf("generator: %v", genErr)
	}
	set, err := aggregate.Build(m, e)
	if err != nil {
		t.Fatal(err)
	}
	src := set.Source()
	printed, err := reports.Tables()
	if err != nil {
		t.Fatal(err)
	}
	specs, err := reports.Specs()
	if err != nil {
		t.Fatal(err)
	}
	devs, err := reports.LoadDeviations(deviationsFile)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]reports.Deviation{}
	for _, d := range devs {
		if _, dup := listed[d.Key()]; dup {
			t.Errorf("DEVIATIONS.md lists %s twice", d.Key())
		}
		listed[d.Key()] = d
	}
	var summary []string
	totalMatched, totalDeviating := 0, 0
	for _, p := range printed {
		t.Run(p.ID, func(t *testing.T) {
			spec, ok := specs[p.ID]
			if !ok {
				t.Fatalf("no spec for table %s", p.ID)
			}
			results, err := reports.Compare(p, spec, src, threshold)
			if err != nil {
				t.Fatal(err)
			}
			matched, deviating := 0, 0
			for _, r := range results {
				d, isListed := listed[r.Key()]
				switch {
				case r.Match && isListed:
					t.Errorf("%s is listed in DEVIATIONS.md but matches (printed %s)", r.Key(), r.Printed)
				case r.Match:
					matched++
				case !isListed:
					t.Errorf("%s: %s (not listed in DEVIATIONS.md)", r.Key(), r.Why)
				default:
					deviating++
					if got := reports.Format(r.Computed); d.Generated != got {
						t.Errorf("%s: DEVIATIONS.md says generated %q, the data give %q", r.Key(), d.Generated, got)
					}
				}
			}
			totalMatched += matched
			totalDeviating += deviating
			summary = append(summary, fmt.Sprintf("%-6s %4d cells matched, %2d deviating", p.ID, matched, deviating))
		})
	}
	for key := range listed {
		table := strings.SplitN(key, "|", 2)[0]
		if _, ok := specs[table]; !ok {
			t.Errorf("DEVIATIONS.md lists %s of unknown table %s", key, table)
		}
	}
	t.Logf("reproduction of the seed tables:\n%s\ntotal: %d cells matched, %d deviating (each listed in DEVIATIONS.md)",
		strings.Join(summary, "\n"), totalMatched, totalDeviating)
}

package synth

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/reports"
)

const (
	reportsDir     = "../../testdata/reports"
	deviationsFile = "../../testdata/reports/DEVIATIONS.md"
	threshold      = 4
)

// pendingTables are the seed tables whose generator is not finished (the
// insatser dataset; issue 3 stays open until this list is empty). They are
// compared and reported but do not fail the test; a pending table that
// reproduces fails it, so the list can only shrink.
var pendingTables = map[string]bool{
	"9:1": true, "9:2": true, "9:3": true, "9:4": true, "9:5": true, "9:6": true, "9:7": true, "9:8": true,
	"9:9": true, "9:10": true, "9:11": true, "9:12": true, "9:13": true, "9:14": true, "9:15": true,
	"9:22": true, "9:23": true,
}

// pendingDatasets may still fail to generate while their tables are pending.
var pendingDatasets = []string{"generate insatser:"}

// TestReproduction recomputes every seed table from the generated microdata
// and compares it cell by cell with the printed table. A cell may differ only
// where DEVIATIONS.md lists it with a reason, and every listed deviation must
// really differ.
func TestReproduction(t *testing.T) {
	m, e, genErr := Generate()
	if genErr != nil {
		for _, line := range strings.Split(genErr.Error(), "\n") {
			pending := false
			for _, p := range pendingDatasets {
				pending = pending || strings.HasPrefix(line, p)
			}
			if pending {
				t.Logf("pending: %s", line)
			} else {
				t.Errorf("generator: %s", line)
			}
		}
	}
	set, err := aggregate.Build(m, e)
	if err != nil {
		t.Fatal(err)
	}
	src := set.Source()
	printed, err := reports.LoadPrinted(reportsDir)
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
		if pendingTables[p.ID] {
			summary = append(summary, pendingSummary(p, specs[p.ID], src, listed))
			continue
		}
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
	sort.Strings(summary)
	for _, line := range summary {
		if strings.Contains(line, "REPRODUCES") {
			t.Errorf("%s", line)
		}
	}
	t.Logf("reproduction of the seed tables:\n%s\ntotal: %d cells matched, %d deviating (each listed in DEVIATIONS.md)",
		strings.Join(summary, "\n"), totalMatched, totalDeviating)
}

// pendingSummary compares a pending table without failing, and says how far
// it is from reproducing; it panics the test only through the caller's
// ratchet (a fully matching pending table).
func pendingSummary(p *reports.Printed, spec *reports.Spec, src reports.Source, listed map[string]reports.Deviation) string {
	if spec == nil {
		return fmt.Sprintf("%-6s pending: no spec yet", p.ID)
	}
	results, err := reports.Compare(p, spec, src, threshold)
	if err != nil {
		return fmt.Sprintf("%-6s pending: %v", p.ID, err)
	}
	matched, other := 0, 0
	for _, r := range results {
		if _, isListed := listed[r.Key()]; r.Match || isListed {
			matched++
		} else {
			other++
		}
	}
	if other == 0 {
		return fmt.Sprintf("%-6s REPRODUCES: remove it from pendingTables", p.ID)
	}
	return fmt.Sprintf("%-6s pending: %4d cells matched, %3d not yet", p.ID, matched, other)
}

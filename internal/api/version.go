package api

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/reports"
	"github.com/stockholm/insyn/internal/store"
)

// version is one lake version as the API serves it: the cubes, the marks
// of disclosure control, and what answers say about each dataset. A
// request reads one version from start to end, so no answer mixes two.
type version struct {
	snap *lake.Snapshot
	// cubes are read from the store when first needed.
	cubes *cubeSet
	disc  Disclosure
	// geo is what the nämnd codes of the version are (its manifest names
	// it): Stockholm's nämnder, or the municipalities of a national lake.
	geo      dataset.Geography
	datasets []*datasetState // in the order of datasetDefs

	// reports holds each seed table's answer, read from the stored
	// reports or computed when first asked.
	reports map[string]*lazy[*reportAnswer]
	// indexes are the cubes laid out for the table query.
	indexes *indexes
	// stored are the seed tables' answers the version stores, nil if it
	// stores none (storedreports.go).
	stored *lazy[*storedReportsFile]
	// pattern is the disclosure pattern, read on its own goroutine
	// (loadDisclosure); disc waits for it.
	pattern *lazy[Disclosure]
}

// datasetState is a dataset in one lake version.
type datasetState struct {
	def *datasetDef
	// version is the dataset's version in the manifest: it changes exactly
	// when the dataset's aggregates do.
	version string
	// source is the "Källa: …" line of the manifest.
	source string
	// periods are the periods with data, in order (reading the cube).
	periods *lazy[[]period]
}

// period is a year, or a quarter of one.
type period struct{ year, quarter int }

// code is how the API names the period: "2024" or "2024-Q2".
func (p period) code() string {
	if i := p.year - firstCodedYear; i >= 0 && i < len(periodCodes) && p.quarter >= 0 && p.quarter <= 4 {
		return periodCodes[i][p.quarter]
	}
	return p.makeCode()
}

func (p period) makeCode() string {
	if p.quarter > 0 {
		return fmt.Sprintf("%d-Q%d", p.year, p.quarter)
	}
	return strconv.Itoa(p.year)
}

// periodCodes are the codes of the years from firstCodedYear on and of
// their quarters ([1]–[4]), made once: every cell of a table has one.
var periodCodes = func() [][5]string {
	out := make([][5]string, 200)
	for i := range out {
		for q := range 5 {
			out[i][q] = period{year: firstCodedYear + i, quarter: q}.makeCode()
		}
	}
	return out
}()

const firstCodedYear = 1950

// label is how the reports print it: "2024" or "Kv 2 2024".
func (p period) label() string {
	if p.quarter > 0 {
		return fmt.Sprintf("Kv %d %d", p.quarter, p.year)
	}
	return strconv.Itoa(p.year)
}

// filter selects the period in a cube.
func (p period) filter() cube.Filter {
	f := cube.Filter{"ar": {strconv.Itoa(p.year)}}
	if p.quarter > 0 {
		f["kvartal"] = []string{strconv.Itoa(p.quarter)}
	}
	return f
}

func (p period) less(q period) bool {
	return p.year < q.year || (p.year == q.year && p.quarter < q.quarter)
}

// newVersion prepares a snapshot of lake.OpenLazy for serving: the marks
// of every cell the API may publish (its disclosure pattern, checked
// against the rules); the cubes are read from st when first needed.
func newVersion(snap *lake.Snapshot, st store.Store, rules Rules, rollupBytes int64, log *slog.Logger) (*version, error) {
	pattern, err := loadDisclosure(snap, rules)
	if err != nil {
		return nil, fmt.Errorf("api: disclosure control of lake version %s: %w", snap.Manifest.Version, err)
	}
	v, err := assemble(snap, newCubeSet(st, snap.Manifest, log), newMemo(lazyDisclosure{pattern}), newIndexes(rollupBytes), readStoredReports(snap, st, rules))
	if err != nil {
		return nil, err
	}
	v.pattern = pattern
	return v, nil
}

// withSnapshot is v for a snapshot of the same aggregates (only the
// manifest's raw files changed): cubes, marks, indexes and roll-ups are
// kept.
func (v *version) withSnapshot(snap *lake.Snapshot) (*version, error) {
	next, err := assemble(snap, v.cubes, v.disc, v.indexes, v.stored)
	if err != nil {
		return nil, err
	}
	next.pattern = v.pattern
	return next, nil
}

func assemble(snap *lake.Snapshot, cubes *cubeSet, disc Disclosure, idx *indexes, stored *lazy[*storedReportsFile]) (*version, error) {
	geo, err := dataset.LookupGeography(snap.Manifest.Geography)
	if err != nil {
		return nil, fmt.Errorf("api: lake version %s: %w", snap.Manifest.Version, err)
	}
	v := &version{snap: snap, cubes: cubes, disc: disc, geo: geo, reports: map[string]*lazy[*reportAnswer]{}, indexes: idx, stored: stored}
	for _, def := range defsByGeography[geo.Name] {
		ds := &datasetState{def: def, periods: newLazy(func() ([]period, error) { return cubes.periods(def.cube, def.quarterly) })}
		if m := snap.Manifest.Datasets[def.cube]; m != nil {
			ds.version, ds.source = m.Version, m.Source
		}
		if ds.source == "" {
			if info, ok := lake.LookupDataset(def.cube); ok {
				ds.source = info.Source
			}
		}
		v.datasets = append(v.datasets, ds)
	}
	specs, err := reports.Specs()
	if err != nil {
		return nil, err
	}
	for id := range specs {
		v.reports[id] = newLazy(func() (*reportAnswer, error) { return v.reportFrom(stored, id) })
	}
	return v, nil
}

// load reads every dataset of the version and its disclosure pattern, so
// that a version whose files are damaged is refused before it replaces
// the one served.
func (v *version) load() error {
	if v.pattern == nil {
		// a version of cubes already made (tests) has its pattern read
	} else if _, err := v.pattern.get(); err != nil {
		return fmt.Errorf("api: disclosure control of lake version %s: %w", v.lakeVersion(), err)
	}
	for _, name := range slices.Sorted(maps.Keys(v.cubes.by)) {
		if _, err := v.cubes.by[name].read(nil); err != nil {
			return err
		}
	}
	return nil
}

// periodCodes lists the codes of the dataset's periods ("2024",
// "2024-Q2").
func (ds *datasetState) periodCodes() ([]string, error) {
	periods, err := ds.periods.get()
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(periods))
	for i, p := range periods {
		codes[i] = p.code()
	}
	return codes, nil
}

// lakeVersion is the version of the whole lake (of every aggregate file).
func (v *version) lakeVersion() string { return v.snap.Manifest.Version }

func (v *version) dataset(name string) (*datasetState, bool) {
	for _, d := range v.datasets {
		if d.def.name == name {
			return d, true
		}
	}
	return nil, false
}

// periods lists the periods the cube called name has rows for, in order:
// a yearly cube's years are those the manifest lists rows for (reading
// none of them), a quarterly cube's quarters are read.
func (s *cubeSet) periods(name string, quarterly bool) ([]period, error) {
	if quarterly {
		yc, err := s.cubeYears(name)
		if err != nil {
			return nil, err
		}
		parts, err := yc.read(nil)
		if err != nil {
			return nil, err
		}
		var out []period
		for _, y := range slices.Sorted(maps.Keys(parts)) {
			out = append(out, quartersOf(parts[y].x)...)
		}
		return out, nil
	}
	yc, err := s.cubeYears(name)
	if err != nil {
		return nil, err
	}
	var out []period
	for _, y := range yc.years {
		if yc.rows[y] > 0 {
			out = append(out, period{year: y})
		}
	}
	return out, nil
}

// quartersOf lists the periods (year and quarter) an index of a
// quarterly cube has rows for, in order, from its code integers.
func quartersOf(x *cubeIndex) []period {
	ai, qi := slices.Index(x.dims, "ar"), slices.Index(x.dims, "kvartal")
	if ai < 0 {
		return nil
	}
	seen := map[[2]uint16]bool{}
	for r := range x.rows {
		k := [2]uint16{x.col[ai][r]}
		if qi >= 0 {
			k[1] = x.col[qi][r]
		}
		seen[k] = true
	}
	out := make([]period, 0, len(seen))
	for k := range seen {
		p := period{}
		p.year, _ = strconv.Atoi(x.codes[ai][k[0]])
		if qi >= 0 {
			p.quarter, _ = strconv.Atoi(x.codes[qi][k[1]])
		}
		out = append(out, p)
	}
	sortPeriods(out)
	return out
}

// sortPeriods sorts periods in time order.
func sortPeriods(out []period) {
	slices.SortFunc(out, func(a, b period) int {
		if a.less(b) {
			return -1
		}
		if b.less(a) {
			return 1
		}
		return 0
	})
}

// periodsOf lists the periods a cube has rows for, in order.
func periodsOf(c *cube.Cube, quarterly bool) []period {
	ai, qi := slices.Index(c.Dims, "ar"), slices.Index(c.Dims, "kvartal")
	seen := map[period]bool{}
	for _, r := range c.Rows {
		p := period{}
		p.year, _ = strconv.Atoi(r.Coords[ai])
		if quarterly && qi >= 0 {
			p.quarter, _ = strconv.Atoi(r.Coords[qi])
		}
		seen[p] = true
	}
	out := make([]period, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sortPeriods(out)
	return out
}

// created is when the lake version was built.
func (v *version) created() time.Time { return v.snap.Manifest.Created }

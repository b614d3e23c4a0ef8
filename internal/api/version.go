package api

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/reports"
)

// version is one lake version as the API serves it: the cubes, the marks
// of disclosure control, and what answers say about each dataset. A
// request reads one version from start to end, so no answer mixes two.
type version struct {
	snap *lake.Snapshot
	src  cube.Source
	disc Disclosure
	// geo is what the nämnd codes of the version are (its manifest names
	// it): Stockholm's nämnder, or the municipalities of a national lake.
	geo      dataset.Geography
	datasets []*datasetState // in the order of datasetDefs

	// reports holds each seed table's answer, computed when first asked.
	reports map[string]*reportSlot
	// indexes are the cubes laid out for the table query.
	indexes *indexes
}

// datasetState is a dataset in one lake version.
type datasetState struct {
	def *datasetDef
	// version is the dataset's version in the manifest: it changes exactly
	// when the dataset's aggregates do.
	version string
	// source is the "Källa: …" line of the manifest.
	source  string
	periods []period
}

type reportSlot struct {
	once   sync.Once
	answer *reportAnswer
	err    error
}

// period is a year, or a quarter of one.
type period struct{ year, quarter int }

// code is how the API names the period: "2024" or "2024-Q2".
func (p period) code() string {
	if p.quarter > 0 {
		return fmt.Sprintf("%d-Q%d", p.year, p.quarter)
	}
	return strconv.Itoa(p.year)
}

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

// newVersion prepares a snapshot for serving: its cubes and the marks of
// every cell the API may publish.
func newVersion(snap *lake.Snapshot, rules Rules) (*version, error) {
	// The cubes are all the API reads: each table is let go once its cube
	// is built, rather than staying beside the cubes (85 MB at national
	// scale).
	src := snap.Set.Drain()
	light := *snap
	light.Set = nil
	snap = &light
	disc, err := loadDisclosure(snap, src, rules)
	if err != nil {
		return nil, fmt.Errorf("api: disclosure control of lake version %s: %w", snap.Manifest.Version, err)
	}
	return assemble(snap, src, newMemo(disc))
}

// withSnapshot is v for a snapshot of the same aggregates (only the
// manifest's raw files changed): cubes and marks are kept.
func (v *version) withSnapshot(snap *lake.Snapshot) (*version, error) {
	return assemble(snap, v.src, v.disc)
}

func assemble(snap *lake.Snapshot, src cube.Source, disc Disclosure) (*version, error) {
	geo, err := dataset.LookupGeography(snap.Manifest.Geography)
	if err != nil {
		return nil, fmt.Errorf("api: lake version %s: %w", snap.Manifest.Version, err)
	}
	v := &version{snap: snap, src: src, disc: disc, geo: geo, reports: map[string]*reportSlot{}, indexes: &indexes{by: map[string]*indexSlot{}}}
	for _, def := range defsByGeography[geo.Name] {
		c, err := src.Get(def.cube)
		if err != nil {
			return nil, fmt.Errorf("api: lake version %s: %w", snap.Manifest.Version, err)
		}
		ds := &datasetState{def: def, periods: periodsOf(c, def.quarterly)}
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
		v.reports[id] = &reportSlot{}
	}
	return v, nil
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
	slices.SortFunc(out, func(a, b period) int {
		if a.less(b) {
			return -1
		}
		if b.less(a) {
			return 1
		}
		return 0
	})
	return out
}

// created is when the lake version was built.
func (v *version) created() time.Time { return v.snap.Manifest.Created }

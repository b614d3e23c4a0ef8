package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"testing/fstest"

	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/reports"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// The seed tables' answers are the same on every instance that serves a
// lake version: they are computed where the version is written
// (ComputeReports, called by the generator and the ingest), stored in the
// version (lake.Manifest.Reports) and served from there, so a cold
// instance answers a seed table without reading the datasets it sums.
// A version without them has its seed tables computed when first asked.

// storedReportsFormat names the layout of a stored reports file.
const storedReportsFormat = "insyn.reports.1"

// storedReports is the stored reports file.
type storedReports struct {
	Format string `json:"format"`
	// Threshold is that of the disclosure pattern the marks come from.
	Threshold int                      `json:"threshold"`
	Reports   map[string]*storedReport `json:"reports"`
}

// storedReportsFile is the stored reports file as read: each table's
// answer is decoded when it is asked for.
type storedReportsFile struct {
	Format    string                     `json:"format"`
	Threshold int                        `json:"threshold"`
	Reports   map[string]json.RawMessage `json:"reports"`
}

// storedReport is one seed table's answer, without what its printed
// layout (reports.Tables) and the manifest say.
type storedReport struct {
	// Datasets are the cubes the table reads (datasetDef.cube).
	Datasets  []string `json:"datasets"`
	Footnotes []string `json:"footnotes"`
	// Rows hold, per printed row and column, the figure; null where
	// the layout leaves the position empty.
	Rows [][]*storedCell `json:"rows"`
}

// storedCell is a figure and its unit.
type storedCell struct {
	Value float64  `json:"v"`
	Mark  markCode `json:"m"`
	Unit  string   `json:"u,omitempty"`
}

// ComputeReports computes the answer of every seed table of the lake
// version v, from its aggregates and under its disclosure pattern (set
// it first), as the file v stores them in: give the result to
// v.SetReports. Equal versions give equal bytes.
func ComputeReports(ctx context.Context, v *lake.Version) ([]byte, error) {
	fsys := fstest.MapFS{lake.ManifestKey: &fstest.MapFile{Data: v.ManifestJSON}}
	for key, data := range v.Files {
		fsys[key] = &fstest.MapFile{Data: data}
	}
	st := fsstore.New(fsys)
	snap, err := lake.OpenLazy(ctx, st)
	if err != nil {
		return nil, err
	}
	if snap.Disclosure == nil {
		return nil, fmt.Errorf("api: reports of lake version %s: it has no disclosure pattern yet (SetDisclosure first)", snap.Manifest.Version)
	}
	_, rules, err := protect.UnmarshalLake(snap.Disclosure)
	if err != nil {
		return nil, err
	}
	ver, err := newVersion(snap, st, Rules{Threshold: rules.Threshold}, -1, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	out := storedReports{Format: storedReportsFormat, Threshold: rules.Threshold, Reports: map[string]*storedReport{}}
	for _, id := range reportIDs() {
		if !ver.geo.IsDefault() && slices.Contains(byNamnd(), id) {
			continue // refused in this geography
		}
		ans, err := ver.buildReport(id)
		if err != nil {
			return nil, fmt.Errorf("api: seed table %s: %w", id, err)
		}
		r := &storedReport{Datasets: []string{}, Footnotes: ans.footnotes, Rows: make([][]*storedCell, len(ans.rows))}
		for _, ds := range ans.datasets {
			r.Datasets = append(r.Datasets, ds.def.cube)
		}
		for i, row := range ans.rows {
			r.Rows[i] = make([]*storedCell, len(row.cells))
			for c, cell := range row.cells {
				if cell != nil {
					r.Rows[i][c] = &storedCell{Value: cell.fig.value, Mark: cell.fig.mark, Unit: cell.unit}
				}
			}
		}
		out.Reports[id] = r
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("api: encode reports: %w", err)
	}
	return buf.Bytes(), nil
}

// StoreReports computes the seed tables' answers of v (ComputeReports)
// and stores them in v: what a writer of a lake version calls after
// v.SetDisclosure. A version whose pattern has no format (the
// placeholders of tests and of benchmarks that time an ingest alone) is
// left without them; the API computes its seed tables when asked.
func StoreReports(ctx context.Context, v *lake.Version) error {
	if f := v.Manifest.Disclosure; f != nil {
		if head, err := patternHead(v.Files[f.Key]); err == nil && head.Format == "" {
			return nil
		}
	}
	data, err := ComputeReports(ctx, v)
	if err != nil {
		return err
	}
	return v.SetReports(data)
}

// readStoredReports returns a loader of the reports the manifest of snap
// lists (nil when it lists none), read from st when a seed table is
// first asked for.
func readStoredReports(snap *lake.Snapshot, st store.Store, rules Rules) *lazy[*storedReportsFile] {
	f := snap.Manifest.Reports
	if f == nil {
		return nil
	}
	return newLazy(func() (*storedReportsFile, error) {
		ctx, cancel := context.WithTimeout(context.Background(), datasetTimeout)
		defer cancel()
		data, err := lake.ReadFile(ctx, st, *f)
		if err != nil {
			return nil, fmt.Errorf("api: lake version %s: %w", snap.Manifest.Version, err)
		}
		var s storedReportsFile
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("api: lake version %s: %s: %w", snap.Manifest.Version, f.Key, err)
		}
		switch {
		case s.Format != storedReportsFormat:
			return nil, fmt.Errorf("api: lake version %s: %s has format %q, this build reads %q", snap.Manifest.Version, f.Key, s.Format, storedReportsFormat)
		case s.Threshold != rules.Threshold:
			return nil, fmt.Errorf("api: lake version %s: %s was computed with threshold %d, the disclosure rules say %d", snap.Manifest.Version, f.Key, s.Threshold, rules.Threshold)
		}
		return &s, nil
	})
}

// reportFrom returns the seed table id from the stored reports when they hold
// it, and computes it otherwise.
func (v *version) reportFrom(stored *lazy[*storedReportsFile], id string) (*reportAnswer, error) {
	if stored == nil {
		return v.buildReport(id)
	}
	s, err := stored.get()
	if err != nil {
		return nil, err
	}
	raw, ok := s.Reports[id]
	if !ok {
		return v.buildReport(id)
	}
	var r storedReport
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("api: lake version %s: stored seed table %s: %w", v.lakeVersion(), id, err)
	}
	p, err := reports.Table(id)
	if err != nil {
		return nil, fmt.Errorf("api: seed table %s: %w", id, err)
	}
	bad := func(what string, args ...any) error {
		return fmt.Errorf("api: lake version %s: stored seed table %s: %s does not fit its printed layout", v.lakeVersion(), id, fmt.Sprintf(what, args...))
	}
	if len(r.Rows) != len(p.Rows) {
		return nil, bad("%d rows", len(r.Rows))
	}
	ans := &reportAnswer{printed: p, footnotes: r.Footnotes, rows: make([]reportRow, len(p.Rows))}
	for i, row := range p.Rows {
		if len(r.Rows[i]) != len(row.Cells) {
			return nil, bad("row %q with %d cells", row.Label, len(r.Rows[i]))
		}
		out := reportRow{label: row.Label, marker: row.Marker, cells: make([]*reportCell, len(row.Cells))}
		for c, sc := range r.Rows[i] {
			if (sc == nil) != (row.Cells[c] == nil) || (sc != nil && int(sc.Mark) >= len(markNames)) {
				return nil, bad("row %q column %d", row.Label, c)
			}
			if sc != nil {
				out.cells[c] = &reportCell{fig: figure{value: sc.Value, mark: sc.Mark}, unit: sc.Unit}
				ans.cells++
			}
		}
		ans.rows[i] = out
	}
	for _, ds := range v.datasets {
		if slices.Contains(r.Datasets, ds.def.cube) {
			ans.datasets = append(ans.datasets, ds)
		}
	}
	return ans, nil
}

package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/stockholm/insyn/internal/aggregate"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/store"
)

// ErrCorrupt means a data file is not what the manifest says: another size
// or SHA-256, or columns that are not those of the format. Publishing the
// version again repairs damaged files.
var ErrCorrupt = errors.New("file does not match the manifest")

// Snapshot is one published lake version as read: its manifest, the
// manifest's ETag and every aggregate table.
type Snapshot struct {
	// Manifest is the manifest the tables were read from.
	Manifest *Manifest
	// ETag is the manifest object's ETag: pass it to Publish as prevETag,
	// and Refresh uses it to ask whether the manifest changed.
	ETag string
	// Set holds every aggregate table by year. Datasets without files have
	// empty maps. It is nil in a snapshot of OpenLazy: ReadDatasetYear
	// reads a dataset's tables of a year.
	Set *aggregate.Set
	// Disclosure is the stored disclosure pattern, nil if the version has
	// none.
	Disclosure []byte
	// lazy is whether the snapshot came from OpenLazy (Refresh keeps it).
	lazy bool
}

// ReadManifest reads and checks manifest.json. When the lake has no
// manifest yet, the error wraps store.ErrNotFound.
func ReadManifest(ctx context.Context, st store.Store) (*Manifest, store.Attrs, error) {
	return readManifest(ctx, st, "")
}

func readManifest(ctx context.Context, st store.Store, ifNoneMatch string) (*Manifest, store.Attrs, error) {
	rc, attrs, err := st.Get(ctx, ManifestKey, store.GetOptions{IfNoneMatch: ifNoneMatch})
	if err != nil {
		return nil, store.Attrs{}, fmt.Errorf("lake: read %s: %w", ManifestKey, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, store.Attrs{}, fmt.Errorf("lake: read %s: %w", ManifestKey, err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, store.Attrs{}, err
	}
	return m, attrs, nil
}

// Open reads the published version: the manifest, then every aggregate file
// it lists, each checked against the manifest's size and SHA-256 and against
// the format's columns. It reads nothing under raw/, so it works with
// read access to manifest.json and aggregates/ only. Datasets this build
// does not know are skipped, so an older reader keeps working while a new
// dataset is rolled out.
func Open(ctx context.Context, st store.Store) (*Snapshot, error) {
	m, attrs, err := ReadManifest(ctx, st)
	if err != nil {
		return nil, err
	}
	return open(ctx, st, m, attrs.ETag, false)
}

// OpenLazy reads the published version's manifest and disclosure pattern,
// checked as Open checks them, and none of its data files: the snapshot's
// Set is nil, and ReadDatasetYear reads a dataset's files of a year, with
// Open's checks, when a reader needs them. A reader that needs a few
// datasets and years at a time (the API) starts faster; a damaged data
// file is then reported by ReadDatasetYear rather than by OpenLazy.
func OpenLazy(ctx context.Context, st store.Store) (*Snapshot, error) {
	m, attrs, err := ReadManifest(ctx, st)
	if err != nil {
		return nil, err
	}
	return open(ctx, st, m, attrs.ETag, true)
}

// ReadDatasetYear reads the aggregate files m lists for dataset name and
// year (the year partition, File.Ar), checked as Open checks them (size,
// SHA-256, columns, rows), into a Set that holds that dataset's tables of
// that year only: a reader that needs a year reads its files only.
func ReadDatasetYear(ctx context.Context, st store.Store, m *Manifest, name string, year int) (*aggregate.Set, error) {
	keep := func(f File) bool { return f.Ar == year }
	s := emptySet()
	tables := aggregateTables(s)
	i := slices.IndexFunc(tables, func(t table) bool { return t.dataset == name })
	if i < 0 {
		return nil, fmt.Errorf("lake: no aggregate dataset %q", name)
	}
	if err := readFiles(ctx, st, m, tables[i:i+1], false, keep); err != nil {
		return nil, err
	}
	return s, nil
}

// emptySet is a Set with an empty map for every dataset.
func emptySet() *aggregate.Set {
	return &aggregate.Set{
		Insatser: map[int][]v1.InsatsCell{}, Personer: map[int][]v1.PersonCell{},
		Beslut: map[int][]v1.BeslutCell{}, EjVerkstallda: map[int][]v1.EjVerkstalltCell{},
		KBF: map[int][]v1.KBFCell{}, Lov: map[int][]v1.LovCell{},
		Befolkning: map[int][]v1.BefolkningCell{}, SFB: map[int][]v1.SFBCell{},
	}
}

func open(ctx context.Context, st store.Store, m *Manifest, etag string, lazy bool) (*Snapshot, error) {
	snap := &Snapshot{Manifest: m, ETag: etag, lazy: lazy}
	if !lazy {
		snap.Set = emptySet()
		if err := readTables(ctx, st, m, aggregateTables(snap.Set), false); err != nil {
			return nil, err
		}
	}
	if f := m.Disclosure; f != nil {
		data, err := fetch(ctx, st, f.Key)
		if err != nil {
			return nil, fmt.Errorf("lake: disclosure: %w", err)
		}
		if err := checkFile(*f, data); err != nil {
			return nil, fmt.Errorf("lake: disclosure: %s: %w", f.Key, err)
		}
		snap.Disclosure = data
	}
	return snap, nil
}

// ReadFile reads a file m lists (the stored reports, say), checked
// against its size and SHA-256.
func ReadFile(ctx context.Context, st store.Store, f File) ([]byte, error) {
	data, err := fetch(ctx, st, f.Key)
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	if err := checkFile(f, data); err != nil {
		return nil, fmt.Errorf("lake: %s: %w", f.Key, err)
	}
	return data, nil
}

// Refresh returns the currently published version, reading only what
// changed: s itself when the manifest is unchanged (a conditional GET), a
// snapshot sharing s's tables when only the raw files changed, and a fresh
// Open otherwise (OpenLazy, if s came from it).
func (s *Snapshot) Refresh(ctx context.Context, st store.Store) (*Snapshot, error) {
	m, attrs, err := readManifest(ctx, st, s.ETag)
	if errors.Is(err, store.ErrNotModified) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	if m.Version == s.Manifest.Version {
		return &Snapshot{Manifest: m, ETag: attrs.ETag, Set: s.Set, Disclosure: s.Disclosure, lazy: s.lazy}, nil
	}
	return open(ctx, st, m, attrs.ETag, s.lazy)
}

// ReadRaw reads the microdata files listed in m (under raw/, readable by
// the ingest function only), checked like Open checks aggregates.
func ReadRaw(ctx context.Context, st store.Store, m *Manifest) (*aggregate.Microdata, error) {
	md := &aggregate.Microdata{
		Insatser: map[int][]v1.Insats{}, Beslut: map[int][]v1.Beslut{},
		EjVerkstallda: map[int][]v1.EjVerkstallt{}, KBF: map[int][]v1.KBF{},
	}
	if err := readTables(ctx, st, m, rawTables(md), true); err != nil {
		return nil, err
	}
	return md, nil
}

// readTables fetches the files of the tables' datasets in parallel, then
// checks and decodes them in manifest order.
func readTables(ctx context.Context, st store.Store, m *Manifest, tables []table, raw bool) error {
	return readFiles(ctx, st, m, tables, raw, func(File) bool { return true })
}

// readFiles is readTables for the files keep keeps.
func readFiles(ctx context.Context, st store.Store, m *Manifest, tables []table, raw bool, keep func(File) bool) error {
	type job struct {
		t    table
		f    File
		data []byte
	}
	var jobs []*job
	for _, t := range tables {
		d := m.Datasets[t.dataset]
		if d == nil {
			continue
		}
		files := d.Files
		if raw {
			files = d.Raw
		}
		for _, f := range files {
			if keep(f) {
				jobs = append(jobs, &job{t: t, f: f})
			}
		}
	}
	err := forEach(ctx, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		data, err := fetch(ctx, st, j.f.Key)
		if err != nil {
			return fmt.Errorf("lake: dataset %s: %w", j.t.dataset, err)
		}
		j.data = data
		return nil
	})
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if err := checkFile(j.f, j.data); err != nil {
			return fmt.Errorf("lake: dataset %s: %s: %w", j.t.dataset, j.f.Key, err)
		}
		k, err := ParseKey(j.f.Key)
		if err != nil {
			return fmt.Errorf("lake: dataset %s: %w", j.t.dataset, err)
		}
		rows, err := j.t.decode(k.Year, j.data)
		if errors.Is(err, errColumn) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		if err != nil {
			return fmt.Errorf("lake: dataset %s: %s: %w", j.t.dataset, j.f.Key, err)
		}
		if rows != j.f.Rows {
			return fmt.Errorf("lake: dataset %s: %s: %w: %d rows, the manifest says %d", j.t.dataset, j.f.Key, ErrCorrupt, rows, j.f.Rows)
		}
	}
	return nil
}

// fetch reads a whole object; a missing one is reported as a manifest
// naming a file the store does not hold.
func fetch(ctx context.Context, st store.Store, key string) ([]byte, error) {
	rc, _, err := st.Get(ctx, key, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%s lists %s, which the store does not hold: %w", ManifestKey, key, err)
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return data, nil
}

// checkFile compares a file's bytes with its manifest entry.
func checkFile(f File, data []byte) error {
	if int64(len(data)) != f.Bytes {
		return fmt.Errorf("%w: %d bytes, the manifest says %d", ErrCorrupt, len(data), f.Bytes)
	}
	if got := sha256Hex(data); got != f.SHA256 {
		return fmt.Errorf("%w: sha256 is %s, the manifest says %s", ErrCorrupt, got, f.SHA256)
	}
	return nil
}

// parallelism bounds the concurrent requests to the store: enough to hide
// S3 latency on a cold start, few enough to stay polite.
const parallelism = 8

// forEach runs fn for 0..n-1 on up to parallelism goroutines and returns
// the first error; after an error, work not yet started is skipped.
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(n, parallelism) {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel(err) })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

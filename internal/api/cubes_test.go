package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// recordingStore counts the reads of each data file and can fail the
// next read of one dataset's files.
type recordingStore struct {
	store.Store
	mu    sync.Mutex
	reads map[string]int // key -> reads that succeeded
	fail  string         // a dataset whose next read fails
}

func (s *recordingStore) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	k, err := lake.ParseKey(key)
	if err != nil { // the manifest, the disclosure pattern
		return s.Store.Get(ctx, key, opts)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k.Dataset == s.fail {
		s.fail = ""
		return nil, store.Attrs{}, &store.Error{Op: "get", Key: key, Err: errors.New("connection reset by peer")}
	}
	rc, attrs, err := s.Store.Get(ctx, key, opts)
	if err == nil {
		s.reads[key]++
	}
	return rc, attrs, err
}

// datasets lists the datasets whose files were read.
func (s *recordingStore) datasets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for key := range s.reads {
		k, _ := lake.ParseKey(key)
		seen[k.Dataset] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// copySample copies the sample lake to a directory store.
func copySample(t *testing.T) (store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, insyn.SampleLake()); err != nil {
		t.Fatal(err)
	}
	st, err := dirstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

// TestDatasetsReadWhenNeeded: opening a lake reads its manifest and
// disclosure pattern only; a request reads the datasets and years it
// needs (a table of 2024 the 2024 file, a range the files of its years),
// each file once however many requests need it at the same moment; a read
// that fails is tried again by the next request; a damaged file fails the
// requests that need its year, saying why in the log, and no others.
func TestDatasetsReadWhenNeeded(t *testing.T) {
	ctx := context.Background()
	st, dir := copySample(t)
	rec := &recordingStore{Store: st, reads: map[string]int{}}
	// Requests log before they are answered: the test reads the log
	// between requests.
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	l, err := OpenLake(ctx, rec, LakeOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if read := rec.datasets(); len(read) > 0 {
		t.Errorf("opening the lake read the data files of %v", read)
	}
	h, err := NewHandler(l, HandlerOptions{Logger: log, AnswerCacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	answer := func(q string) answer {
		t.Helper()
		return decode(t, post(t, h, q, nil))
	}

	if a := answer(`{ table(dataset: "kbf", measure: PERSONS, period: "2024", groupBy: ["kon"]) { cells { display } } }`); len(a.Errors) > 0 {
		t.Fatal(a.Errors)
	}
	if read := rec.datasets(); !slices.Equal(read, []string{"kbf"}) {
		t.Errorf("a KBF table read the datasets %v", read)
	}

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			q := `{ table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], totals: ` + []string{"true", "false"}[i%2] + `) { cells { display } } }`
			if a := answer(q); len(a.Errors) > 0 {
				t.Error(a.Errors)
			}
		})
	}
	wg.Wait()
	version := l.Version()
	insatser := l.cur.Load().snap.Manifest.Datasets["insatser"].Files
	for _, f := range insatser {
		if want := map[bool]int{true: 1}[f.Ar == 2024]; rec.reads[f.Key] != want {
			t.Errorf("%s was read %d times by 8 requests at once for 2024, want %d", f.Key, rec.reads[f.Key], want)
		}
	}
	// A range reads the years it spans, each once, the one read before
	// not again.
	var wide sync.WaitGroup
	for range 4 {
		wide.Go(func() {
			if a := answer(`{ table(dataset: "insatser", measure: DECISIONS, period: "2022/2024", groupBy: ["kon"]) { cells { display } } }`); len(a.Errors) > 0 {
				t.Error(a.Errors)
			}
		})
	}
	wide.Wait()
	for _, f := range insatser {
		if rec.reads[f.Key] != 1 {
			t.Errorf("%s was read %d times after a range of years, want once", f.Key, rec.reads[f.Key])
		}
	}
	if read := rec.datasets(); !slices.Equal(read, []string{"insatser", "kbf"}) {
		t.Errorf("listing no periods, the tables read the datasets %v", read)
	}

	rec.mu.Lock()
	rec.fail = "befolkning"
	rec.mu.Unlock()
	rate := `{ table(dataset: "insatser", measure: RATE_PER_10000, period: "2024", groupBy: ["namnd"], filter: [{dimension: "insats", codes: ["personlig_assistans"]}]) { cells { display } } }`
	if a := answer(rate); len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != CodeInternal {
		t.Errorf("with the population's file failing: %+v", a)
	}
	if a := answer(rate); len(a.Errors) > 0 {
		t.Errorf("the next request did not read the population again: %+v", a.Errors)
	}

	// lov's 2023 file damaged: the tables of 2023 fail, saying which
	// file and how; those of 2024 and other datasets are answered.
	var lov string
	for _, f := range l.cur.Load().snap.Manifest.Datasets["lov"].Files {
		if f.Ar == 2023 {
			lov = f.Key
		}
	}
	path := filepath.Join(dir, filepath.FromSlash(lov))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, period := range []string{"2023", "2022/2024"} {
		if a := answer(`{ table(dataset: "lov", measure: PROVIDERS, period: "` + period + `") { cells { display } } }`); len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != CodeInternal {
			t.Errorf("a damaged file answered %s: %+v", period, a)
		}
	}
	if !strings.Contains(logs.String(), "dataset lov: "+lov) || !strings.Contains(logs.String(), "sha256 is") {
		t.Errorf("the log does not say which file is damaged and how:\n%s", logs.String())
	}
	for _, q := range []string{
		`{ table(dataset: "lov", measure: PROVIDERS, period: "2024") { cells { display } } }`,
		`{ table(dataset: "sfb", measure: PERSONS, period: "2024") { cells { display } } }`,
		`{ report(id: "9:3") { rows { cells { display } } } }`,
	} {
		if a := answer(q); len(a.Errors) > 0 {
			t.Errorf("with lov's file damaged, %s: %+v", q, a.Errors)
		}
	}
	if version != l.Version() {
		t.Error("the version changed")
	}
}

// TestRefreshRefusesDamagedVersion: a new version is read whole before it
// replaces the one served: one with a damaged file is refused (the held
// version is served on), and taken once the file is repaired.
func TestRefreshRefusesDamagedVersion(t *testing.T) {
	ctx := context.Background()
	st, dir := copySample(t)
	l, err := OpenLake(ctx, st, LakeOptions{RefreshInterval: time.Hour, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	held := l.cur.Load()
	_, attrs, err := lake.ReadManifest(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	next := encodeSet(t, withMoreKBF(t, sampleSet(t), 10), lake.SampleCreated.Add(time.Hour))
	publish(t, st, next, attrs.ETag)
	var changed string
	for _, f := range next.Manifest.Datasets["kbf"].Files {
		if !slices.ContainsFunc(held.snap.Manifest.Datasets["kbf"].Files, func(g lake.File) bool { return g.Key == f.Key }) {
			changed = f.Key
		}
	}
	path := filepath.Join(dir, filepath.FromSlash(changed))
	if err := os.WriteFile(path, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	l.checked.Store(0)
	if v := l.current(ctx); v != held {
		t.Fatalf("a version with a damaged file replaced the one served (%s)", v.lakeVersion())
	}
	if err := os.WriteFile(path, next.Files[changed], 0o644); err != nil {
		t.Fatal(err)
	}
	l.checked.Store(0)
	if v := l.current(ctx); v.lakeVersion() != next.Manifest.Version {
		t.Errorf("the repaired version is not served: %s", v.lakeVersion())
	}
}

// TestSeedTablesReadTheirYears: a seed table of a version that stores
// none reads the files of the cubes and years its specification names,
// and no others; of a version that stores them, the stored reports only.
func TestSeedTablesReadTheirYears(t *testing.T) {
	for _, c := range []struct {
		id   string
		want []string // dataset/year of the files read
	}{
		{"9:19", []string{"kbf/2024"}},
		{"9:13", []string{"befolkning/2024", "insatser/2024"}},
		{"9:11", []string{"insatser/2023", "insatser/2024"}},
	} {
		stored, _ := copySample(t)
		for _, s := range []struct {
			st   store.Store
			want []string
		}{{sampleWithoutReports(t), c.want}, {stored, nil}} {
			rec := &recordingStore{Store: s.st, reads: map[string]int{}}
			l, err := OpenLake(context.Background(), rec, LakeOptions{Logger: discardLogger()})
			if err != nil {
				t.Fatal(err)
			}
			h, err := NewHandler(l, HandlerOptions{Logger: discardLogger(), AnswerCacheBytes: -1})
			if err != nil {
				t.Fatal(err)
			}
			if a := decode(t, post(t, h, `{ report(id: "`+c.id+`") { rows { cells { display } } } }`, nil)); len(a.Errors) > 0 {
				t.Fatalf("%s: %+v", c.id, a.Errors)
			}
			var got []string
			for key := range rec.reads {
				if k, err := lake.ParseKey(key); err == nil {
					got = append(got, k.Dataset+"/"+strconv.Itoa(k.Year))
				}
			}
			slices.Sort(got)
			if got = slices.Compact(got); !slices.Equal(got, s.want) {
				t.Errorf("table %s read %v, want %v", c.id, got, s.want)
			}
		}
	}
}

// TestPeriodsFromManifest: a dataset's periods, from the manifest for a
// yearly one (reading no file), are those its cube has rows for.
func TestPeriodsFromManifest(t *testing.T) {
	v := sampleHandler(t).lake.cur.Load()
	for _, ds := range v.datasets {
		got, err := ds.periods.get()
		if err != nil {
			t.Fatal(err)
		}
		c, err := v.cubes.get(ds.def.cube)
		if err != nil {
			t.Fatal(err)
		}
		if want := periodsOf(c, ds.def.quarterly); len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: periods %v, its cube has %v", ds.def.name, got, want)
		}
	}
}

// TestCubePartUnpack: a year's part kept as its index unpacks to the very
// cube it was made from (rows in order, codes, value bits, sortedness);
// the index ranges its periods by year or, as a view, by quarter, as an
// index of the cube itself does; the unpacked cube is the same one while
// it is held, and kept for good when it is small.
func TestCubePartUnpack(t *testing.T) {
	ctx := context.Background()
	st := fsstore.New(insyn.SampleLake())
	snap, err := lake.Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	m := snap.Manifest
	parts := 0
	for _, d := range lake.Datasets() {
		files := m.Datasets[d.Name]
		if files == nil {
			continue
		}
		years := map[int]bool{}
		for _, f := range files.Files {
			years[f.Ar] = true
		}
		for year := range years {
			set, err := lake.ReadDatasetYear(ctx, st, m, d.Name, year)
			if err != nil {
				t.Fatal(err)
			}
			want, err := set.Drain().Get(d.Name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := newCubePart(want)
			if err != nil {
				t.Fatal(err)
			}
			got := p.cube()
			if got.Name != want.Name || !slices.Equal(got.Dims, want.Dims) || !slices.Equal(got.Measures, want.Measures) || len(got.Rows) != len(want.Rows) {
				t.Fatalf("%s %d: unpacked %s%v%v with %d rows, want %s%v%v with %d", d.Name, year,
					got.Name, got.Dims, got.Measures, len(got.Rows), want.Name, want.Dims, want.Measures, len(want.Rows))
			}
			for i, r := range want.Rows {
				g := got.Rows[i]
				if !slices.Equal(g.Coords, r.Coords) || !slices.EqualFunc(g.Values, r.Values, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
					t.Fatalf("%s %d: row %d unpacked %v, want %v", d.Name, year, i, g, r)
				}
			}
			// Sorted as the built cube is: Sum finds a year's rows by
			// search in both, and sums the same.
			f := cube.Filter{"ar": {strconv.Itoa(year)}}
			for _, measure := range want.Measures {
				s1, n1, err1 := got.Sum(f, measure)
				s2, n2, err2 := want.Sum(f, measure)
				if s1 != s2 || n1 != n2 || err1 != nil || err2 != nil {
					t.Errorf("%s %d: Sum of %s %v over %d rows (%v), want %v over %d (%v)", d.Name, year, measure, s1, n1, err1, s2, n2, err2)
				}
			}
			for _, quarterly := range []bool{false, true} {
				x, err := newCubeIndex(want, quarterly)
				if err != nil {
					t.Fatal(err)
				}
				if view := p.x.byQuarter(quarterly); !maps.EqualFunc(view.periods, x.periods, slices.Equal) {
					t.Errorf("%s %d: periods (quarterly %v) %v, want %v", d.Name, year, quarterly, view.periods, x.periods)
				}
			}
			if again := p.cube(); again != got {
				t.Errorf("%s %d: unpacked again while the first is held", d.Name, year)
			}
			if small := len(want.Rows) <= keepUnpacked; (p.small != nil) != small {
				t.Errorf("%s %d: %d rows, kept for good: %v", d.Name, year, len(want.Rows), p.small != nil)
			}
			runtime.KeepAlive(got)
			parts++
		}
	}
	if parts < 10 {
		t.Errorf("only %d parts checked", parts)
	}
}

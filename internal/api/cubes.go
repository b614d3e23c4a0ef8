package api

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store"
)

// lazy is a value made when first needed, kept once making it succeeds.
// Callers wait for one attempt at a time; a failed attempt (a store that
// did not answer) is not kept, so the next caller tries again.
type lazy[T any] struct {
	mu   sync.Mutex
	done atomic.Pointer[T]
	make func() (T, error)
}

func newLazy[T any](make func() (T, error)) *lazy[T] { return &lazy[T]{make: make} }

func (l *lazy[T]) get() (T, error) {
	if v := l.done.Load(); v != nil {
		return *v, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if v := l.done.Load(); v != nil {
		return *v, nil
	}
	v, err := l.make()
	if err != nil {
		return v, err
	}
	l.done.Store(&v)
	return v, nil
}

// datasetTimeout bounds reading one dataset. The read serves every request
// after the one that started it, so a client that goes away does not cut
// it short.
const datasetTimeout = 25 * time.Second

// cubeSet is a lake version's cubes, each in parts: a cube per year
// partition of the lake (the files manifest entries list with that ar),
// read from the store (lake.ReadDatasetYear: its files checked against
// the manifest) when a request first needs that year. A cold instance
// reads what its first request needs, not the whole lake, and a query
// for one year not the other years of its dataset.
//
// A part is kept as its index (cubePart): each code a small integer in
// a column, no pointer per row. The cube of strings it was built from,
// two pointers a row and one per code (a national lake's cubes held
// millions), was what the garbage collector spent most of each cycle
// scanning while the API answered: the table query reads the index, and
// the few readers of cubes of strings (the seed tables, once per version;
// the population; a quarterly dataset's periods) get them unpacked.
type cubeSet struct {
	by map[string]*yearCubes
}

// yearCubes is one cube in parts by year.
type yearCubes struct {
	// empty is the cube with no rows, the cube of no year.
	empty *cube.Cube
	// years are the years with a part, ascending; rows is each one's
	// rows as the manifest counts them.
	years []int
	rows  map[int]int64
	parts map[int]*lazy[*cubePart]
}

// cubePart is one year's part of a cube, as its index.
type cubePart struct {
	x *cubeIndex // newCubeIndex, by year
	// unpacked is the cube of strings last unpacked, kept while it is in
	// use (weak: it goes with the next collection once nothing holds it),
	// or for good when it is small (keepUnpacked rows).
	mu       sync.Mutex
	unpacked weak.Pointer[cube.Cube]
	small    *cube.Cube
}

// keepUnpacked is the most rows a part has whose unpacked cube is kept
// for good (the population's parts: read for every cell of a rate).
const keepUnpacked = 4096

func newCubePart(c *cube.Cube) (*cubePart, error) {
	x, err := newCubeIndex(c, false)
	if err != nil {
		return nil, err
	}
	return &cubePart{x: x}, nil
}

// cube returns the part as a cube of strings.
func (p *cubePart) cube() *cube.Cube {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.small != nil {
		return p.small
	}
	if c := p.unpacked.Value(); c != nil {
		return c
	}
	c := p.x.unpack()
	if p.x.rows <= keepUnpacked {
		p.small = c
	} else {
		p.unpacked = weak.Make(c)
	}
	return c
}

// newCubeSet reads the datasets of manifest m from st when needed; log
// gets a line per dataset and year read.
func newCubeSet(st store.Store, m *lake.Manifest, log *slog.Logger) *cubeSet {
	empty := (&aggregate.Set{}).Drain()
	s := &cubeSet{by: map[string]*yearCubes{}}
	for _, d := range lake.Datasets() {
		yc := &yearCubes{empty: empty[d.Name], rows: map[int]int64{}, parts: map[int]*lazy[*cubePart]{}}
		s.by[d.Name] = yc
		files := m.Datasets[d.Name]
		if files == nil {
			continue
		}
		for _, f := range files.Files {
			if _, ok := yc.rows[f.Ar]; !ok {
				yc.years = append(yc.years, f.Ar)
			}
			yc.rows[f.Ar] += f.Rows
		}
		slices.Sort(yc.years)
		for _, year := range yc.years {
			yc.parts[year] = newLazy(func() (*cubePart, error) {
				ctx, cancel := context.WithTimeout(context.Background(), datasetTimeout)
				defer cancel()
				start := time.Now()
				part, err := readPart(ctx, st, m, d.Name, year, yc.empty)
				if err != nil {
					return nil, fmt.Errorf("api: lake version %s: %w", m.Version, err)
				}
				log.LogAttrs(ctx, slog.LevelInfo, "dataset loaded", slog.String("version", m.Version), slog.String("dataset", d.Name),
					slog.Int("ar", year), slog.Int("rows", part.x.rows), slog.Float64("ms", float64(time.Since(start).Microseconds())/1000))
				return part, nil
			})
		}
	}
	return s
}

// readPart reads the part of year of the dataset called name, whose cube
// with no rows is empty: its files' columns straight into the index
// (lake.ReadColumns), or, for files whose rows a cube would hold in
// another order, through the rows and a cube as aggregate.Set.Drain
// builds it.
func readPart(ctx context.Context, st store.Store, m *lake.Manifest, name string, year int, empty *cube.Cube) (*cubePart, error) {
	cols, err := lake.ReadColumns(ctx, st, m, name, year)
	if err != nil {
		return nil, err
	}
	if x, ok := indexColumns(empty, cols); ok {
		return &cubePart{x: x}, nil
	}
	cols = nil
	set, err := lake.ReadDatasetYear(ctx, st, m, name, year)
	if err != nil {
		return nil, err
	}
	// The tables are let go once the cube is built.
	c, err := set.Drain().Get(name)
	if err != nil {
		return nil, err
	}
	return newCubePart(c)
}

// loadedCubes is a cubeSet of cubes already made, split by year (their
// first dimension, ar).
func loadedCubes(src cube.Source) *cubeSet {
	s := &cubeSet{by: map[string]*yearCubes{}}
	for name, c := range src {
		yc := &yearCubes{empty: &cube.Cube{Name: c.Name, Dims: c.Dims, Measures: c.Measures}, rows: map[int]int64{}, parts: map[int]*lazy[*cubePart]{}}
		byYear := map[int][]cube.Row{}
		for _, r := range c.Rows {
			year, _ := strconv.Atoi(r.Coords[0])
			byYear[year] = append(byYear[year], r)
		}
		yc.years = slices.Sorted(maps.Keys(byYear))
		for _, year := range yc.years {
			part := &cube.Cube{Name: c.Name, Dims: c.Dims, Measures: c.Measures, Rows: byYear[year]}
			yc.rows[year] = int64(len(part.Rows))
			yc.parts[year] = newLazy(func() (*cubePart, error) { return newCubePart(part) })
		}
		s.by[name] = yc
	}
	return s
}

// cubeYears returns the cube called name.
func (s *cubeSet) cubeYears(name string) (*yearCubes, error) {
	yc, ok := s.by[name]
	if !ok {
		return nil, fmt.Errorf("no cube %q", name)
	}
	return yc, nil
}

// read returns the parts of the years asked for (all when none are
// asked for) that have one, by year. The years not yet read are read at
// once, each on its own goroutine: a year is read column by column into
// its index (readPart), a few MB at national scale, so reading them
// together costs little memory and a range of years waits for the
// slowest only.
func (yc *yearCubes) read(years []int) (map[int]*cubePart, error) {
	if years == nil {
		years = yc.years
	}
	years = slices.Compact(slices.Sorted(slices.Values(years)))
	years = slices.DeleteFunc(years, func(y int) bool { return yc.parts[y] == nil })
	parts := make([]*cubePart, len(years))
	errs := make([]error, len(years))
	var wg sync.WaitGroup
	for i, y := range years {
		if i == len(years)-1 {
			parts[i], errs[i] = yc.parts[y].get()
			break
		}
		wg.Go(func() { parts[i], errs[i] = yc.parts[y].get() })
	}
	wg.Wait()
	out := make(map[int]*cubePart, len(years))
	for i, y := range years {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[y] = parts[i]
	}
	return out, nil
}

// get returns the cube called name with the rows of the years asked for
// (all when none are), in the order of the cube built from all its rows.
func (s *cubeSet) get(name string, years ...int) (*cube.Cube, error) {
	yc, err := s.cubeYears(name)
	if err != nil {
		return nil, err
	}
	if len(years) == 0 {
		years = nil
	}
	parts, err := yc.read(years)
	if err != nil {
		return nil, err
	}
	switch len(parts) {
	case 0:
		return yc.empty, nil
	case 1:
		for _, p := range parts {
			return p.cube(), nil
		}
	}
	ordered := make([]*cube.Cube, 0, len(parts))
	for _, y := range slices.Sorted(maps.Keys(parts)) {
		ordered = append(ordered, parts[y].cube())
	}
	return cube.Concat(ordered...)
}

// source returns the cubes called names (all when none are named) with
// the rows of years (all when nil), as the seed tables' specifications
// read them.
func (s *cubeSet) source(names []string, years []int) (cube.Source, error) {
	if len(names) == 0 {
		for name := range s.by {
			names = append(names, name)
		}
	}
	src := cube.Source{}
	for _, name := range names {
		c, err := s.get(name, years...)
		if err != nil {
			return nil, err
		}
		src[name] = c
	}
	return src, nil
}

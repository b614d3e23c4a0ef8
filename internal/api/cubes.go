package api

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

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

// cubeSet is a lake version's cubes, each read from the store
// (lake.ReadDataset: its files checked against the manifest) when a
// request first needs it: a cold instance reads what its first request
// needs, not the whole lake.
type cubeSet struct {
	by map[string]*lazy[*cube.Cube]
}

// newCubeSet reads the datasets of manifest m from st when needed; log
// gets a line per dataset read.
func newCubeSet(st store.Store, m *lake.Manifest, log *slog.Logger) *cubeSet {
	s := &cubeSet{by: map[string]*lazy[*cube.Cube]{}}
	for _, d := range lake.Datasets() {
		s.by[d.Name] = newLazy(func() (*cube.Cube, error) {
			ctx, cancel := context.WithTimeout(context.Background(), datasetTimeout)
			defer cancel()
			start := time.Now()
			set, err := lake.ReadDataset(ctx, st, m, d.Name)
			if err != nil {
				return nil, fmt.Errorf("api: lake version %s: %w", m.Version, err)
			}
			// The tables are let go once the cube is built.
			c, err := set.Drain().Get(d.Name)
			if err != nil {
				return nil, err
			}
			log.LogAttrs(ctx, slog.LevelInfo, "dataset loaded", slog.String("version", m.Version), slog.String("dataset", d.Name),
				slog.Int("rows", len(c.Rows)), slog.Float64("ms", float64(time.Since(start).Microseconds())/1000))
			return c, nil
		})
	}
	return s
}

// loadedCubes is a cubeSet of cubes already made.
func loadedCubes(src cube.Source) *cubeSet {
	s := &cubeSet{by: map[string]*lazy[*cube.Cube]{}}
	for name, c := range src {
		s.by[name] = newLazy(func() (*cube.Cube, error) { return c, nil })
	}
	return s
}

// get returns the cube called name.
func (s *cubeSet) get(name string) (*cube.Cube, error) {
	l, ok := s.by[name]
	if !ok {
		return nil, fmt.Errorf("no cube %q", name)
	}
	return l.get()
}

// source returns the cubes called names (all when none are named), as the
// seed tables' specifications read them.
func (s *cubeSet) source(names ...string) (cube.Source, error) {
	if len(names) == 0 {
		for name := range s.by {
			names = append(names, name)
		}
	}
	src := cube.Source{}
	for _, name := range names {
		c, err := s.get(name)
		if err != nil {
			return nil, err
		}
		src[name] = c
	}
	return src, nil
}

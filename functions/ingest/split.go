package main

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/store"
)

// split is one store.Store over two: keys of the upload area (uploads/,
// rejected/, processed/) go to area, every other key to lake. It lets a
// local run keep the upload area out of the lake directory.
type split struct {
	lake, area store.Store
}

func (s split) pick(key string) store.Store {
	for _, p := range []string{ingest.UploadsPrefix, ingest.RejectedPrefix, ingest.ProcessedPrefix} {
		if strings.HasPrefix(key, p) {
			return s.area
		}
	}
	return s.lake
}

func (s split) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	return s.pick(key).Get(ctx, key, o)
}

func (s split) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	return s.pick(key).GetRange(ctx, key, off, n)
}

func (s split) Put(ctx context.Context, key string, body []byte, o store.PutOptions) (store.Attrs, error) {
	return s.pick(key).Put(ctx, key, body, o)
}

func (s split) Stat(ctx context.Context, key string) (store.Attrs, error) {
	return s.pick(key).Stat(ctx, key)
}

func (s split) Delete(ctx context.Context, key string) error {
	return s.pick(key).Delete(ctx, key)
}

// List asks the store a prefix belongs to, or both for a prefix that
// could start keys of either.
func (s split) List(ctx context.Context, prefix string) ([]store.Attrs, error) {
	a, err := s.lake.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	b, err := s.area.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var out []store.Attrs
	for _, x := range a {
		if s.pick(x.Key) == s.lake {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if s.pick(x.Key) == s.area {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(x, y store.Attrs) int { return strings.Compare(x.Key, y.Key) })
	return out, nil
}

package fsstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/fsstore"
	"github.com/stockholm/insyn/internal/store/storetest"
)

func fixtureFS() fstest.MapFS {
	m := fstest.MapFS{}
	for k, v := range storetest.ReadOnlyFixture() {
		m[k] = &fstest.MapFile{Data: v}
	}
	return m
}

func TestConformance(t *testing.T) {
	storetest.RunReadOnly(t, fsstore.New(fixtureFS()), storetest.ReadOnlyFixture())
}

func TestWritesRefused(t *testing.T) {
	ctx := t.Context()
	s := fsstore.New(fixtureFS())
	_, err := s.Put(ctx, "manifest.json", []byte("x"), store.PutOptions{})
	if !errors.Is(err, store.ErrReadOnly) || err.Error() != `store: put "manifest.json": read-only store` {
		t.Errorf("Put: %v, want ErrReadOnly naming the operation and key", err)
	}
	if err := s.Delete(ctx, "manifest.json"); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Delete: %v, want ErrReadOnly", err)
	}
	if _, err := s.Put(ctx, "../x", nil, store.PutOptions{}); !errors.Is(err, store.ErrInvalidKey) {
		t.Errorf("Put of an invalid key: %v, want ErrInvalidKey", err)
	}
	if _, err := s.Stat(ctx, "manifest.json"); err != nil {
		t.Errorf("after refused writes: %v", err)
	}
}

// TestConformanceOverDirFS runs the suite over os.DirFS, whose errors for
// a name below a file differ from fstest.MapFS's and embed.FS's.
func TestConformanceOverDirFS(t *testing.T) {
	dir := t.TempDir()
	for k, v := range storetest.ReadOnlyFixture() {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, v, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	storetest.RunReadOnly(t, fsstore.New(os.DirFS(dir)), storetest.ReadOnlyFixture())
}

package ingest_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/ingest/ingesttest"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store/dirstore"
)

// TestRebuildSampleLake ingests every file of testdata/uploads (the bad
// ones included) into a lake that holds only the delivered aggregates
// (lov, befolkning, sfb), with the real disclosure step (about three
// minutes), and requires the committed testdata/lake file for file:
// manifest, aggregates, raw microdata and disclosure pattern.
func TestRebuildSampleLake(t *testing.T) {
	if testing.Short() {
		t.Skip("computes the sample lake's disclosure pattern (minutes)")
	}
	committed, err := dirstore.New(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	snap := served(t, committed)
	start, err := lake.Encode(nil, &aggregate.Set{Lov: snap.Set.Lov, Befolkning: snap.Set.Befolkning, SFB: snap.Set.SFB}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := start.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	st, err := dirstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	err = filepath.WalkDir(uploadsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" || strings.HasSuffix(p, ".expected.txt") || strings.HasSuffix(p, ".go") {
			return err
		}
		rel, _ := filepath.Rel(uploadsDir, p)
		if strings.HasPrefix(rel, "bad"+string(filepath.Separator)) {
			bad++
		}
		data, err := os.ReadFile(p)
		ingesttest.Put(t, st, "uploads/"+filepath.ToSlash(rel), data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Run(context.Background(), st, ingest.Options{Created: lake.SampleCreated, Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != bad || len(res.Accepted) != 10 || res.Version != snap.Manifest.Version {
		t.Errorf("accepted %d, rejected %d (of %d bad), version %s; want 10, %d, %s", len(res.Accepted), len(res.Rejected), bad, res.Version, bad, snap.Manifest.Version)
	}
	want, got := lakeFiles(t, lakeDir), lakeFiles(t, dir)
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("missing %s", k)
		} else if !bytes.Equal(g, w) {
			t.Errorf("changed %s", k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("extra %s", k)
		}
	}
}

// lakeFiles reads manifest.json and everything under aggregates/ and raw/.
func lakeFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == lake.ManifestKey || strings.HasPrefix(rel, lake.AggregatesPrefix) || strings.HasPrefix(rel, lake.RawPrefix) {
			b, err := os.ReadFile(p)
			out[rel] = b
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

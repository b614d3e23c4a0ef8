package ingest_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/ingest/ingesttest"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/upload"
)

// TestRebuildSampleLake ingests every file of testdata/uploads (the bad
// ones included) into an empty store, with the real disclosure step
// (minutes), and requires the committed testdata/lake file for file:
// manifest, aggregates of every dataset (lov, befolkning and sfb from
// their uploads too), raw microdata and disclosure pattern.
func TestRebuildSampleLake(t *testing.T) {
	if testing.Short() {
		t.Skip("computes the sample lake's disclosure pattern (minutes)")
	}
	committed, err := dirstore.New(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	snap := served(t, committed)
	dir := t.TempDir()
	st, err := dirstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	bad, good := 0, 0
	err = filepath.WalkDir(uploadsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" || strings.HasSuffix(p, ".expected.txt") || strings.HasSuffix(p, ".go") {
			return err
		}
		rel, _ := filepath.Rel(uploadsDir, p)
		if strings.HasPrefix(rel, "bad"+string(filepath.Separator)) {
			bad++
		} else {
			good++
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
	if len(res.Rejected) != bad || len(res.Accepted) != good || res.Version != snap.Manifest.Version {
		t.Errorf("accepted %d, rejected %d (of %d bad), version %s; want %d, %d, %s", len(res.Accepted), len(res.Rejected), bad, res.Version, good, bad, snap.Manifest.Version)
	}
	for _, d := range upload.Datasets {
		n := 0
		for _, k := range res.Accepted {
			if strings.HasPrefix(k, "uploads/"+string(d)+"/") {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no upload of %s accepted: the rebuild does not cover it", d)
		}
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

package insyn_test

import (
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/fsstore"
	"github.com/stockholm/insyn/internal/store/storetest"
)

// TestSampleLake: the embedded lake reads as the same version as
// testdata/lake on disk, and holds manifest.json and aggregates/ only.
func TestSampleLake(t *testing.T) {
	ctx := t.Context()
	embedded, err := lake.Open(ctx, fsstore.New(insyn.SampleLake()))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := dirstore.New("testdata/lake")
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := lake.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if embedded.Manifest.Version != onDisk.Manifest.Version || embedded.ETag != onDisk.ETag {
		t.Errorf("embedded lake is version %s (ETag %s), testdata/lake %s (ETag %s)",
			embedded.Manifest.Version, embedded.ETag, onDisk.Manifest.Version, onDisk.ETag)
	}
	if !reflect.DeepEqual(embedded.Set, onDisk.Set) {
		t.Error("embedded aggregates differ from testdata/lake's")
	}
	var files []string
	err = fs.WalkDir(insyn.SampleLake(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f != lake.ManifestKey && !strings.HasPrefix(f, lake.AggregatesPrefix) {
			t.Errorf("the binary embeds %s: only %s and %s belong there", f, lake.ManifestKey, lake.AggregatesPrefix)
		}
	}
	if len(files) < 2 {
		t.Errorf("embedded lake has %d files", len(files))
	}
}

// TestSampleLakeStore runs the read-only store suite over the embedded lake
// (embed.FS has error behaviour of its own), expecting exactly the
// manifest and the aggregate files of testdata/lake.
func TestSampleLakeStore(t *testing.T) {
	want := map[string][]byte{}
	root := os.DirFS("testdata/lake")
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(p == lake.ManifestKey || strings.HasPrefix(p, lake.AggregatesPrefix)) {
			return err
		}
		want[p], err = fs.ReadFile(root, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunReadOnly(t, fsstore.New(insyn.SampleLake()), want)
}

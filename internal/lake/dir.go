package lake

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A committed sample lake is a directory in the repository rather than a
// store: WriteDir and DiffDir keep it equal to a Version, including removing
// the files of earlier versions, which Publish never does.

// WriteDir makes dir hold exactly v's objects: it writes the data files,
// then the manifest, and then removes every other lake file (manifest.json
// and anything under aggregates/ or raw/) and the directories left empty.
// Files outside the lake layout are left alone.
func (v *Version) WriteDir(dir string) error {
	for _, key := range v.Keys() {
		p := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("lake: write %s: %w", p, err)
		}
		if err := os.WriteFile(p, v.object(key), 0o644); err != nil {
			return fmt.Errorf("lake: write %s: %w", p, err)
		}
	}
	on, err := lakeFiles(dir)
	if err != nil {
		return err
	}
	for _, key := range on {
		if key == ManifestKey || v.Files[key] != nil {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(key))); err != nil {
			return fmt.Errorf("lake: remove stale %s: %w", key, err)
		}
	}
	for _, top := range []string{AggregatesPrefix, RawPrefix} {
		if err := removeEmptyDirs(filepath.Join(dir, top)); err != nil {
			return err
		}
	}
	return nil
}

// DiffDir compares dir with v and returns one line per lake file that
// differs: "changed KEY", "missing KEY" (in v, not in dir) or "extra KEY"
// (in dir, not in v), sorted by key. An empty result means dir holds v.
func (v *Version) DiffDir(dir string) ([]string, error) {
	on, err := lakeFiles(dir)
	if err != nil {
		return nil, err
	}
	var diff []string
	for _, key := range on {
		if key != ManifestKey && v.Files[key] == nil {
			diff = append(diff, "extra "+key)
		}
	}
	for _, key := range v.Keys() {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diff = append(diff, "missing "+key)
		case err != nil:
			return nil, fmt.Errorf("lake: compare %s: %w", key, err)
		case !bytes.Equal(got, v.object(key)):
			diff = append(diff, "changed "+key)
		}
	}
	slices.SortFunc(diff, func(a, b string) int {
		return strings.Compare(a[strings.IndexByte(a, ' '):], b[strings.IndexByte(b, ' '):])
	})
	return diff, nil
}

// lakeFiles lists the keys of the lake files in dir: manifest.json and the
// regular files under aggregates/ and raw/.
func lakeFiles(dir string) ([]string, error) {
	var keys []string
	if _, err := os.Stat(filepath.Join(dir, ManifestKey)); err == nil {
		keys = append(keys, ManifestKey)
	}
	for _, top := range []string{AggregatesPrefix, RawPrefix} {
		root := filepath.Join(dir, top)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return fs.SkipAll
			}
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			keys = append(keys, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("lake: list %s: %w", root, err)
		}
	}
	return keys, nil
}

// removeEmptyDirs removes the empty directories under root, deepest first,
// and root itself if it ends up empty.
func removeEmptyDirs(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return fs.SkipAll
		}
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("lake: list %s: %w", root, err)
	}
	for _, d := range slices.Backward(dirs) {
		entries, err := os.ReadDir(d)
		if err != nil {
			return fmt.Errorf("lake: %w", err)
		}
		if len(entries) == 0 {
			if err := os.Remove(d); err != nil {
				return fmt.Errorf("lake: remove empty %s: %w", d, err)
			}
		}
	}
	return nil
}

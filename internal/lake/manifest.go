package lake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// Manifest is manifest.json: the one object that says which files make up
// the published lake version.
type Manifest struct {
	// Format is the on-disk format of every file, vparquet1.
	Format string `json:"format"`
	// Version identifies the aggregates: a hash over the key and SHA-256 of
	// every aggregate file. It changes exactly when some answer of the API
	// may change; raw files do not enter it.
	Version string `json:"version"`
	// Created is when the version was built (whole seconds, UTC).
	Created time.Time `json:"created"`
	// Geography names the code list of every dataset's nämnd column
	// (dataset.LookupGeography): absent for Stockholm's nämnder,
	// "kommun" for the national benchmark lake's municipalities.
	Geography string `json:"geography,omitempty"`
	// Datasets holds every dataset by name.
	Datasets map[string]*DatasetFiles `json:"datasets"`
	// Disclosure is the disclosure pattern of the version (which cells are
	// published), computed where the aggregates are written and stored
	// under DisclosurePrefix, so the API never computes it; it enters
	// Version. Ar is 0.
	Disclosure *File `json:"disclosure,omitempty"`
	// Reports are the answers of the seed tables, computed from the
	// aggregates and the disclosure pattern where the version is written
	// (the API's ComputeReports) and stored under ReportsPrefix, so an
	// instance serves them without reading the datasets they sum; they
	// enter Version. Absent, the API computes them. Ar is 0.
	Reports *File `json:"reports,omitempty"`
}

// DatasetFiles is one dataset's entry in the manifest.
type DatasetFiles struct {
	// Version is a hash over the key and SHA-256 of the dataset's aggregate
	// files: the dataset version a disclosure pattern is cached under.
	Version string `json:"version"`
	// Files are the aggregate files, sorted by year and key.
	Files []File `json:"files"`
	// Raw are the microdata files (restricted prefix), sorted likewise.
	Raw []File `json:"raw,omitempty"`
	// Source is the "Källa: …" line of the dataset.
	Source string `json:"source"`
}

// File describes one data file.
type File struct {
	// Key is the file's key in the store.
	Key string `json:"key"`
	// Ar is the year partition, also in the key.
	Ar int `json:"ar"`
	// Rows is the number of rows in the file.
	Rows int64 `json:"rows"`
	// Bytes is the file's size.
	Bytes int64 `json:"bytes"`
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string `json:"sha256"`
}

// Marshal returns the manifest as indented JSON with a final newline. The
// bytes depend only on the manifest's content (map keys are sorted).
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("lake: encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// ParseManifest decodes manifest.json and checks that it is consistent: a
// known format, keys that follow the layout and agree with the dataset, year
// and hash they are listed with, and versions that match the files.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	// Unknown fields are ignored, so a reader keeps working while a writer
	// that adds one is rolled out.
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("lake: %s: %w", ManifestKey, err)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("lake: %s: %w", ManifestKey, err)
	}
	return &m, nil
}

func (m *Manifest) validate() error {
	if m.Format != v1.Version {
		return fmt.Errorf("format is %q, but this build reads %q only", m.Format, v1.Version)
	}
	if _, err := dataset.LookupGeography(m.Geography); err != nil {
		return err
	}
	for name, d := range m.Datasets {
		if d == nil {
			return fmt.Errorf("dataset %s: entry is null", name)
		}
		for _, part := range []struct {
			prefix string
			files  []File
		}{{AggregatesPrefix, d.Files}, {RawPrefix, d.Raw}} {
			for _, f := range part.files {
				k, err := ParseKey(f.Key)
				if err != nil {
					return fmt.Errorf("dataset %s: %w", name, err)
				}
				switch {
				case k.Prefix != part.prefix:
					return fmt.Errorf("dataset %s: file %s is listed under %q but its key is not under %s", name, f.Key, listName(part.prefix), part.prefix)
				case k.Dataset != name:
					return fmt.Errorf("dataset %s: file %s belongs to dataset %s", name, f.Key, k.Dataset)
				case k.Year != f.Ar:
					return fmt.Errorf("dataset %s: file %s is in partition ar=%d but listed with ar %d", name, f.Key, k.Year, f.Ar)
				case !strings.HasPrefix(f.SHA256, k.Hash) || len(f.SHA256) != 2*sha256.Size:
					return fmt.Errorf("dataset %s: file %s: sha256 %q does not start with the key's hash %s", name, f.Key, f.SHA256, k.Hash)
				}
			}
		}
		if want := filesVersion(d.Files); d.Version != want {
			return fmt.Errorf("dataset %s: version is %s but its files give %s", name, d.Version, want)
		}
	}
	if f := m.Disclosure; f != nil && (!strings.HasPrefix(f.Key, DisclosurePrefix) || len(f.SHA256) != 2*sha256.Size ||
		f.Key != DisclosureKey(f.SHA256)) {
		return fmt.Errorf("disclosure: file %s is not %s for sha256 %q", f.Key, DisclosureKey("<sha256>"), f.SHA256)
	}
	if f := m.Reports; f != nil && (!strings.HasPrefix(f.Key, ReportsPrefix) || len(f.SHA256) != 2*sha256.Size ||
		f.Key != ReportsKey(f.SHA256)) {
		return fmt.Errorf("reports: file %s is not %s for sha256 %q", f.Key, ReportsKey("<sha256>"), f.SHA256)
	}
	if want := m.computeVersion(); m.Version != want {
		return fmt.Errorf("version is %s but the aggregate files give %s", m.Version, want)
	}
	return nil
}

func listName(prefix string) string {
	if prefix == RawPrefix {
		return "raw"
	}
	return "files"
}

// computeVersion hashes every aggregate file of every dataset, the
// disclosure pattern and the stored reports.
func (m *Manifest) computeVersion() string {
	var all []File
	for _, d := range m.Datasets {
		all = append(all, d.Files...)
	}
	if m.Disclosure != nil {
		all = append(all, *m.Disclosure)
	}
	if m.Reports != nil {
		all = append(all, *m.Reports)
	}
	return filesVersion(all)
}

// filesVersion is the version of a set of files: the first 16 hex digits of
// the SHA-256 of their "key sha256" lines, sorted by key.
func filesVersion(files []File) string {
	lines := make([]string, len(files))
	for i, f := range files {
		lines[i] = f.Key + " " + f.SHA256 + "\n"
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return hex.EncodeToString(sum[:])[:hashLen]
}

// sha256Hex returns the hex SHA-256 of data.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

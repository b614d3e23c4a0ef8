package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/store"
)

// SampleCreated is the creation time of the committed sample lake
// (testdata/lake). It is fixed so that regenerating the sample gives the
// same manifest, byte for byte.
var SampleCreated = time.Date(2025, time.March, 31, 0, 0, 0, 0, time.UTC)

// Version is a complete lake version in memory, ready to publish: every data
// file and the manifest that lists them.
type Version struct {
	// Manifest describes the version.
	Manifest *Manifest
	// ManifestJSON is the manifest as written to ManifestKey.
	ManifestJSON []byte
	// Files holds every data file (aggregate and raw) by key.
	Files map[string][]byte
}

// Encode writes the microdata m and the aggregates s as Parquet files and
// builds their manifest. created (kept to whole seconds, UTC) goes into the
// manifest. Every dataset appears in the manifest, with no files if it has
// no years; a year present with no rows gets a file with no rows. Equal
// inputs give byte-identical files, manifest included.
//
// m may be nil when only aggregates are written (external aggregates, tests).
func Encode(m *aggregate.Microdata, s *aggregate.Set, created time.Time) (*Version, error) {
	v := &Version{
		Manifest: &Manifest{
			Format:   v1.Version,
			Created:  created.UTC().Truncate(time.Second),
			Datasets: map[string]*DatasetFiles{},
		},
		Files: map[string][]byte{},
	}
	for _, d := range datasets {
		v.Manifest.Datasets[d.Name] = &DatasetFiles{Files: []File{}, Source: d.Source}
	}
	if s == nil {
		s = &aggregate.Set{}
	}
	for _, t := range aggregateTables(s) {
		files, err := v.encodeTable(AggregatesPrefix, t)
		if err != nil {
			return nil, err
		}
		d := v.Manifest.Datasets[t.dataset]
		d.Files = files
		d.Version = filesVersion(files)
	}
	if m != nil {
		for _, t := range rawTables(m) {
			files, err := v.encodeTable(RawPrefix, t)
			if err != nil {
				return nil, err
			}
			v.Manifest.Datasets[t.dataset].Raw = files
		}
	}
	v.Manifest.Version = v.Manifest.computeVersion()
	b, err := v.Manifest.Marshal()
	if err != nil {
		return nil, err
	}
	v.ManifestJSON = b
	return v, nil
}

// SetGeography records the geography of the version's nämnd codes in the
// manifest (Stockholm's is recorded as no name). The version does not
// change: the disclosure pattern, which enters it, records the geography
// too.
func (v *Version) SetGeography(geo dataset.Geography) error {
	v.Manifest.Geography = geo.StoredName()
	b, err := v.Manifest.Marshal()
	if err != nil {
		return err
	}
	v.ManifestJSON = b
	return nil
}

// SetDisclosure stores the version's disclosure pattern (the bytes of
// protect's MarshalPatterns) and updates the manifest and its version.
// Stored reports, computed under the pattern it replaces, are dropped.
func (v *Version) SetDisclosure(pattern []byte) error {
	if pattern == nil {
		pattern = []byte{}
	}
	v.setFile(&v.Manifest.Reports, "", nil)
	v.setFile(&v.Manifest.Disclosure, DisclosureKey(sha256Hex(pattern)), pattern)
	return v.remarshal()
}

// SetReports stores the answers of the version's seed tables (the bytes
// of the API's ComputeReports, computed from this version's aggregates
// and disclosure pattern) and updates the manifest and its version.
func (v *Version) SetReports(data []byte) error {
	v.setFile(&v.Manifest.Reports, ReportsKey(sha256Hex(data)), data)
	return v.remarshal()
}

// setFile replaces the file *f of the manifest with data at key (none
// when data is nil).
func (v *Version) setFile(f **File, key string, data []byte) {
	if *f != nil {
		delete(v.Files, (*f).Key)
		*f = nil
	}
	if data != nil {
		*f = &File{Key: key, Bytes: int64(len(data)), SHA256: sha256Hex(data)}
		v.Files[key] = data
	}
}

// remarshal recomputes the manifest's version and bytes.
func (v *Version) remarshal() error {
	v.Manifest.Version = v.Manifest.computeVersion()
	b, err := v.Manifest.Marshal()
	if err != nil {
		return err
	}
	v.ManifestJSON = b
	return nil
}

func (v *Version) encodeTable(prefix string, t table) ([]File, error) {
	files := []File{}
	for _, year := range t.years() {
		b, rows, err := t.encode(year)
		if err != nil {
			return nil, fmt.Errorf("lake: write %sdataset=%s/ar=%d: %w", prefix, t.dataset, year, err)
		}
		hash := sha256Hex(b)
		key := FileKey(prefix, t.dataset, year, hash)
		v.Files[key] = b
		files = append(files, File{Key: key, Ar: year, Rows: rows, Bytes: int64(len(b)), SHA256: hash})
	}
	return files, nil
}

// Keys returns the keys of every object of the version, data files sorted
// and ManifestKey last: the order they are published in.
func (v *Version) Keys() []string {
	return append(slices.Sorted(maps.Keys(v.Files)), ManifestKey)
}

// object returns the bytes of the object at key.
func (v *Version) object(key string) []byte {
	if key == ManifestKey {
		return v.ManifestJSON
	}
	return v.Files[key]
}

// Content types recorded with the objects.
const (
	parquetType = "application/vnd.apache.parquet"
	jsonType    = "application/json"
)

// Publish writes v to st and then makes it the published version by
// replacing manifest.json, which it does only if the manifest is still the
// one the caller read: prevETag is that manifest's ETag, or "" to create
// the first manifest of an empty lake. If another writer published first,
// Publish returns an error wrapping store.ErrPreconditionFailed and the
// manifest stays as that writer left it; re-read the lake and try again.
//
// Data files are written first. A file whose key already exists is left
// alone when it holds the expected bytes (keys are content-addressed, so an
// unchanged table costs no write) and rewritten when it does not. Files of
// earlier versions are not deleted, since readers may still use them.
//
// Publish returns the new manifest's attributes; its ETag is the prevETag
// of the next publish.
func Publish(ctx context.Context, st store.Store, v *Version, prevETag string) (store.Attrs, error) {
	keys := slices.Sorted(maps.Keys(v.Files))
	err := forEach(ctx, len(keys), func(ctx context.Context, i int) error {
		return putFile(ctx, st, keys[i], v.Files[keys[i]])
	})
	if err != nil {
		return store.Attrs{}, err
	}
	opts := store.PutOptions{ContentType: jsonType, IfMatch: prevETag, IfNoneMatch: prevETag == ""}
	attrs, err := st.Put(ctx, ManifestKey, v.ManifestJSON, opts)
	if errors.Is(err, store.ErrPreconditionFailed) {
		return store.Attrs{}, fmt.Errorf("lake: publish version %s: %s changed since it was read (another version was published first; read the lake again and retry): %w",
			v.Manifest.Version, ManifestKey, err)
	}
	if err != nil {
		return store.Attrs{}, fmt.Errorf("lake: publish version %s: %w", v.Manifest.Version, err)
	}
	return attrs, nil
}

// putFile writes a content-addressed file unless the key already holds it.
func putFile(ctx context.Context, st store.Store, key string, body []byte) error {
	_, err := st.Put(ctx, key, body, store.PutOptions{IfNoneMatch: true, ContentType: parquetType})
	if !errors.Is(err, store.ErrPreconditionFailed) {
		if err != nil {
			return fmt.Errorf("lake: write %s: %w", key, err)
		}
		return nil
	}
	same, err := holds(ctx, st, key, body)
	if err != nil {
		return fmt.Errorf("lake: check existing %s: %w", key, err)
	}
	if same {
		return nil
	}
	// The key names its content, so different bytes there are damage:
	// repair them.
	if _, err := st.Put(ctx, key, body, store.PutOptions{ContentType: parquetType}); err != nil {
		return fmt.Errorf("lake: repair %s: %w", key, err)
	}
	return nil
}

// holds reports whether the object at key has exactly the bytes body.
func holds(ctx context.Context, st store.Store, key string, body []byte) (bool, error) {
	rc, _, err := st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return false, err
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		return false, err
	}
	return bytes.Equal(got, body), nil
}

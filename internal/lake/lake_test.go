package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	m, s := fixture(t, 0)
	v := encode(t, m, s)
	st, _ := newStore(t)
	etag := publish(t, st, v, "")

	// The API may read manifest.json and aggregates/ only.
	snap, err := Open(ctx, guard{st, []string{ManifestKey, AggregatesPrefix}})
	if err != nil {
		t.Fatal(err)
	}
	if snap.ETag != etag {
		t.Errorf("snapshot ETag = %s, Publish returned %s", snap.ETag, etag)
	}
	if !reflect.DeepEqual(snap.Manifest, v.Manifest) {
		t.Errorf("manifest read back differs:\n got %+v\nwant %+v", snap.Manifest, v.Manifest)
	}
	if !reflect.DeepEqual(snap.Set, s) {
		t.Errorf("aggregates read back differ from those written")
		for _, name := range []string{"Insatser", "Personer", "Beslut", "EjVerkstallda", "KBF", "Lov", "Befolkning", "SFB"} {
			got, want := reflect.ValueOf(snap.Set).Elem().FieldByName(name), reflect.ValueOf(s).Elem().FieldByName(name)
			if !reflect.DeepEqual(got.Interface(), want.Interface()) {
				t.Errorf("%s:\n got %v\nwant %v", name, got, want)
			}
		}
	}
	if len(snap.Set.Lov[2023]) != 0 || snap.Set.Lov[2023] == nil {
		t.Errorf("lov 2023 (written with no rows) read back as %#v, want an empty slice", snap.Set.Lov[2023])
	}

	raw, err := ReadRaw(ctx, st, snap.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	if want := sortedMicrodata(m); !reflect.DeepEqual(raw, want) {
		t.Errorf("microdata read back differ from those written (sorted by person)")
	}
	again, err := aggregate.Build(raw, &aggregate.External{Lov: snap.Set.Lov, Befolkning: snap.Set.Befolkning, SFB: snap.Set.SFB})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, s) {
		t.Errorf("aggregating the microdata read back gives other aggregates")
	}
}

// guard is a store that refuses reads outside the allowed keys and
// prefixes, as the API function's IAM policy does.
type guard struct {
	store.Store
	allowed []string
}

func (g guard) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	for _, a := range g.allowed {
		if strings.HasPrefix(key, a) {
			return g.Store.Get(ctx, key, opts)
		}
	}
	return nil, store.Attrs{}, &store.Error{Op: "get", Key: key, Err: errors.New("access denied")}
}

func TestEncodeIsDeterministic(t *testing.T) {
	m, s := fixture(t, 0)
	first := encode(t, m, s)

	// The same rows in another order, from another Build.
	shuffled := sortedMicrodata(m)
	r := rand.New(rand.NewPCG(1, 2))
	for _, rows := range shuffled.Insatser {
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	for _, rows := range s.KBF {
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	second := encode(t, shuffled, s)

	if !bytes.Equal(first.ManifestJSON, second.ManifestJSON) {
		t.Errorf("manifests differ:\n%s\n%s", first.ManifestJSON, second.ManifestJSON)
	}
	if !maps.EqualFunc(first.Files, second.Files, bytes.Equal) {
		t.Errorf("files differ: %v vs %v", slices.Sorted(maps.Keys(first.Files)), slices.Sorted(maps.Keys(second.Files)))
	}
	if first.Manifest.Version != second.Manifest.Version {
		t.Errorf("versions differ: %s, %s", first.Manifest.Version, second.Manifest.Version)
	}

	// A change in one dataset changes its version and the lake's, and no
	// other dataset's.
	_, s2 := fixture(t, 1)
	s2.Insatser, s2.Personer, s2.SFB = s.Insatser, s.Personer, s.SFB
	third := encode(t, m, s2)
	if third.Manifest.Version == first.Manifest.Version {
		t.Errorf("lake version unchanged after the kbf amounts changed")
	}
	for name, d := range third.Manifest.Datasets {
		changed := d.Version != first.Manifest.Datasets[name].Version
		if want := name == KBF; changed != want {
			t.Errorf("dataset %s: version changed = %v, want %v", name, changed, want)
		}
	}
}

// TestEncodings reads the column chunk metadata of every file with
// parquet-go and checks it against the struct tags of vparquet1.
func TestEncodings(t *testing.T) {
	m, s := fixture(t, 0)
	v := encode(t, m, s)
	types := map[string]reflect.Type{
		AggregatesPrefix + Insatser:         reflect.TypeFor[v1.InsatsCell](),
		AggregatesPrefix + InsatserPersoner: reflect.TypeFor[v1.PersonCell](),
		AggregatesPrefix + Beslut:           reflect.TypeFor[v1.BeslutCell](),
		AggregatesPrefix + EjVerkstallda:    reflect.TypeFor[v1.EjVerkstalltCell](),
		AggregatesPrefix + KBF:              reflect.TypeFor[v1.KBFCell](),
		AggregatesPrefix + Lov:              reflect.TypeFor[v1.LovCell](),
		AggregatesPrefix + Befolkning:       reflect.TypeFor[v1.BefolkningCell](),
		AggregatesPrefix + SFB:              reflect.TypeFor[v1.SFBCell](),
		RawPrefix + Insatser:                reflect.TypeFor[v1.Insats](),
		RawPrefix + Beslut:                  reflect.TypeFor[v1.Beslut](),
		RawPrefix + EjVerkstallda:           reflect.TypeFor[v1.EjVerkstallt](),
		RawPrefix + KBF:                     reflect.TypeFor[v1.KBF](),
	}
	checked := map[string]bool{}
	for key, data := range v.Files {
		k, err := ParseKey(key)
		if err != nil {
			t.Fatal(err)
		}
		typ := types[k.Prefix+k.Dataset]
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if got := f.Metadata().CreatedBy; got != createdBy {
			t.Errorf("%s: created_by %q, want %q", key, got, createdBy)
		}
		for _, rg := range f.Metadata().RowGroups {
			for _, cc := range rg.Columns {
				md := cc.MetaData
				col := strings.Join(md.PathInSchema, ".")
				if md.Codec != format.Zstd {
					t.Errorf("%s column %s: codec %v, want ZSTD", key, col, md.Codec)
				}
				want, ok := taggedEncoding(typ, col)
				if !ok {
					continue
				}
				got := map[format.Encoding]bool{}
				for _, st := range md.EncodingStats {
					if st.PageType == format.DataPage || st.PageType == format.DataPageV2 {
						got[st.Encoding] = true
					}
				}
				if len(got) != 1 || !got[want] || !slices.Contains(md.Encoding, want) {
					t.Errorf("%s column %s: data pages encoded %v (chunk lists %v), want %v", key, col, slices.Collect(maps.Keys(got)), md.Encoding, want)
				}
				checked[typ.Name()+"."+col] = true
			}
		}
	}
	// Every tagged column of every type was seen in some file.
	for _, typ := range types {
		for i := range typ.NumField() {
			name := strings.Split(typ.Field(i).Tag.Get("parquet"), ",")[0]
			if _, ok := taggedEncoding(typ, name); ok && !checked[typ.Name()+"."+name] {
				t.Errorf("%s.%s: no file had the column to check", typ.Name(), name)
			}
		}
	}
}

// taggedEncoding returns the encoding the parquet struct tag of typ's column
// col asks for: dict or delta.
func taggedEncoding(typ reflect.Type, col string) (format.Encoding, bool) {
	for i := range typ.NumField() {
		opts := strings.Split(typ.Field(i).Tag.Get("parquet"), ",")
		if opts[0] != col {
			continue
		}
		switch {
		case slices.Contains(opts[1:], "dict"):
			return format.RLEDictionary, true
		case slices.Contains(opts[1:], "delta"):
			return format.DeltaBinaryPacked, true
		}
	}
	return 0, false
}

func TestOpenReportsDamage(t *testing.T) {
	ctx := context.Background()
	m, s := fixture(t, 0)
	kbf2024 := func(v *Version) File { return v.Manifest.Datasets[KBF].Files[1] }
	tests := []struct {
		name string
		// damage breaks the published lake in dir; it may republish.
		damage func(t *testing.T, st store.Store, dir string, v *Version)
		is     error
		want   []string
		// file is whether the damage is to a data file of kbf, which
		// OpenLazy leaves to ReadDataset.
		file bool
	}{
		{
			name: "missing file",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				if err := st.Delete(ctx, kbf2024(v).Key); err != nil {
					t.Fatal(err)
				}
			},
			is:   store.ErrNotFound,
			want: []string{"dataset kbf", "manifest.json lists aggregates/dataset=kbf/ar=2024/part-", "does not hold"},
			file: true,
		},
		{
			name: "truncated file",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				p := filepath.Join(dir, filepath.FromSlash(kbf2024(v).Key))
				if err := os.Truncate(p, 100); err != nil {
					t.Fatal(err)
				}
			},
			is:   ErrCorrupt,
			want: []string{"dataset kbf", "aggregates/dataset=kbf/ar=2024/part-", "100 bytes, the manifest says"},
			file: true,
		},
		{
			name: "changed byte",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				p := filepath.Join(dir, filepath.FromSlash(kbf2024(v).Key))
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				b[len(b)/2] ^= 0xff
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			is:   ErrCorrupt,
			want: []string{"dataset kbf", "aggregates/dataset=kbf/ar=2024/part-", "sha256 is"},
			file: true,
		},
		{
			name: "column missing",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				type oldKBFCell struct {
					Namnd         string `parquet:"namnd,dict"`
					Kon           string `parquet:"kon,dict"`
					AntalPersoner int64  `parquet:"antal_personer,delta"`
				}
				b, err := encodeRows(KBF, []oldKBFCell{{Namnd: "bromma", Kon: "K", AntalPersoner: 4}})
				if err != nil {
					t.Fatal(err)
				}
				replaceFile(t, st, v, KBF, 1, b)
			},
			is:   ErrCorrupt,
			want: []string{"dataset kbf", "aggregates/dataset=kbf/ar=2024/part-", `column "belopp_kr" is missing`},
			file: true,
		},
		{
			name: "column of another type",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				type textKBFCell struct {
					Namnd         string `parquet:"namnd,dict"`
					Kon           string `parquet:"kon,dict"`
					AntalPersoner int64  `parquet:"antal_personer,delta"`
					BeloppKr      string `parquet:"belopp_kr"`
				}
				b, err := encodeRows(KBF, []textKBFCell{{Namnd: "bromma", Kon: "K", AntalPersoner: 4, BeloppKr: "1 000"}})
				if err != nil {
					t.Fatal(err)
				}
				replaceFile(t, st, v, KBF, 1, b)
			},
			is:   ErrCorrupt,
			want: []string{"dataset kbf", `column "belopp_kr" is STRING, the format says INT(64,true)`},
			file: true,
		},
		{
			name: "manifest in another format",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				b := bytes.Replace(v.ManifestJSON, []byte(`"vparquet1"`), []byte(`"vparquet2"`), 1)
				if _, err := st.Put(ctx, ManifestKey, b, store.PutOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"manifest.json", `format is "vparquet2"`, "reads \"vparquet1\" only"},
		},
		{
			name: "manifest edited by hand",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				b := bytes.Replace(v.ManifestJSON, []byte(`"ar": 2024`), []byte(`"ar": 2022`), 1)
				if _, err := st.Put(ctx, ManifestKey, b, store.PutOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"manifest.json", "is in partition ar=2024 but listed with ar 2022"},
		},
		{
			name: "unknown geography",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				b := bytes.Replace(v.ManifestJSON, []byte(`"created"`), []byte(`"geography": "atlantis", "created"`), 1)
				if _, err := st.Put(ctx, ManifestKey, b, store.PutOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"manifest.json", `geography "atlantis" is unknown; valid: stockholm, kommun`},
		},
		{
			name: "no manifest",
			damage: func(t *testing.T, st store.Store, dir string, v *Version) {
				if err := st.Delete(ctx, ManifestKey); err != nil {
					t.Fatal(err)
				}
			},
			is:   store.ErrNotFound,
			want: []string{"read manifest.json"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, dir := newStore(t)
			v := encode(t, m, s)
			publish(t, st, v, "")
			tt.damage(t, st, dir, v)
			check := func(how string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s succeeded on a damaged lake", how)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("%s: error %q does not wrap %v", how, err, tt.is)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q does not say %q", how, err, w)
					}
				}
			}
			_, err := Open(ctx, st)
			check("Open", err)
			// OpenLazy refuses the same damage to the manifest; a damaged
			// file, ReadDatasetYear reports as Open does, and only for its
			// dataset and year.
			snap, err := OpenLazy(ctx, st)
			if !tt.file {
				check("OpenLazy", err)
				return
			}
			if err != nil {
				t.Fatalf("OpenLazy: %v", err)
			}
			failed := 0
			for _, f := range snap.Manifest.Datasets[KBF].Files {
				s, err := ReadDatasetYear(ctx, st, snap.Manifest, KBF, f.Ar)
				if err != nil {
					failed++
					check(fmt.Sprintf("ReadDatasetYear %d", f.Ar), err)
				} else if len(s.KBF) != 1 || len(s.KBF[f.Ar]) == 0 {
					t.Errorf("ReadDatasetYear %d of an undamaged year: %d years, %d cells", f.Ar, len(s.KBF), len(s.KBF[f.Ar]))
				}
			}
			if failed != 1 {
				t.Errorf("%d years of KBF failed to read, want the damaged one", failed)
			}
			if s, err := ReadDatasetYear(ctx, st, snap.Manifest, Insatser, 2024); err != nil || len(s.Insatser) != 1 {
				t.Errorf("ReadDatasetYear of an undamaged dataset: %d years, %v", len(s.Insatser), err)
			}
		})
	}
}

// replaceFile puts data in place of the i-th aggregate file of a dataset
// and publishes a manifest that lists it correctly, so that only the file's
// content is wrong.
func replaceFile(t *testing.T, st store.Store, v *Version, dataset string, i int, data []byte) {
	t.Helper()
	d := v.Manifest.Datasets[dataset]
	f := d.Files[i]
	nv := &Version{Manifest: v.Manifest, Files: map[string][]byte{}}
	sum := sha256Hex(data)
	f.Key, f.Bytes, f.SHA256 = FileKey(AggregatesPrefix, dataset, f.Ar, sum), int64(len(data)), sum
	d.Files[i] = f
	d.Version = filesVersion(d.Files)
	v.Manifest.Version = v.Manifest.computeVersion()
	nv.Files[f.Key] = data
	b, err := v.Manifest.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	nv.ManifestJSON = b
	_, attrs, err := ReadManifest(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, st, nv, attrs.ETag)
}

func TestPublishIsConditional(t *testing.T) {
	ctx := context.Background()
	m, s := fixture(t, 0)
	_, s1 := fixture(t, 1)
	_, s2 := fixture(t, 2)
	v0, v1, v2 := encode(t, m, s), encode(t, m, s1), encode(t, m, s2)
	st, _ := newStore(t)

	e0 := publish(t, st, v0, "")
	if _, err := Publish(ctx, st, v1, ""); !errors.Is(err, store.ErrPreconditionFailed) {
		t.Fatalf("creating a manifest over an existing one: err = %v, want ErrPreconditionFailed", err)
	}
	e1 := publish(t, st, v1, e0)

	// A writer that read v0 loses to the one that published v1 since.
	_, err := Publish(ctx, st, v2, e0)
	if !errors.Is(err, store.ErrPreconditionFailed) {
		t.Fatalf("publishing over a changed manifest: err = %v, want ErrPreconditionFailed", err)
	}
	if !strings.Contains(err.Error(), "read the lake again and retry") {
		t.Errorf("error %q does not say what to do", err)
	}
	snap, err := Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if snap.ETag != e1 || snap.Manifest.Version != v1.Manifest.Version || !reflect.DeepEqual(snap.Set, s1) {
		t.Errorf("after the lost race the lake is at version %s, want %s (the winner's)", snap.Manifest.Version, v1.Manifest.Version)
	}
	// The loser's files may be there, but the manifest never names them,
	// and the winner's files are all readable.
	publish(t, st, v2, e1)
}

func TestPublishKeepsAndRepairsFiles(t *testing.T) {
	ctx := context.Background()
	m, s := fixture(t, 0)
	v := encode(t, m, s)
	st, dir := newStore(t)
	etag := publish(t, st, v, "")
	key := v.Manifest.Datasets[Insatser].Files[0].Key
	p := filepath.Join(dir, filepath.FromSlash(key))
	if err := os.WriteFile(p, []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, st); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open on a damaged file: err = %v, want ErrCorrupt", err)
	}
	if etag2 := publish(t, st, v, etag); etag2 != etag {
		t.Errorf("republishing the same version changed the manifest ETag from %s to %s", etag, etag2)
	}
	if _, err := Open(ctx, st); err != nil {
		t.Fatalf("republishing did not repair %s: %v", key, err)
	}
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	m, s := fixture(t, 0)
	m1, s1 := fixture(t, 1)
	st, _ := newStore(t)
	e0 := publish(t, st, encode(t, m, s), "")
	snap, err := Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}

	same, err := snap.Refresh(ctx, st)
	if err != nil || same != snap {
		t.Fatalf("Refresh on an unchanged manifest = %p, %v; want the same snapshot %p", same, err, snap)
	}

	// Only the raw files change: same aggregates, new manifest.
	rawOnly := encode(t, m1, s)
	e1 := publish(t, st, rawOnly, e0)
	r1, err := snap.Refresh(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ETag != e1 || r1.Set != snap.Set || r1.Manifest.Version != snap.Manifest.Version {
		t.Errorf("after a raw-only change: ETag %s (want %s), shared set %v (want true)", r1.ETag, e1, r1.Set == snap.Set)
	}

	publish(t, st, encode(t, m1, s1), e1)
	r2, err := r1.Refresh(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Manifest.Version == r1.Manifest.Version || !reflect.DeepEqual(r2.Set, s1) {
		t.Errorf("after an aggregate change: version %s, set equal to the new one: %v", r2.Manifest.Version, reflect.DeepEqual(r2.Set, s1))
	}

	// A snapshot of OpenLazy refreshes lazily: the new version's manifest
	// and pattern, and its datasets from ReadDataset.
	lazy := &Snapshot{Manifest: r1.Manifest, ETag: r1.ETag, Disclosure: r1.Disclosure, lazy: true}
	r3, err := lazy.Refresh(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Set != nil || r3.Manifest.Version != r2.Manifest.Version {
		t.Errorf("a lazy refresh read the tables (%v) or not the new version (%s)", r3.Set != nil, r3.Manifest.Version)
	}
	kbf := map[int][]v1.KBFCell{}
	for _, f := range r3.Manifest.Datasets[KBF].Files {
		s, err := ReadDatasetYear(ctx, st, r3.Manifest, KBF, f.Ar)
		if err != nil {
			t.Fatalf("ReadDatasetYear %d after a lazy refresh: %v", f.Ar, err)
		}
		kbf[f.Ar] = s.KBF[f.Ar]
	}
	if !reflect.DeepEqual(kbf, s1.KBF) {
		t.Error("ReadDatasetYear after a lazy refresh: not the new KBF tables")
	}
}

func TestWriteDirAndDiffDir(t *testing.T) {
	m, s := fixture(t, 0)
	_, s1 := fixture(t, 1)
	v0, v1 := encode(t, m, s), encode(t, m, s1)
	dir := t.TempDir()
	keep := filepath.Join(dir, "README.md")
	if err := os.WriteFile(keep, []byte("not a lake file\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := v0.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if diff, err := v0.DiffDir(dir); err != nil || len(diff) != 0 {
		t.Fatalf("DiffDir right after WriteDir = %q, %v", diff, err)
	}
	if err := v1.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if diff, err := v1.DiffDir(dir); err != nil || len(diff) != 0 {
		t.Fatalf("DiffDir after rewriting = %q, %v; stale files should be gone", diff, err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("WriteDir removed a file outside the lake layout: %v", err)
	}
	st, err := dirstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if snap, err := Open(context.Background(), st); err != nil || !reflect.DeepEqual(snap.Set, s1) {
		t.Errorf("the written directory does not open as the version: %v", err)
	}

	// The diff against v0 names each kind of drift.
	diff, err := v0.DiffDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, d := range diff {
		kinds[strings.Fields(d)[0]] = true
	}
	for _, k := range []string{"changed", "missing", "extra"} {
		if !kinds[k] {
			t.Errorf("diff %q has no %q line", diff, k)
		}
	}
	if !slices.Contains(diff, "changed manifest.json") {
		t.Errorf("diff %q does not name manifest.json", diff)
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		key     string
		want    Key
		wantErr bool
	}{
		{key: "aggregates/dataset=kbf/ar=2024/part-0123456789abcdef.parquet", want: Key{AggregatesPrefix, KBF, 2024, "0123456789abcdef"}},
		{key: "raw/dataset=ej_verkstallda/ar=2023/part-fedcba9876543210.parquet", want: Key{RawPrefix, EjVerkstallda, 2023, "fedcba9876543210"}},
		{key: "uploads/dataset=kbf/ar=2024/part-0123456789abcdef.parquet", wantErr: true},
		{key: "aggregates/dataset=kbf/ar=24/part-0123456789abcdef.parquet", wantErr: true},
		{key: "aggregates/dataset=kbf/ar=2024/part-0123456789ABCDEF.parquet", wantErr: true},
		{key: "aggregates/dataset=kbf/ar=2024/part-0123.parquet", wantErr: true},
		{key: "aggregates/kbf/2024/part-0123456789abcdef.parquet", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := ParseKey(tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseKey error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadKey) {
				t.Errorf("error %v does not wrap ErrBadKey", err)
			}
			if got != tt.want {
				t.Errorf("ParseKey = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestGeography: a version over the national geography names it in its
// manifest, and Open reads it back; Stockholm's is not written, so older
// manifests and the sample lake are unchanged.
func TestGeography(t *testing.T) {
	ctx := context.Background()
	m, s := fixture(t, 0)
	v := encode(t, m, s)
	if bytes.Contains(v.ManifestJSON, []byte("geography")) {
		t.Fatalf("a Stockholm manifest names a geography:\n%s", v.ManifestJSON)
	}
	if err := v.SetGeography(dataset.Stockholm); err != nil || bytes.Contains(v.ManifestJSON, []byte("geography")) {
		t.Fatalf("SetGeography(Stockholm): %v\n%s", err, v.ManifestJSON)
	}
	if err := v.SetGeography(dataset.Kommuner); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(v.ManifestJSON, []byte(`"geography": "kommun"`)) {
		t.Fatalf("the manifest does not name its geography:\n%s", v.ManifestJSON)
	}
	st, _ := newStore(t)
	publish(t, st, v, "")
	snap, err := Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Manifest.Geography != "kommun" {
		t.Errorf("geography read back as %q", snap.Manifest.Geography)
	}
}

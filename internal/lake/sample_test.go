package lake

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/synth"
)

// sampleDir is the committed sample lake, from this package's directory.
var sampleDir = filepath.Join("..", "..", "testdata", "lake")

// TestSampleLakeIsUpToDate regenerates the sample lake in memory, as
// `go run ./testdata/gen` does, and requires the committed testdata/lake to
// be byte for byte the same, manifest and files. It then opens the
// committed lake as the API would.
func TestSampleLakeIsUpToDate(t *testing.T) {
	m, e, err := synth.Generate()
	if err != nil {
		// The generators' own tests report this; the sample lake holds
		// whatever they make, and a drift below says when that changed.
		t.Logf("synth.Generate: %v", err)
	}
	set, err := aggregate.Build(m, e)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Encode(m, set, SampleCreated)
	if err != nil {
		t.Fatal(err)
	}
	// The disclosure pattern takes minutes to compute; internal/protect's
	// tests check the committed one against the engine. Here it is carried
	// over, so the comparison covers everything else, manifest included.
	committed, err := os.ReadFile(filepath.Join(sampleDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	cm, err := ParseManifest(committed)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Disclosure == nil {
		t.Fatal("testdata/lake has no disclosure pattern; run `go run ./testdata/gen`")
	}
	pattern, err := os.ReadFile(filepath.Join(sampleDir, filepath.FromSlash(cm.Disclosure.Key)))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetDisclosure(pattern); err != nil {
		t.Fatal(err)
	}
	// So are the seed tables' stored answers, which internal/api computes
	// (its TestStoredReportsAreUpToDate checks the committed ones).
	if cm.Reports == nil {
		t.Fatal("testdata/lake has no stored reports; run `go run ./testdata/gen`")
	}
	reps, err := os.ReadFile(filepath.Join(sampleDir, filepath.FromSlash(cm.Reports.Key)))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetReports(reps); err != nil {
		t.Fatal(err)
	}
	diff, err := v.DiffDir(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) > 0 {
		t.Fatalf("testdata/lake is not what the generators make now (version %s); run `go run ./testdata/gen` and commit testdata/lake:\n\t%s",
			v.Manifest.Version, strings.Join(diff, "\n\t"))
	}

	st, err := dirstore.New(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	snap, err := Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ReadRaw(ctx, st, snap.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	again, err := aggregate.Build(raw, &aggregate.External{Lov: snap.Set.Lov, Befolkning: snap.Set.Befolkning, SFB: snap.Set.SFB})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, snap.Set) {
		t.Errorf("aggregating the sample lake's microdata does not give its aggregates")
	}
}

// TestSampleLakeIsSmall keeps the committed lake small enough to embed in
// the API binary and to review.
func TestSampleLakeIsSmall(t *testing.T) {
	const limit = 4 << 20
	st, err := dirstore.New(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	m, attrs, err := ReadManifest(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	total := attrs.Size
	for _, d := range m.Datasets {
		for _, f := range append(d.Files, d.Raw...) {
			total += f.Bytes
		}
	}
	if total > limit {
		t.Errorf("testdata/lake holds %d bytes, more than %d", total, limit)
	}
}

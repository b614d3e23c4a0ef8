package upload_test

import (
	"context"
	"flag"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/lake"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/synth"
	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

var update = flag.Bool("update", false, "rewrite the expected reports of testdata/uploads/bad and the columns of schema/uploads.md")

// Paths from this package's directory.
var (
	uploadsDir = filepath.Join("..", "..", "testdata", "uploads")
	lakeDir    = filepath.Join("..", "..", "testdata", "lake")
	uploadsDoc = filepath.Join("..", "..", "schema", "uploads.md")
)

// samples generates the sample uploads as `go run ./testdata/uploads/gen`
// does, with the microdata they come from.
func samples(t *testing.T) (*aggregate.Microdata, *aggregate.External, []uploadtest.Sample) {
	t.Helper()
	m, e, err := synth.Generate()
	if err != nil {
		t.Fatalf("synth.Generate: %v", err)
	}
	files, err := uploadtest.All(m, e)
	if err != nil {
		t.Fatal(err)
	}
	return m, e, files
}

// TestSampleUploadsUpToDate requires testdata/uploads to be what the
// generator makes now, byte for byte.
func TestSampleUploadsUpToDate(t *testing.T) {
	_, _, files := samples(t)
	drift, err := uploadtest.Diff(uploadsDir, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Errorf("testdata/uploads is not what the generator makes; run `go run ./testdata/uploads/gen` and commit testdata/uploads:\n\t%s", strings.Join(drift, "\n\t"))
	}
}

// readGood reads every committed good upload and collects its rows by
// dataset and year, files of a year in the order of their paths (so the
// quarters of ej_verkstallda 2024 follow each other).
func readGood(t *testing.T, files []uploadtest.Sample) (*aggregate.Microdata, *aggregate.External) {
	t.Helper()
	got := &aggregate.Microdata{Insatser: map[int][]v1.Insats{}, Beslut: map[int][]v1.Beslut{}, EjVerkstallda: map[int][]v1.EjVerkstallt{}, KBF: map[int][]v1.KBF{}}
	ext := &aggregate.External{Lov: map[int][]v1.LovCell{}, Befolkning: map[int][]v1.BefolkningCell{}, SFB: map[int][]v1.SFBCell{}}
	slices.SortFunc(files, func(a, b uploadtest.Sample) int { return strings.Compare(a.Path, b.Path) })
	for _, s := range files {
		if strings.HasPrefix(s.Path, "bad/") || s.Path == "README.md" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(uploadsDir, filepath.FromSlash(s.Path)))
		if err != nil {
			t.Fatal(err)
		}
		f, err := upload.Read(s.Path, data)
		if err != nil {
			t.Fatalf("%s is rejected:\n%v", s.Path, reportText(err))
		}
		y := f.Period.Year
		switch f.Dataset {
		case upload.Insatser:
			got.Insatser[y] = append(got.Insatser[y], f.Insatser...)
		case upload.Beslut:
			got.Beslut[y] = append(got.Beslut[y], f.Beslut...)
		case upload.EjVerkstallda:
			got.EjVerkstallda[y] = append(got.EjVerkstallda[y], f.EjVerkstallda...)
		case upload.KBF:
			got.KBF[y] = append(got.KBF[y], f.KBF...)
		case upload.Lov:
			ext.Lov[y] = append(ext.Lov[y], f.Lov...)
		case upload.Befolkning:
			ext.Befolkning[y] = append(ext.Befolkning[y], f.Befolkning...)
		case upload.SFB:
			ext.SFB[y] = append(ext.SFB[y], f.SFB...)
		}
	}
	return got, ext
}

func reportText(err error) string {
	if r, ok := upload.AsReport(err); ok {
		return r.String()
	}
	return err.Error()
}

// TestGoodUploads reads every good sample upload and requires exactly the
// synthetic microdata of its dataset and year, in order: the uploads are a
// complete and faithful copy of what built the sample lake.
func TestGoodUploads(t *testing.T) {
	m, e, files := samples(t)
	got, gotExt := readGood(t, files)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"insatser", got.Insatser, m.Insatser},
		{"beslut", got.Beslut, m.Beslut},
		{"ej_verkstallda", got.EjVerkstallda, m.EjVerkstallda},
		{"kbf", got.KBF, m.KBF},
		{"lov", gotExt.Lov, e.Lov},
		{"befolkning", gotExt.Befolkning, e.Befolkning},
		{"sfb", gotExt.SFB, e.SFB},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			g, w := reflect.ValueOf(c.got), reflect.ValueOf(c.want)
			for _, k := range w.MapKeys() {
				if !reflect.DeepEqual(g.MapIndex(k).Interface(), w.MapIndex(k).Interface()) {
					t.Errorf("%s %v: the uploads give %d rows that differ from the %d synthetic rows", c.name, k, g.MapIndex(k).Len(), w.MapIndex(k).Len())
				}
			}
			if g.Len() != w.Len() {
				t.Errorf("%s: the uploads have %d years, the microdata %d", c.name, g.Len(), w.Len())
			}
		}
	}
}

// TestLakeFromUploads rebuilds the sample lake from the uploads alone and
// requires the committed testdata/lake, file for file (its disclosure
// pattern carried over).
func TestLakeFromUploads(t *testing.T) {
	_, _, files := samples(t)
	m, ext := readGood(t, files)
	st, err := dirstore.New(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := lake.Open(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	set, err := aggregate.Build(m, ext)
	if err != nil {
		t.Fatal(err)
	}
	v, err := lake.Encode(m, set, lake.SampleCreated)
	if err != nil {
		t.Fatal(err)
	}
	// the disclosure pattern takes minutes to compute; internal/protect's
	// tests check the committed one against the engine, so it is carried
	// over and the comparison covers everything else, manifest included
	if err := v.SetDisclosure(snap.Disclosure); err != nil {
		t.Fatal(err)
	}
	// so are the seed tables' stored answers (internal/api checks them)
	if f := snap.Manifest.Reports; f != nil {
		reps, err := lake.ReadFile(context.Background(), st, *f)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.SetReports(reps); err != nil {
			t.Fatal(err)
		}
	}
	diff, err := v.DiffDir(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) > 0 {
		t.Errorf("the lake built from testdata/uploads differs from testdata/lake:\n\t%s", strings.Join(diff, "\n\t"))
	}
}

// TestBadUploads reads every rejected sample and compares its report with
// the committed one next to it (<name>.expected.txt); -update rewrites
// them. Together the samples must show every reason.
func TestBadUploads(t *testing.T) {
	_, _, files := samples(t)
	seen := map[upload.Reason]bool{}
	n := 0
	for _, s := range files {
		if !strings.HasPrefix(s.Path, "bad/") {
			continue
		}
		n++
		file := filepath.Join(uploadsDir, filepath.FromSlash(s.Path))
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := upload.Read(s.Path, data)
		r, ok := upload.AsReport(err)
		if f != nil || !ok {
			t.Errorf("%s: not rejected (error %v)", s.Path, err)
			continue
		}
		for reason := range r.Counts {
			seen[reason] = true
		}
		golden := strings.TrimSuffix(file, path.Ext(file)) + ".expected.txt"
		if *update {
			if err := os.WriteFile(golden, []byte(r.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s: %v (run with -update to write it)", s.Path, err)
			continue
		}
		if got := r.String(); got != string(want) {
			t.Errorf("%s: the report differs from %s (run with -update after checking):\n got:\n%s\nwant:\n%s", s.Path, filepath.Base(golden), got, want)
		}
	}
	if n == 0 {
		t.Fatal("no rejected samples")
	}
	for _, reason := range upload.Reasons {
		if !seen[reason] {
			t.Errorf("no rejected sample shows %s", reason)
		}
	}
}

// TestColumnsDoc fails when schema/uploads.md shows other columns than
// the reader accepts, or leaves a reason unexplained; -update rewrites the
// generated section.
func TestColumnsDoc(t *testing.T) {
	b, err := os.ReadFile(uploadsDoc)
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- generated below by internal/upload.ColumnsMarkdown -->\n"
	doc := string(b)
	i := strings.Index(doc, marker)
	if i < 0 {
		t.Fatalf("%s lacks the line %q", uploadsDoc, strings.TrimSpace(marker))
	}
	want := doc[:i+len(marker)] + "\n" + upload.ColumnsMarkdown()
	if *update {
		if err := os.WriteFile(uploadsDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		doc = want
	} else if doc != want {
		t.Errorf("%s drifts from internal/upload: run `go test ./internal/upload -run TestColumnsDoc -update`", uploadsDoc)
	}
	for _, r := range upload.Reasons {
		if !strings.Contains(doc, "| `"+string(r)+"` |") {
			t.Errorf("%s does not explain the reason %s", uploadsDoc, r)
		}
	}
}

package api

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/synth"
)

// nationalLake writes, once per test binary, a lake over the national
// geography with the sample's volume (synth.National at scale 1) and the
// fast Gauss pattern, and returns its directory. It holds kbf and beslut
// only: the structures of insatser and ej_verkstallda over 290
// municipalities take a minute to build (the scale benchmark serves them).
var nationalLake = sync.OnceValues(func() (string, error) {
	m, e, err := synth.National(1, 1)
	if err != nil {
		return "", err
	}
	clear(m.Insatser)
	clear(m.EjVerkstallda)
	set, err := aggregate.Build(m, e)
	if err != nil {
		return "", err
	}
	v, err := lake.Encode(m, set, lake.SampleCreated)
	if err != nil {
		return "", err
	}
	if err := v.SetGeography(dataset.Kommuner); err != nil {
		return "", err
	}
	// ingest.ProtectGauss's pattern, made here: internal/ingest imports
	// this package (api.StoreReports).
	rules := protect.Rules{Threshold: 4, ProtectionLevel: 3}
	gauss, err := protect.ProtectLakeGauss(set.Source(), dataset.Kommuner, rules)
	if err != nil {
		return "", err
	}
	pattern, err := gauss.MarshalPatterns(rules)
	if err != nil {
		return "", err
	}
	if err := v.SetDisclosure(pattern); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "insyn-national-")
	if err != nil {
		return "", err
	}
	nationalDir = dir
	return dir, v.WriteDir(dir)
})

// nationalDir is the directory nationalLake wrote, removed by TestMain.
var nationalDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if nationalDir != "" {
		os.RemoveAll(nationalDir)
	}
	os.Exit(code)
}

func nationalHandler(t *testing.T) (*Handler, *Lake) {
	t.Helper()
	dir, err := nationalLake()
	if err != nil {
		t.Fatal(err)
	}
	st, err := dirstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := OpenLake(context.Background(), st, LakeOptions{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(l, HandlerOptions{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return h, l
}

// TestNationalGeography: a lake whose manifest names the national
// geography is served with its municipalities as the nämnd dimension —
// code lists and labels, validation, figures through its disclosure
// pattern, no Stockholm district note — and the seed tables laid out by
// Stockholm's nämnder are refused with the ones that answer.
func TestNationalGeography(t *testing.T) {
	h, l := nationalHandler(t)
	v := l.cur.Load()

	var ds struct {
		Datasets []struct {
			Name, Label string
			Dimensions  []struct {
				Name, Label string
				Codes       []struct{ Code, Label string }
			}
		}
	}
	query(t, h, `{ datasets { name label dimensions { name label codes { code label } } } }`, nil, &ds)
	namnd := 0
	for _, d := range ds.Datasets {
		if d.Name == "befolkning" && d.Label != "Befolkning per kommun" {
			t.Errorf("befolkning is labelled %q", d.Label)
		}
		for _, dim := range d.Dimensions {
			if dim.Name != "namnd" {
				continue
			}
			namnd++
			if dim.Label != "Kommun" || len(dim.Codes) != 290 || dim.Codes[16].Code != "k017" || dim.Codes[16].Label != "Kommun 17" {
				t.Errorf("%s: dimension namnd is %q with %d codes", d.Name, dim.Label, len(dim.Codes))
			}
		}
	}
	if namnd != 5 {
		t.Errorf("%d datasets have the dimension namnd, want 5", namnd)
	}

	tab := askTable(t, h, map[string]any{"dataset": "kbf", "measure": "PERSONS", "period": "2024", "groupBy": []string{"namnd", "kon"}, "totals": true})
	if len(tab.Table.Cells) != 291*3 {
		t.Fatalf("%d cells, want 291×3", len(tab.Table.Cells))
	}
	c, err := v.cubes.get("kbf")
	if err != nil {
		t.Fatal(err)
	}
	published, hidden := 0, 0
	for _, cell := range tab.Table.Cells {
		f := cube.Filter{"ar": {"2024"}}
		for _, co := range cell.Coordinates {
			if !co.Total {
				f[co.Dimension] = []string{*co.Code}
			}
		}
		if cell.Coordinates[0].Code != nil && *cell.Coordinates[0].Code == "k001" && cell.Coordinates[0].Label != "Kommun 1" {
			t.Errorf("k001 is labelled %q", cell.Coordinates[0].Label)
		}
		if cell.Mark != MarkPublished {
			hidden++
			continue
		}
		published++
		want, _, err := c.Sum(f, "antal_personer")
		if err != nil {
			t.Fatal(err)
		}
		if *cell.Value != want {
			t.Fatalf("cell %v shows %v, the cube holds %v", f, *cell.Value, want)
		}
	}
	if published == 0 || hidden == 0 {
		t.Errorf("%d published and %d hidden cells: a national table should have both", published, hidden)
	}
	old := askTable(t, h, map[string]any{"dataset": "kbf", "measure": "SUM_SEK", "period": "2022", "groupBy": []string{"namnd"}})
	if slices.Contains(old.Table.Footnotes, districtNote) {
		t.Error("a national table carries the note on Stockholm's districts")
	}

	for _, bad := range []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"dataset": "kbf", "measure": "PERSONS", "period": "2024", "groupBy": []string{"kon"},
			"filter": []map[string]any{{"dimension": "namnd", "codes": []string{"bromma"}}}}, `"bromma" is not a code of dimension namnd`},
	} {
		a := decode(t, post(t, h, tableQuery, bad.vars))
		if len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, bad.want) || !strings.Contains(a.Errors[0].Message, "k289, k290 (290 in all)") {
			t.Errorf("%v: errors %+v, want one saying %q and naming the municipalities", bad.vars, a.Errors, bad.want)
		} else if valid, _ := a.Errors[0].Extensions["valid"].([]any); len(valid) != 290 {
			t.Errorf("extensions.valid lists %d codes, want the 290 municipalities", len(valid))
		}
	}

	a := decode(t, post(t, h, reportQuery, map[string]any{"id": "9:9"}))
	if len(a.Errors) == 0 || !strings.Contains(a.Errors[0].Message, "laid out by Stockholm's nämnder") ||
		!strings.Contains(a.Errors[0].Message, "geography kommun") || a.Errors[0].Extensions["code"] != CodeBadInput {
		t.Fatalf("report 9:9 on a national lake: %+v", a.Errors)
	}
	valid, _ := a.Errors[0].Extensions["valid"].([]any)
	if len(valid) == 0 || slices.Contains(valid, any("9:9")) {
		t.Errorf("the error lists %v as the seed tables that answer", valid)
	}
	for _, id := range valid {
		var r reportJSON
		query(t, h, reportQuery, map[string]any{"id": id}, &r)
		if len(r.Report.Rows) == 0 {
			t.Errorf("report %s has no rows", id)
		}
	}
}

// TestGeographyMismatch: a version whose manifest names another geography
// than its disclosure pattern was computed over is refused.
func TestGeographyMismatch(t *testing.T) {
	dir, err := nationalLake()
	if err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := os.CopyFS(other, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(other, lake.ManifestKey)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"geography": "kommun",`), nil, 1)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := dirstore.New(other)
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenLake(context.Background(), st, LakeOptions{Logger: discardLogger()})
	if err == nil || !strings.Contains(err.Error(), "computed over geography kommun, but its manifest names stockholm") {
		t.Errorf("OpenLake: %v", err)
	}
}

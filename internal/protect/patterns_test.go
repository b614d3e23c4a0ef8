package protect

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store/dirstore"
)

// TestStoredPatternOfTheSampleLake: the pattern committed in testdata/lake
// is the one the engine computes for its aggregates (`go run ./testdata/gen`
// rewrites it), and reading it back gives every cell its mark.
func TestStoredPatternOfTheSampleLake(t *testing.T) {
	l := protectedSample(t)
	want, err := l.MarshalPatterns(Rules{Threshold: 4, ProtectionLevel: 3})
	if err != nil {
		t.Fatal(err)
	}
	st, err := dirstore.New("../../testdata/lake")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := lake.Open(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if string(snap.Disclosure) != string(want) {
		t.Fatalf("testdata/lake's disclosure pattern is not what the engine computes now: run `go run ./testdata/gen`")
	}
	read, rules, err := UnmarshalLake(snap.Disclosure)
	if err != nil {
		t.Fatal(err)
	}
	if rules.Threshold != 4 || rules.ProtectionLevel != 3 {
		t.Errorf("rules read back as %+v", rules)
	}
	if !slices.Equal(read.Linked, Linked()) {
		t.Errorf("the pattern was protected as the systems %q, this build links %q", read.Linked, Linked())
	}
	if len(read.Structures) != len(l.Structures) {
		t.Fatalf("%d structures read back, want %d", len(read.Structures), len(l.Structures))
	}
	for i, p := range l.Structures {
		r := read.Structures[i]
		if r.Name != p.Name || r.Period != p.Period || r.Cube != p.Cube || r.Measure != p.Measure {
			t.Fatalf("structure %d read back as %s %s, want %s %s", i, r.Name, r.Period, p.Name, p.Period)
		}
		for c, cell := range p.Structure.Cells {
			j, ok := r.Structure.index[cell.Key]
			if !ok || read.Patterns[i].Marks[j] != l.Patterns[i].Marks[c] {
				t.Fatalf("%s %s: cell %s reads back as mark %d, want %d", p.Name, p.Period, cell.Key, read.Patterns[i].Marks[j], l.Patterns[i].Marks[c])
			}
		}
	}
}

// TestUnmarshalLakeRefusesForeignPatterns: a pattern of another format, of an
// unknown structure, computed for other cells or naming a cell that does not
// exist is refused with an error naming it.
func TestUnmarshalLakeRefusesForeignPatterns(t *testing.T) {
	for _, c := range []struct{ name, json, want string }{
		{"format", `{"format":"insyn-pattern/0","structures":[]}`, `format is "insyn-pattern/0"`},
		{"structure", `{"format":"insyn-pattern/1","structures":[{"name":"nope","ar":2024,"cells":1}]}`, `unknown structure "nope"`},
		{"cells", `{"format":"insyn-pattern/1","structures":[{"name":"kbf","ar":2024,"cells":7}]}`, `was computed for 7`},
		{"key", `{"format":"insyn-pattern/1","structures":[{"name":"kbf","ar":2024,"cells":36,"primary":["namnd=x|kon=K"]}]}`, `no cell "namnd=x|kon=K"`},
		{"json", `{"format":`, `disclosure pattern`},
		{"geography", `{"format":"insyn-pattern/1","geography":"atlantis","structures":[]}`, `geography "atlantis" is unknown`},
		{"method", `{"format":"insyn-pattern/1","method":"guess","structures":[]}`, `method "guess" is unknown`},
		{"kommun cells", `{"format":"insyn-pattern/1","geography":"kommun","structures":[{"name":"kbf","ar":2024,"cells":36}]}`, `kbf 2024 has 873 cells, but the pattern was computed for 36`},
		{"kommun insatser", `{"format":"insyn-pattern/1","geography":"kommun","structures":[{"name":"insatser","ar":2024,"cells":1323}]}`, `insatser 2024 has 23007 cells`},
	} {
		_, _, err := UnmarshalLake([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// TestPatternOfAnotherGeography: a pattern over the national geography
// records its geography and method, reads back over the same nämnd codes
// with every mark, and is refused by a reader of the cubes of another
// geography. A Stockholm pattern computed by the certified engine records
// neither, so the sample lake's bytes do not change.
func TestPatternOfAnotherGeography(t *testing.T) {
	b := cube.NewBuilder("kbf", []string{"ar", "namnd", "kon"}, []string{"antal_personer", "belopp_kr"})
	for i, k := range dataset.Kommuner.Areas {
		b.Add([]string{"2024", k, "K"}, float64(i%7), 1000)
		b.Add([]string{"2024", k, "M"}, float64(i%5+4), 1000)
	}
	src := cube.Source{"kbf": b.Cube()}
	for _, name := range []string{"insatser", "insatser_personer", "beslut", "ej_verkstallda"} {
		src[name] = &cube.Cube{Name: name}
	}
	ps, err := BuildAllIn(src, dataset.Kommuner)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || len(ps[0].Structure.Cells) != 291*3 {
		t.Fatalf("%d structures, want kbf 2024 with 291×3 cells", len(ps))
	}
	l := &Lake{Structures: ps, Geography: dataset.Kommuner.Name, Method: MethodGauss,
		Patterns: []*Pattern{Protect(ps[0].Structure, ps[0].Hier, Rules{Threshold: 4})}}
	data, err := l.MarshalPatterns(Rules{Threshold: 4, ProtectionLevel: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"geography": "kommun"`) || !strings.Contains(string(data), `"method": "gauss"`) {
		t.Fatalf("the pattern does not record its geography and method:\n%.300s", data)
	}
	read, _, err := UnmarshalLake(data)
	if err != nil {
		t.Fatal(err)
	}
	if read.Geography != "kommun" || read.Method != MethodGauss {
		t.Errorf("read back geography %q method %q", read.Geography, read.Method)
	}
	if l.Patterns[0].Primaries == 0 {
		t.Fatal("the test cube has no primary cell")
	}
	for c, cell := range ps[0].Structure.Cells {
		j, ok := read.Structures[0].Structure.index[cell.Key]
		if !ok || read.Patterns[0].Marks[j] != l.Patterns[0].Marks[c] {
			t.Fatalf("cell %s does not read back with mark %d", cell.Key, l.Patterns[0].Marks[c])
		}
	}
	if _, _, err := WithStructures(src, data); err != nil {
		t.Errorf("WithStructures over the same cubes: %v", err)
	}

	l.Geography, l.Method = "", ""
	stockholm, err := l.MarshalPatterns(Rules{Threshold: 4, ProtectionLevel: 3})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stockholm), "geography") || strings.Contains(string(stockholm), "method") {
		t.Errorf("a certified Stockholm pattern records a geography or method:\n%.300s", stockholm)
	}
	if _, _, err := UnmarshalLake(stockholm); err == nil || !strings.Contains(err.Error(), "kbf 2024 has 36 cells") {
		t.Errorf("a kommun structure read as Stockholm's: got %v, want a cell-count error", err)
	}
	l.Method = "guess"
	if _, err := l.MarshalPatterns(Rules{Threshold: 4}); err == nil || !strings.Contains(err.Error(), `method "guess"`) {
		t.Errorf("an unknown method: got %v", err)
	}
}

package protect

import (
	"context"
	"strings"
	"testing"

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
	} {
		_, _, err := UnmarshalLake([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

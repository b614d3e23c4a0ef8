package protect

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stockholm/insyn/internal/dataset"
)

// TestUnmarshalLakeLaysOutOnce: the structures UnmarshalLake lays out
// once per definition and shares among its periods have the cells a
// layout of each period has.
func TestUnmarshalLakeLaysOutOnce(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "lake", "aggregates", "_disclosure")
	files, err := filepath.Glob(filepath.Join(dir, "pattern-*.json"))
	if err != nil || len(files) != 1 {
		t.Fatalf("the sample lake's pattern: %v %v", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := UnmarshalLake(data)
	if err != nil {
		t.Fatal(err)
	}
	geo, err := dataset.LookupGeography(l.Geography)
	if err != nil {
		t.Fatal(err)
	}
	defs := map[string]definition{}
	for _, d := range definitions(geo) {
		defs[d.name] = d
	}
	periods := map[string]int{}
	for _, p := range l.Structures {
		want, err := defs[p.Name].protected(p.Period)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.Structure.Cells, want.Structure.Cells) || !reflect.DeepEqual(p.Structure.Dims, want.Structure.Dims) || p.Period != want.Period {
			t.Errorf("%s %s: the cells differ from a layout of the period", p.Name, p.Period)
		}
		for k, i := range want.Structure.index {
			if p.Structure.index[k] != i {
				t.Fatalf("%s %s: cell %q is %d, a layout gives %d", p.Name, p.Period, k, p.Structure.index[k], i)
			}
		}
		periods[p.Name]++
	}
	if len(periods) == len(l.Structures) {
		t.Fatal("no definition with two periods in the sample pattern")
	}
}

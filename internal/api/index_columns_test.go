package api

import (
	"context"
	"reflect"
	"testing"

	insyn "github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// TestIndexColumnsAsCube: every dataset and year of the sample lake, read
// column by column into an index, gives the index of the cube built from
// its rows: the same codes, integers, values, periods and exactness.
func TestIndexColumnsAsCube(t *testing.T) {
	ctx := context.Background()
	st := fsstore.New(insyn.SampleLake())
	m, _, err := lake.ReadManifest(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	empty := (&aggregate.Set{}).Drain()
	n := 0
	for name, d := range m.Datasets {
		for _, f := range d.Files {
			set, err := lake.ReadDatasetYear(ctx, st, m, name, f.Ar)
			if err != nil {
				t.Fatal(err)
			}
			c, err := set.Drain().Get(name)
			if err != nil {
				t.Fatal(err)
			}
			want, err := newCubeIndex(c, false)
			if err != nil {
				t.Fatal(err)
			}
			cols, err := lake.ReadColumns(ctx, st, m, name, f.Ar)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := indexColumns(empty[name], cols)
			if !ok {
				t.Fatalf("%s %d: the columns are not in the cube's order", name, f.Ar)
			}
			for _, x := range []*cubeIndex{got, want} {
				x.dims, x.measures = append([]string(nil), x.dims...), append([]string(nil), x.measures...)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %d: the index of the columns differs from the cube's:\ncolumns %+v\ncube    %+v", name, f.Ar, got, want)
			}
			n++
		}
	}
	if n < 20 {
		t.Fatalf("%d dataset years compared", n)
	}
}

// TestAscending: rows in coordinate order are taken as they are; rows
// out of order, or two rows of one cell, are not.
func TestAscending(t *testing.T) {
	codes := [][]string{{"2024"}, {"b", "a", "c"}, {"K", "M"}}
	for _, c := range []struct {
		col  [][]uint16
		want bool
	}{
		{[][]uint16{{0, 0, 0}, {1, 1, 0}, {0, 1, 0}}, true},  // a K, a M, b K
		{[][]uint16{{0, 0, 0}, {0, 1, 2}, {0, 0, 0}}, false}, // b, a: out of order
		{[][]uint16{{0, 0}, {1, 1}, {0, 0}}, false},          // a K twice
		{[][]uint16{{0, 0}, {1, 2}, {1, 0}}, true},           // a M, c K
	} {
		if got := ascending(codes, c.col, len(c.col[0])); got != c.want {
			t.Errorf("ascending(%v) = %v, want %v", c.col, got, c.want)
		}
	}
}

// TestQuartersOf: the periods of a quarterly dataset read from its
// indexes are those of its cube of strings.
func TestQuartersOf(t *testing.T) {
	v := sampleLake(t, -1).cur.Load()
	for _, name := range []string{lake.EjVerkstallda, lake.Insatser} {
		c, err := v.cubes.get(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.cubes.periods(name, true)
		if err != nil {
			t.Fatal(err)
		}
		if want := periodsOf(c, true); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: periods %v, the cube has %v", name, got, want)
		}
	}
}

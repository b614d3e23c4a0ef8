package protect

import (
	"context"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/reports"
	"github.com/stockholm/insyn/internal/store/dirstore"
)

func sampleSource(t *testing.T) cube.Source {
	t.Helper()
	src := sampleSourceNoT()
	if src == nil {
		t.Fatal("cannot open the sample lake testdata/lake")
	}
	return src
}

// sampleSourceNoT opens testdata/lake, or returns nil.
func sampleSourceNoT() cube.Source {
	st, err := dirstore.New("../../testdata/lake")
	if err != nil {
		return nil
	}
	snap, err := lake.Open(context.Background(), st)
	if err != nil {
		return nil
	}
	return snap.Set.Source()
}

// TestSeedTablesAreCellsOfTheStructure: every count a seed table of
// insatser prints or rests on is a cell of the protected structure of its
// year, with the same value — the structure covers the reports.
func TestSeedTablesAreCellsOfTheStructure(t *testing.T) {
	src := sampleSource(t)
	specs, err := reports.Specs()
	if err != nil {
		t.Fatal(err)
	}
	_, hier, err := InsatserViews()
	if err != nil {
		t.Fatal(err)
	}
	structures := map[string]*Structure{}
	for _, y := range []string{"2022", "2023", "2024"} {
		s, err := BuildInsatser(src["insatser"], y)
		if err != nil {
			t.Fatal(err)
		}
		structures[y] = s
		t.Logf("insatser %s: %d cells over %d atoms", y, len(s.Cells), len(s.Atoms))
	}
	checked := 0
	for _, id := range []string{"9:3", "9:4", "9:5", "9:6", "9:7", "9:8", "9:9", "9:10", "9:11", "9:12", "9:13", "9:14", "9:15", "9:22", "9:23"} {
		spec := specs[id]
		for r := range spec.Rows {
			for c := range spec.Cols {
				refs, err := spec.Counts(r, c)
				if err != nil {
					t.Fatal(err)
				}
				for _, ref := range refs {
					if ref.Cube != "insatser" {
						continue
					}
					year := ref.Where["ar"][0]
					s := structures[year]
					i, err := s.CellFor(ref.Where, hier)
					if err != nil {
						t.Errorf("table %s row %q column %s: %v", id, spec.Rows[r].Label, spec.Cols[c].Label, err)
						continue
					}
					want, _, err := src["insatser"].Sum(ref.Where, "antal_beslut")
					if err != nil {
						t.Fatal(err)
					}
					if s.Cells[i].Value != want {
						t.Errorf("table %s row %q column %s: cell %s = %v, the cube says %v", id, spec.Rows[r].Label, spec.Cols[c].Label, s.Cells[i].Key, s.Cells[i].Value, want)
					}
					checked++
				}
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d counts checked", checked)
	}
	t.Logf("%d seed-table counts are cells of the structure", checked)
}

// TestAtomsPartitionEveryCell: each cell's value is the sum of its atoms, the
// total cell holds every atom, and the atoms add up to the cube's total.
func TestAtomsPartitionEveryCell(t *testing.T) {
	src := sampleSource(t)
	s, err := BuildInsatser(src["insatser"], "2024")
	if err != nil {
		t.Fatal(err)
	}
	total, ok := s.Lookup(map[string]string{})
	if !ok {
		t.Fatal("no grand total cell")
	}
	if len(s.Cells[total].Atoms) != len(s.Atoms) {
		t.Errorf("the total holds %d of %d atoms", len(s.Cells[total].Atoms), len(s.Atoms))
	}
	want, _, _ := src["insatser"].Sum(cube.Filter{"ar": {"2024"}}, "antal_beslut")
	if s.Cells[total].Value != want {
		t.Errorf("total %v, cube %v", s.Cells[total].Value, want)
	}
	for _, c := range s.Cells {
		sum := 0.0
		for _, a := range c.Atoms {
			sum += s.Atoms[a].Value
		}
		if sum != c.Value {
			t.Fatalf("cell %s: atoms add up to %v, value %v", c.Key, sum, c.Value)
		}
	}
}

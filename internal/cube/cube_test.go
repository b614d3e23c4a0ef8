package cube

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSumReadsOnlyTheRowsItNeeds: Sum over a built (sorted) cube gives the
// same sum and count as reading every row, for filters on the first
// dimension with one code, several, repeated, unknown or none at all, and
// on other dimensions.
func TestSumReadsOnlyTheRowsItNeeds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := NewBuilder("c", []string{"ar", "namnd", "kon"}, []string{"n"})
	years, namnder, kon := []string{"2022", "2023", "2024"}, []string{"a", "b", "c", "d"}, []string{"K", "M"}
	for range 500 {
		b.Add([]string{years[rng.IntN(3)], namnder[rng.IntN(4)], kon[rng.IntN(2)]}, rng.Float64()*10)
	}
	c := b.Cube()
	unsorted := *c
	unsorted.sorted = false
	for _, f := range []Filter{
		{}, {"ar": {"2023"}}, {"ar": {"2024", "2022"}}, {"ar": {"2023", "2023"}}, {"ar": {"1999"}}, {"ar": {}},
		{"ar": {"2024"}, "kon": {"K"}}, {"namnd": {"b", "d"}}, {"ar": {"2022", "2024"}, "namnd": {"a"}, "kon": {"M", "K"}},
	} {
		got, gotN, err := c.Sum(f, "n")
		if err != nil {
			t.Fatal(err)
		}
		want, wantN, _ := unsorted.Sum(f, "n")
		if got != want || gotN != wantN {
			t.Errorf("%v: %v over %d rows, reading every row gives %v over %d", f, got, gotN, want, wantN)
		}
	}
	if len(c.ranges(Filter{"ar": {"2023"}})) != 1 || slices.Equal(c.ranges(Filter{"ar": {"2023"}})[0][:], []int{0, len(c.Rows)}) {
		t.Error("a one-year filter reads every row")
	}
}

// TestConcat: the cubes built from each year's rows, joined in year
// order, are the cube built from all the rows, sorted, with the same sums.
func TestConcat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dims, measures := []string{"ar", "namnd", "kon"}, []string{"n"}
	all := NewBuilder("c", dims, measures)
	byYear := map[string]*Builder{}
	years := []string{"2022", "2023", "2024"}
	for _, y := range years {
		byYear[y] = NewBuilder("c", dims, measures)
	}
	for range 500 {
		coords := []string{years[rng.IntN(3)], []string{"a", "b", "c"}[rng.IntN(3)], []string{"K", "M"}[rng.IntN(2)]}
		v := rng.Float64() * 10
		all.Add(coords, v)
		byYear[coords[0]].Add(coords, v)
	}
	want := all.Cube()
	got, err := Concat(byYear["2022"].Cube(), NewBuilder("c", dims, measures).Cube(), byYear["2023"].Cube(), byYear["2024"].Cube())
	if err != nil {
		t.Fatal(err)
	}
	if !got.sorted || len(got.Rows) != len(want.Rows) {
		t.Fatalf("sorted %v, %d rows; want sorted, %d rows", got.sorted, len(got.Rows), len(want.Rows))
	}
	for i := range want.Rows {
		if !slices.Equal(got.Rows[i].Coords, want.Rows[i].Coords) || !slices.Equal(got.Rows[i].Values, want.Rows[i].Values) {
			t.Fatalf("row %d is %v, want %v", i, got.Rows[i], want.Rows[i])
		}
	}
	swapped, err := Concat(byYear["2024"].Cube(), byYear["2022"].Cube())
	if err != nil {
		t.Fatal(err)
	}
	if swapped.sorted {
		t.Error("parts out of order make a cube said to be sorted")
	}
	if s1, n1, _ := swapped.Sum(Filter{"ar": {"2022"}}, "n"); true {
		s2, n2, _ := want.Sum(Filter{"ar": {"2022"}}, "n")
		if s1 != s2 || n1 != n2 {
			t.Errorf("2022 of parts out of order: %v over %d rows, want %v over %d", s1, n1, s2, n2)
		}
	}
	if _, err := Concat(want, NewBuilder("d", dims, measures).Cube()); err == nil {
		t.Error("Concat joined two cubes")
	}
}

// TestFromRows: rows in coordinate order make a sorted cube, others not.
func TestFromRows(t *testing.T) {
	b := NewBuilder("c", []string{"ar", "kon"}, []string{"n"})
	b.Add([]string{"2024", "man"}, 2)
	b.Add([]string{"2023", "kvinnor"}, 3)
	b.Add([]string{"2023", "man"}, 5)
	built := b.Cube()
	if c := FromRows("c", built.Dims, built.Measures, built.Rows); !c.sorted {
		t.Error("rows in order make a cube said not to be sorted")
	}
	rows := slices.Clone(built.Rows)
	rows[0], rows[2] = rows[2], rows[0]
	c := FromRows("c", built.Dims, built.Measures, rows)
	if c.sorted {
		t.Error("rows out of order make a cube said to be sorted")
	}
	if s, n, _ := c.Sum(Filter{"ar": {"2023"}}, "n"); s != 8 || n != 2 {
		t.Errorf("2023 of rows out of order: %v over %d rows, want 8 over 2", s, n)
	}
}

// TestBuilderOrders: rows added in coordinate order (as a lake's files
// hold them), out of it, with repeated cells, or sorted and then not,
// give the cube of a plain map of sums sorted by coordinates: the same
// rows, order and value bits.
func TestBuilderOrders(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	dims := []string{"ar", "a", "b"}
	for range 500 {
		var adds [][]string
		for range rng.IntN(40) {
			adds = append(adds, []string{fmt.Sprint(2022 + rng.IntN(2)), []string{"x", "x_y", "y", ""}[rng.IntN(4)], fmt.Sprint(rng.IntN(3))})
		}
		switch rng.IntN(3) {
		case 0: // sorted and distinct
			slices.SortFunc(adds, slices.Compare)
			adds = slices.CompactFunc(adds, slices.Equal)
		case 1: // sorted, then some more
			slices.SortFunc(adds, slices.Compare)
		}
		b := NewBuilder("c", dims, []string{"n"})
		sums := map[string]float64{}
		coords := map[string][]string{}
		for _, a := range adds {
			v := []float64{1, -0.0, 2.5, math.Copysign(0, -1)}[rng.IntN(4)]
			b.Add(a, v)
			k := strings.Join(a, "\x00")
			sums[k] += v
			coords[k] = a
		}
		got := b.Cube()
		keys := slices.SortedFunc(maps.Keys(coords), func(x, y string) int { return slices.Compare(coords[x], coords[y]) })
		if len(got.Rows) != len(keys) || !got.sorted {
			t.Fatalf("adds %v: %d rows (sorted %v), want %d", adds, len(got.Rows), got.sorted, len(keys))
		}
		for i, k := range keys {
			r := got.Rows[i]
			if !slices.Equal(r.Coords, coords[k]) || math.Float64bits(r.Values[0]) != math.Float64bits(0+sums[k]) {
				t.Fatalf("adds %v: row %d is %v, want %v %v", adds, i, r, coords[k], sums[k])
			}
		}
	}
}

package cube

import (
	"math/rand/v2"
	"slices"
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

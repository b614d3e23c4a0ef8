package synth

import (
	"slices"
	"testing"
)

func TestSplitAddsUpAndFollowsWeights(t *testing.T) {
	for _, tc := range []struct {
		total int
		w     []float64
		want  []int
	}{
		{10, []float64{1, 1}, []int{5, 5}},
		{7, []float64{1, 1, 1}, []int{3, 2, 2}},
		{5, []float64{0, 0}, []int{5, 0}},
		{100, []float64{1, 3}, []int{25, 75}},
	} {
		if got := split(tc.total, tc.w); !slices.Equal(got, tc.want) {
			t.Errorf("split(%d, %v) = %v, want %v", tc.total, tc.w, got, tc.want)
		}
	}
}

func TestFitRespectsBounds(t *testing.T) {
	got, err := fit(10, []int{0, 4, 0}, []int{2, 10, 3}, []float64{5, 1, 5})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for i, v := range got {
		sum += v
		if v < []int{0, 4, 0}[i] || v > []int{2, 10, 3}[i] {
			t.Errorf("part %d = %d outside its bounds", i, v)
		}
	}
	if sum != 10 {
		t.Errorf("parts %v add up to %d, want 10", got, sum)
	}
	if _, err := fit(20, []int{0, 0}, []int{5, 5}, []float64{1, 1}); err == nil {
		t.Error("fit beyond the bounds gave no error")
	}
}

func TestRoundingRanges(t *testing.T) {
	// every count in the range rounds to the printed figure, its neighbours do not
	check := func(name string, lo, hi int, rounds func(int) bool) {
		t.Helper()
		for c := lo; c <= hi; c++ {
			if !rounds(c) {
				t.Errorf("%s: %d is in the range but does not round to the printed figure", name, c)
			}
		}
		if lo > 0 && rounds(lo-1) || rounds(hi+1) {
			t.Errorf("%s: the range %d..%d is too narrow", name, lo, hi)
		}
	}
	lo, hi := rateRange(7, 93182, 10000)
	check("rate 7 of 93 182", lo, hi, func(c int) bool { return roundHalfUp(float64(c)*10000/93182) == 7 })
	lo, hi = meanRange(205, 61)
	check("mean 205 of 61", lo, hi, func(s int) bool { return roundHalfUp(float64(s)/61) == 205 })
	lo, hi = shareRange(38, 56)
	check("share 38 % of 56", lo, hi, func(k int) bool { return roundHalfUp(100*float64(k)/56) == 38 })
}

func TestSolveSumsMeetsEveryConstraint(t *testing.T) {
	// two districts × two sexes, each with its own range, district totals and
	// the city's women and men constrained together
	lo := []int{10, 10, 10, 10}
	hi := []int{20, 20, 20, 20}
	cons := []sumConstraint{
		{groups: []int{0, 1}, lo: 35, hi: 36, what: "district 1"},
		{groups: []int{2, 3}, lo: 22, hi: 23, what: "district 2"},
		{groups: []int{0, 2}, lo: 33, hi: 33, what: "women"},
	}
	v, err := solveSums([]int{15, 15, 15, 15}, lo, hi, cons)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cons {
		s := 0
		for _, g := range c.groups {
			s += v[g]
		}
		if s < c.lo || s > c.hi {
			t.Errorf("%s: sum %d outside %d..%d (values %v)", c.what, s, c.lo, c.hi, v)
		}
	}
	if _, err := solveSums([]int{15, 15}, []int{10, 10}, []int{20, 20}, []sumConstraint{{groups: []int{0, 1}, lo: 50, hi: 60, what: "impossible"}}); err == nil {
		t.Error("an impossible constraint gave no error")
	}
}

func TestChooseSplitsHonoursMarksAndMeans(t *testing.T) {
	cl := &splitClass{
		rows: []splitRow{
			{K: mv(100), M: mv(200), N: 10},
			{K: star, M: mv(150), N: 8},
			{K: dot, M: mv(120), N: 5},
		},
		cityK: 110, cityM: 156, typical: 150,
	}
	if err := chooseSplits([]*splitClass{cl}, 8); err != nil {
		t.Fatal(err)
	}
	k := 0
	for i, p := range cl.solution {
		k += p.K
		lo, hi := cl.rows[i].kRange()
		if p.K < lo || p.K > hi || p.total() != cl.rows[i].N {
			t.Errorf("row %d: split %+v breaks its marks (%d..%d women of %d)", i, p, lo, hi, cl.rows[i].N)
		}
	}
	if k != 8 {
		t.Errorf("women = %d, want 8", k)
	}
}

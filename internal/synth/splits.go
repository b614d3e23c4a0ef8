package synth

import (
	"fmt"
	"math"
)

// splitRow is one printed row: means of women and men (or marks) and the
// persons, with the chosen persons where the count is suppressed.
type splitRow struct {
	K, M meanCell
	N    int
}

// kRange returns the women's counts a row's marks allow: a printed mean
// needs 4 or more persons (relaxed to 1 when the row total leaves no room,
// as the report sometimes prints a mean of fewer), "*" 1–3 (or 0 when even
// that leaves no room: a mean over nobody printed "*"), "." none.
func (r splitRow) kRange() (int, int) {
	bounds := func(c meanCell, strict bool) (int, int) {
		switch {
		case c.Dot:
			return 0, 0
		case c.Star && strict:
			return 1, 3
		case c.Star:
			return 0, 3
		case strict:
			return min(4, r.N), r.N
		}
		return min(1, r.N), r.N
	}
	for _, strict := range []bool{true, false} {
		lk, hk := bounds(r.K, strict)
		lm, hm := bounds(r.M, strict)
		lo, hi := max(lk, r.N-hm), min(hk, r.N-lm)
		if lo <= hi {
			return lo, hi
		}
	}
	return -1, -2
}

// sumRange is the whole-number hour sums a group of n persons with printed
// mean c may have; a group whose mean is not printed may have any plausible
// sum around typical.
func sumRange(c meanCell, n int, typical float64) (int, int) {
	if c.Star || c.Dot || n == 0 {
		return int(math.Ceil(0.3 * typical * float64(n))), int(1.8 * typical * float64(n))
	}
	return meanRange(c.Value, n)
}

// splitClass is one table (a set of rows) whose women's and men's means
// over all rows must round to the city's.
type splitClass struct {
	rows     []splitRow
	cityK    float64
	cityM    float64
	typical  float64
	fixed    []km // per row: a chosen split, or zero to choose
	solution []km
}

// chooseSplits picks the women's count of every row of every class so that
// (1) each row respects its marks, (2) the women add up to kTotal over all
// classes, and (3) for each class and sex, the city mean is reachable with
// each row's mean rounding to its printed value. It starts from the city's
// share of women and moves one person at a time between the sexes of a row
// while that lowers the total violation.
func chooseSplits(classes []*splitClass, kTotal int) error {
	type loc struct{ c, r int }
	var free []loc
	for c, cl := range classes {
		cl.solution = make([]km, len(cl.rows))
		share := float64(kTotal) / float64(max(1, totalPersons(classes)))
		for r, row := range cl.rows {
			if r < len(cl.fixed) && cl.fixed[r] != (km{}) {
				cl.solution[r] = cl.fixed[r]
				continue
			}
			lo, hi := row.kRange()
			if lo > hi {
				return fmt.Errorf("row %d: no split of %d persons fits the marks", r+1, row.N)
			}
			k := min(max(int(roundHalfUp(share*float64(row.N))), lo), hi)
			cl.solution[r] = km{k, row.N - k}
			if lo < hi {
				free = append(free, loc{c, r})
			}
		}
	}
	violation := func() float64 {
		v := 0.0
		kSum := 0
		for _, cl := range classes {
			for s := 0; s < 2; s++ {
				var aLo, aHi, n int
				for r, row := range cl.rows {
					cnt, mean := cl.solution[r].K, row.K
					if s == 1 {
						cnt, mean = cl.solution[r].M, row.M
					}
					lo, hi := sumRange(mean, cnt, cl.typical)
					aLo, aHi, n = aLo+lo, aHi+hi, n+cnt
				}
				city := cl.cityK
				if s == 1 {
					city = cl.cityM
				}
				cLo, cHi := meanRange(city, n)
				v += float64(max(0, cLo-aHi) + max(0, aLo-cHi))
			}
			for _, p := range cl.solution {
				kSum += p.K
			}
		}
		return v + 1000*math.Abs(float64(kSum-kTotal))
	}
	cur := violation()
	for iter := 0; cur > 0 && iter < 10000; iter++ {
		best, bestD, bestV := -1, 0, cur
		for i, l := range free {
			lo, hi := classes[l.c].rows[l.r].kRange()
			for _, d := range []int{1, -1} {
				p := &classes[l.c].solution[l.r]
				if p.K+d < lo || p.K+d > hi {
					continue
				}
				p.K, p.M = p.K+d, p.M-d
				if v := violation(); v < bestV {
					best, bestD, bestV = i, d, v
				}
				p.K, p.M = p.K-d, p.M+d
			}
		}
		if best < 0 {
			break
		}
		p := &classes[free[best].c].solution[free[best].r]
		p.K, p.M = p.K+bestD, p.M-bestD
		cur = bestV
	}
	if cur > 0 {
		return fmt.Errorf("no split of women and men satisfies every printed mean and the total of %d women (violation %v)", kTotal, cur)
	}
	return nil
}

func totalPersons(classes []*splitClass) int {
	n := 0
	for _, cl := range classes {
		for _, r := range cl.rows {
			n += r.N
		}
	}
	return n
}

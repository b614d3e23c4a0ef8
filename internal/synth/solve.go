package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// roundHalfUp rounds as the reports do: halves away from zero.
func roundHalfUp(x float64) float64 { return math.Floor(x + 0.5) }

// split divides total into len(weights) whole parts proportional to weights
// (largest remainder; ties go to the earlier part), so the parts always add
// up to total.
func split(total int, weights []float64) []int {
	out := make([]int, len(weights))
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	if total == 0 || sum == 0 {
		if total != 0 && len(out) > 0 {
			out[0] = total
		}
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(total) * w / sum
		out[i] = int(math.Floor(exact))
		given += out[i]
		rems[i] = rem{i, exact - math.Floor(exact)}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// fit chooses whole numbers x[i] in [lo[i], hi[i]] that add up to total,
// as close to the proportional target as the bounds allow. It fails when
// the bounds cannot reach total.
func fit(total int, lo, hi []int, weights []float64) ([]int, error) {
	sumLo, sumHi := 0, 0
	for i := range lo {
		if lo[i] > hi[i] {
			return nil, fmt.Errorf("part %d: empty range %d..%d", i, lo[i], hi[i])
		}
		sumLo += lo[i]
		sumHi += hi[i]
	}
	if total < sumLo || total > sumHi {
		return nil, fmt.Errorf("total %d outside the reachable %d..%d", total, sumLo, sumHi)
	}
	x := split(total, weights)
	for i := range x {
		x[i] = min(max(x[i], lo[i]), hi[i])
	}
	diff := total
	for _, v := range x {
		diff -= v
	}
	// Move one unit at a time to the part furthest from its share that can
	// still move; deterministic because ties go to the lower index.
	sumW := 0.0
	for _, w := range weights {
		sumW += w
	}
	for diff != 0 {
		best, bestGap := -1, math.Inf(-1)
		for i := range x {
			want := 0.0
			if sumW > 0 {
				want = float64(total) * weights[i] / sumW
			}
			gap := want - float64(x[i])
			if diff < 0 {
				gap = -gap
			}
			canMove := (diff > 0 && x[i] < hi[i]) || (diff < 0 && x[i] > lo[i])
			if canMove && gap > bestGap {
				best, bestGap = i, gap
			}
		}
		if diff > 0 {
			x[best]++
			diff--
		} else {
			x[best]--
			diff++
		}
	}
	return x, nil
}

// rateRange returns the counts c with round(c/pop*per) == rate.
func rateRange(rate float64, pop int, per float64) (lo, hi int) {
	lo = int(math.Ceil((rate - 0.5) * float64(pop) / per))
	hi = int(math.Ceil((rate+0.5)*float64(pop)/per)) - 1
	return max(lo, 0), hi
}

// meanRange returns the whole-number sums s of n values with
// round(s/n) == mean.
func meanRange(mean float64, n int) (lo, hi int) {
	lo = int(math.Ceil((mean - 0.5) * float64(n)))
	hi = int(math.Ceil((mean+0.5)*float64(n))) - 1
	return lo, hi
}

// shareRange returns the counts k of n with round(100*k/n) == pct.
func shareRange(pct float64, n int) (lo, hi int) {
	lo = int(math.Ceil((pct - 0.5) * float64(n) / 100))
	hi = int(math.Ceil((pct+0.5)*float64(n)/100)) - 1
	return max(lo, 0), min(hi, n)
}

// sumConstraint requires the sum of some groups' values to lie in [lo, hi].
type sumConstraint struct {
	groups []int
	lo, hi int
	what   string
}

// solveSums finds whole-number values v[g] in [lo[g], hi[g]] that satisfy
// every constraint, starting from start. It is a small local search in the
// manner of WalkSAT: while a constraint is violated, it moves one unit of one
// of that constraint's groups in the direction that constraint needs,
// choosing the move that helps most overall (or, now and then, one at random
// from a fixed seed, to leave a local minimum). Deterministic for the same
// input.
func solveSums(start, lo, hi []int, cons []sumConstraint) ([]int, error) {
	v := append([]int(nil), start...)
	for g := range v {
		v[g] = min(max(v[g], lo[g]), hi[g])
	}
	member := make([][]int, len(v))
	for c, k := range cons {
		for _, g := range k.groups {
			member[g] = append(member[g], c)
		}
	}
	sums := make([]int, len(cons))
	for c, k := range cons {
		for _, g := range k.groups {
			sums[c] += v[g]
		}
	}
	viol := func(c, s int) int {
		if s < cons[c].lo {
			return cons[c].lo - s
		}
		if s > cons[c].hi {
			return s - cons[c].hi
		}
		return 0
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 200000; iter++ {
		var bad []int
		for c := range cons {
			if viol(c, sums[c]) > 0 {
				bad = append(bad, c)
			}
		}
		if len(bad) == 0 {
			return v, nil
		}
		c := bad[rng.IntN(len(bad))]
		d := 1
		if sums[c] > cons[c].hi {
			d = -1
		}
		var moves []int
		for _, g := range cons[c].groups {
			if v[g]+d >= lo[g] && v[g]+d <= hi[g] {
				moves = append(moves, g)
			}
		}
		if len(moves) == 0 {
			return nil, fmt.Errorf("cannot satisfy %s: every group is at its bound (sum %d, want %d..%d)", cons[c].what, sums[c], cons[c].lo, cons[c].hi)
		}
		best, bestGain := moves[0], math.MinInt
		if rng.IntN(10) < 2 {
			best = moves[rng.IntN(len(moves))]
		} else {
			for _, g := range moves {
				gain := 0
				for _, k := range member[g] {
					gain += viol(k, sums[k]) - viol(k, sums[k]+d)
				}
				if gain > bestGain {
					best, bestGain = g, gain
				}
			}
		}
		v[best] += d
		for _, k := range member[best] {
			sums[k] += d
		}
	}
	for c := range cons {
		if viol(c, sums[c]) > 0 {
			return nil, fmt.Errorf("cannot satisfy %s: sum %d outside %d..%d", cons[c].what, sums[c], cons[c].lo, cons[c].hi)
		}
	}
	return v, nil
}

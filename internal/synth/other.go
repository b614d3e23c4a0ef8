package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Helpers shared by the generators of beslut, ej_verkstallda and kbf: the
// printed tables fix only margins (per insats, per orsak, per kön ...), so
// the generators need joint tables that respect several margins at once,
// and plausible values for what no table prints (nämnd, dates).

// fillTable returns a table of whole numbers whose rows add up to rows and
// whose columns add up to cols. lower holds cells placed before anything
// else (facts from a report's text, such as "in 41 of 74 cases the person
// declined"); nil means none. weight says how likely a further unit falls in
// a cell (nil: all alike); 0 closes a cell, so a fact can be exact. The
// result is the proportional fit of weight to the remaining totals
// (iterative proportional fitting), rounded so that every total holds
// exactly: the largest fractions get the units the floors leave over.
func fillTable(rows, cols []int, lower [][]int, weight [][]float64) ([][]int, error) {
	nr, nc := len(rows), len(cols)
	w := func(i, j int) float64 {
		if weight == nil {
			return 1
		}
		return weight[i][j]
	}
	x := make([][]int, nr)
	r := append([]int(nil), rows...)
	c := append([]int(nil), cols...)
	for i := range x {
		x[i] = make([]int, nc)
		if lower != nil {
			for j := range x[i] {
				x[i][j] = lower[i][j]
				r[i] -= lower[i][j]
				c[j] -= lower[i][j]
			}
		}
	}
	sumR, sumC := 0, 0
	for i, v := range r {
		if v < 0 {
			return nil, fmt.Errorf("row %d: fixed cells exceed its total %d by %d", i, rows[i], -v)
		}
		sumR += v
	}
	for j, v := range c {
		if v < 0 {
			return nil, fmt.Errorf("column %d: fixed cells exceed its total %d by %d", j, cols[j], -v)
		}
		sumC += v
	}
	if sumR != sumC {
		return nil, fmt.Errorf("rows leave %d to place, columns %d", sumR, sumC)
	}

	m := make([][]float64, nr)
	for i := range m {
		m[i] = make([]float64, nc)
		for j := range m[i] {
			if r[i] > 0 && c[j] > 0 {
				m[i][j] = w(i, j)
			}
		}
	}
	for iter := 0; iter < 1000; iter++ {
		for i := range m {
			s := 0.0
			for j := range m[i] {
				s += m[i][j]
			}
			if s == 0 {
				if r[i] > 0 {
					return nil, fmt.Errorf("row %d: %d to place but no open cell", i, r[i])
				}
				continue
			}
			for j := range m[i] {
				m[i][j] *= float64(r[i]) / s
			}
		}
		for j := 0; j < nc; j++ {
			s := 0.0
			for i := range m {
				s += m[i][j]
			}
			if s == 0 {
				if c[j] > 0 {
					return nil, fmt.Errorf("column %d: %d to place but no open cell", j, c[j])
				}
				continue
			}
			for i := range m {
				m[i][j] *= float64(c[j]) / s
			}
		}
	}

	frac := make([][]float64, nr)
	for i := range m {
		frac[i] = make([]float64, nc)
		for j := range m[i] {
			f := math.Floor(m[i][j] + 1e-9)
			x[i][j] += int(f)
			r[i] -= int(f)
			c[j] -= int(f)
			frac[i][j] = m[i][j] - f
		}
	}
	for i, v := range r {
		if v < 0 {
			return nil, fmt.Errorf("row %d: the weights cannot meet the totals (over by %d)", i, -v)
		}
	}
	for j, v := range c {
		if v < 0 {
			return nil, fmt.Errorf("column %d: the weights cannot meet the totals (over by %d)", j, -v)
		}
	}
	for sumLeft(r) > 0 {
		bi, bj, best := -1, -1, math.Inf(-1)
		for i := range x {
			if r[i] == 0 {
				continue
			}
			for j := range x[i] {
				if c[j] > 0 && w(i, j) > 0 && frac[i][j] > best {
					bi, bj, best = i, j, frac[i][j]
				}
			}
		}
		if bi < 0 {
			return nil, fmt.Errorf("no open cell for the %d units left", sumLeft(r))
		}
		x[bi][bj]++
		r[bi]--
		c[bj]--
		frac[bi][bj]--
	}
	return x, nil
}

// sumLeft is the sum of v.
func sumLeft(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}

// pickWeighted draws an index with probability proportional to weights.
func pickWeighted(rng *rand.Rand, weights []float64) int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	u := rng.Float64() * sum
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

// epochDay is a calendar date as a Parquet DATE: days since 1970-01-01.
func epochDay(t time.Time) int32 {
	return int32(t.Unix() / 86400)
}

// dayIn draws a date uniformly from first to last (inclusive).
func dayIn(rng *rand.Rand, first, last time.Time) int32 {
	a, b := epochDay(first), epochDay(last)
	return a + int32(rng.IntN(int(b-a)+1))
}

// ymd is a calendar date in UTC.
func ymd(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

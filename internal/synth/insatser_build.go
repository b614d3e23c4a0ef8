package synth

import (
	"fmt"
)

// paKon returns the women's and men's counts of a printed row: chosen where
// marks leave them open, else from the printed total with the women's share
// of the city.
func rowKon(r paRowLike, share float64) km {
	if r.chosen() != (km{}) {
		return r.chosen()
	}
	n := r.total()
	k := int(roundHalfUp(float64(n) * share))
	k = min(max(k, min(4, n)), n-min(4, n))
	return km{k, n - k}
}

// paRowLike is a printed row with means per sex and a count.
type paRowLike interface {
	total() int
	chosen() km
	means() (meanCell, meanCell)
}

func (r paRow) total() int {
	if r.N < 0 {
		return r.Chosen.total()
	}
	return r.N
}
func (r paRow) chosen() km                  { return r.Chosen }
func (r paRow) means() (meanCell, meanCell) { return r.K, r.M }
func (r hoursRow) total() int {
	if r.N < 0 {
		return r.Chosen.total()
	}
	return r.N
}
func (r hoursRow) chosen() km                  { return r.Chosen }
func (r hoursRow) means() (meanCell, meanCell) { return r.K, r.M }

// hoursGroup is a set of decisions whose hours must average to a printed mean.
type hoursGroup struct {
	decs []*dec
	mean meanCell
	city int // index of the city constraint it belongs to
}

// setHours gives every decision in the groups whole hours such that each
// group's mean rounds to its printed mean and each city constraint (mean over
// its groups) rounds to cityMeans[i]. typical is a plausible mean for groups
// whose mean is not printed.
func setHours(groups []hoursGroup, cityMeans []float64, typical float64) error {
	start := make([]int, len(groups))
	lo := make([]int, len(groups))
	hi := make([]int, len(groups))
	cityGroups := make([][]int, len(cityMeans))
	cityN := make([]int, len(cityMeans))
	for g, gr := range groups {
		n := len(gr.decs)
		m := gr.mean.Value
		if gr.mean.Star || gr.mean.Dot || n == 0 {
			m = typical
			lo[g], hi[g] = int(0.4*typical*float64(n)), int(1.6*typical*float64(n))
		} else {
			lo[g], hi[g] = meanRange(m, n)
		}
		start[g] = int(roundHalfUp(m * float64(n)))
		cityGroups[gr.city] = append(cityGroups[gr.city], g)
		cityN[gr.city] += n
	}
	var cons []sumConstraint
	for c, m := range cityMeans {
		l, h := meanRange(m, cityN[c])
		cons = append(cons, sumConstraint{groups: cityGroups[c], lo: l, hi: h, what: fmt.Sprintf("city mean %v", m)})
	}
	sums, err := solveSums(start, lo, hi, cons)
	if err != nil {
		return err
	}
	for g, gr := range groups {
		spread(gr.decs, sums[g])
	}
	return nil
}

// spread gives n decisions whole hours adding up to sum, varied around the
// mean (±30 %) so the microdata look like real grants.
func spread(decs []*dec, sum int) {
	n := len(decs)
	if n == 0 {
		return
	}
	base := sum / n
	rest := sum - base*n
	vals := make([]int, n)
	for i := range vals {
		vals[i] = base
		if i < rest {
			vals[i]++
		}
	}
	// pairwise zero-sum variation keeps the total
	for i := 0; i+1 < n; i += 2 {
		d := base * (3 + i%4) / 20
		if vals[i+1]-d >= 1 {
			vals[i] += d
			vals[i+1] -= d
		}
	}
	for i, d := range decs {
		d.hours = float64(vals[i])
		d.hasHours = true
	}
}

// personligAssistans builds tables 9:4 (adults) and 9:5 (children 0–17).
func (y *yearData) personligAssistans() error {
	share := float64(lssByKon["personlig_assistans"][y.year].K) / float64(lssByKon["personlig_assistans"][y.year].total())
	var kcount [2][11]km
	for c, table := range []map[int][12]paRow{pa95, pa94} {
		for d := 0; d < 11; d++ {
			kcount[c][d] = rowKon(table[y.year][d], share)
		}
	}
	// Make the women's total match table 9:3 by moving persons between the
	// sexes in rows whose marks leave room.
	want := lssByKon["personlig_assistans"][y.year].K
	have := 0
	for c := range kcount {
		for d := range kcount[c] {
			have += kcount[c][d].K
		}
	}
	for c := 1; c >= 0 && have != want; c-- {
		table := map[int][12]paRow{0: pa95[y.year], 1: pa94[y.year]}[c]
		for d := 0; d < 11 && have != want; d++ {
			r := table[d]
			if r.Chosen != (km{}) {
				continue
			}
			p := &kcount[c][d]
			for have < want && p.M > 4 {
				p.K++
				p.M--
				have++
			}
			for have > want && p.K > 4 {
				p.K--
				p.M++
				have--
			}
		}
	}
	if have != want {
		return fmt.Errorf("personlig assistans: women %d, table 9:3 says %d", have, want)
	}
	for c, table := range []map[int][12]paRow{pa95, pa94} {
		profile := []string{"child", "paadult"}[c]
		var groups []hoursGroup
		for s, kon := range []string{"K", "M"} {
			for d := 0; d < 11; d++ {
				n := kcount[c][d].K
				mean := table[y.year][d].K
				if kon == "M" {
					n, mean = kcount[c][d].M, table[y.year][d].M
				}
				var decs []*dec
				for band, k := range bandCounts(n, profile) {
					decs = append(decs, y.add(k, dec{namnd: namndCodes[d], lagrum: "LSS", insats: "personlig_assistans",
						kon: kon, band: band, regi: []string{"egen_regi", "privat_regi_lov"}[d%2]})...)
				}
				groups = append(groups, hoursGroup{decs: decs, mean: mean, city: s})
			}
		}
		city := table[y.year][11]
		if err := setHours(groups, []float64{city.K.Value, city.M.Value}, city.K.Value); err != nil {
			return fmt.Errorf("personlig assistans hours: %w", err)
		}
	}
	return nil
}

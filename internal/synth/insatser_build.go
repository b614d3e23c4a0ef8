package synth

import (
	"fmt"

	"github.com/stockholm/insyn/internal/dataset"
)

// toSplit turns printed rows (districts only) into a class to split.
func toSplit[R interface {
	total() int
	chosen() km
	means() (meanCell, meanCell)
}](rows []R, city R, typical float64) *splitClass {
	cl := &splitClass{typical: typical}
	ck, cm := city.means()
	cl.cityK, cl.cityM = ck.Value, cm.Value
	for _, r := range rows {
		k, m := r.means()
		cl.rows = append(cl.rows, splitRow{K: k, M: m, N: r.total()})
		cl.fixed = append(cl.fixed, r.chosen())
	}
	return cl
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
	city int   // index of the city constraint it belongs to
	also []int // further constraints it belongs to (e.g. a district's both-sexes mean)
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
		}
		lo[g], hi[g] = sumRange(gr.mean, n, typical)
		start[g] = int(roundHalfUp(m * float64(n)))
		for _, c := range append([]int{gr.city}, gr.also...) {
			cityGroups[c] = append(cityGroups[c], g)
			cityN[c] += n
		}
	}
	var cons []sumConstraint
	for c, m := range cityMeans {
		if m < 0 {
			continue // a constraint slot whose mean is not printed
		}
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
	var classes []*splitClass
	for _, table := range []map[int][12]paRow{pa95, pa94} {
		rows := table[y.year]
		classes = append(classes, toSplit(rows[:11], rows[11], rows[11].K.Value))
	}
	if err := chooseSplits(classes, lssByKon["personlig_assistans"][y.year].K); err != nil {
		return fmt.Errorf("personlig assistans: %w", err)
	}
	for c, table := range []map[int][12]paRow{pa95, pa94} {
		profile := []string{"child", "paadult"}[c]
		var groups []hoursGroup
		for s, kon := range []string{"K", "M"} {
			for d := 0; d < 11; d++ {
				n := classes[c].solution[d].K
				mean := table[y.year][d].K
				if kon == "M" {
					n, mean = classes[c].solution[d].M, table[y.year][d].M
				}
				var decs []*dec
				for _, bc := range orderedBands(bandCounts(n, profile)) {
					decs = append(decs, y.add(bc.n, dec{namnd: namndCodes[d], lagrum: "LSS", insats: "personlig_assistans",
						kon: kon, band: bc.band, regi: []string{"egen_regi", "privat_regi_lov"}[d%2]})...)
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

type bandN struct {
	band string
	n    int
}

// orderedBands lists a band map in code-list order (map order is random).
func orderedBands(m map[string]int) []bandN {
	var out []bandN
	for _, c := range dataset.Aldersgrupp.Codes {
		if m[c.Code] > 0 {
			out = append(out, bandN{c.Code, m[c.Code]})
		}
	}
	return out
}

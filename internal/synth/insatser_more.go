package synth

import (
	"fmt"
	"sort"
)

// fixedRows builds an insats whose per-district counts and means are printed
// (tables 9:14, 9:15): decisions per district and sex, hours to the means.
func (y *yearData) fixedRows(insats, lagrum string, rows [12]hoursRow, total km) ([]*dec, error) {
	cl := toSplit(rows[:11], rows[11], rows[11].K.Value)
	if err := chooseSplits([]*splitClass{cl}, total.K); err != nil {
		return nil, fmt.Errorf("%s: %w", insats, err)
	}
	counts := cl.solution
	var all []*dec
	var groups []hoursGroup
	for s, kon := range []string{"K", "M"} {
		for d := 0; d < 11; d++ {
			n, mean := counts[d].K, rows[d].K
			if kon == "M" {
				n, mean = counts[d].M, rows[d].M
			}
			decs := y.add(n, dec{namnd: namndCodes[d], lagrum: lagrum, insats: insats, kon: kon})
			all = append(all, decs...)
			groups = append(groups, hoursGroup{decs: decs, mean: mean, city: s})
		}
	}
	if err := setHours(groups, []float64{rows[11].K.Value, rows[11].M.Value}, rows[11].K.Value); err != nil {
		return nil, fmt.Errorf("%s hours: %w", insats, err)
	}
	return all, nil
}

// scaled returns a year's per-district rows for years the table does not
// print: the 2024 counts scaled to the year's total, the 2024 means.
func scaledRows(rows [12]hoursRow, total km) [12]hoursRow {
	var w []float64
	for d := 0; d < 11; d++ {
		w = append(w, float64(rows[d].total()))
	}
	n := split(total.total(), w)
	var out [12]hoursRow
	for d := 0; d < 11; d++ {
		k, m := rows[d].K, rows[d].M
		if k.Star || k.Dot {
			k = rows[11].K
		}
		if m.Star || m.Dot {
			m = rows[11].M
		}
		out[d] = hoursRow{K: k, M: m, N: n[d]}
		switch {
		case n[d] == 0:
			out[d].K, out[d].M = dot, dot
		case n[d] <= 6:
			out[d].K, out[d].M = star, star
		}
	}
	out[11] = rows[11]
	return out
}

// classify gives decisions of one sex an age class by the counts a regi
// table prints for adults (24+) and children and young people (0–23),
// then bands and regi within the class.
func classify(decs []*dec, kon string, adult, young []regiCount, adultProfile, youngProfile string) error {
	na, ny := 0, 0
	for _, r := range adult {
		na += pick(r.n, kon)
	}
	for _, r := range young {
		ny += pick(r.n, kon)
	}
	if na+ny != len(decs) {
		return fmt.Errorf("%d decisions of sex %s, regi tables give %d adults + %d young", len(decs), kon, na, ny)
	}
	if err := assign(decs, []string{"adult", "young"}, []int{na, ny}, func(d *dec, c string) { d.band = c }); err != nil {
		return err
	}
	for _, class := range []struct {
		name, profile string
		regi          []regiCount
		n             int
	}{{"adult", adultProfile, adult, na}, {"young", youngProfile, young, ny}} {
		part := filter(decs, func(d *dec) bool { return d.band == class.name })
		if err := regiAssign(part, class.regi, kon); err != nil {
			return err
		}
		if err := bandMapAssign(part, bandCounts(len(part), class.profile)); err != nil {
			return err
		}
	}
	return nil
}

func pick(p km, kon string) int {
	if kon == "M" {
		return p.M
	}
	return p.K
}

// scaleRegi scales a 2024 regi table to another year's count of one sex.
func scaleRegi(rc []regiCount, k, m int) []regiCount {
	var wk, wm []float64
	for _, r := range rc {
		wk = append(wk, float64(r.n.K))
		wm = append(wm, float64(r.n.M))
	}
	sk, sm := split(k, wk), split(m, wm)
	out := make([]regiCount, len(rc))
	for i, r := range rc {
		out[i] = regiCount{r.regi, km{sk[i], sm[i]}}
	}
	return out
}

func sumRegi(rc []regiCount) km {
	var t km
	for _, r := range rc {
		t.K += r.n.K
		t.M += r.n.M
	}
	return t
}

// twoClass splits a year's decisions of one insats group into the adult and
// young regi tables: 2024 as printed, other years scaled.
func twoClass(adult, young []regiCount, total km, year int) ([]regiCount, []regiCount) {
	if year == 2024 {
		return adult, young
	}
	a, yg := sumRegi(adult), sumRegi(young)
	ak := int(roundHalfUp(float64(total.K) * float64(a.K) / float64(a.K+yg.K)))
	am := int(roundHalfUp(float64(total.M) * float64(a.M) / float64(a.M+yg.M)))
	return scaleRegi(adult, ak, am), scaleRegi(young, total.K-ak, total.M-am)
}

// ledsagning builds ledsagarservice (LSS) and ledsagning (SoL): tables 9:14
// and 9:22.
func (y *yearData) ledsagning() error {
	return y.pairWithRegi("ledsagarservice", "sol_ledsagning", ledsagning914, regi922["ledsagning"],
		[]regiCount{{"privat_regi_lov", km{80, 120}}, {"egen_regi", km{29, 46}}}, "adult24", "young")
}

// avlosning builds avlösarservice (LSS) and avlösning (SoL): tables 9:15,
// 9:22 and 9:23.
func (y *yearData) avlosning() error {
	return y.pairWithRegi("avlosarservice", "sol_avlosning", avlosning915, regi922["avlosning"],
		regi923["avlosning"], "adult24", "young")
}

func (y *yearData) pairWithRegi(lss, sol string, rows map[string][12]hoursRow, adult, young []regiCount, ap, yp string) error {
	var all []*dec
	var total km
	for _, c := range []struct{ insats, lagrum string }{{lss, "LSS"}, {sol, "SoL"}} {
		t := lssByKon[c.insats][y.year]
		if c.lagrum == "SoL" {
			t = solByKon[c.insats][y.year]
		}
		r := rows[c.insats]
		if y.year != 2024 {
			r = scaledRows(r, t)
		}
		decs, err := y.fixedRows(c.insats, c.lagrum, r, t)
		if err != nil {
			return err
		}
		all = append(all, decs...)
		total.K += t.K
		total.M += t.M
	}
	a, yg := adult, young
	if y.year == 2024 && sumRegi(young).total() != total.total()-sumRegi(adult).total() {
		// young people's ledsagning is in no table: what is left after the adults
		yg = scaleRegi(young, total.K-sumRegi(adult).K, total.M-sumRegi(adult).M)
	}
	a, yg = twoClass(a, yg, total, y.year)
	for _, kon := range []string{"K", "M"} {
		if err := classify(filter(all, func(d *dec) bool { return d.kon == kon }), kon, a, yg, ap, yp); err != nil {
			return fmt.Errorf("%s/%s: %w", lss, sol, err)
		}
	}
	return nil
}

// sortedDecs orders decisions deterministically.
func sortedDecs(decs []*dec) {
	sort.SliceStable(decs, func(i, j int) bool {
		a, b := decs[i], decs[j]
		if a.namnd != b.namnd {
			return a.namnd < b.namnd
		}
		if a.insats != b.insats {
			return a.insats < b.insats
		}
		return a.band < b.band
	})
}

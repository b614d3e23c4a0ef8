package synth

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// socialnamnden holds Socialnämnden's decisions (gruppen för bedömning och
// förmedling and Område hemlöshet): it has no inhabitants, so it is the
// part of the city total the district rates of 9:9 and 9:13 leave open.
// Its persons (9:2: 36 with LSS only, 26 with SoL only) need decisions on
// more than one insats.
// Its persons are adults; all but those 69 and over (9:7: 6 women, 7 men
// with bostad) are placed in one age band (see concentrate), so the women's
// decisions on one insats must not outnumber its 5 other women with LSS.
var socialnamnden = map[string]km{
	"bostad": {8, 16}, "daglig_verksamhet": {4, 12}, "kontaktperson": {2, 4},
	"sol_boendestod": {3, 15}, "sol_bostad": {1, 5}, "sol_hemtjanst": {1, 3}, "sol_trygghetslarm": {0, 2},
}

// weights2024 are the district weights used to spread insatser no table
// prints per district: the persons of table 9:2 with that law.
func lawWeights(lagrum string) []float64 {
	var w []float64
	for d := 0; d < 11; d++ { // Socialnämnden gets only its own insatser
		p := persons92[d]
		if lagrum == "LSS" {
			w = append(w, float64(p[0].N+p[2].N))
		} else {
			w = append(w, float64(p[1].N+p[2].N))
		}
	}
	return append(w, 0)
}

// rateCounts picks per-district counts whose rate per 10 000 rounds to the
// printed rate ("*" = 1–3, 0 = none, otherwise at least 4, which the report
// would not have starred), Socialnämnden taking sn, adding up to total.
func rateCounts(rates [12]float64, year, total, sn int) ([]int, error) {
	pop := population[year]
	lo, hi := make([]int, 11), make([]int, 11)
	w := make([]float64, 11)
	popTotal := 0
	for d := 0; d < 11; d++ {
		popTotal += pop[d]
		switch r := rates[d]; {
		case r < 0:
			lo[d], hi[d] = 1, 3
		case r == 0:
			lo[d], hi[d] = 0, 0
		default:
			lo[d], hi[d] = rateRange(r, pop[d], 10000)
			lo[d] = max(lo[d], 4)
		}
		w[d] = float64(lo[d]+hi[d]) / 2
	}
	if got := roundHalfUp(float64(total) * 10000 / float64(popTotal)); got != rates[11] {
		return nil, fmt.Errorf("city rate %v, but %d over %d inhabitants gives %v", rates[11], total, popTotal, got)
	}
	counts, err := fit(total-sn, lo, hi, w)
	if err != nil {
		return nil, err
	}
	return append(counts, sn), nil
}

// perNamnd returns a year's decisions per nämnd (districts, Socialnämnden)
// for an insats: from the printed rates in 2024, else the 2024 pattern
// scaled to the year's total.
func (y *yearData) perNamnd(insats string, rates [12]float64, hasRates bool, total, total2024 int) ([]int, error) {
	sn := socialnamnden[insats].total()
	if !hasRates {
		return split(total, lawWeights(lagrumOf(insats))), nil
	}
	if y.year == 2024 {
		return rateCounts(rates, 2024, total, sn)
	}
	base, err := rateCounts(rates, 2024, total2024, sn)
	if err != nil {
		return nil, err
	}
	w := make([]float64, 12)
	for i, b := range base {
		w[i] = float64(b)
	}
	return split(total, w), nil
}

func lagrumOf(insats string) string {
	if _, ok := lssByKon[insats]; ok {
		return "LSS"
	}
	return "SoL"
}

func totalOf(insats string, year int) km {
	if t, ok := lssByKon[insats]; ok {
		return t[year]
	}
	return solByKon[insats][year]
}

// sexSplit splits per-nämnd counts into women and men, the women adding up
// to k, each nämnd within [minK, n-minM].
func sexSplit(counts []int, k int, minK, minM []int, sn km) ([]km, error) {
	lo, hi := make([]int, len(counts)), make([]int, len(counts))
	w := make([]float64, len(counts))
	for i, n := range counts {
		if minK != nil {
			lo[i] = minK[i]
		}
		hi[i] = n
		if minM != nil {
			hi[i] = n - minM[i]
		}
		w[i] = float64(n)
	}
	if len(counts) == 12 && sn.total() == counts[11] {
		lo[11], hi[11] = sn.K, sn.K
	}
	return fitWomen(counts, k, lo, hi, w)
}

// fitWomen picks the women of each nämnd within [lo, hi], adding up to k,
// proportional to w; the rest of each count are men.
func fitWomen(counts []int, k int, lo, hi []int, w []float64) ([]km, error) {
	ks, err := fit(k, lo, hi, w)
	if err != nil {
		return nil, err
	}
	out := make([]km, len(counts))
	for i, n := range counts {
		out[i] = km{ks[i], n - ks[i]}
	}
	return out, nil
}

// sexSplitLaw splits per-nämnd counts into women and men like the persons
// with that law in table 9:2: a nämnd where more of the persons are women
// gets more of the women's decisions.
func sexSplitLaw(counts []int, k int, lagrum string, sn km) ([]km, error) {
	lo, hi := make([]int, len(counts)), make([]int, len(counts))
	w := make([]float64, len(counts))
	for d, n := range counts {
		if d == 11 {
			if sn.total() == n {
				lo[d], hi[d] = sn.K, sn.K
			} else {
				hi[d] = n
			}
			continue
		}
		p := persons92[d]
		only := p[0]
		if lagrum == "SoL" {
			only = p[1]
		}
		share := (only.K*float64(only.N) + max(p[2].K, 0)*float64(p[2].N)) / float64(max(1, only.N+p[2].N)) / 100
		hi[d] = n
		w[d] = float64(n) * share
	}
	return fitWomen(counts, k, lo, hi, w)
}

// makeDecs adds the decisions of an insats per nämnd and sex.
func (y *yearData) makeDecs(insats string, split []km) (k, m []*dec) {
	for i, p := range split {
		k = append(k, y.add(p.K, dec{namnd: namndCodes[i], lagrum: lagrumOf(insats), insats: insats, kon: "K"})...)
		m = append(m, y.add(p.M, dec{namnd: namndCodes[i], lagrum: lagrumOf(insats), insats: insats, kon: "M"})...)
	}
	return k, m
}

// simple builds an insats whose only printed figures are its sex totals and
// (in 2024, for some) district rates: decisions per nämnd and sex, bands
// from a profile, a plausible regi.
func (y *yearData) simple(insats, profile string, rates [12]float64, hasRates bool) ([]*dec, []*dec, error) {
	t := totalOf(insats, y.year)
	counts, err := y.perNamnd(insats, rates, hasRates, t.total(), totalOf(insats, 2024).total())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", insats, err)
	}
	sp, err := sexSplitLaw(counts, t.K, lagrumOf(insats), socialnamnden[insats])
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", insats, err)
	}
	k, m := y.makeDecs(insats, sp)
	for _, decs := range [][]*dec{k, m} {
		if profile != "" {
			if err := bandMapAssign(decs, bandCounts(len(decs), profile)); err != nil {
				return nil, nil, err
			}
		}
		defaultRegi(decs)
	}
	return k, m, nil
}

// defaultRegi gives decisions of an insats no regi table prints a plausible
// mix of providers.
func defaultRegi(decs []*dec) {
	n := split(len(decs), []float64{40, 50, 5, 5})
	_ = assign(decs, []string{"egen_regi", "privat_regi_lov", "entreprenad", "uppgift_saknas"}, n, func(d *dec, r string) { d.regi = r })
}

// korttid builds korttidsvistelse (9:22 adults, 9:23 young) and
// korttidstillsyn (9:23).
func (y *yearData) korttid() error {
	t := totalOf("korttidsvistelse", y.year)
	sp, err := sexSplit(split(t.total(), lawWeights("LSS")), t.K, nil, nil, km{})
	if err != nil {
		return err
	}
	k, m := y.makeDecs("korttidsvistelse", sp)
	a, yg := twoClass(regi922["korttidsvistelse"], regi923["korttidsvistelse"], t, y.year)
	for i, decs := range [][]*dec{k, m} {
		if err := classify(decs, []string{"K", "M"}[i], a, yg, "adult24", "young"); err != nil {
			return fmt.Errorf("korttidsvistelse: %w", err)
		}
	}
	for _, c := range []struct{ insats, profile, regi string }{
		{"korttidstillsyn", "teen", "korttidstillsyn"}, {"bostad_barn", "barnbo", "bostad_barn"},
	} {
		if c.insats == "bostad_barn" {
			continue // built with bostad för vuxna: 9:9 prints them together
		}
		t := totalOf(c.insats, y.year)
		sp, err := sexSplit(split(t.total(), lawWeights("LSS")), t.K, nil, nil, km{})
		if err != nil {
			return err
		}
		k, m := y.makeDecs(c.insats, sp)
		rc := regi923[c.regi]
		if y.year != 2024 {
			rc = scaleRegi(rc, t.K, t.M)
		}
		for i, decs := range [][]*dec{k, m} {
			if err := regiAssign(decs, rc, []string{"K", "M"}[i]); err != nil {
				return err
			}
			if err := bandMapAssign(decs, bandCounts(len(decs), c.profile)); err != nil {
				return err
			}
		}
	}
	return nil
}

// bostad builds bostad med särskild service för vuxna (9:6, 9:7, 9:22) and
// för barn (9:23); 9:9 prints their sum per district.
func (y *yearData) bostad() error {
	tv, tb := totalOf("bostad_vuxna", y.year), totalOf("bostad_barn", y.year)
	both, err := y.perNamnd("bostad", rates99["bostad"], true, tv.total()+tb.total(),
		totalOf("bostad_vuxna", 2024).total()+totalOf("bostad_barn", 2024).total())
	if err != nil {
		return fmt.Errorf("bostad: %w", err)
	}
	wb := make([]float64, 12)
	for i := 0; i < 11; i++ {
		wb[i] = float64(both[i])
	}
	barn := split(tb.total(), wb)
	vuxna := make([]int, 12)
	for i := range both {
		vuxna[i] = both[i] - barn[i]
	}
	var old [12]km
	if y.year == 2024 {
		old = bostad97
	}
	minK, minM := make([]int, 12), make([]int, 12)
	for i := range old {
		minK[i], minM[i] = old[i].K, old[i].M
	}
	spv, err := sexSplit(vuxna, tv.K, minK, minM, socialnamnden["bostad"])
	if err != nil {
		return fmt.Errorf("bostad för vuxna: %w", err)
	}
	spb, err := sexSplit(barn, tb.K, nil, nil, km{})
	if err != nil {
		return fmt.Errorf("bostad för barn: %w", err)
	}
	for s, kon := range []string{"K", "M"} {
		var decs []*dec
		for i := range spv {
			n, n69 := pick(spv[i], kon), pick(old[i], kon)
			base := dec{namnd: namndCodes[i], lagrum: "LSS", insats: "bostad_vuxna", kon: kon}
			o := base
			o.band = "69-"
			decs = append(decs, y.add(n69, o)...)
			for _, bc := range orderedBands(bandCounts(n-n69, "bostad")) {
				b := base
				b.band = bc.band
				decs = append(decs, y.add(bc.n, b)...)
			}
		}
		var codes []string
		var counts []int
		var w []float64
		for _, b := range boendeform96 {
			codes = append(codes, b.code)
			w = append(w, float64(pick(b.n, kon)))
		}
		counts = split(len(decs), w)
		if y.year == 2024 {
			counts = counts[:0]
			for _, b := range boendeform96 {
				counts = append(counts, pick(b.n, kon))
			}
		}
		if err := assign(decs, codes, counts, func(d *dec, c string) { d.boende = c }); err != nil {
			return fmt.Errorf("boendeform: %w", err)
		}
		rc := regi922["bostad_vuxna"]
		if y.year != 2024 {
			rc = scaleRegi(rc, tv.K, tv.M)
		}
		if err := regiAssign(decs, rc, kon); err != nil {
			return fmt.Errorf("bostad för vuxna regi: %w", err)
		}
		var bdecs []*dec
		for i := range spb {
			bdecs = append(bdecs, y.add(pick(spb[i], kon), dec{namnd: namndCodes[i], lagrum: "LSS", insats: "bostad_barn", kon: kon})...)
		}
		if err := bandMapAssign(bdecs, bandCounts(len(bdecs), "barnbo")); err != nil {
			return err
		}
		rb := regi923["bostad_barn"]
		if y.year != 2024 {
			rb = scaleRegi(rb, tb.K, tb.M)
		}
		if err := regiAssign(bdecs, rb, kon); err != nil {
			return fmt.Errorf("bostad för barn regi: %w", err)
		}
		_ = s
	}
	return nil
}

// daglig builds daglig verksamhet (9:8, 9:9, 9:22): age groups from 9:8 plus
// the persons 65 and over the table leaves out (two of them 69 or older,
// "färre än fyra" in the report's text).
func (y *yearData) daglig() error {
	t := totalOf("daglig_verksamhet", y.year)
	counts, err := y.perNamnd("daglig_verksamhet", rates99["daglig_verksamhet"], true, t.total(), totalOf("daglig_verksamhet", 2024).total())
	if err != nil {
		return fmt.Errorf("daglig verksamhet: %w", err)
	}
	sp, err := sexSplit(counts, t.K, nil, nil, socialnamnden["daglig_verksamhet"])
	if err != nil {
		return fmt.Errorf("daglig verksamhet: %w", err)
	}
	k, m := y.makeDecs("daglig_verksamhet", sp)
	for s, decs := range [][]*dec{k, m} {
		kon := []string{"K", "M"}[s]
		// 15–19: daglig verksamhet starts at 16, most are 18–19
		bands, printed := groupBands(daglig98, kon, 4)
		older := pick(lssByKon["daglig_verksamhet"][2024], kon) - printed
		bands["69-"] = 1
		bands["65-68"] = older - 1
		if y.year != 2024 {
			bands = scaleBands(bands, len(decs))
		}
		if err := bandMapAssign(decs, bands); err != nil {
			return fmt.Errorf("daglig verksamhet bands: %w", err)
		}
		rc := regi922["daglig"]
		if y.year != 2024 {
			rc = scaleRegi(rc, t.K, t.M)
		}
		if err := regiAssign(decs, rc, kon); err != nil {
			return fmt.Errorf("daglig verksamhet regi: %w", err)
		}
	}
	return nil
}

// groupBands turns printed age groups (ageGroups order) into bands: a group
// of two bands gives its first band one in youngShare of 15–19 and four in
// five of 20–24 (one year in five is 24). It returns the bands and the
// persons the groups hold.
func groupBands(groups []km, kon string, youngShare int) (map[string]int, int) {
	bands := map[string]int{}
	printed := 0
	for g, p := range groups {
		n := pick(p, kon)
		printed += n
		if len(ageGroups[g]) == 2 {
			first := []int{n / youngShare, n * 4 / 5}[g]
			bands[ageGroups[g][0]] += first
			bands[ageGroups[g][1]] += n - first
		} else {
			bands[ageGroups[g][0]] += n
		}
	}
	return bands, printed
}

// scaleBands scales a band distribution to n decisions.
func scaleBands(bands map[string]int, n int) map[string]int {
	var w []float64
	var codes []string
	for _, bc := range orderedBands(bands) {
		codes = append(codes, bc.band)
		w = append(w, float64(bc.n))
	}
	out := map[string]int{}
	for i, k := range split(n, w) {
		out[codes[i]] = k
	}
	return out
}

// rateInsatser builds the insatser printed only as totals and, in 2024,
// district rates: kontaktperson (LSS, 9:9), boendestöd (9:11–9:13),
// hemtjänst, trygghetslarm and bostad (SoL, 9:13).
func (y *yearData) rateInsatser() error {
	if _, _, err := y.simple("kontaktperson", "anyage", rates99["kontaktperson"], true); err != nil {
		return err
	}
	for _, c := range []struct{ insats, profile string }{
		{"sol_hemtjanst", "older"}, {"sol_trygghetslarm", "older"}, {"sol_bostad", "adult"},
	} {
		if _, _, err := y.simple(c.insats, c.profile, rates913[c.insats], true); err != nil {
			return err
		}
	}
	return y.boendestod()
}

// boendestod builds boendestöd: age groups (9:11), district rates (9:13)
// and mean hours by district and sex (9:12).
func (y *yearData) boendestod() error {
	k, m, err := y.simple("sol_boendestod", "", rates913["sol_boendestod"], true)
	if err != nil {
		return err
	}
	for s, decs := range [][]*dec{k, m} {
		kon := []string{"K", "M"}[s]
		groups, ok := boendestod911[y.year]
		if !ok {
			groups = boendestod911[2023]
		}
		bands, printed := groupBands(groups, kon, 3)
		if _, ok := boendestod911[y.year]; !ok {
			bands = scaleBands(bands, len(decs))
		} else {
			bands["65-68"] = len(decs) - printed
		}
		if err := bandMapAssign(decs, bands); err != nil {
			return fmt.Errorf("boendestöd bands: %w", err)
		}
	}
	means, ok := boendestod912[y.year]
	if !ok {
		means = boendestod912[2023]
	}
	// constraints: 0 city women, 1 city men, 2 city both, 3+d district d both
	city := []float64{means[11][0], means[11][1], means[11][2]}
	var groups []hoursGroup
	for d := 0; d < 12; d++ {
		if d < 11 {
			city = append(city, means[d][2])
		}
		for s, decs := range [][]*dec{k, m} {
			var part []*dec
			for _, x := range decs {
				if x.namnd == namndCodes[d] {
					part = append(part, x)
				}
			}
			mean := meanCell{Star: true}
			also := []int{2}
			if d < 11 {
				mean = mv(means[d][s])
				also = append(also, 3+d)
			}
			groups = append(groups, hoursGroup{decs: part, mean: mean, city: s, also: also})
		}
	}
	if err := setHours(groups, city, means[11][2]); err != nil {
		return fmt.Errorf("boendestöd hours: %w", err)
	}
	return nil
}

// otherInsatser builds the SoL insatser printed only as totals by sex.
func (y *yearData) otherInsatser() error {
	for _, c := range []struct{ insats, profile string }{
		{"sol_kontaktperson", "adult"}, {"sol_dagverksamhet", "adult"},
		{"sol_korttidsvistelse_barn", "child"}, {"sol_korttidsboende_vuxna", "adult"},
	} {
		if _, _, err := y.simple(c.insats, c.profile, [12]float64{}, false); err != nil {
			return err
		}
	}
	return nil
}

// personCell is one nämnd and sex: its decisions by band and law, and how
// many persons each law's decisions can make per band (at least the largest
// insats, at most one person per decision).
type personCell struct {
	decs   map[string]map[string][]*dec // law -> band -> decisions
	lo, hi map[string][]int             // law -> per band
}

func (c personCell) reach(law string) (int, int) {
	a, b := 0, 0
	for i := range c.lo[law] {
		a += c.lo[law][i]
		b += c.hi[law][i]
	}
	return a, b
}

// personTargets returns, per nämnd and sex, the persons with LSS (only or
// both), with SoL (only or both), and with both: table 9:2 in 2024; in other
// years table 9:1's city figures, spread over the nämnder as their decisions
// allow.
func (y *yearData) personTargets(cells [12][2]personCell) ([12][2][3]int, error) {
	var out [12][2][3]int
	cityK := map[string]int{}
	for _, cat := range []string{"endast_lss", "endast_sol", "bade"} {
		k, err := shareCount(persons91[cat][y.year])
		if err != nil {
			return out, fmt.Errorf("table 9:1 %s %d: %w", cat, y.year, err)
		}
		cityK[cat] = k
	}
	if y.year == 2024 {
		for c, cat := range []string{"endast_lss", "endast_sol", "bade"} {
			lo, hi := make([]int, 12), make([]int, 12)
			w := make([]float64, 12)
			for d := 0; d < 12; d++ {
				p := persons92[d][c]
				if p.K < 0 {
					continue
				}
				l, h := shareRange(p.K, p.N)
				ml, mh := shareRange(p.M, p.N)
				lo[d], hi[d] = max(l, p.N-mh), min(h, p.N-ml)
				w[d] = float64(lo[d]+hi[d]) / 2
			}
			// the city's women: within the city's printed shares and what the
			// nämnder's printed shares add up to
			city := persons91[cat][2024]
			cl, ch := shareRange(city.K, city.N)
			ml, mh := shareRange(city.M, city.N)
			sumLo, sumHi := 0, 0
			for d := range lo {
				sumLo, sumHi = sumLo+lo[d], sumHi+hi[d]
			}
			total := min(max(cityK[cat], max(cl, city.N-mh, sumLo)), min(ch, city.N-ml, sumHi))
			ks, err := fit(total, lo, hi, w)
			if err != nil {
				return out, fmt.Errorf("table 9:2 %s: %w", cat, err)
			}
			for d := range ks {
				n := persons92[d][c].N
				out[d][0][c], out[d][1][c] = ks[d], n-ks[d]
			}
		}
		for d := range out {
			for s := range out[d] {
				t := out[d][s]
				out[d][s] = [3]int{t[0] + t[2], t[1] + t[2], t[2]}
			}
		}
		return out, nil
	}
	for s := 0; s < 2; s++ {
		want := map[string]int{}
		for _, cat := range []string{"endast_lss", "endast_sol", "bade"} {
			want[cat] = cityK[cat]
			if s == 1 {
				want[cat] = persons91[cat][y.year].N - cityK[cat]
			}
		}
		for l, law := range []string{"LSS", "SoL"} {
			lo, hi := make([]int, 12), make([]int, 12)
			w := make([]float64, 12)
			for d := 0; d < 12; d++ {
				lo[d], hi[d] = cells[d][s].reach(law)
				w[d] = float64(lo[d]+hi[d]) / 2
			}
			total := want["bade"] + want[map[string]string{"LSS": "endast_lss", "SoL": "endast_sol"}[law]]
			n, err := fit(total, lo, hi, w)
			if err != nil {
				return out, fmt.Errorf("persons with %s, sex %d: %w", law, s, err)
			}
			for d := range n {
				out[d][s][l] = n[d]
			}
		}
		hi := make([]int, 12)
		w := make([]float64, 12)
		for d := 0; d < 12; d++ {
			hi[d] = min(out[d][s][0], out[d][s][1])
			w[d] = float64(hi[d])
		}
		b, err := fit(want["bade"], make([]int, 12), hi, w)
		if err != nil {
			return out, fmt.Errorf("persons with both laws: %w", err)
		}
		for d := range b {
			out[d][s][2] = b[d]
		}
	}
	return out, nil
}

// concentrate moves a nämnd's decisions (but those of persons 69 and over,
// which table 9:7 counts per nämnd) into one age band by swapping bands with
// decisions of the same insats and sex elsewhere, which keeps every printed
// count. Socialnämnden serves few persons with several decisions each; in
// one band they can be the same persons.
func (y *yearData) concentrate(namnd, band string) {
	sortedDecs(y.decs)
	for _, x := range y.decs {
		if x.namnd != namnd || x.band == band || x.band == "69-" {
			continue
		}
		for _, o := range y.decs {
			if o.namnd != namnd && o.insats == x.insats && o.kon == x.kon && o.band == band {
				o.band, x.band = x.band, o.band
				break
			}
		}
	}
}

// persons forms persons from the decisions: within each nämnd, sex and age
// band, decisions are dealt round-robin over as many persons as the targets
// ask (so nobody holds two decisions on one insats), and some LSS persons
// are the same people as some SoL persons ("both"). Every person gets an
// exact age in their band.
func (y *yearData) persons() ([]v1.Insats, error) {
	y.concentrate("socialnamnden", "35-44")
	sortedDecs(y.decs)
	bands := dataset.Aldersgrupp.CodeValues()
	var cells [12][2]personCell
	idx := map[string]int{}
	for d, n := range namndCodes {
		idx[n] = d
	}
	for d := range cells {
		for s := range cells[d] {
			cells[d][s] = personCell{decs: map[string]map[string][]*dec{"LSS": {}, "SoL": {}},
				lo: map[string][]int{}, hi: map[string][]int{}}
		}
	}
	for _, x := range y.decs {
		s := 0
		if x.kon == "M" {
			s = 1
		}
		c := cells[idx[x.namnd]][s]
		c.decs[x.lagrum][x.band] = append(c.decs[x.lagrum][x.band], x)
	}
	for d := range cells {
		for s := range cells[d] {
			c := &cells[d][s]
			for _, law := range []string{"LSS", "SoL"} {
				c.lo[law], c.hi[law] = make([]int, len(bands)), make([]int, len(bands))
				for b, band := range bands {
					byInsats := map[string]int{}
					for _, x := range c.decs[law][band] {
						byInsats[x.insats]++
					}
					for _, n := range byInsats {
						c.lo[law][b] = max(c.lo[law][b], n)
						c.hi[law][b] += n
					}
				}
			}
		}
	}
	targets, err := y.personTargets(cells)
	if err != nil {
		return nil, err
	}
	matdatum := int32(time.Date(y.year, 10, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	var rows []v1.Insats
	seq := 0
	for d, namnd := range namndCodes {
		for s, kon := range []string{"K", "M"} {
			c, t := cells[d][s], targets[d][s]
			per := map[string][]int{}
			for l, law := range []string{"LSS", "SoL"} {
				w := make([]float64, len(bands))
				for b := range bands {
					w[b] = float64(c.hi[law][b])
				}
				p, err := fit(t[l], c.lo[law], c.hi[law], w)
				if err != nil {
					return nil, fmt.Errorf("%s %s: persons with %s: %w", namnd, kon, law, err)
				}
				per[law] = p
			}
			capBoth := make([]int, len(bands))
			wb := make([]float64, len(bands))
			for b := range bands {
				capBoth[b] = min(per["LSS"][b], per["SoL"][b])
				wb[b] = float64(capBoth[b])
			}
			both, err := fit(t[2], make([]int, len(bands)), capBoth, wb)
			if err != nil {
				return nil, fmt.Errorf("%s %s: persons with both laws: %w", namnd, kon, err)
			}
			for b, band := range bands {
				lssIDs := make([]int, per["LSS"][b])
				for i := range lssIDs {
					lssIDs[i] = seq
					seq++
				}
				solIDs := make([]int, per["SoL"][b])
				for i := range solIDs {
					if i < both[b] {
						solIDs[i] = lssIDs[i]
						continue
					}
					solIDs[i] = seq
					seq++
				}
				for _, law := range []string{"LSS", "SoL"} {
					ids := lssIDs
					if law == "SoL" {
						ids = solIDs
					}
					for i, x := range c.decs[law][band] {
						rows = append(rows, y.row(x, ids[i%len(ids)], band, matdatum))
					}
				}
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].PersonID != rows[j].PersonID {
			return rows[i].PersonID < rows[j].PersonID
		}
		return rows[i].Lagrum+"/"+rows[i].Insats < rows[j].Lagrum+"/"+rows[j].Insats
	})
	return rows, nil
}

// row makes the microdata row of a decision held by person id.
func (y *yearData) row(x *dec, id int, band string, matdatum int32) v1.Insats {
	lo, hi := dataset.BandRange(band)
	hi = min(hi, 88)
	age := lo + int(math.Mod(float64(id*7919), float64(hi-lo+1)))
	r := v1.Insats{
		PersonID: PersonID("insatser", y.year, id), Matdatum: matdatum, Namnd: x.namnd, Lagrum: x.lagrum,
		Insats: x.insats, Kon: x.kon, Alder: int32(age), Regi: x.regi, Boendeform: x.boende,
	}
	if x.hasHours {
		h := x.hours
		r.Timmar = &h
	}
	return r
}

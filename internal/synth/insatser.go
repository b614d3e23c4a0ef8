package synth

import (
	"errors"
	"fmt"
	"sort"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// population is the number of inhabitants per district (SCB, 31 December),
// chosen inside the range every printed rate of tables 9:9 and 9:13 allows
// for the district's printed counts (personlig assistans, ledsagarservice,
// avlösarservice, ledsagning), and so that the city's rates hold too.
var population = map[int][11]int{
	2022: {91598, 69324, 79057, 70635, 167676, 125005, 103587, 45752, 60991, 126114, 35655},
	2023: {92437, 69957, 79790, 71277, 169218, 126144, 104540, 46163, 61553, 127259, 35983},
	2024: {93182, 70516, 80423, 71848, 170574, 127158, 105375, 46533, 62042, 128284, 36267},
}

// dec is one generated decision before persons are formed.
type dec struct {
	namnd, lagrum, insats, kon, band, regi, boende string
	hours                                          float64
	hasHours                                       bool
}

// yearData collects a year's decisions.
type yearData struct {
	year int
	decs []*dec
}

func (y *yearData) add(n int, d dec) []*dec {
	var out []*dec
	for i := 0; i < n; i++ {
		c := d
		y.decs = append(y.decs, &c)
		out = append(out, &c)
	}
	return out
}

// profiles are plausible age distributions (weights per band) for
// attributes no table prints.
var profiles = map[string]map[string]float64{
	"child":     {"0-11": 50, "12-14": 25, "15-17": 25},
	"young":     {"0-11": 35, "12-14": 25, "15-17": 20, "18-19": 10, "20-23": 10},
	"teen":      {"12-14": 45, "15-17": 40, "18-19": 10, "20-23": 5},
	"barnbo":    {"12-14": 15, "15-17": 45, "18-19": 25, "20-23": 15},
	"adult":     {"18-19": 2, "20-23": 6, "24": 2, "25-34": 22, "35-44": 22, "45-54": 21, "55-64": 20, "65-68": 5},
	"adult24":   {"24": 3, "25-34": 30, "35-44": 22, "45-54": 20, "55-64": 17, "65-68": 5, "69-": 3},
	"bostad":    {"18-19": 1, "20-23": 6, "24": 2, "25-34": 22, "35-44": 20, "45-54": 20, "55-64": 20, "65-68": 9},
	"older":     {"25-34": 10, "35-44": 15, "45-54": 25, "55-64": 40, "65-68": 10},
	"anyage":    {"0-11": 5, "12-14": 8, "15-17": 10, "18-19": 7, "20-23": 12, "24": 3, "25-34": 25, "35-44": 12, "45-54": 8, "55-64": 7, "65-68": 2, "69-": 1},
	"paadult":   {"18-19": 2, "20-23": 6, "24": 2, "25-34": 20, "35-44": 18, "45-54": 18, "55-64": 18, "65-68": 8, "69-": 8},
	"boendeyng": {"15-17": 30, "18-19": 70},
}

// bandCounts splits n over a profile's bands in the order of the code list.
func bandCounts(n int, profile string) map[string]int {
	p := profiles[profile]
	var bands []string
	var w []float64
	for _, c := range dataset.Aldersgrupp.Codes {
		if p[c.Code] > 0 {
			bands = append(bands, c.Code)
			w = append(w, p[c.Code])
		}
	}
	out := map[string]int{}
	for i, k := range split(n, w) {
		if k > 0 {
			out[bands[i]] += k
		}
	}
	return out
}

// interleave returns a sequence with counts[i] copies of codes[i], spread
// evenly (so that a sequence laid over decisions sorted by nämnd gives every
// nämnd a share of each code).
func interleave(codes []string, counts []int) []string {
	total := 0
	for _, c := range counts {
		total += c
	}
	out := make([]string, 0, total)
	given := make([]int, len(codes))
	for k := 0; k < total; k++ {
		best, bestGap := -1, -1.0
		for i := range codes {
			if given[i] >= counts[i] {
				continue
			}
			gap := float64(counts[i])*float64(k+1)/float64(total) - float64(given[i])
			if gap > bestGap {
				best, bestGap = i, gap
			}
		}
		out = append(out, codes[best])
		given[best]++
	}
	return out
}

// assign lays a sequence of codes over decisions sorted by nämnd.
func assign(decs []*dec, codes []string, counts []int, set func(*dec, string)) error {
	seq := interleave(codes, counts)
	if len(seq) != len(decs) {
		return fmt.Errorf("%d values for %d decisions", len(seq), len(decs))
	}
	sort.SliceStable(decs, func(i, j int) bool { return decs[i].namnd < decs[j].namnd })
	for i, d := range decs {
		set(d, seq[i])
	}
	return nil
}

func bandMapAssign(decs []*dec, counts map[string]int) error {
	var codes []string
	var n []int
	for _, c := range dataset.Aldersgrupp.Codes {
		if counts[c.Code] > 0 {
			codes = append(codes, c.Code)
			n = append(n, counts[c.Code])
		}
	}
	return assign(decs, codes, n, func(d *dec, b string) { d.band = b })
}

func regiAssign(decs []*dec, rc []regiCount, kon string) error {
	var codes []string
	var n []int
	for _, r := range rc {
		k := r.n.K
		if kon == "M" {
			k = r.n.M
		}
		codes = append(codes, r.regi)
		n = append(n, k)
	}
	return assign(decs, codes, n, func(d *dec, r string) { d.regi = r })
}

func filter(decs []*dec, keep func(*dec) bool) []*dec {
	var out []*dec
	for _, d := range decs {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}

// namndCodes are the nämnder in table order: districts, then Socialnämnden.
var namndCodes = dataset.Namnd.CodeValues()

// genInsatser makes the insatser microdata for 2022–2024, and the befolkning
// and sfb aggregates.
func genInsatser(m *aggregate.Microdata, e *aggregate.External) error {
	for _, y := range years {
		var cells []v1.BefolkningCell
		for i, d := range dataset.Districts() {
			cells = append(cells, v1.BefolkningCell{Namnd: d, AntalInvanare: int64(population[y][i])})
		}
		e.Befolkning[y] = cells
		sfb := persons91["sfb"][y]
		k, err := shareCount(sfb)
		if err != nil {
			return fmt.Errorf("sfb %d: %w", y, err)
		}
		e.SFB[y] = []v1.SFBCell{{Kon: "K", AntalPersoner: int64(k)}, {Kon: "M", AntalPersoner: int64(sfb.N - k)}}
		yd := &yearData{year: y}
		if err := yd.build(); err != nil {
			return fmt.Errorf("%d: %w", y, err)
		}
		rows, err := yd.persons()
		if err != nil {
			return fmt.Errorf("%d: %w", y, err)
		}
		m.Insatser[y] = rows
	}
	return nil
}

// shareCount returns the women's count of a printed share pair: the middle
// of the counts both printed shares allow.
func shareCount(p pct) (int, error) {
	lo, hi := shareRange(p.K, p.N)
	mlo, mhi := shareRange(p.M, p.N)
	lo, hi = max(lo, p.N-mhi), min(hi, p.N-mlo)
	if lo > hi {
		return 0, fmt.Errorf("no count of %d gives %v %% and %v %%", p.N, p.K, p.M)
	}
	return (lo + hi) / 2, nil
}

func (y *yearData) build() error {
	steps := []func() error{
		y.personligAssistans, y.ledsagning, y.avlosning, y.korttid, y.bostad, y.daglig,
		y.rateInsatser, y.otherInsatser,
	}
	var errs []error
	for _, s := range steps {
		if err := s(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

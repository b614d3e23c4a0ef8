package attack

import (
	"fmt"
	"slices"
	"strings"
)

// What the attacker knows beyond the figures, from the schema's
// descriptions and the data contracts (docs/attacker-knowledge.md lists
// each fact with where it is stated, and why the ones left out give
// nothing).

// countMeasures are the measures that are counts of persons or decisions:
// each is a family of unknowns of its own, but for the aliases below.
var countMeasures = []string{"DECISIONS", "PERSONS", "RULINGS", "RULINGS_AGAINST_CITY"}

// sameCount: insatser's persons are its decisions (Dataset.description:
// "A person holds at most one decision per insats, so decisions on one
// insats are also persons").
var sameCount = map[string]string{"insatser/PERSONS": "insatser/DECISIONS"}

// latent are dimensions an attacker may split a dataset's unknowns by
// although no figure groups by them: persons by lagrumsgrupp have one age
// (schema/datasets.md: "A person has the same namnd, kon and alder in all
// decisions of a year"), so insatser_personer is split by insatser's
// aldersgrupp, and linked to insatser age band by age band.
var latent = map[string][]string{}

// bostadInsatser are the insatser that may have a boendeform
// (schema/datasets.md: "boendeform ... bostad only, else empty").
var bostadInsatser = []string{"bostad_barn", "bostad_vuxna", "sol_bostad"}

// lagrumsgrupp codes (schema/datasets.md, code list lagrumsgrupp).
const (
	onlyLSS = "endast_lss"
	onlySoL = "endast_sol"
	both    = "bade"
)

// family is the family of unknowns a figure of dataset in measure rests
// on: the count itself, or for a share, rate, mean or amount the
// dataset's count (its first count measure).
func family(ds DatasetInfo, measure string) string {
	if !slices.Contains(countMeasures, measure) {
		measure = baseMeasure(ds)
	}
	f := ds.Name + "/" + measure
	if s, ok := sameCount[f]; ok {
		return s
	}
	return f
}

// dimsOf is the block layout of a dataset: its dimensions (boendeform with
// a latent code for "none"), and the latent ones.
func dimsOf(cat *Catalogue, ds DatasetInfo) ([]blockDim, error) {
	var dims []blockDim
	for _, d := range ds.Dimensions {
		codes := d.codes()
		if d.Name == "boendeform" {
			codes = append(codes, "")
		}
		dims = append(dims, blockDim{name: d.Name, codes: codes})
	}
	for _, l := range latent[ds.Name] {
		dsName, dimName, _ := strings.Cut(l, ":")
		other, ok := cat.dataset(dsName)
		if !ok {
			continue
		}
		d, ok := other.dim(dimName)
		if !ok {
			return nil, fmt.Errorf("latent dimension %s: no such dimension", l)
		}
		dims = append(dims, blockDim{name: d.Name, codes: d.codes()})
	}
	return dims, nil
}

// possibleIn says which combinations of a dataset's codes can occur: a
// code whose group names a code of another dimension occurs only with it
// (an insats with its lagrum; a code without a group, like kontaktperson
// in ej verkställda, with any), and a boendeform only with bostad.
func possibleIn(ds DatasetInfo, dims []blockDim) func([]string) bool {
	type link struct {
		child, parent int
		group         map[string]string
	}
	var links []link
	for ci, d := range ds.Dimensions {
		g := map[string]string{}
		for _, c := range d.Codes {
			if c.Group != nil && *c.Group != "" {
				g[c.Code] = *c.Group
			}
		}
		if len(g) == 0 {
			continue
		}
		for pi, p := range ds.Dimensions {
			if pi != ci && slices.ContainsFunc(p.codes(), func(code string) bool {
				for _, v := range g {
					if v == code {
						return true
					}
				}
				return false
			}) {
				links = append(links, link{child: ci, parent: pi, group: g})
			}
		}
	}
	insats := slices.IndexFunc(dims, func(d blockDim) bool { return d.name == "insats" })
	bf := slices.IndexFunc(dims, func(d blockDim) bool { return d.name == "boendeform" })
	return func(codes []string) bool {
		for _, l := range links {
			if g, ok := l.group[codes[l.child]]; ok && g != codes[l.parent] {
				return false
			}
		}
		if bf >= 0 && insats >= 0 && codes[bf] != "" && !slices.Contains(bostadInsatser, codes[insats]) {
			return false
		}
		return true
	}
}

func (c *Catalogue) dataset(name string) (DatasetInfo, bool) {
	for _, d := range c.Datasets {
		if d.Name == name {
			return d, true
		}
	}
	return DatasetInfo{}, false
}

// buildModel turns the harvest into unknowns and linear facts.
func buildModel(hv *Harvest) (*model, error) {
	m := &model{blocks: map[string]*block{}}
	cat := hv.Catalogue
	layouts := map[string][]blockDim{}
	possible := map[string]func([]string) bool{}
	for _, ds := range cat.Datasets {
		if ds.Public {
			continue
		}
		dims, err := dimsOf(cat, ds)
		if err != nil {
			return nil, err
		}
		layouts[ds.Name], possible[ds.Name] = dims, possibleIn(ds, dims)
		// every family of every period, so that relations find them
		fams := map[string]bool{}
		for _, ms := range ds.Measures {
			fams[family(ds, ms)] = true
		}
		for _, f := range slices.Sorted(mapKeys(fams)) {
			for _, p := range ds.periodCodes() {
				m.newBlock(f, p, dims, possible[ds.Name])
			}
		}
	}
	pop := population(hv)
	for _, f := range hv.Figures {
		ds, ok := cat.dataset(f.Dataset)
		if !ok || ds.Public {
			continue
		}
		if err := m.addFigure(ds, f, pop, hv); err != nil {
			return nil, fmt.Errorf("%s: %w", f.From, err)
		}
	}
	m.addRelations(cat)
	return m, nil
}

// population is the inhabitants per period and district (dataset
// befolkning), the rates' denominators.
func population(hv *Harvest) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, f := range hv.Figures {
		if f.Dataset != "befolkning" || f.Mark != "PUBLISHED" {
			continue
		}
		codes := f.Where["namnd"]
		if len(codes) != 1 {
			continue
		}
		if out[f.Period] == nil {
			out[f.Period] = map[string]float64{}
		}
		out[f.Period][codes[0]] = f.Value
	}
	return out
}

// addFigure adds what one figure tells.
func (m *model) addFigure(ds DatasetInfo, f *Figure, pop map[string]map[string]float64, hv *Harvest) error {
	if f.Mark == "NO_DATA" {
		return nil
	}
	b, ok := m.blocks[blockKey(family(ds, f.Measure), f.Period)]
	if !ok {
		return fmt.Errorf("no unknowns for %s in %s", family(ds, f.Measure), f.Period)
	}
	x, err := b.cells(f.Where, 1)
	if err != nil {
		return err
	}
	why := f.key()
	switch {
	case slices.Contains(countMeasures, f.Measure):
		switch f.Mark {
		case "PUBLISHED":
			m.addRow(f.Value, f.Value, why, x)
		case "SUPPRESSED":
			// one marker for every hidden figure: at least 1
			m.addRow(1, inf, why, x)
			m.targets = append(m.targets, target{t: x, fig: f})
		default:
			return fmt.Errorf("a count marked %s", f.Mark)
		}
	case f.Measure == "SHARE":
		den, err := b.cells(f.Den, 1)
		if err != nil {
			return err
		}
		switch f.Mark {
		case "PUBLISHED": // 100 num / den, rounded to f.Value
			if hv.publishedCount(ds, f.Period, f.Where) && hv.publishedCount(ds, f.Period, f.Den) {
				return nil // a ratio of two published counts
			}
			num := x
			num.coef = 100
			lo, hi := den, den
			lo.coef, hi.coef = -(f.Value - 0.5), -(f.Value + 0.5)
			m.addRow(0, inf, why+" (share, low)", num, lo)
			m.addRow(-inf, 0, why+" (share, high)", num, hi)
		case "NOT_COMPUTABLE": // shown, with a denominator of 0
			m.addRow(0, 0, why, den)
		}
	case f.Measure == "RATE_PER_10000":
		if f.Mark != "PUBLISHED" || hv.publishedCount(ds, f.Period, f.Where) {
			return nil // ".": no inhabitants; or a published count per a published population
		}
		p, ok := popOf(pop[f.Period], f.Where["namnd"])
		if !ok {
			m.notes = append(m.notes, "no population for "+why)
			return nil
		}
		m.addRow((f.Value-0.5)*p/10000, (f.Value+0.5)*p/10000, why+" (rate)", x)
	case f.Measure == "MEAN_HOURS", f.Measure == "SUM_SEK":
		// shown only where its count is shown (and a mean only over 4
		// or more persons): nothing beyond the count's own figure
	default:
		m.notes = append(m.notes, "measure "+f.Measure+" not read: "+why)
	}
	return nil
}

// publishedCount: the harvest holds the dataset's count over where in
// period, published.
func (h *Harvest) publishedCount(ds DatasetInfo, period string, where map[string][]string) bool {
	f, ok := h.byKey[(&Figure{Dataset: ds.Name, Measure: baseMeasure(ds), Period: period, Where: where}).key()]
	return ok && f.Mark == "PUBLISHED"
}

// popOf is the inhabitants of the districts among codes (every district
// when nil).
func popOf(pop map[string]float64, codes []string) (float64, bool) {
	if len(pop) == 0 {
		return 0, false
	}
	sum := 0.0
	for code, n := range pop {
		if codes == nil || slices.Contains(codes, code) {
			sum += n
		}
	}
	return sum, true
}

// addRelations adds the contracts' links between families.
func (m *model) addRelations(cat *Catalogue) {
	ins, okI := cat.dataset("insatser")
	per, okP := cat.dataset("insatser_personer")
	if okI && okP {
		m.linkPersons(ins, per)
	}
	if bes, ok := cat.dataset("beslut"); ok {
		m.linkRulings(bes)
	}
}

// linkPersons: for each year, nämnd, kön and age band, each insats's
// decisions are persons holding it, all of them persons with a decision
// under its law (only that law, or both); and every such person holds at
// least one decision under that law.
func (m *model) linkPersons(ins, per DatasetInfo) {
	insatsDim, _ := ins.dim("insats")
	law := map[string][]string{}
	for _, c := range insatsDim.Codes {
		if c.Group != nil {
			law[*c.Group] = append(law[*c.Group], c.Code)
		}
	}
	groups := map[string][]string{"LSS": {onlyLSS, both}, "SoL": {onlySoL, both}}
	namnd, _ := per.dim("namnd")
	kon, _ := per.dim("kon")
	for _, p := range ins.periodCodes() {
		d, okD := m.blocks[blockKey("insatser/DECISIONS", p)]
		pp, okP := m.blocks[blockKey("insatser_personer/PERSONS", p)]
		if !okD || !okP {
			continue
		}
		for _, n := range namnd.codes() {
			for _, k := range kon.codes() {
				at := map[string][]string{"namnd": {n}, "kon": {k}}
				for _, lw := range slices.Sorted(mapKeys(law)) {
					persons, err := pp.cells(with(at, "lagrumsgrupp", groups[lw]...), -1)
					if err != nil {
						continue
					}
					for _, code := range law[lw] {
						dec, err := d.cells(with(at, "insats", code), 1)
						if err != nil {
							continue
						}
						m.addRow(-inf, 0, fmt.Sprintf("%s %s %s %s: decisions <= persons of %s", p, n, k, code, lw), dec, persons)
					}
					all, err := d.cells(with(at, "insats", law[lw]...), 1)
					if err != nil {
						continue
					}
					m.addRow(0, inf, fmt.Sprintf("%s %s %s: %s decisions >= persons", p, n, k, lw), all, persons)
				}
			}
		}
	}
}

// linkRulings: a ruling is on a decision, and a ruling against the city's
// decision is a ruling, in every cell.
func (m *model) linkRulings(bes DatasetInfo) {
	chain := []string{"beslut/DECISIONS", "beslut/RULINGS", "beslut/RULINGS_AGAINST_CITY"}
	for _, p := range bes.periodCodes() {
		for i := 0; i+1 < len(chain); i++ {
			big, ok1 := m.blocks[blockKey(chain[i], p)]
			small, ok2 := m.blocks[blockKey(chain[i+1], p)]
			if !ok1 || !ok2 {
				continue
			}
			for flat, v := range small.vars {
				if v < 0 || big.vars[flat] < 0 {
					continue
				}
				m.addRow(-inf, 0, fmt.Sprintf("%s %s <= %s", p, chain[i+1], chain[i]), small.single(flat, 1), big.single(flat, -1))
			}
		}
	}
}

// with is where with dim restricted to codes.
func with(where map[string][]string, dim string, codes ...string) map[string][]string {
	out := make(map[string][]string, len(where)+1)
	for k, v := range where {
		out[k] = v
	}
	out[dim] = codes
	return out
}

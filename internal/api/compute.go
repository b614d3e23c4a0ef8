package api

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/reports"
)

// cellSpec is one cell of a planned table: a period and, per grouped
// dimension, the index of its code or -1 for the total.
type cellSpec struct {
	period int
	member []int
}

// cells enumerates the planned table's cells: periods outermost, then the
// grouped dimensions in order, codes in code list order, the total last.
// Combinations no row can have (an SoL insats under LSS) are left out.
func (p *plan) cells() []cellSpec {
	n, k := p.size(), len(p.grouped)
	out := make([]cellSpec, 0, n)
	members := make([]int, 0, n*k) // every cell's members, in one array
	p.eachCell(func(pi int, member []int) bool {
		start := len(members)
		members = append(members, member...)
		out = append(out, cellSpec{period: pi, member: members[start:len(members):len(members)]})
		return true
	})
	return out
}

// eachCell gives the cells of cells in turn: a period and each grouped
// dimension's member (the same slice, changed for the next cell).
func (p *plan) eachCell(yield func(period int, member []int) bool) {
	k := len(p.grouped)
	feasible := p.feasibility()
	// Each dimension's members in turn, an odometer over them: its codes
	// 0…len-1, then its total (-1) if wanted.
	last := make([]int, k) // the last member before the total
	for gi, g := range p.grouped {
		last[gi] = len(g.codes) - 1
		if len(g.codes)+b2i(g.totalWanted) == 0 {
			return // a dimension with no member: no cell
		}
	}
	first := func(gi int) int {
		if last[gi] < 0 {
			return -1 // only the total
		}
		return 0
	}
	member := make([]int, k)
	for pi := range p.periods {
		for gi := range member {
			member[gi] = first(gi)
		}
		for {
			if feasible(member) && !yield(pi, member) {
				return
			}
			gi := k - 1
			for ; gi >= 0; gi-- {
				m := member[gi]
				if m >= 0 && m < last[gi] {
					member[gi]++
					break
				}
				if m >= 0 && p.grouped[gi].totalWanted {
					member[gi] = -1
					break
				}
				member[gi] = first(gi)
			}
			if gi < 0 {
				break
			}
		}
	}
}

// size is the number of cells cells enumerates, worked out without
// enumerating them, so that a table refused for its size costs no memory
// (grouping a national lake's insatser by every dimension would be 60
// million cells). Only the members of lagrum and insats decide whether a
// cell can exist; every other grouped dimension multiplies.
func (p *plan) size() int {
	n := len(p.periods)
	var pair []int
	for gi, g := range p.grouped {
		if g.def.name == "lagrum" || g.def.name == "insats" {
			pair = append(pair, gi)
			continue
		}
		n *= len(g.codes) + b2i(g.totalWanted)
	}
	member := make([]int, len(p.grouped))
	feasible := 0
	var walk func(k int)
	walk = func(k int) {
		if k == len(pair) {
			if p.feasible(member) {
				feasible++
			}
			return
		}
		g := p.grouped[pair[k]]
		for i := range g.codes {
			member[pair[k]] = i
			walk(k + 1)
		}
		if g.totalWanted {
			member[pair[k]] = -1
			walk(k + 1)
		}
	}
	walk(0)
	return n * feasible
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// feasibility returns feasible for the plan's cells, worked out once for
// each pair of their lagrum and insats members (a table has thousands
// of cells and a few such pairs).
func (p *plan) feasibility() func(member []int) bool {
	if p.ds.def.compatible == nil {
		return func([]int) bool { return true }
	}
	at := func(dim string) (gi, n int) {
		gi = slices.IndexFunc(p.grouped, func(g groupedDim) bool { return g.def.name == dim })
		if gi < 0 {
			return -1, 1
		}
		return gi, len(p.grouped[gi].codes) + 1
	}
	li, nl := at("lagrum")
	ii, ni := at("insats")
	pos := func(gi int, member []int) int {
		if gi < 0 {
			return 0
		}
		return member[gi] + 1
	}
	ok := make([]bool, nl*ni)
	member := make([]int, len(p.grouped))
	for a := range nl {
		for b := range ni {
			if li >= 0 {
				member[li] = a - 1
			}
			if ii >= 0 {
				member[ii] = b - 1
			}
			ok[a*ni+b] = p.feasible(member)
		}
	}
	return func(member []int) bool { return ok[pos(li, member)*ni+pos(ii, member)] }
}

// feasible reports whether a cell's lagrum and insats can meet.
func (p *plan) feasible(member []int) bool {
	compatible := p.ds.def.compatible
	if compatible == nil {
		return true
	}
	laws, ins := p.codesOf("lagrum", member), p.codesOf("insats", member)
	if laws == nil || ins == nil {
		return true
	}
	for _, l := range laws {
		for _, i := range ins {
			if compatible(l, i) {
				return true
			}
		}
	}
	return false
}

// codesOf returns the codes a cell restricts dimension dim to (nil: all).
func (p *plan) codesOf(dim string, member []int) []string {
	for gi, g := range p.grouped {
		if g.def.name == dim && member[gi] >= 0 {
			return []string{g.codes[member[gi]]}
		}
	}
	return p.filter[dim]
}

// where is the filter of a cell: its period, the query's filters, and its
// codes of the grouped dimensions.
func (p *plan) where(c cellSpec) cube.Filter {
	f := cube.Filter{}.Merge(p.periods[c.period].filter())
	for dim, codes := range p.filter {
		f[dim] = codes
	}
	for gi, g := range p.grouped {
		if m := c.member[gi]; m >= 0 {
			f[g.def.name] = []string{g.codes[m]}
		}
	}
	return f
}

// fieldsOf lists the cube fields a measure sums; the first is the count
// the cells rest on.
func (p *plan) fieldsOf() []string {
	switch p.measure {
	case MeanHours:
		return []string{p.count, "timmar_antal", "timmar_summa"}
	case SumSEK:
		return []string{p.count, "belopp_kr"}
	}
	return []string{p.count}
}

// compute computes and marks every cell of the plan (plan.eachCell).
func (v *version) compute(p *plan, threshold int) (*tableAnswer, error) {
	def := p.ds.def
	x, err := v.index(def, p.years())
	if err != nil {
		return nil, err
	}
	s, err := p.accumulate(x, p.fieldsOf())
	if err != nil {
		return nil, err
	}
	ans := &tableAnswer{ds: p.ds, measure: p.measure, periods: p.periods, source: p.ds.source, lakeVersion: v.lakeVersion(), plan: p}
	ans.laidOut = newLazy(ans.layOut)
	for _, g := range p.grouped {
		ans.dims = append(ans.dims, g.def)
		// Each grouped code's coordinate ([m+1]; [0] is the total).
		ans.members = append(ans.members, g.def.membersOf(g.codes))
	}
	get := s.get
	population := map[string]float64{}
	var marks *cellMarks
	if !def.public {
		marks = newCellMarks(v.disc, p)
	}
	ans.figs = make([]figure, 0, p.size())
	var seen marksSeen // which marks occur, for the footnotes
	var failed error
	p.eachCell(func(pi int, member []int) bool {
		cs := cellSpec{period: pi, member: member}
		x := get(cs.period, cs.member)
		val := reports.Value{Kind: reports.KindCount, Value: x[0], Basis: x[0]}
		hidden := false
		switch p.measure {
		case MeanHours:
			n, sum := x[1], x[2]
			val = reports.Value{Kind: reports.KindMean, Basis: n}
			if n == 0 {
				val.Status = reports.StatusNotComputable
			} else {
				val.Value = sum / n
			}
			// The primary rule on the mean's own persons, whatever the
			// count's mark: a mean over 1..threshold-1 persons is never shown.
			hidden = n > 0 && n < float64(threshold)
		case SumSEK:
			val = reports.Value{Kind: reports.KindAmount, Value: x[1], Basis: x[0]}
		case Share:
			den := slices.Clone(cs.member)
			den[p.shareOf] = -1
			d := get(cs.period, den)[0]
			val = reports.Value{Kind: reports.KindShare, Basis: x[0]}
			if d == 0 {
				val.Status = reports.StatusNotComputable
			} else {
				val.Value = 100 * x[0] / d
			}
		case RatePer10000:
			pop, err := v.population(p, cs, population)
			if err != nil {
				failed = err
				return false
			}
			val = reports.Value{Kind: reports.KindRate, Basis: x[0]}
			if pop == 0 {
				val.Status = reports.StatusNotComputable
			} else {
				val.Value = 10000 * x[0] / pop
			}
		}
		if marks != nil {
			h, err := marks.hidden(cs)
			if err != nil {
				failed = notPublished(p, cs, err)
				return false
			}
			hidden = hidden || h
		}
		fig := makeFigure(val, hidden)
		seen[fig.mark] = true
		ans.figs = append(ans.figs, fig)
		return true
	})
	if failed != nil {
		return nil, failed
	}
	ans.footnotes = slices.Clone(def.notes)
	if v.geo.IsDefault() && p.touches("namnd") && p.periods[0].year <= 2023 {
		ans.footnotes = append(ans.footnotes, districtNote)
	}
	ans.footnotes = append(ans.footnotes, seen.notes()...)
	if p.measure == RatePer10000 {
		if pop, ok := v.dataset("befolkning"); ok {
			ans.source += "; " + strings.TrimPrefix(pop.source, "Källa: ")
		}
	}
	return ans, nil
}

// years lists the years of the plan's periods.
func (p *plan) years() []int {
	out := []int{}
	for _, pr := range p.periods {
		if !slices.Contains(out, pr.year) {
			out = append(out, pr.year)
		}
	}
	return out
}

// touches reports whether the table groups or filters by dim.
func (p *plan) touches(dim string) bool {
	_, filtered := p.filter[dim]
	return filtered || slices.ContainsFunc(p.grouped, func(g groupedDim) bool { return g.def.name == dim })
}

// population is the number of inhabitants of a cell's nämnd (all
// districts when it has none) in its year, from the public befolkning
// cube. memo caches it by year and nämnd.
func (v *version) population(p *plan, cs cellSpec, memo map[string]float64) (float64, error) {
	year := p.periods[cs.period].year
	pc, err := v.cubes.get("befolkning", year)
	if err != nil {
		return 0, err
	}
	f := cube.Filter{"ar": {strconv.Itoa(year)}}
	if codes := p.codesOf("namnd", cs.member); codes != nil {
		f["namnd"] = codes
	}
	key := f.String()
	if n, ok := memo[key]; ok {
		return n, nil
	}
	n, _, err := pc.Sum(f, "antal_invanare")
	memo[key] = n
	return n, err
}

// notPublished explains that a cell is no cell of the protected structure.
func notPublished(p *plan, cs cellSpec, cause error) error {
	var parts []string
	for gi, g := range p.grouped {
		if m := cs.member[gi]; m >= 0 {
			parts = append(parts, g.def.name+"="+g.codes[m])
		} else {
			parts = append(parts, g.def.name+"=total")
		}
	}
	for _, dim := range sortedKeys(p.filter) {
		if !slices.ContainsFunc(p.grouped, func(g groupedDim) bool { return g.def.name == dim }) {
			parts = append(parts, dim+"="+strings.Join(p.filter[dim], "|"))
		}
	}
	cell := "{" + strings.Join(parts, " ") + "}"
	if len(parts) == 0 {
		cell = "the total"
	}
	return &queryError{code: CodeNotPublished, field: "groupBy",
		message: fmt.Sprintf("insyn does not publish the cell %s of dataset %s in %s: it is no cell of the protected structure, and nothing else is computed for a client (group by fewer dimensions, or filter on other categories) [%v]",
			cell, p.ds.def.name, p.periods[cs.period].label(), cause)}
}

func sortedKeys(f cube.Filter) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package attack

import (
	"fmt"
	"maps"
	"math/bits"
	"slices"
)

// The harvest asks for tables as a user would, without knowing the
// protected structure: in a context (filters on some dimensions), it
// grows the grouped dimensions from none, one at a time, with totals.
// A table with totals holds every cell of each table grouped by fewer of
// its dimensions, so a refused table's supersets are refused too and are
// not asked; the search visits the accepted tables and their refused
// frontier.
//
// Contexts: none; each code of each dimension; each group of codes a
// user can know of (the code lists' hierarchy, the unions the seed tables
// print, and every run of consecutive codes that the API answers on its
// own); and pairs of these where one is a union.

// searchDataset harvests every table of ds the search reaches.
func (h *Harvest) searchDataset(c *client, ds DatasetInfo, unions map[string][][]string) error {
	base := baseMeasure(ds)
	if base == "" || len(ds.Periods) == 0 {
		return nil
	}
	period := ds.periodCodes()[0]
	if n := len(ds.Periods); n > 1 {
		period += "/" + ds.Periods[n-1].Code
	}
	s := &searcher{h: h, c: c, ds: ds, base: base, period: period}
	// no filter
	root, err := s.search(nil, nil)
	if err != nil {
		return err
	}
	// one filter: each code, each union
	sets := map[string][][]string{}
	for _, d := range ds.Dimensions {
		for _, code := range d.codes() {
			sets[d.Name] = append(sets[d.Name], []string{code})
		}
	}
	multi := map[string][][]string{}
	addMulti := func(dim string, set []string) {
		if len(set) < 2 || slices.ContainsFunc(multi[dim], func(x []string) bool { return slices.Equal(x, set) }) {
			return
		}
		d, _ := ds.dim(dim)
		if len(set) >= len(d.Codes) {
			return
		}
		multi[dim] = append(multi[dim], set)
	}
	for _, d := range ds.Dimensions {
		for _, g := range d.groups() {
			addMulti(d.Name, g)
		}
		for _, u := range unions[d.Name] {
			addMulti(d.Name, inOrder(d, u))
		}
	}
	// runs of consecutive codes the API answers alone (of a dimension of
	// at most maxRunCodes codes: the municipalities of a national lake
	// have no order to run along)
	for _, d := range ds.Dimensions {
		codes := d.codes()
		if len(codes) > maxRunCodes {
			continue
		}
		for i := range codes {
			for j := i + 2; j <= len(codes); j++ {
				run := codes[i:j]
				if len(run) == len(codes) || slices.ContainsFunc(multi[d.Name], func(x []string) bool { return slices.Equal(x, run) }) {
					continue
				}
				ok, err := s.accepted(map[string][]string{d.Name: run}, nil)
				if err != nil {
					return err
				}
				if ok {
					addMulti(d.Name, slices.Clone(run))
				}
			}
		}
	}
	for _, d := range ds.Dimensions {
		for _, set := range append(sets[d.Name], multi[d.Name]...) {
			if _, err := s.search(map[string][]string{d.Name: set}, root); err != nil {
				return err
			}
		}
	}
	// two filters, one of them a union
	for _, d1 := range ds.Dimensions {
		for _, u := range multi[d1.Name] {
			for _, d2 := range ds.Dimensions {
				if d2.Name == d1.Name {
					continue
				}
				for _, set := range append(sets[d2.Name], multi[d2.Name]...) {
					if len(set) > 1 && d2.Name < d1.Name {
						continue // the pair of unions was asked the other way round
					}
					if _, err := s.search(map[string][]string{d1.Name: u, d2.Name: set}, nil); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// maxRunCodes is the most codes a dimension may have for its runs of
// consecutive codes to be tried as filters.
const maxRunCodes = 24

// baseMeasure is the count a dataset's tables are searched with (a public
// dataset's only measure).
func baseMeasure(ds DatasetInfo) string {
	if ds.Public && len(ds.Measures) > 0 {
		return ds.Measures[0]
	}
	for _, m := range []string{"DECISIONS", "PERSONS"} {
		if slices.Contains(ds.Measures, m) {
			return m
		}
	}
	return ""
}

// inOrder returns the codes of set in the dimension's order.
func inOrder(d DimInfo, set []string) []string {
	var out []string
	for _, c := range d.codes() {
		if slices.Contains(set, c) {
			out = append(out, c)
		}
	}
	return out
}

type searcher struct {
	h      *Harvest
	c      *client
	ds     DatasetInfo
	base   string
	period string
}

// accepted asks for the base measure's table; a refusal is false.
func (s *searcher) accepted(filter map[string][]string, groupBy []string) (bool, error) {
	return s.harvest(request{ds: s.ds, measure: s.base, period: s.period, groupBy: groupBy, filter: filter})
}

// harvest asks for a table of every period (one period at a time when
// the whole range has too many cells) and keeps its figures.
func (s *searcher) harvest(r request) (bool, error) {
	figs, code, err := s.h.ask(s.c, r)
	if err != nil {
		return false, err
	}
	if code == "TOO_MANY_CELLS" && len(s.ds.Periods) > 1 {
		for _, p := range s.ds.periodCodes() {
			r.period = p
			f, code, err := s.h.ask(s.c, r)
			if err != nil || code != "" {
				return false, err
			}
			figs = append(figs, f...)
		}
		code = ""
	}
	if code != "" {
		return false, nil
	}
	for _, f := range figs {
		s.h.add(f)
	}
	return true, nil
}

// search grows the grouped dimensions in the context filter and harvests
// every accepted table in every measure. root, when given, is the
// accepted groupings of the context without filters: a grouping whose
// cells it holds already (it and the filtered dimension accepted there)
// is taken as accepted without asking. It returns the accepted groupings
// as bit sets over the dataset's dimensions.
func (s *searcher) search(filter map[string][]string, root map[uint64]bool) (map[uint64]bool, error) {
	var free []int // the dimensions not filtered
	for i, d := range s.ds.Dimensions {
		if _, ok := filter[d.Name]; !ok {
			free = append(free, i)
		}
	}
	var filteredBit uint64
	if len(filter) == 1 {
		for d := range filter {
			i := slices.IndexFunc(s.ds.Dimensions, func(x DimInfo) bool { return x.Name == d })
			filteredBit = 1 << i
		}
	}
	accepted := map[uint64]bool{}
	try := func(mask uint64) error {
		if root != nil && filteredBit != 0 && root[mask|filteredBit] {
			accepted[mask] = true
			return nil
		}
		groupBy := s.names(mask)
		ok, err := s.accepted(filter, groupBy)
		if err != nil || !ok {
			return err
		}
		accepted[mask] = true
		return s.otherMeasures(filter, groupBy)
	}
	if err := try(0); err != nil {
		return nil, err
	}
	if !accepted[0] {
		return accepted, nil
	}
	level := []uint64{0}
	for len(level) > 0 {
		var next []uint64
		seen := map[uint64]bool{}
		for _, a := range level {
			for _, d := range free {
				m := a | 1<<d
				if m == a || seen[m] {
					continue
				}
				seen[m] = true
				if !s.subsetsAccepted(m, accepted) {
					continue
				}
				if err := try(m); err != nil {
					return nil, err
				}
				if accepted[m] {
					next = append(next, m)
				}
			}
		}
		slices.Sort(next)
		level = next
	}
	return accepted, nil
}

// subsetsAccepted: every grouping with one dimension fewer is accepted.
func (s *searcher) subsetsAccepted(m uint64, accepted map[uint64]bool) bool {
	for r := m; r != 0; r &= r - 1 {
		if !accepted[m&^(1<<bits.TrailingZeros64(r))] {
			return false
		}
	}
	return true
}

func (s *searcher) names(mask uint64) []string {
	out := []string{}
	for i, d := range s.ds.Dimensions {
		if mask&(1<<i) != 0 {
			out = append(out, d.Name)
		}
	}
	return out
}

// otherMeasures harvests an accepted table in the dataset's other
// measures (SHARE of each grouped dimension); their refusals are kept
// out of the harvest, as a user would find them.
func (s *searcher) otherMeasures(filter map[string][]string, groupBy []string) error {
	for _, m := range s.ds.Measures {
		if m == s.base {
			continue
		}
		shareOf := []string{""}
		if m == "SHARE" {
			shareOf = groupBy
		}
		for _, so := range shareOf {
			r := request{ds: s.ds, measure: m, shareOf: so, period: s.period, groupBy: groupBy, filter: maps.Clone(filter)}
			if _, err := s.harvest(r); err != nil {
				return fmt.Errorf("%s: %w", r, err)
			}
		}
	}
	return nil
}

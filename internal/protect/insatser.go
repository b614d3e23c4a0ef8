package protect

import (
	"fmt"
	"maps"
	"slices"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
)

// Hierarchies of the insatser cube over the nämnd codes of geo. Lagrum is
// not a dimension of its own here: it is the group of its insatser.
func insatserHierarchies(geo dataset.Geography) []Hierarchy {
	ins := dataset.Insats
	return []Hierarchy{
		{Name: "namnd", Leaves: geo.Namnd.CodeValues()},
		{Name: "insats", Leaves: ins.CodeValues(), Groups: map[string][]string{
			"LSS":        ins.InGroup("LSS"),
			"SoL":        ins.InGroup("SoL"),
			"ledsagning": {"ledsagarservice", "sol_ledsagning"},
			"avlosning":  {"avlosarservice", "sol_avlosning"},
			"bostad":     {"bostad_vuxna", "bostad_barn"},
		}},
		{Name: "kon", Leaves: dataset.Kon.CodeValues()},
		{Name: "aldersgrupp", Leaves: dataset.Aldersgrupp.CodeValues(), Groups: map[string][]string{
			"0-17":  dataset.BandsBetween(0, 17),
			"18-":   dataset.BandsBetween(18, 120),
			"0-23":  dataset.BandsBetween(0, 23),
			"24-":   dataset.BandsBetween(24, 120),
			"15-19": {"15-17", "18-19"},
			"20-24": {"20-23", "24"},
			"15-64": dataset.BandsBetween(15, 64),
		}},
		{Name: "regi", Leaves: dataset.Regi.CodeValues()},
		{Name: "boendeform", Leaves: append([]string{""}, dataset.Boendeform.CodeValues()...)},
	}
}

// insatserPossible says which leaf combinations can exist: a type of housing
// only for bostad för vuxna, and bostad för vuxna always has one.
func insatserPossible(leaf []string) bool {
	return (leaf[1] == "bostad_vuxna") == (leaf[5] != "")
}

// InsatserViews are the linked tables of decisions that can be published:
// every seed table of chapter 9 on insatser with its totals, and the
// cross-tabulations a frontend may ask for (over Stockholm's nämnder).
func InsatserViews() ([]View, []Hierarchy, error) { return InsatserViewsIn(dataset.Stockholm) }

// InsatserViewsIn is InsatserViews over the nämnd codes of geo.
func InsatserViewsIn(geo dataset.Geography) ([]View, []Hierarchy, error) {
	hs := insatserHierarchies(geo)
	h := map[string]Hierarchy{}
	for _, x := range hs {
		h[x.Name] = x
	}
	var err error
	members := func(dim string, codes ...string) []Member {
		if err != nil {
			return nil
		}
		var ms []Member
		ms, err = h[dim].Members(codes...)
		return ms
	}
	all := func(dim string) []Member { return h[dim].AllLeaves() }
	// by nämnd: the insatser, their lagrum and bostad (9:9); the groups of
	// ledsagning and avlösning across both laws are published for the city
	// only (9:22, 9:23), since by nämnd they would let the small SoL counts
	// be computed from the LSS ones
	insatsAll := append(all("insats"), members("insats", "LSS", "SoL", "bostad")...)
	views := []View{
		// 9:3, 9:9, 9:10, 9:13, and nämnd × insats × kön in general
		{Name: "namnd×insats×kon", Dims: []Dim{{"namnd", all("namnd")}, {"insats", insatsAll}, {"kon", all("kon")}}},
		// 9:4, 9:5: personlig assistans by nämnd, children and adults
		{Name: "pa×namnd×kon×barn", Dims: []Dim{{"namnd", all("namnd")}, {"insats", members("insats", "personlig_assistans")},
			{"kon", all("kon")}, {"aldersgrupp", members("aldersgrupp", "0-17", "18-", Total)}}},
		// 9:7: bostad för vuxna 69 and older by nämnd
		{Name: "bostad×namnd×kon×69", Dims: []Dim{{"namnd", all("namnd")}, {"insats", members("insats", "bostad_vuxna")},
			{"kon", all("kon")}, {"aldersgrupp", members("aldersgrupp", "69-", Total)}}},
		// 9:8, 9:11: age groups of daglig verksamhet and boendestöd
		{Name: "insats×kon×alder", Dims: []Dim{{"insats", members("insats", "daglig_verksamhet", "sol_boendestod")},
			{"kon", all("kon")}, {"aldersgrupp", members("aldersgrupp", "15-19", "20-24", "25-34", "35-44", "45-54", "55-64", "15-64", Total)}}},
		// 9:6: bostad för vuxna by type of housing
		{Name: "bostad×boendeform×kon", Dims: []Dim{{"insats", members("insats", "bostad_vuxna")}, {"kon", all("kon")},
			{"boendeform", members("boendeform", "gruppbostad", "servicebostad", "uppgift_saknas", Total)}}},
		// 9:22, 9:23: regi for adults (24+) and children and young people (0–23)
		{Name: "insats×regi×kon×alder", Dims: []Dim{{"insats", members("insats", "ledsagning", "avlosning", "korttidsvistelse")},
			{"regi", all("regi")}, {"kon", all("kon")}, {"aldersgrupp", members("aldersgrupp", "0-23", "24-", Total)}}},
		{Name: "insats×regi×kon", Dims: []Dim{{"insats", members("insats", "bostad_vuxna", "daglig_verksamhet", "korttidstillsyn", "bostad_barn")},
			{"regi", all("regi")}, {"kon", all("kon")}}},
	}
	return views, hs, err
}

// BuildInsatser builds the structure of the decisions of one year.
func BuildInsatser(c *cube.Cube, year string) (*Structure, error) {
	views, hs, err := InsatserViews()
	if err != nil {
		return nil, err
	}
	return Build("insatser", c, "antal_beslut", cube.Filter{"ar": {year}}, hs, views, insatserPossible)
}

// CellFor returns the structure cell a cube filter selects: each filtered
// dimension's codes must be exactly a member's leaves (a lagrum filter is
// read as the group of its insatser). It fails for a filter that is not a
// cell of the structure — such a figure is never published.
func (s *Structure) CellFor(f cube.Filter, hier []Hierarchy) (int, error) {
	f = cube.Filter{}.Merge(f)
	hasLagrum := slices.ContainsFunc(hier, func(h Hierarchy) bool { return h.Name == "lagrum" })
	if law, ok := f["lagrum"]; ok && !hasLagrum {
		var ins []string
		for _, l := range law {
			ins = append(ins, dataset.Insats.InGroup(l)...)
		}
		f = f.Merge(cube.Filter{"insats": ins})
		delete(f, "lagrum")
	}
	coords := map[string]string{}
	for _, h := range hier {
		codes, ok := f[h.Name]
		if !ok {
			continue
		}
		delete(f, h.Name)
		code, found := memberOf(h, codes)
		if !found {
			return -1, fmt.Errorf("%s %v is no member of the hierarchy", h.Name, codes)
		}
		coords[h.Name] = code
	}
	delete(f, "ar")
	delete(f, "kvartal")
	if len(f) > 0 {
		return -1, fmt.Errorf("filter on %v, which the structure does not have", f)
	}
	i, ok := s.Lookup(coords)
	if !ok {
		return -1, fmt.Errorf("no cell %s in the structure of %s", s.key(coords), s.Dataset)
	}
	return i, nil
}

// memberOf returns the code of h's member whose leaves are codes: the
// first of its leaves, Total and its groups (in code order) that has
// them. Only a member with as many leaves is compared, so a filter of
// one code (most of them) sorts nothing (a kommun's cell was looked up
// among 290 members, each sorted: 27 µs a cell on a cold instance).
func memberOf(h Hierarchy, codes []string) (string, bool) {
	want := slices.Sorted(slices.Values(codes))
	is := func(leaves []string) bool {
		switch {
		case len(leaves) != len(want):
			return false
		case len(leaves) == 1:
			return leaves[0] == want[0]
		}
		return slices.Equal(slices.Sorted(slices.Values(leaves)), want)
	}
	if len(want) == 1 && slices.Contains(h.Leaves, want[0]) {
		return want[0], true
	}
	if is(h.Leaves) {
		return Total, true
	}
	for _, g := range slices.Sorted(maps.Keys(h.Groups)) {
		if is(h.Groups[g]) {
			return g, true
		}
	}
	return "", false
}

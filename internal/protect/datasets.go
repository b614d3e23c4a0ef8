package protect

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
)

// Period is one slice of a dataset that is protected on its own: a year, or
// a quarter of the reports on ej verkställda beslut.
type Period struct {
	Year    int
	Quarter int // 0 for a year
}

func (p Period) filter() cube.Filter {
	f := cube.Filter{"ar": {strconv.Itoa(p.Year)}}
	if p.Quarter > 0 {
		f["kvartal"] = []string{strconv.Itoa(p.Quarter)}
	}
	return f
}

func (p Period) String() string {
	if p.Quarter > 0 {
		return fmt.Sprintf("%d Kv %d", p.Year, p.Quarter)
	}
	return strconv.Itoa(p.Year)
}

// Protected is one structure of the lake: a cube's count measure in one period.
type Protected struct {
	Name      string // e.g. "insatser", "insatser_personer", "beslut/antal_domar"
	Cube      string
	Measure   string
	Hier      []Hierarchy
	Views     []View
	Possible  func(leaf []string) bool
	Structure *Structure
	Period    Period
}

// definition is how a cube measure is protected.
type definition struct {
	name, cube, measure string
	hier                func() []Hierarchy
	views               func(h map[string]Hierarchy) ([]View, error)
	possible            func(leaf []string) bool
}

// definitions are the protected measures over the nämnd codes of geo.
func definitions(geo dataset.Geography) []definition {
	leaves := func(dim string, l dataset.CodeList) Hierarchy { return Hierarchy{Name: dim, Leaves: l.CodeValues()} }
	return []definition{
		{name: "insatser", cube: "insatser", measure: "antal_beslut",
			hier: func() []Hierarchy { return insatserHierarchies(geo) },
			views: func(map[string]Hierarchy) ([]View, error) {
				v, _, err := InsatserViewsIn(geo)
				return v, err
			},
			possible: insatserPossible},
		{name: "insatser_personer", cube: "insatser_personer", measure: "antal_personer",
			hier: func() []Hierarchy {
				return []Hierarchy{leaves("namnd", geo.Namnd), leaves("kon", dataset.Kon), leaves("lagrumsgrupp", dataset.Lagrumsgrupp)}
			},
			views: crossAll("namnd", "kon", "lagrumsgrupp")},
		{name: "beslut", cube: "beslut", measure: "antal_beslut",
			hier: func() []Hierarchy {
				return []Hierarchy{leaves("insats", dataset.BeslutInsats), leaves("funktionsnedsattning", dataset.Funktionsnedsattning),
					leaves("utfall", dataset.Utfall), leaves("kon", dataset.Kon)}
			},
			views: crossAllOf([]string{"insats", "funktionsnedsattning", "utfall"}, []string{"insats", "kon"})},
		{name: "beslut/antal_domar", cube: "beslut", measure: "antal_domar",
			hier:  func() []Hierarchy { return []Hierarchy{leaves("insats", dataset.BeslutInsats)} },
			views: crossAll("insats")},
		{name: "beslut/antal_domar_mot_staden", cube: "beslut", measure: "antal_domar_mot_staden",
			hier:  func() []Hierarchy { return []Hierarchy{leaves("insats", dataset.BeslutInsats)} },
			views: crossAll("insats")},
		{name: "ej_verkstallda", cube: "ej_verkstallda", measure: "antal_beslut",
			hier: func() []Hierarchy {
				ins := slices.Concat(dataset.Insats.InGroup("LSS"), dataset.Bistand.CodeValues())
				slices.Sort(ins)
				ins = slices.Compact(ins)
				return []Hierarchy{leaves("lagrum", dataset.Lagrum), {Name: "insats", Leaves: ins},
					leaves("orsak", dataset.Orsak), leaves("kon", dataset.Kon), leaves("namnd", geo.Namnd)}
			},
			views: crossAllOf([]string{"lagrum", "insats"}, []string{"lagrum", "orsak"}, []string{"lagrum", "kon"}, []string{"lagrum", "namnd"}),
			possible: func(leaf []string) bool {
				lss := slices.Contains(dataset.Insats.InGroup("LSS"), leaf[1])
				sol := dataset.Bistand.Has(leaf[1])
				return (leaf[0] == "LSS" && lss) || (leaf[0] == "SoL" && sol)
			}},
		{name: "kbf", cube: "kbf", measure: "antal_personer",
			hier: func() []Hierarchy {
				return []Hierarchy{{Name: "namnd", Leaves: geo.Areas}, leaves("kon", dataset.Kon)}
			},
			views: crossAll("namnd", "kon")},
	}
}

// crossAll is one view crossing every leaf and the total of the dimensions.
func crossAll(dims ...string) func(map[string]Hierarchy) ([]View, error) {
	return crossAllOf(dims)
}

// crossAllOf is one such view per list of dimensions.
func crossAllOf(views ...[]string) func(map[string]Hierarchy) ([]View, error) {
	return func(h map[string]Hierarchy) ([]View, error) {
		var out []View
		for _, dims := range views {
			v := View{Name: fmt.Sprint(dims)}
			for _, d := range dims {
				hh, ok := h[d]
				if !ok {
					return nil, fmt.Errorf("no hierarchy for %s", d)
				}
				v.Dims = append(v.Dims, Dim{Name: d, Members: hh.AllLeaves()})
			}
			out = append(out, v)
		}
		return out, nil
	}
}

// BuildAll builds the structure of every protected measure and period that
// has data in src, over Stockholm's nämnder.
func BuildAll(src cube.Source) ([]*Protected, error) { return BuildAllIn(src, dataset.Stockholm) }

// BuildAllIn is BuildAll over the nämnd codes of geo.
func BuildAllIn(src cube.Source, geo dataset.Geography) ([]*Protected, error) {
	var out []*Protected
	for _, d := range definitions(geo) {
		c, err := src.Get(d.cube)
		if err != nil {
			return nil, err
		}
		hier, views, err := d.setup()
		if err != nil {
			return nil, err
		}
		for _, p := range periods(c) {
			s, err := Build(d.name, c, d.measure, p.filter(), hier, views, d.possible)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", d.name, p, err)
			}
			out = append(out, &Protected{Name: d.name, Cube: d.cube, Measure: d.measure, Hier: hier, Views: views,
				Possible: d.possible, Structure: s, Period: p})
		}
	}
	return out, nil
}

// setup returns the definition's hierarchies and views.
func (d definition) setup() ([]Hierarchy, []View, error) {
	hier := d.hier()
	hm := map[string]Hierarchy{}
	for _, h := range hier {
		hm[h.Name] = h
	}
	views, err := d.views(hm)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", d.name, err)
	}
	return hier, views, nil
}

// protected is the definition's structure for a period with its cells only
// (no atoms, no values): enough to find a cell and read its mark.
func (d definition) protected(p Period) (*Protected, error) {
	hier, views, err := d.setup()
	if err != nil {
		return nil, err
	}
	s, _, err := layout(d.name, hier, views)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.name, err)
	}
	return &Protected{Name: d.name, Cube: d.cube, Measure: d.measure, Hier: hier, Views: views,
		Possible: d.possible, Structure: s, Period: p}, nil
}

// inPeriod is p for another period, as definition.protected lays out
// every period alike: its hierarchies, views and cells are p's (read
// only, as UnmarshalLake's structures are).
func (p *Protected) inPeriod(period Period) *Protected {
	q := *p
	q.Period = period
	return &q
}

// periods lists the years (and quarters) a cube has rows for, in order.
func periods(c *cube.Cube) []Period {
	ai, qi := slices.Index(c.Dims, "ar"), slices.Index(c.Dims, "kvartal")
	seen := map[Period]bool{}
	for _, r := range c.Rows {
		y, _ := strconv.Atoi(r.Coords[ai])
		p := Period{Year: y}
		if qi >= 0 {
			p.Quarter, _ = strconv.Atoi(r.Coords[qi])
		}
		seen[p] = true
	}
	out := make([]Period, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Period) int {
		if a.Year != b.Year {
			return a.Year - b.Year
		}
		return a.Quarter - b.Quarter
	})
	return out
}

// Package aggregate turns microdata into the aggregate cells the API may read,
// and aggregate cells into cubes. It is the only place that knows how a
// person-level row becomes a count.
package aggregate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// Microdata holds the personal rows of every dataset, by year.
type Microdata struct {
	Insatser      map[int][]v1.Insats
	Beslut        map[int][]v1.Beslut
	EjVerkstallda map[int][]v1.EjVerkstallt
	KBF           map[int][]v1.KBF
}

// External holds the datasets that arrive as aggregates, by year.
type External struct {
	Lov        map[int][]v1.LovCell
	Befolkning map[int][]v1.BefolkningCell
	SFB        map[int][]v1.SFBCell
}

// Set is every aggregate table of one lake version, by year.
type Set struct {
	Insatser      map[int][]v1.InsatsCell
	Personer      map[int][]v1.PersonCell
	Beslut        map[int][]v1.BeslutCell
	EjVerkstallda map[int][]v1.EjVerkstalltCell
	KBF           map[int][]v1.KBFCell
	Lov           map[int][]v1.LovCell
	Befolkning    map[int][]v1.BefolkningCell
	SFB           map[int][]v1.SFBCell
}

// Build aggregates microdata and adds the external aggregates. Cells are
// sorted by their coordinates, so equal inputs give equal output.
func Build(m *Microdata, e *External) (*Set, error) {
	s := &Set{
		Insatser: map[int][]v1.InsatsCell{}, Personer: map[int][]v1.PersonCell{},
		Beslut: map[int][]v1.BeslutCell{}, EjVerkstallda: map[int][]v1.EjVerkstalltCell{},
		KBF: map[int][]v1.KBFCell{},
		Lov: e.Lov, Befolkning: e.Befolkning, SFB: e.SFB,
	}
	for y, rows := range m.Insatser {
		cells, persons, err := Insatser(rows)
		if err != nil {
			return nil, fmt.Errorf("insatser %d: %w", y, err)
		}
		s.Insatser[y], s.Personer[y] = cells, persons
	}
	for y, rows := range m.Beslut {
		s.Beslut[y] = Beslut(rows)
	}
	for y, rows := range m.EjVerkstallda {
		s.EjVerkstallda[y] = EjVerkstallda(rows)
	}
	for y, rows := range m.KBF {
		s.KBF[y] = KBF(rows)
	}
	return s, nil
}

// Insatser counts decisions (with their granted hours) in the finest cells,
// and persons by the laws of all their decisions. A person must have the
// same nämnd, kön and age in every decision of the year and at most one
// decision per insats; otherwise person counts would not be well defined.
func Insatser(rows []v1.Insats) ([]v1.InsatsCell, []v1.PersonCell, error) {
	type cellKey struct{ namnd, lagrum, insats, kon, band, regi, boende string }
	cells := map[cellKey]*v1.InsatsCell{}
	type person struct {
		namnd, kon string
		alder      int32
		lss, sol   bool
		insatser   map[string]bool
	}
	persons := map[string]*person{}
	for i, r := range rows {
		band := dataset.AgeBand(int(r.Alder))
		k := cellKey{r.Namnd, r.Lagrum, r.Insats, r.Kon, band, r.Regi, r.Boendeform}
		c := cells[k]
		if c == nil {
			c = &v1.InsatsCell{Namnd: r.Namnd, Lagrum: r.Lagrum, Insats: r.Insats, Kon: r.Kon,
				Aldersgrupp: band, Regi: r.Regi, Boendeform: r.Boendeform}
			cells[k] = c
		}
		c.AntalBeslut++
		if r.Timmar != nil {
			c.TimmarAntal++
			c.TimmarSumma += *r.Timmar
		}
		p := persons[r.PersonID]
		if p == nil {
			p = &person{namnd: r.Namnd, kon: r.Kon, alder: r.Alder, insatser: map[string]bool{}}
			persons[r.PersonID] = p
		}
		if p.namnd != r.Namnd || p.kon != r.Kon || p.alder != r.Alder {
			return nil, nil, fmt.Errorf("row %d: person %s has nämnd %s, kön %s, age %d here but %s, %s, %d in an earlier row",
				i+1, r.PersonID, r.Namnd, r.Kon, r.Alder, p.namnd, p.kon, p.alder)
		}
		if p.insatser[r.Lagrum+"/"+r.Insats] {
			return nil, nil, fmt.Errorf("row %d: person %s has a second decision on %s %s", i+1, r.PersonID, r.Lagrum, r.Insats)
		}
		p.insatser[r.Lagrum+"/"+r.Insats] = true
		p.lss = p.lss || r.Lagrum == "LSS"
		p.sol = p.sol || r.Lagrum == "SoL"
	}
	type personKey struct{ namnd, kon, band, grupp string }
	pc := map[personKey]*v1.PersonCell{}
	for _, p := range persons {
		grupp := "endast_lss"
		switch {
		case p.lss && p.sol:
			grupp = "bade"
		case p.sol:
			grupp = "endast_sol"
		}
		k := personKey{p.namnd, p.kon, dataset.AgeBand(int(p.alder)), grupp}
		c := pc[k]
		if c == nil {
			c = &v1.PersonCell{Namnd: k.namnd, Kon: k.kon, Aldersgrupp: k.band, Lagrumsgrupp: k.grupp}
			pc[k] = c
		}
		c.AntalPersoner++
	}
	outCells := make([]v1.InsatsCell, 0, len(cells))
	for _, c := range cells {
		outCells = append(outCells, *c)
	}
	sort.Slice(outCells, func(i, j int) bool {
		a, b := outCells[i], outCells[j]
		return sortKey(a.Namnd, a.Lagrum, a.Insats, a.Kon, a.Aldersgrupp, a.Regi, a.Boendeform) < sortKey(b.Namnd, b.Lagrum, b.Insats, b.Kon, b.Aldersgrupp, b.Regi, b.Boendeform)
	})
	outPersons := make([]v1.PersonCell, 0, len(pc))
	for _, c := range pc {
		outPersons = append(outPersons, *c)
	}
	sort.Slice(outPersons, func(i, j int) bool {
		a, b := outPersons[i], outPersons[j]
		return sortKey(a.Namnd, a.Kon, a.Aldersgrupp, a.Lagrumsgrupp) < sortKey(b.Namnd, b.Kon, b.Aldersgrupp, b.Lagrumsgrupp)
	})
	return outCells, outPersons, nil
}

// Beslut counts decisions, court rulings and rulings against the city.
func Beslut(rows []v1.Beslut) []v1.BeslutCell {
	type key struct{ namnd, lagrum, insats, kon, fn, utfall string }
	m := map[key]*v1.BeslutCell{}
	for _, r := range rows {
		k := key{r.Namnd, r.Lagrum, r.Insats, r.Kon, r.Funktionsnedsattning, r.Utfall}
		c := m[k]
		if c == nil {
			c = &v1.BeslutCell{Namnd: k.namnd, Lagrum: k.lagrum, Insats: k.insats, Kon: k.kon, Funktionsnedsattning: k.fn, Utfall: k.utfall}
			m[k] = c
		}
		c.AntalBeslut++
		if r.Dom {
			c.AntalDomar++
		}
		if r.DomMotStaden {
			c.AntalDomarMotStaden++
		}
	}
	out := make([]v1.BeslutCell, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return sortKey(a.Namnd, a.Lagrum, a.Insats, a.Kon, a.Funktionsnedsattning, a.Utfall) < sortKey(b.Namnd, b.Lagrum, b.Insats, b.Kon, b.Funktionsnedsattning, b.Utfall)
	})
	return out
}

// EjVerkstallda counts reported decisions.
func EjVerkstallda(rows []v1.EjVerkstallt) []v1.EjVerkstalltCell {
	type key struct {
		kv                                        int32
		namnd, lagrum, insats, orsak, kon, status string
	}
	m := map[key]*v1.EjVerkstalltCell{}
	for _, r := range rows {
		k := key{r.Kvartal, r.Namnd, r.Lagrum, r.Insats, r.Orsak, r.Kon, r.Status}
		c := m[k]
		if c == nil {
			c = &v1.EjVerkstalltCell{Kvartal: k.kv, Namnd: k.namnd, Lagrum: k.lagrum, Insats: k.insats, Orsak: k.orsak, Kon: k.kon, Status: k.status}
			m[k] = c
		}
		c.AntalBeslut++
	}
	out := make([]v1.EjVerkstalltCell, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return sortKey(strconv.Itoa(int(a.Kvartal)), a.Namnd, a.Lagrum, a.Insats, a.Orsak, a.Kon, a.Status) < sortKey(strconv.Itoa(int(b.Kvartal)), b.Namnd, b.Lagrum, b.Insats, b.Orsak, b.Kon, b.Status)
	})
	return out
}

// KBF counts recipients and sums their amounts.
func KBF(rows []v1.KBF) []v1.KBFCell {
	type key struct{ namnd, kon string }
	m := map[key]*v1.KBFCell{}
	for _, r := range rows {
		k := key{r.Namnd, r.Kon}
		c := m[k]
		if c == nil {
			c = &v1.KBFCell{Namnd: k.namnd, Kon: k.kon}
			m[k] = c
		}
		c.AntalPersoner++
		c.BeloppKr += r.BeloppKr
	}
	out := make([]v1.KBFCell, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return sortKey(out[i].Namnd, out[i].Kon) < sortKey(out[j].Namnd, out[j].Kon) })
	return out
}

// Cube names, as used by report specifications and the API.
const (
	CubeInsatser      = "insatser"
	CubePersoner      = "insatser_personer"
	CubeBeslut        = "beslut"
	CubeEjVerkstallda = "ej_verkstallda"
	CubeKBF           = "kbf"
	CubeLov           = "lov"
	CubeBefolkning    = "befolkning"
	CubeSFB           = "sfb"
)

// Source turns the set into cubes; every cube has the year as dimension "ar"
// (and ej_verkstallda the quarter as "kvartal").
func (s *Set) Source() cube.Source { return s.cubes(false) }

// Drain is Source for a reader that keeps only the cubes: each table is
// let go as soon as its cube is built, so that the tables and the cubes
// are not all in memory together (at national scale 85 MB of tables beside
// 90 MB of cubes). s is empty afterwards.
func (s *Set) Drain() cube.Source { return s.cubes(true) }

func (s *Set) cubes(drain bool) cube.Source {
	src := cube.Source{}
	add := func(name string, dims, measures []string, each func(b *cube.Builder)) {
		b := cube.NewBuilder(name, append([]string{"ar"}, dims...), measures)
		each(b)
		src[name] = b.Cube()
	}
	// done lets a table go once its cube is built, when draining.
	done := func(release func()) {
		if drain {
			release()
		}
	}
	ar := strconv.Itoa
	add(CubeInsatser, []string{"namnd", "lagrum", "insats", "kon", "aldersgrupp", "regi", "boendeform"},
		[]string{"antal_beslut", "timmar_antal", "timmar_summa"}, func(b *cube.Builder) {
			for y, cells := range s.Insatser {
				for _, c := range cells {
					b.Add([]string{ar(y), c.Namnd, c.Lagrum, c.Insats, c.Kon, c.Aldersgrupp, c.Regi, c.Boendeform},
						float64(c.AntalBeslut), float64(c.TimmarAntal), c.TimmarSumma)
				}
			}
		})
	done(func() { s.Insatser = nil })
	add(CubePersoner, []string{"namnd", "kon", "aldersgrupp", "lagrumsgrupp"}, []string{"antal_personer"}, func(b *cube.Builder) {
		for y, cells := range s.Personer {
			for _, c := range cells {
				b.Add([]string{ar(y), c.Namnd, c.Kon, c.Aldersgrupp, c.Lagrumsgrupp}, float64(c.AntalPersoner))
			}
		}
	})
	done(func() { s.Personer = nil })
	add(CubeBeslut, []string{"namnd", "lagrum", "insats", "kon", "funktionsnedsattning", "utfall"},
		[]string{"antal_beslut", "antal_domar", "antal_domar_mot_staden"}, func(b *cube.Builder) {
			for y, cells := range s.Beslut {
				for _, c := range cells {
					b.Add([]string{ar(y), c.Namnd, c.Lagrum, c.Insats, c.Kon, c.Funktionsnedsattning, c.Utfall},
						float64(c.AntalBeslut), float64(c.AntalDomar), float64(c.AntalDomarMotStaden))
				}
			}
		})
	done(func() { s.Beslut = nil })
	add(CubeEjVerkstallda, []string{"kvartal", "namnd", "lagrum", "insats", "orsak", "kon", "status"},
		[]string{"antal_beslut"}, func(b *cube.Builder) {
			for y, cells := range s.EjVerkstallda {
				for _, c := range cells {
					b.Add([]string{ar(y), strconv.Itoa(int(c.Kvartal)), c.Namnd, c.Lagrum, c.Insats, c.Orsak, c.Kon, c.Status},
						float64(c.AntalBeslut))
				}
			}
		})
	done(func() { s.EjVerkstallda = nil })
	add(CubeKBF, []string{"namnd", "kon"}, []string{"antal_personer", "belopp_kr"}, func(b *cube.Builder) {
		for y, cells := range s.KBF {
			for _, c := range cells {
				b.Add([]string{ar(y), c.Namnd, c.Kon}, float64(c.AntalPersoner), float64(c.BeloppKr))
			}
		}
	})
	done(func() { s.KBF = nil })
	add(CubeLov, []string{"insats"}, []string{"antal_verksamheter"}, func(b *cube.Builder) {
		for y, cells := range s.Lov {
			for _, c := range cells {
				b.Add([]string{ar(y), c.Insats}, float64(c.AntalVerksamheter))
			}
		}
	})
	done(func() { s.Lov = nil })
	add(CubeBefolkning, []string{"namnd"}, []string{"antal_invanare"}, func(b *cube.Builder) {
		for y, cells := range s.Befolkning {
			for _, c := range cells {
				b.Add([]string{ar(y), c.Namnd}, float64(c.AntalInvanare))
			}
		}
	})
	done(func() { s.Befolkning = nil })
	add(CubeSFB, []string{"kon"}, []string{"antal_personer"}, func(b *cube.Builder) {
		for y, cells := range s.SFB {
			for _, c := range cells {
				b.Add([]string{ar(y), c.Kon}, float64(c.AntalPersoner))
			}
		}
	})
	done(func() { s.SFB = nil })
	return src
}

// sortKey joins coordinates with a separator no code contains, for sorting.
func sortKey(parts ...string) string { return strings.Join(parts, "\x00") }

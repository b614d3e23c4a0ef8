package protect

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stockholm/insyn/internal/dataset"
)

// Links are what the data contracts (schema/datasets.md, schema/uploads.md)
// tell an attacker about how the figures of different structures of one
// period hang together. Each is a linear inequality between cells of
// linked structures, Σ coef × value ≥ 0, which the truth meets because the
// microdata keep the contract (the ingest refuses data that do not).
// Linked structures are protected as one system (joinSystems): every
// certificate and every complement program keeps the links, and the audit
// adds them to the attacker's constraints. This file is the one place the
// engine states them.
//
// The linkers, with the contract sentence each comes from:
//
//   - insatser ↔ insatser_personer, per nämnd and kön (the finest cells
//     both publish; coarser cells are sums of these, and so are their
//     links). "A person has the same namnd, kon and alder in all decisions
//     of a year, and at most one decision per lagrum+insats", and "Persons
//     by the laws of all their decisions (lagrumsgrupp: only LSS, only SoL,
//     both)" (schema/datasets.md):
//     decisions on an insats ≤ persons of its law (only that law + both),
//     and decisions under a law ≥ persons of that law (each has at least
//     one).
//   - beslut ↔ beslut/antal_domar ↔ beslut/antal_domar_mot_staden, per
//     insats. "one decision on an application … dom boolean, dom_mot_staden
//     boolean" (schema/datasets.md: a ruling is a decision's) and "Dom mot
//     staden only with Dom" (schema/uploads.md): rulings ≤ decisions, and
//     rulings against the city ≤ rulings.
var linkers = []linker{
	{structures: []string{"insatser", "insatser_personer"}, links: insatserPersonerLinks},
	{structures: []string{"beslut", "beslut/antal_domar", "beslut/antal_domar_mot_staden"}, links: domarLinks},
}

// Linked names the linkers of this build, each as its structures joined
// by "+" (e.g. "insatser+insatser_personer"): the systems ProtectLake
// protects linked structures as.
func Linked() []string {
	out := make([]string, len(linkers))
	for i, l := range linkers {
		out[i] = strings.Join(l.structures, "+")
	}
	return out
}

// linker states the links between structures of one period, given them in
// the order it names them.
type linker struct {
	structures []string
	links      func(parts []*Protected) ([]link, error)
}

// link is Σ coef × value ≥ 0 over its terms: cells of the structures a
// linker names (part: the index in its list).
type link struct {
	terms []linkTerm
}

type linkTerm struct {
	part, cell int
	coef       float64
}

// linkAtoms is a link over a structure's atoms: the coefficient of each
// atom (sorted) and its value at the truth, Σ coef × atom value (≥ 0).
type linkAtoms struct {
	atoms []int32
	coef  []float64
	slack float64
}

// atomLink is one link an atom is in, with the atom's coefficient there.
type atomLink struct {
	link int32
	coef float64
}

// insatserPersonerLinks: per nämnd and kön, each insats's decisions are at
// most the persons of its law, and the decisions under a law at least them.
func insatserPersonerLinks(parts []*Protected) ([]link, error) {
	ins, per := parts[0].Structure, parts[1].Structure
	var namnder []string
	for _, h := range parts[1].Hier {
		if h.Name == "namnd" {
			namnder = h.Leaves
		}
	}
	only := map[string]string{"LSS": "endast_lss", "SoL": "endast_sol"}
	var out []link
	var err error
	cell := func(s *Structure, coords map[string]string) int {
		i, ok := s.Lookup(coords)
		if !ok && err == nil {
			err = fmt.Errorf("links of %s: no cell %s", s.Dataset, s.key(coords))
		}
		return i
	}
	for _, n := range namnder {
		for _, k := range dataset.Kon.CodeValues() {
			for _, law := range dataset.Lagrum.CodeValues() {
				// the persons with a decision under law: only it, or both
				persons := []linkTerm{
					{part: 1, cell: cell(per, map[string]string{"namnd": n, "kon": k, "lagrumsgrupp": only[law]}), coef: 1},
					{part: 1, cell: cell(per, map[string]string{"namnd": n, "kon": k, "lagrumsgrupp": "bade"}), coef: 1},
				}
				for _, i := range dataset.Insats.InGroup(law) {
					d := linkTerm{part: 0, cell: cell(ins, map[string]string{"namnd": n, "insats": i, "kon": k}), coef: -1}
					out = append(out, link{terms: append(slices.Clone(persons), d)})
				}
				all := linkTerm{part: 0, cell: cell(ins, map[string]string{"namnd": n, "insats": law, "kon": k}), coef: 1}
				l := link{terms: []linkTerm{all}}
				for _, p := range persons {
					l.terms = append(l.terms, linkTerm{part: p.part, cell: p.cell, coef: -1})
				}
				out = append(out, l)
			}
		}
	}
	return out, err
}

// domarLinks: per insats, rulings against the city ≤ rulings ≤ decisions.
func domarLinks(parts []*Protected) ([]link, error) {
	var out []link
	for _, i := range dataset.BeslutInsats.CodeValues() {
		cells := make([]int, len(parts))
		for p, s := range parts {
			c, ok := s.Structure.Lookup(map[string]string{"insats": i})
			if !ok {
				return nil, fmt.Errorf("links of %s: no cell insats=%s", s.Name, i)
			}
			cells[p] = c
		}
		out = append(out,
			link{terms: []linkTerm{{part: 0, cell: cells[0], coef: 1}, {part: 1, cell: cells[1], coef: -1}}},
			link{terms: []linkTerm{{part: 1, cell: cells[1], coef: 1}, {part: 2, cell: cells[2], coef: -1}}})
	}
	return out, nil
}

// system is structures of one period protected as one: the indexes of its
// parts among the lake's structures and, when there are several, their
// joint structure — every part's atoms and cells side by side (part k's
// cell c is the joint's cellStart[k]+c, its atom a atomStart[k]+a) with
// the links between them — and its additive relations (each part's).
type system struct {
	parts                []int
	s                    *Structure
	rels                 []relation
	cellStart, atomStart []int
}

// joinSystems groups the structures into systems: those of one period that
// a linker names together are one system, every other structure a system
// of its own; in the order of their first structures.
func joinSystems(ps []*Protected) ([]*system, error) {
	inSystem := make([]bool, len(ps))
	var out []*system
	for i, p := range ps {
		if inSystem[i] {
			continue
		}
		sys := &system{parts: []int{i}}
		for _, l := range linkers {
			if l.structures[0] != p.Name {
				continue
			}
			parts := []*Protected{p}
			for _, name := range l.structures[1:] {
				j := slices.IndexFunc(ps, func(q *Protected) bool { return q.Name == name && q.Period == p.Period })
				if j < 0 {
					break // a structure without data in the period: nothing to link
				}
				if inSystem[j] {
					return nil, fmt.Errorf("%s %s is linked twice", name, p.Period)
				}
				sys.parts = append(sys.parts, j)
				parts = append(parts, ps[j])
			}
			if len(parts) < len(l.structures) {
				sys.parts = sys.parts[:1]
				continue
			}
			links, err := l.links(parts)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p.Period, err)
			}
			sys.join(parts, links)
			break
		}
		for _, j := range sys.parts {
			inSystem[j] = true
		}
		out = append(out, sys)
	}
	return out, nil
}

// join makes the system's joint structure from its parts and their links.
func (sys *system) join(parts []*Protected, links []link) {
	s := &Structure{index: map[string]int{}}
	for k, p := range parts {
		ps := p.Structure
		sys.cellStart = append(sys.cellStart, len(s.Cells))
		sys.atomStart = append(sys.atomStart, len(s.Atoms))
		c0, a0 := int32(len(s.Cells)), int32(len(s.Atoms))
		if k > 0 {
			s.Dataset += "+"
		}
		s.Dataset += p.Name
		for _, a := range ps.Atoms {
			cells := make([]int32, len(a.Cells))
			for j, c := range a.Cells {
				cells[j] = c + c0
			}
			s.Atoms = append(s.Atoms, Atom{Value: a.Value, Cells: cells})
		}
		for _, c := range ps.Cells {
			atoms := make([]int32, len(c.Atoms))
			for j, a := range c.Atoms {
				atoms[j] = a + a0
			}
			s.Cells = append(s.Cells, Cell{Key: c.Key, Coords: c.Coords, Atoms: atoms, Value: c.Value})
		}
		if ps.printed != nil {
			if s.printed == nil {
				s.printed = make([]bool, int(c0), len(s.Cells))
			}
			s.printed = append(s.printed, ps.printed...)
		} else if s.printed != nil {
			s.printed = append(s.printed, make([]bool, len(ps.Cells))...)
		}
		for _, r := range ps.relations(p.Hier) {
			children := make([]int, len(r.children))
			for j, c := range r.children {
				children[j] = c + int(c0)
			}
			sys.rels = append(sys.rels, relation{parent: r.parent + int(c0), children: children})
		}
	}
	s.atomLinks = make([][]atomLink, len(s.Atoms))
	for _, l := range links {
		coef := map[int32]float64{}
		for _, t := range l.terms {
			for _, a := range s.Cells[sys.cellStart[t.part]+t.cell].Atoms {
				coef[a] += t.coef
			}
		}
		var la linkAtoms
		for a, c := range coef {
			if c != 0 {
				la.atoms = append(la.atoms, a)
			}
		}
		slices.Sort(la.atoms)
		for _, a := range la.atoms {
			la.coef = append(la.coef, coef[a])
			la.slack += coef[a] * s.Atoms[a].Value
			s.atomLinks[a] = append(s.atomLinks[a], atomLink{link: int32(len(s.links)), coef: coef[a]})
		}
		s.links = append(s.links, la)
	}
	sys.s = s
}

// split divides a pattern of the joint structure into its parts'.
func (sys *system) split(p *Pattern, sizes func(k int) int) []*Pattern {
	out := make([]*Pattern, len(sys.parts))
	for k := range sys.parts {
		from := sys.cellStart[k]
		q := &Pattern{Marks: slices.Clone(p.Marks[from : from+sizes(k)])}
		for _, m := range q.Marks {
			switch m {
			case Primary:
				q.Primaries++
			case Secondary:
				q.Secondaries++
			}
		}
		out[k] = q
	}
	return out
}

// joinPatterns is the parts' patterns side by side: the joint structure's.
func (sys *system) joinPatterns(ps []*Pattern) *Pattern {
	p := &Pattern{}
	for _, i := range sys.parts {
		p.Marks = append(p.Marks, ps[i].Marks...)
		p.Primaries += ps[i].Primaries
		p.Secondaries += ps[i].Secondaries
	}
	return p
}

// rules are the rules of the system's joint structure: r for its first
// part's cube, with each cell given its own part's threshold when the
// parts' thresholds differ.
func (sys *system) rules(ps []*Protected, r Rules) Rules {
	rs := r.For(ps[sys.parts[0]].Cube)
	for k, i := range sys.parts {
		t := r.For(ps[i].Cube).threshold()
		if t == rs.threshold() && sys.s.cellThreshold == nil {
			continue
		}
		if sys.s.cellThreshold == nil {
			sys.s.cellThreshold = make([]int, len(sys.s.Cells))
			for c := range sys.s.cellThreshold {
				sys.s.cellThreshold[c] = rs.threshold()
			}
		}
		for c := range ps[i].Structure.Cells {
			sys.s.cellThreshold[sys.cellStart[k]+c] = t
		}
	}
	return rs
}

// splitAudit divides an audit of the joint structure into its parts'.
func (sys *system) splitAudit(res *AuditResult) []*AuditResult {
	out := make([]*AuditResult, len(sys.parts))
	part := func(cell int) int {
		k := len(sys.cellStart) - 1
		for sys.cellStart[k] > cell {
			k--
		}
		return k
	}
	for k := range out {
		out[k] = &AuditResult{Intervals: []Interval{}}
	}
	for _, iv := range res.Intervals {
		k := part(iv.Cell)
		iv.Cell -= sys.cellStart[k]
		out[k].Intervals = append(out[k].Intervals, iv)
	}
	for j, f := range res.Failures {
		k := part(res.failed[j])
		out[k].Failures = append(out[k].Failures, f)
		out[k].failed = append(out[k].failed, res.failed[j]-sys.cellStart[k])
	}
	return out
}

// linksOf is the links atom a is in (none outside a joint structure).
func (s *Structure) linksOf(a int32) []atomLink {
	if s.atomLinks == nil {
		return nil
	}
	return s.atomLinks[a]
}

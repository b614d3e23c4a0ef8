package protect

import (
	"maps"
	"slices"
)

// Auditor computes the attacker's intervals of a pattern's suppressed cells
// (Audit is one, with HiGHS).
type Auditor func(s *Structure, p *Pattern) (*AuditResult, error)

// ProtectAudited is Protect followed by an audit-guided loop: while the
// audit fails a cell, the smallest published non-zero cell that shares an
// additive relation with it (a sibling, else the relation's parent) is
// suppressed too, the Gauss pass is run again with every suppression kept,
// and the pattern is audited again. It returns the pattern and the audit of
// the last round; rounds bounds the loop.
func ProtectAudited(s *Structure, hier []Hierarchy, r Rules, audit Auditor, rounds int) (*Pattern, *AuditResult, error) {
	rels := s.relations(hier)
	byChild := map[int][]relation{}
	for _, rel := range rels {
		for _, c := range rel.children {
			byChild[c] = append(byChild[c], rel)
		}
	}
	p := Protect(s, hier, r)
	for round := 0; ; round++ {
		res, err := audit(s, p)
		if err != nil {
			return nil, nil, err
		}
		if len(res.Failures) == 0 || round == rounds {
			return p, res, nil
		}
		failing := map[int]bool{}
		for _, iv := range res.Intervals {
			w := iv.Width()
			if w < 1e-6 || (p.Marks[iv.Cell] == Primary && w < r.protectionLevel()-1e-6) {
				failing[iv.Cell] = true
			}
		}
		forced := make([]bool, len(s.Cells))
		for i, m := range p.Marks {
			forced[i] = m == Secondary
		}
		for _, f := range slices.Sorted(maps.Keys(failing)) {
			if c := complementFor(s, p, byChild, f, forced); c >= 0 {
				forced[c] = true
			}
		}
		p = gauss(s, r, forced)
		widenIntervals(s, p, rels, r.protectionLevel())
	}
}

func (r Rules) protectionLevel() float64 {
	if r.ProtectionLevel == 0 {
		return 3
	}
	return r.ProtectionLevel
}

// complementFor picks the cell to suppress for a failing cell: over the
// relations it is a child of, the smallest published non-zero sibling; where
// it has none (its siblings are zero or suppressed, so it moves only with
// its parent), the same one level up, from the relations of its parents;
// else the smallest published parent.
func complementFor(s *Structure, p *Pattern, byChild map[int][]relation, cell int, forced []bool) int {
	best := -1
	better := func(c int) bool {
		return best < 0 || s.Cells[c].Value < s.Cells[best].Value ||
			(s.Cells[c].Value == s.Cells[best].Value && s.Cells[c].Key < s.Cells[best].Key)
	}
	level := []int{cell}
	seen := map[int]bool{cell: true}
	for depth := 0; depth < 3 && best < 0; depth++ {
		var next []int
		for _, f := range level {
			for _, rel := range byChild[f] {
				for _, c := range rel.children {
					if p.Marks[c] == Published && !forced[c] && s.Cells[c].Value > 0 && better(c) {
						best = c
					}
				}
				if !seen[rel.parent] {
					seen[rel.parent] = true
					next = append(next, rel.parent)
				}
			}
		}
		level = next
	}
	if best >= 0 {
		return best
	}
	for _, rel := range byChild[cell] {
		if c := rel.parent; p.Marks[c] == Published && !forced[c] && better(c) {
			best = c
		}
	}
	return best
}

package protect

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync/atomic"
)

func (r Rules) threshold() int {
	if r.Threshold == 0 {
		return 4
	}
	return r.Threshold
}

func (r Rules) protectionLevel() float64 {
	if r.ProtectionLevel == 0 {
		return 3
	}
	return r.ProtectionLevel
}

// complementFor picks the cell to suppress for a failing cell: over the
// relations it is a child of, the best published non-zero sibling
// (preferComplement: one no seed report prints, then the smallest); where
// it has none (its siblings are zero or suppressed, so it moves only with
// its parent), the same one level up, from the relations of its parents;
// else the best published parent.
func complementFor(s *Structure, p *Pattern, byChild map[int][]relation, cell int, forced []bool) int {
	best := -1
	better := func(c int) bool { return best < 0 || preferComplement(s, c, best) }
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

// ProtectCertified is Protect followed by a certificate-guided loop, in pure
// Go: every primary cell must have a certificate (two tables an attacker
// cannot tell from the truth, its value protection-level apart); while one
// has none, the complements complementsFor chooses are suppressed too (its
// program's answer is kept as the cell's candidate certificate; when the
// program finds none, the smallest published non-zero cell sharing an
// additive relation with it) and the Gauss pass runs again. The
// search for certificates is restricted to a neighbourhood of each cell, so
// it can miss protection an attacker's full LP would grant (and suppress a
// little more than needed), never the reverse. It fails when rounds pass and
// a primary cell is still uncertified.
func ProtectCertified(s *Structure, hier []Hierarchy, r Rules, rounds int) (*Pattern, error) {
	p, _, err := protectCertified(s, hier, r, rounds)
	return p, err
}

// protectCertified is ProtectCertified returning the certificates, which it
// checks once more against the final pattern.
func protectCertified(s *Structure, hier []Hierarchy, r Rules, rounds int) (*Pattern, map[int][]certificate, error) {
	return protectCertifiedRels(s, s.relations(hier), r, rounds)
}

// protectCertifiedRels is protectCertified over the structure's additive
// relations (a system's joint structure has those of its parts).
func protectCertifiedRels(s *Structure, rels []relation, r Rules, rounds int) (*Pattern, map[int][]certificate, error) {
	byChild := map[int][]relation{}
	for _, rel := range rels {
		for _, c := range rel.children {
			byChild[c] = append(byChild[c], rel)
		}
	}
	p := protectWith(s, rels, r)
	var certs map[int][]certificate
	for round := 0; ; round++ {
		var failing []int
		certs, failing = certify(s, p, r.protectionLevel(), certs)
		if len(failing) == 0 {
			p = prune(s, p, r, rels, certs)
			ct := newCertifier(s, p, r.protectionLevel())
			for c, cs := range certs {
				if err := ct.checkAll(cs); err != nil {
					return nil, nil, fmt.Errorf("%s: %s: the final pattern voids its certificate: %w", s.Dataset, s.Cells[c].Key, err)
				}
				if !ct.spans(c, cs) {
					return nil, nil, fmt.Errorf("%s: %s: its certificates span less than the protection level", s.Dataset, s.Cells[c].Key)
				}
			}
			return p, certs, nil
		}
		if round == rounds {
			return nil, nil, fmt.Errorf("%s: %d primary cells without a certificate after %d rounds, e.g. %s",
				s.Dataset, len(failing), rounds, s.Cells[failing[0]].Key)
		}
		forced := make([]bool, len(s.Cells))
		for i, m := range p.Marks {
			forced[i] = m == Secondary
		}
		// the programs on every core; their answers are applied in order
		chosen := make([][]int, len(failing))
		cands := make([]certificate, len(failing))
		onEveryCore(len(failing), func(k int) error {
			chosen[k], cands[k] = complementsFor(s, p, failing[k], r.protectionLevel())
			return nil
		})
		ct := newCertifier(s, p, r.protectionLevel())
		for k, f := range failing {
			cs, cand := chosen[k], cands[k]
			if len(cand.atoms) > 0 {
				// a candidate: the next round's certify checks it against
				// the pattern with the complements suppressed
				certs[f] = []certificate{cand}
			}
			if len(cs) == 0 && !ct.proves(f, []certificate{cand}) {
				if c := complementFor(s, p, byChild, f, forced); c >= 0 {
					cs = []int{c}
				}
			}
			for _, c := range cs {
				forced[c] = true
			}
		}
		p = gauss(s, r, forced)
		widenIntervals(s, p, rels, r.protectionLevel())
	}
}

// prune publishes again the secondary cells the certificates can do without,
// those a seed report prints first, then larger cells: a cell no certificate moves is published outright
// (every certificate stays valid); one that some move is published if those
// primary cells can be proven again with it published. The Gauss pass and
// the relations then run again with the remaining secondaries kept; they
// only add suppressions, which keeps the certificates valid too (a cell they
// suppress was published, so no certificate moves it, and it stays at its
// value, at least 1).
func prune(s *Structure, p *Pattern, r Rules, rels []relation, certs map[int][]certificate) *Pattern {
	q := &Pattern{Marks: slices.Clone(p.Marks), Primaries: p.Primaries, Secondaries: p.Secondaries}
	var order []int
	for i, m := range q.Marks {
		if m == Secondary {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		if pa, pb := s.isPrinted(order[a]), s.isPrinted(order[b]); pa != pb {
			return pa
		}
		return s.Cells[order[a]].Value > s.Cells[order[b]].Value
	})
	freed := 0
	// the certifier of q, updated as cells are published (building it
	// afresh for every trial took a third of a national pattern's time)
	base := newCertifier(s, q, r.protectionLevel())
	relsOf := map[int][]relation{}
	for _, rel := range rels {
		relsOf[rel.parent] = append(relsOf[rel.parent], rel)
		for _, c := range rel.children {
			relsOf[c] = append(relsOf[c], rel)
		}
	}
	for _, i := range order {
		// the primary cells whose certificates move i, those that lean on
		// it most first: a trial that fails mostly fails there, and the
		// rest are then skipped
		var moving []int
		lean := map[int]float64{}
		for c, cs := range certs {
			for _, cert := range cs {
				lean[c] = max(lean[c], math.Abs(cert.sumOn(s.Cells[i])))
			}
			if lean[c] > tolerance {
				moving = append(moving, c)
			}
		}
		slices.SortFunc(moving, func(a, b int) int {
			if lean[a] != lean[b] {
				return cmp.Compare(lean[b], lean[a])
			}
			return cmp.Compare(a, b)
		})
		q.Marks[i] = Published
		if len(moving) == 0 { // every certificate stays valid
			base.publish(i)
			freed++
			continue
		}
		if alone(q, relsOf[i]) {
			// a primary cell left the only suppressed one of a sum: it is
			// disclosed, no certificate can move it
			q.Marks[i] = Secondary
			continue
		}
		ct := base.clone()
		ct.publish(i)
		// the cell leaning most first, alone (a trial that fails mostly
		// fails there, and work done meanwhile on other cells would be
		// lost), then the others on every core; after one fails the rest
		// are skipped (the trial fails either way, so the pattern is the
		// same)
		again := make([][]certificate, len(moving))
		var failed atomic.Bool
		prove := func(k int) error {
			if failed.Load() {
				return errNoCertificate
			}
			// the certifier's own neighbourhood first when the cell's
			// certificates lie in it, else (or when that fails) the
			// larger one
			var cs []certificate
			err := errNoCertificate
			if near := ct.neighbourhood(moving[k], nearAtoms, nearCell); within(certs[moving[k]], near) {
				cs, err = ct.proveOn(moving[k], near)
			}
			if err != nil {
				cs, err = ct.proveWithin(moving[k], pruneAtoms, pruneCell)
			}
			if err != nil {
				failed.Store(true)
				return err
			}
			again[k] = cs
			return nil
		}
		err := prove(0)
		if err == nil && len(moving) > 1 {
			err = onEveryCore(len(moving)-1, func(k int) error { return prove(k + 1) })
		}
		if err != nil {
			q.Marks[i] = Secondary
			continue
		}
		for k, c := range moving {
			certs[c] = again[k]
		}
		base = ct
		freed++
	}
	if freed == 0 {
		return p
	}
	forced := make([]bool, len(s.Cells))
	for i, m := range q.Marks {
		forced[i] = m == Secondary
	}
	q = gauss(s, r, forced)
	widenIntervals(s, q, rels, r.protectionLevel())
	return q
}

// alone tells whether one of the relations leaves a primary cell the only
// suppressed cell of its sum (the parent and its children).
func alone(q *Pattern, rels []relation) bool {
	for _, rel := range rels {
		n, last := 0, -1
		count := func(c int) {
			if q.Marks[c] != Published {
				n, last = n+1, c
			}
		}
		count(rel.parent)
		for _, c := range rel.children {
			count(c)
		}
		if n == 1 && q.Marks[last] == Primary {
			return true
		}
	}
	return false
}

// certify finds certificates for every primary cell of p, keeping those of
// prev that still hold, and lists the cells it finds none for. The cells are
// searched on every core; the result does not depend on the order.
func certify(s *Structure, p *Pattern, level float64, prev map[int][]certificate) (map[int][]certificate, []int) {
	ct := newCertifier(s, p, level)
	var primaries []int
	for i, m := range p.Marks {
		if m == Primary {
			primaries = append(primaries, i)
		}
	}
	found := make([][]certificate, len(primaries))
	onEveryCore(len(primaries), func(k int) error {
		i := primaries[k]
		if cs, ok := prev[i]; ok && ct.proves(i, cs) {
			found[k] = cs
			return nil
		}
		if cs, err := ct.prove(i); err == nil {
			found[k] = cs
		}
		return nil
	})
	certs := map[int][]certificate{}
	var failing []int
	for k, i := range primaries {
		if found[k] == nil {
			failing = append(failing, i)
			continue
		}
		certs[i] = found[k]
	}
	return certs, failing
}

// within tells whether every certificate moves only atoms of the sorted set.
func within(cs []certificate, atoms []int32) bool {
	for _, c := range cs {
		for _, a := range c.atoms {
			if _, ok := slices.BinarySearch(atoms, a); !ok {
				return false
			}
		}
	}
	return true
}

package protect

import (
	"slices"
	"sort"
)

// relation is one additive relation of the structure: parent = Σ children,
// along one dimension.
type relation struct {
	parent   int
	children []int
}

// relations lists, for every cell and every dimension where the cell stands
// for several codes (a group or the total), the coarsest set of cells of the
// structure that splits it along that dimension, when one exists.
func (s *Structure) relations(hier []Hierarchy) []relation {
	leavesOf := make([]map[string][]string, len(s.Dims))
	for d, h := range hier {
		leavesOf[d] = map[string][]string{Total: h.Leaves}
		for _, l := range h.Leaves {
			leavesOf[d][l] = []string{l}
		}
		for g, ls := range h.Groups {
			leavesOf[d][g] = ls
		}
	}
	// the cells by their coordinates as numbers (mixed radix over each
	// dimension's codes), so that a cell's neighbours along a dimension
	// are found without building their keys
	ids := make([]map[string]uint64, len(s.Dims))
	for d := range s.Dims {
		ids[d] = map[string]uint64{}
		for _, c := range s.Cells {
			if _, ok := ids[d][c.Coords[d]]; !ok {
				ids[d][c.Coords[d]] = uint64(len(ids[d]))
			}
		}
	}
	stride := make([]uint64, len(s.Dims))
	for d, w := len(s.Dims)-1, uint64(1); d >= 0; d-- {
		stride[d], w = w, w*uint64(len(ids[d]))
	}
	keys := make([]uint64, len(s.Cells))
	byKey := make(map[uint64]int, len(s.Cells))
	for i, c := range s.Cells {
		for d, code := range c.Coords {
			keys[i] += ids[d][code] * stride[d]
		}
		byKey[keys[i]] = i
	}
	var out []relation
	for pi, p := range s.Cells {
		for d := range s.Dims {
			want := leavesOf[d][p.Coords[d]]
			if len(want) < 2 {
				continue
			}
			// candidate members: existing cells equal to p but on dimension d
			type cand struct {
				cell   int
				leaves []string
			}
			var cands []cand
			base := keys[pi] - ids[d][p.Coords[d]]*stride[d]
			for code, ls := range leavesOf[d] {
				if len(ls) >= len(want) || !subset(ls, want) {
					continue
				}
				id, ok := ids[d][code]
				if !ok {
					continue
				}
				if ci, ok := byKey[base+id*stride[d]]; ok {
					cands = append(cands, cand{ci, ls})
				}
			}
			sort.Slice(cands, func(a, b int) bool {
				if len(cands[a].leaves) != len(cands[b].leaves) {
					return len(cands[a].leaves) > len(cands[b].leaves)
				}
				return s.Cells[cands[a].cell].Key < s.Cells[cands[b].cell].Key
			})
			covered := map[string]bool{}
			var children []int
			for _, c := range cands {
				if slices.ContainsFunc(c.leaves, func(l string) bool { return covered[l] }) {
					continue
				}
				for _, l := range c.leaves {
					covered[l] = true
				}
				children = append(children, c.cell)
			}
			if len(covered) == len(want) {
				out = append(out, relation{parent: pi, children: children})
			}
		}
	}
	return out
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// widenIntervals adds complementary suppressions until, in every relation
// with a published parent, each primary child can vary by at least level:
// with k suppressed children whose sum R is known (the parent minus the
// published children) and every suppressed cell at least 1, a primary lies
// in [1, R-k+1], so R-k must be at least level. Where it is not, the
// best published non-zero child (preferComplement) is suppressed too, or,
// if none is left, the parent. It is a necessary condition per relation, not a proof: the
// audit checks the whole structure.
func widenIntervals(s *Structure, p *Pattern, rels []relation, level float64) []int {
	var added []int
	for changed := true; changed; {
		changed = false
		for _, r := range rels {
			if p.Marks[r.parent] != Published {
				continue
			}
			rest, k, hasPrimary := s.Cells[r.parent].Value, 0, false
			smallest := -1
			for _, c := range r.children {
				switch p.Marks[c] {
				case Published:
					rest -= s.Cells[c].Value
					if v := s.Cells[c].Value; v > 0 && (smallest < 0 || preferComplement(s, c, smallest)) {
						smallest = c
					}
				default:
					k++
					hasPrimary = hasPrimary || p.Marks[c] == Primary
				}
			}
			if !hasPrimary || rest-float64(k) >= level {
				continue
			}
			target := smallest
			if target < 0 {
				target = r.parent
			}
			p.Marks[target] = Secondary
			p.Secondaries++
			added = append(added, target)
			changed = true
		}
	}
	return added
}

// preferComplement tells whether cell c is a better complement than cell
// best: a cell no seed report prints before one it does, then the
// smaller, then by key.
func preferComplement(s *Structure, c, best int) bool {
	if pc, pb := s.isPrinted(c), s.isPrinted(best); pc != pb {
		return pb
	}
	if vc, vb := s.Cells[c].Value, s.Cells[best].Value; vc != vb {
		return vc < vb
	}
	return s.Cells[c].Key < s.Cells[best].Key
}

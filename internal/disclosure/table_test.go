package disclosure

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Test helpers: statistical tables as Structures, and a simple
// complementary-suppression heuristic to make patterns worth auditing.

// member is a code of a test dimension and the leaves (indexes) it covers.
type member struct {
	code     string
	leaves   []int
	children []string // members whose sum it is; none for a leaf
}

// dim is a test dimension: leaves first, then groups, then the total "*".
type dim struct {
	name    string
	leaves  int
	members []member
}

// flat is a dimension of leaves and their total.
func flat(name string, codes ...string) dim {
	d := dim{name: name, leaves: len(codes)}
	all := make([]int, len(codes))
	for i, c := range codes {
		d.members = append(d.members, member{code: c, leaves: []int{i}})
		all[i] = i
	}
	d.members = append(d.members, member{code: "*", leaves: all, children: codes})
	return d
}

// nested is a two-level hierarchy: groups of leaves, and the total over the
// groups. groups alternates a group code and its leaf codes.
func nested(name string, groups [][]string) dim {
	d := dim{name: name}
	var all []int
	var groupCodes []string
	var groupMembers []member
	for _, g := range groups {
		var leaves []int
		for _, c := range g[1:] {
			d.members = append(d.members, member{code: c, leaves: []int{d.leaves}})
			leaves = append(leaves, d.leaves)
			all = append(all, d.leaves)
			d.leaves++
		}
		groupMembers = append(groupMembers, member{code: g[0], leaves: leaves, children: g[1:]})
		groupCodes = append(groupCodes, g[0])
	}
	d.members = append(d.members, groupMembers...)
	d.members = append(d.members, member{code: "*", leaves: all, children: groupCodes})
	return d
}

// relation is one additive line of a table: total = sum of parts.
type relation struct {
	total int
	parts []int
}

// table is a cross-classification with every member of every dimension
// crossed: inner cells are the leaves' product (row-major, last dimension
// fastest), values given in that order.
type table struct {
	*Structure
	dims      []dim
	relations []relation
	index     map[string]int
}

func newTable(values []int64, dims ...dim) *table {
	nInner := 1
	for _, d := range dims {
		nInner *= d.leaves
	}
	if len(values) != nInner {
		panic(fmt.Sprintf("table: %d values for %d inner cells", len(values), nInner))
	}
	t := &table{Structure: &Structure{InnerValues: values}, dims: dims, index: map[string]int{}}
	var walk func(k int, coords []member)
	walk = func(k int, coords []member) {
		if k == len(dims) {
			t.addCell(coords)
			return
		}
		for _, m := range dims[k].members {
			walk(k+1, append(coords, m))
		}
	}
	walk(0, nil)
	// Relations: a cell with a non-leaf member at dimension k is the sum of
	// the cells with that member's children there.
	var coords []member
	for _, cell := range t.Cells {
		coords = t.coords(cell.ID, coords[:0])
		for k, m := range coords {
			if len(m.children) == 0 {
				continue
			}
			r := relation{total: t.index[cell.ID]}
			for _, ch := range m.children {
				r.parts = append(r.parts, t.index[t.id(coords, k, ch)])
			}
			t.relations = append(t.relations, r)
		}
	}
	return t
}

func (t *table) addCell(coords []member) {
	inner := []int32{0}
	for k, m := range coords {
		var next []int32
		for _, base := range inner {
			for _, l := range m.leaves {
				next = append(next, base*int32(t.dims[k].leaves)+int32(l))
			}
		}
		inner = next
	}
	parts := make([]string, len(coords))
	for k, m := range coords {
		parts[k] = t.dims[k].name + "=" + m.code
	}
	id := strings.Join(parts, "|")
	t.index[id] = len(t.Cells)
	t.Cells = append(t.Cells, Cell{ID: id, Inner: inner})
}

func (t *table) coords(id string, out []member) []member {
	for k, part := range strings.Split(id, "|") {
		code := strings.TrimPrefix(part, t.dims[k].name+"=")
		for _, m := range t.dims[k].members {
			if m.code == code {
				out = append(out, m)
			}
		}
	}
	return out
}

func (t *table) id(coords []member, k int, code string) string {
	parts := make([]string, len(coords))
	for i, m := range coords {
		c := m.code
		if i == k {
			c = code
		}
		parts[i] = t.dims[i].name + "=" + c
	}
	return strings.Join(parts, "|")
}

// cell returns the index of the cell with id, failing the test if none.
func (t *table) cell(tb testing.TB, id string) int {
	tb.Helper()
	c, ok := t.index[id]
	if !ok {
		tb.Fatalf("no cell %q", id)
	}
	return c
}

// pattern marks the named cells; all others are published.
func (t *table) pattern(tb testing.TB, marks map[string]Mark) Pattern {
	tb.Helper()
	p := make(Pattern, len(t.Cells))
	for id, m := range marks {
		p[t.cell(tb, id)] = m
	}
	return p
}

// primaries marks every cell of value 1..thr-1 as primary.
func primaries(s *Structure, thr int) Pattern {
	p := make(Pattern, len(s.Cells))
	for c := range s.Cells {
		if v := s.Value(c); v >= 1 && v < int64(thr) {
			p[c] = Primary
		}
	}
	return p
}

// protectLines is a simple complementary suppression: while some line of
// the table (a total and its parts) holds exactly one suppressed cell,
// suppress its smallest published nonzero part (ties: lowest index), or its
// total if no part qualifies. That closes every one-line difference, not
// every combination of lines — which is what the audit is for. Primaries
// must already be marked, so every cell it adds holds at least thr.
func protectLines(s *Structure, rels []relation, p Pattern) {
	for changed := true; changed; {
		changed = false
		for _, r := range rels {
			n := 0
			if p[r.total] != Published {
				n++
			}
			for _, c := range r.parts {
				if p[c] != Published {
					n++
				}
			}
			if n != 1 {
				continue
			}
			best, bestV := -1, int64(0)
			for _, c := range r.parts {
				if v := s.Value(c); p[c] == Published && v > 0 && (best < 0 || v < bestV) {
					best, bestV = c, v
				}
			}
			if best < 0 && p[r.total] == Published && s.Value(r.total) > 0 {
				best = r.total
			}
			if best >= 0 {
				p[best] = Secondary
				changed = true
			}
		}
	}
}

// protectAudited completes a pattern the way a suppression engine's last
// step would: protectLines, then, while the audit fails, suppress the
// smallest published nonzero cell on a line through each failing cell.
func protectAudited(tb testing.TB, t *table, p Pattern, opt AuditOptions) {
	tb.Helper()
	protectLines(t.Structure, t.relations, p)
	for round := 0; ; round++ {
		rep, err := Audit(t.Structure, p, opt)
		if err != nil {
			tb.Fatal(err)
		}
		if rep.OK() {
			return
		}
		if round == 50 {
			tb.Fatalf("no passing pattern after %d rounds: %s", round, rep.Summary())
		}
		for _, f := range rep.Failures {
			best, bestV := -1, int64(0)
			for _, r := range t.relations {
				line := append([]int{r.total}, r.parts...)
				if !slices.Contains(line, f.Cell) {
					continue
				}
				for _, c := range line {
					if v := t.Value(c); p[c] == Published && v > 0 && (best < 0 || v < bestV) {
						best, bestV = c, v
					}
				}
			}
			if best >= 0 {
				p[best] = Secondary
			}
		}
		protectLines(t.Structure, t.relations, p)
	}
}

package protect

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/stockholm/insyn/internal/cube"
)

// Total is the member of every dimension that stands for all its codes.
const Total = "*"

// Member is a code of a dimension or a named group of codes (a node of the
// dimension's hierarchy), e.g. the lagrum "LSS" over the LSS insatser, or the
// age group "0-17" over three bands.
type Member struct {
	Code   string
	Leaves []string // the codes it covers; one code for a leaf
}

// Dim is a dimension of a view and the members the view crosses.
type Dim struct {
	Name    string
	Members []Member
}

// View is one linked table: the cross product of its dimensions' members.
// Dimensions a view does not name are at Total.
type View struct {
	Name string
	Dims []Dim
}

// Hierarchy is a dimension's leaves and groups, from which views pick members.
type Hierarchy struct {
	Name   string
	Leaves []string
	Groups map[string][]string // group code -> leaves; Total is implied
}

// Leaf returns the member for one leaf code.
func (h Hierarchy) Leaf(code string) Member { return Member{Code: code, Leaves: []string{code}} }

// Member returns a leaf, a group or Total by code.
func (h Hierarchy) Member(code string) (Member, error) {
	if code == Total {
		return Member{Code: Total, Leaves: slices.Clone(h.Leaves)}, nil
	}
	if slices.Contains(h.Leaves, code) {
		return h.Leaf(code), nil
	}
	if g, ok := h.Groups[code]; ok {
		return Member{Code: code, Leaves: slices.Clone(g)}, nil
	}
	return Member{}, fmt.Errorf("dimension %s has no code or group %q", h.Name, code)
}

// Members returns the members for codes, failing on an unknown one.
func (h Hierarchy) Members(codes ...string) ([]Member, error) {
	out := make([]Member, 0, len(codes))
	for _, c := range codes {
		m, err := h.Member(c)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// AllLeaves returns every leaf as a member, and Total.
func (h Hierarchy) AllLeaves() []Member {
	out := make([]Member, 0, len(h.Leaves)+1)
	for _, l := range h.Leaves {
		out = append(out, h.Leaf(l))
	}
	return append(out, Member{Code: Total, Leaves: slices.Clone(h.Leaves)})
}

// Structure is the protected structure of one dataset and period: the atoms
// (the coarsest cells from which every publishable cell is a sum — inner
// cells that no published cell tells apart are one atom) and the cells.
type Structure struct {
	Dataset string
	Dims    []string // dimension order of cell coordinates
	Atoms   []Atom
	Cells   []Cell
	index   map[string]int

	sumsOnce sync.Once
	sums     []float64 // per cell, the sum of its atoms' values (atomSums)

	// a system's joint structure (joinSystems): the links between its
	// parts over the atoms, per atom the links it is in, and per cell the
	// threshold of its part's dataset (nil: the rules' own)
	links         []linkAtoms
	atomLinks     [][]atomLink
	cellThreshold []int

	// per cell, whether a seed report prints a figure resting on it
	// (markPrinted; nil: none)
	printed []bool
}

// isPrinted tells whether a seed report prints a figure resting on cell i.
func (s *Structure) isPrinted(i int) bool { return s.printed != nil && s.printed[i] }

// atomSums is, per cell, the sum of its atoms' values: the cell's value,
// added up the way the certificate programs add the parts they leave out.
// Computed once, on first use, by whichever goroutine comes first.
func (s *Structure) atomSums() []float64 {
	s.sumsOnce.Do(func() {
		s.sums = make([]float64, len(s.Cells))
		for i, c := range s.Cells {
			for _, a := range c.Atoms {
				s.sums[i] += s.Atoms[a].Value
			}
		}
	})
	return s.sums
}

// Atom is a set of finest cells that belong to exactly the same cells.
type Atom struct {
	Value float64 // the count it holds
	Cells []int32 // the cells containing it, sorted
}

// Cell is one publishable cell.
type Cell struct {
	Key    string   // canonical coordinates: "dim=code|dim=code", Total dims included
	Coords []string // one member code per Structure.Dims
	Atoms  []int32  // sorted
	Value  float64  // sum of its atoms
}

// Lookup returns the cell with the given coordinates (a map from dimension to
// member code; missing dimensions are Total).
func (s *Structure) Lookup(coords map[string]string) (int, bool) {
	i, ok := s.index[s.key(coords)]
	return i, ok
}

func (s *Structure) key(coords map[string]string) string {
	parts := make([]string, len(s.Dims))
	for i, d := range s.Dims {
		c, ok := coords[d]
		if !ok {
			c = Total
		}
		parts[i] = d + "=" + c
	}
	return strings.Join(parts, "|")
}

// Build makes the structure of a cube's measure over the rows period selects
// (one year or quarter), from the views. hier gives every dimension the views
// use; the cube's other dimensions are summed over. possible, when not nil,
// says which combinations of leaves can exist at all (public knowledge, e.g.
// a type of housing only for bostad); the others are structural zeros.
func Build(dataset string, c *cube.Cube, measure string, period cube.Filter, hier []Hierarchy, views []View, possible func(leaf []string) bool) (*Structure, error) {
	s, viewMembers, err := layout(dataset, hier, views)
	if err != nil {
		return nil, err
	}
	dims := s.Dims
	// leaves by index: a finest cell is one leaf index per dimension, and
	// flat numbers them all (mixed radix)
	leafIdx := make([]map[string]int, len(dims))
	for i, h := range hier {
		leafIdx[i] = make(map[string]int, len(h.Leaves))
		for k, l := range h.Leaves {
			leafIdx[i][l] = k
		}
	}
	// values of the finest cells, from the cube
	values := map[int]float64{}
	m := slices.Index(c.Measures, measure)
	if m < 0 {
		return nil, fmt.Errorf("cube %s has no measure %q", c.Name, measure)
	}
	cubeDim := make([]int, len(dims))
	for i, d := range dims {
		cubeDim[i] = slices.Index(c.Dims, d)
		if cubeDim[i] < 0 {
			return nil, fmt.Errorf("cube %s has no dimension %q", c.Name, d)
		}
	}
	for _, r := range c.Rows {
		if !matches(c, r, period) {
			continue
		}
		flat := 0
		for i := range dims {
			k, ok := leafIdx[i][r.Coords[cubeDim[i]]]
			if !ok {
				return nil, fmt.Errorf("cube %s: %s %q is not in the hierarchy", c.Name, dims[i], r.Coords[cubeDim[i]])
			}
			flat = flat*len(hier[i].Leaves) + k
		}
		values[flat] += r.Values[m]
	}
	// per view, dimension and leaf, the view's members containing the leaf;
	// per view, its cells by the members' indexes (mixed radix)
	containing := make([][][][]int, len(views))
	cellOf := make([][]int32, len(views))
	for vi, members := range viewMembers {
		containing[vi] = make([][][]int, len(dims))
		size := 1
		for d, ms := range members {
			containing[vi][d] = make([][]int, len(hier[d].Leaves))
			for mi, mem := range ms {
				for _, l := range mem.Leaves {
					if k, ok := leafIdx[d][l]; ok {
						containing[vi][d][k] = append(containing[vi][d][k], mi)
					}
				}
			}
			size *= len(ms)
		}
		cellOf[vi] = make([]int32, size)
		coords := make(map[string]string, len(dims))
		for flat := range size {
			rest := flat
			for d := len(dims) - 1; d >= 0; d-- {
				coords[dims[d]] = members[d][rest%len(members[d])].Code
				rest /= len(members[d])
			}
			ci, ok := s.index[s.key(coords)]
			if !ok {
				return nil, fmt.Errorf("view %s: a cell missing from the layout", views[vi].Name)
			}
			cellOf[vi][flat] = int32(ci)
		}
	}
	// atoms: every combination of leaves (zeros included: an attacker does
	// not know a cell is empty unless a published cell says so), grouped by
	// the cells containing it
	bySig := map[string]int{}
	leaf := make([]int, len(dims))
	codes := make([]string, len(dims))
	var cells []int32
	var sig []byte
	var walk func(i, flat int)
	walk = func(i, flat int) {
		if i < len(dims) {
			for k, l := range hier[i].Leaves {
				leaf[i], codes[i] = k, l
				walk(i+1, flat*len(hier[i].Leaves)+k)
			}
			return
		}
		if possible != nil && !possible(codes) {
			return
		}
		cells = cells[:0]
		for vi, members := range viewMembers {
			// the view's cells containing this leaf: every combination of
			// members that contain it
			var rec func(d, at int)
			rec = func(d, at int) {
				if d == len(dims) {
					cells = append(cells, cellOf[vi][at])
					return
				}
				for _, mi := range containing[vi][d][leaf[d]] {
					rec(d+1, at*len(members[d])+mi)
				}
			}
			rec(0, 0)
		}
		slices.Sort(cells)
		cells = slices.Compact(cells)
		sig = sig[:0]
		for _, ci := range cells {
			sig = binary.LittleEndian.AppendUint32(sig, uint32(ci))
		}
		a, ok := bySig[string(sig)]
		if !ok {
			a = len(s.Atoms)
			bySig[string(sig)] = a
			s.Atoms = append(s.Atoms, Atom{Cells: slices.Clone(cells)})
		}
		s.Atoms[a].Value += values[flat]
	}
	walk(0, 0)
	for a, atom := range s.Atoms {
		for _, ci := range atom.Cells {
			s.Cells[ci].Atoms = append(s.Cells[ci].Atoms, int32(a))
			s.Cells[ci].Value += atom.Value
		}
	}
	for i := range s.Cells {
		sort.Slice(s.Cells[i].Atoms, func(a, b int) bool { return s.Cells[i].Atoms[a] < s.Cells[i].Atoms[b] })
	}
	return s, nil
}

// layout makes the cells of a structure from its views, without atoms or
// values: which cells exist depends on the views only, never on the data.
// It also returns each view's members per dimension.
func layout(dataset string, hier []Hierarchy, views []View) (*Structure, [][][]Member, error) {
	dims := make([]string, len(hier))
	for i, h := range hier {
		dims[i] = h.Name
	}
	s := &Structure{Dataset: dataset, Dims: dims, index: map[string]int{}}
	dimIdx := map[string]int{}
	for i, d := range dims {
		dimIdx[d] = i
	}
	// cells of every view; equal coordinates from different views are one cell
	viewMembers := make([][][]Member, len(views))
	for vi, v := range views {
		members := make([][]Member, len(dims))
		viewMembers[vi] = members
		for i, h := range hier {
			members[i] = []Member{{Code: Total, Leaves: slices.Clone(h.Leaves)}}
		}
		for _, d := range v.Dims {
			i, ok := dimIdx[d.Name]
			if !ok {
				return nil, nil, fmt.Errorf("view %s: dimension %q has no hierarchy", v.Name, d.Name)
			}
			members[i] = d.Members
		}
		var rec func(i int, coords []string)
		rec = func(i int, coords []string) {
			if i == len(dims) {
				m := map[string]string{}
				for j, d := range dims {
					m[d] = coords[j]
				}
				k := s.key(m)
				if _, ok := s.index[k]; !ok {
					s.index[k] = len(s.Cells)
					s.Cells = append(s.Cells, Cell{Key: k, Coords: slices.Clone(coords)})
				}
				return
			}
			for _, m := range members[i] {
				rec(i+1, append(coords, m.Code))
			}
		}
		rec(0, nil)
	}
	return s, viewMembers, nil
}

func matches(c *cube.Cube, r cube.Row, f cube.Filter) bool {
	for d, codes := range f {
		i := slices.Index(c.Dims, d)
		if i < 0 || !slices.Contains(codes, r.Coords[i]) {
			return false
		}
	}
	return true
}

// Package disclosure holds the model of what a dataset version can publish —
// every publishable cell as a sum of inner cells — and the attacker audit that
// proves a suppression pattern safe: for every suppressed cell it computes,
// by linear programming over everything published, the interval an attacker
// can derive.
//
// The model follows Statistics Norway's GaussSuppression: one model matrix
// of all publishable cells of all linked tables, so that the audit sees every
// equation an attacker sees, never one table at a time.
package disclosure

import (
	"fmt"
)

// Structure is the set of publishable cells of one dataset version: each cell
// is the sum of some inner cells (the finest cross-classification), as in
// Statistics Norway's GaussSuppression model matrix.
type Structure struct {
	InnerValues []int64 // true value of each inner cell (persons or decisions), index = inner id
	Cells       []Cell
}

// Cell is one publishable cell: a sum of inner cells.
type Cell struct {
	ID    string  // canonical coordinates, e.g. "ar=2024|namnd=jarva|insats=*|kon=K"
	Inner []int32 // sorted, distinct inner ids
}

// Value returns the true value of cell c: the sum of its inner cells.
func (s *Structure) Value(c int) int64 {
	var v int64
	for _, i := range s.Cells[c].Inner {
		v += s.InnerValues[i]
	}
	return v
}

// Validate reports the first defect of the structure: an empty or repeated
// cell id, an inner id out of range, inner ids not sorted and distinct, or a
// negative inner value.
func (s *Structure) Validate() error {
	for i, v := range s.InnerValues {
		if v < 0 {
			return fmt.Errorf("structure: inner cell %d has negative value %d; counts are never negative", i, v)
		}
	}
	seen := make(map[string]int, len(s.Cells))
	n := int32(len(s.InnerValues))
	for c, cell := range s.Cells {
		if cell.ID == "" {
			return fmt.Errorf("structure: cell %d has an empty id", c)
		}
		if prev, ok := seen[cell.ID]; ok {
			return fmt.Errorf("structure: cells %d and %d have the same id %q", prev, c, cell.ID)
		}
		seen[cell.ID] = c
		for k, in := range cell.Inner {
			if in < 0 || in >= n {
				return fmt.Errorf("structure: cell %d %q: inner id %d out of range [0, %d)", c, cell.ID, in, n)
			}
			if k > 0 && in <= cell.Inner[k-1] {
				return fmt.Errorf("structure: cell %d %q: inner ids must be sorted and distinct, found %d after %d", c, cell.ID, in, cell.Inner[k-1])
			}
		}
	}
	return nil
}

// Mark is what the API shows for a cell, and so what an attacker learns
// about a cell it does not see.
type Mark uint8

const (
	// Published cells are shown with their exact value.
	Published Mark = iota
	// Primary cells ("*") hold 1..t-1 (t the threshold); with distinct
	// markers the attacker knows that range.
	Primary
	// Secondary cells ("**") are hidden to protect another cell; since zeros
	// are never suppressed as complements and 1..t-1 is primary, they hold
	// at least t, and with distinct markers the attacker knows it.
	Secondary
)

// String returns the marker the API shows ("*", "**"), or "published".
func (m Mark) String() string {
	switch m {
	case Published:
		return "published"
	case Primary:
		return "*"
	case Secondary:
		return "**"
	}
	return fmt.Sprintf("Mark(%d)", uint8(m))
}

// Pattern is a suppression pattern: one mark per cell of a Structure.
type Pattern []Mark

// CheckPattern reports the first way p contradicts s under threshold t: a
// length that differs from the number of cells, an unknown mark, a primary
// cell outside 1..t-1, or a secondary cell below t (a zero is never
// suppressed, and 1..t-1 would be primary). The audit's attacker relies on
// exactly these facts, so a pattern that breaks them would make its linear
// programs infeasible.
func (s *Structure) CheckPattern(p Pattern, t int) error {
	if len(p) != len(s.Cells) {
		return fmt.Errorf("pattern: %d marks for %d cells", len(p), len(s.Cells))
	}
	for c, m := range p {
		v := s.Value(c)
		switch m {
		case Published:
		case Primary:
			if v < 1 || v > int64(t-1) {
				return fmt.Errorf("pattern: %w: cell %d %q is marked * (primary) but its value %d is outside 1..%d", ErrInconsistent, c, s.Cells[c].ID, v, t-1)
			}
		case Secondary:
			if v < int64(t) {
				return fmt.Errorf("pattern: %w: cell %d %q is marked ** (secondary) but its value %d is below the threshold %d (zeros are shown, 1..%d are primary)", ErrInconsistent, c, s.Cells[c].ID, v, t, t-1)
			}
		default:
			return fmt.Errorf("pattern: cell %d %q has unknown mark %d", c, s.Cells[c].ID, uint8(m))
		}
	}
	return nil
}

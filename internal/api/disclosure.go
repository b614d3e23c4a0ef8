package api

import (
	"slices"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/reports"
)

// Disclosure is all the API knows of disclosure control: the mark of a
// count (a cube's count field over a filter naming one period), and the
// count itself. Mark returns an error for a count that is no cell of the
// protected structure; such a cell is never published, and no figure
// resting on it is computed for a client.
type Disclosure interface {
	Mark(ref reports.CountRef) (protect.Mark, float64, error)
}

// Rules are the disclosure rules the API applies.
type Rules struct {
	// Threshold: counts 1..Threshold-1 are suppressed, and so is every
	// mean, share, rate or amount resting on fewer persons (default 4).
	Threshold int
}

// loadDisclosure returns the marks of one lake version. It is the only
// place that decides how: for now the engine protects the cubes when the
// version is loaded (once per version and warm instance); a pattern
// computed at ingest and stored beside the aggregates will be read here
// instead.
func loadDisclosure(_ *lake.Snapshot, src cube.Source, rules Rules) (Disclosure, error) {
	return protect.ProtectLake(src, protect.Rules{Threshold: rules.Threshold}, nil, 0)
}

// suppressed reports whether a mark hides the cell. One marker, "*",
// stands for every hidden cell, primary or complementary: with two
// markers the marks alone would tell that a primary cell is 1..3.
func suppressed(m protect.Mark) bool { return m != protect.Published }

// markOf returns whether a figure resting on refs is suppressed: it is
// published only if every count it rests on is. Counts of public cubes
// need no mark. A mean of hours rests on the persons holding the insats
// (every decision on an insats granted in hours records its hours).
func markOf(d Disclosure, refs []reports.CountRef) (bool, error) {
	hidden := false
	for _, ref := range refs {
		if slices.Contains(publicCubes, ref.Cube) {
			continue
		}
		if ref.Cube == "insatser" && ref.Field == "timmar_antal" {
			ref.Field = "antal_beslut"
		}
		m, _, err := d.Mark(ref)
		if err != nil {
			return false, err
		}
		hidden = hidden || suppressed(m)
	}
	return hidden, nil
}

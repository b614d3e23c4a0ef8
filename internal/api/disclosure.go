package api

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
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

// loadDisclosure returns the marks of one lake version: the pattern stored
// beside its aggregates, computed once where they were written (the
// generator, the ingest function) by protect's certified engine. The API
// never computes a pattern: that takes minutes, and every instance must
// show the same marks. A version without a pattern, or with one computed
// under another threshold than the API is configured for, is refused.
func loadDisclosure(snap *lake.Snapshot, _ cube.Source, rules Rules) (Disclosure, error) {
	if snap.Disclosure == nil {
		return nil, fmt.Errorf("lake version %s has no disclosure pattern (%s…): write it with the aggregates (go run ./testdata/gen, or the ingest function)",
			snap.Manifest.Version, lake.DisclosurePrefix)
	}
	l, stored, err := protect.UnmarshalLake(snap.Disclosure)
	if err != nil {
		return nil, fmt.Errorf("lake version %s: %w", snap.Manifest.Version, err)
	}
	geo, err := dataset.LookupGeography(snap.Manifest.Geography)
	if err != nil {
		return nil, fmt.Errorf("lake version %s: %w", snap.Manifest.Version, err)
	}
	if patternGeo, _ := dataset.LookupGeography(l.Geography); patternGeo.Name != geo.Name {
		return nil, fmt.Errorf("lake version %s: its disclosure pattern was computed over geography %s, but its manifest names %s; recompute the pattern with the aggregates",
			snap.Manifest.Version, l.Geography, geo.Name)
	}
	if stored.Threshold != rules.Threshold {
		return nil, fmt.Errorf("lake version %s: its disclosure pattern was computed with threshold %d, but %s is %d; recompute the pattern with that threshold or configure %d",
			snap.Manifest.Version, stored.Threshold, EnvThreshold, rules.Threshold, stored.Threshold)
	}
	return l, nil
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

// memoDisclosure remembers the marks a Disclosure gave, for the life of a
// lake version: a frontend asks for the same cells again and again, and
// the lookup of a cell in the protected structure costs more than the
// rest of its answer. It holds at most memoLimit marks.
type memoDisclosure struct {
	d     Disclosure
	mu    sync.RWMutex
	marks map[string]memoMark
}

type memoMark struct {
	mark  protect.Mark
	value float64
	err   error
}

// memoLimit bounds the memo: the structures of the sample lake have about
// 15 000 cells, so all of them fit; refusals of arbitrary filters cannot
// grow it without end.
const memoLimit = 200_000

func newMemo(d Disclosure) *memoDisclosure {
	return &memoDisclosure{d: d, marks: map[string]memoMark{}}
}

// Mark implements Disclosure.
func (m *memoDisclosure) Mark(ref reports.CountRef) (protect.Mark, float64, error) {
	key := refKey(ref)
	m.mu.RLock()
	got, ok := m.marks[key]
	m.mu.RUnlock()
	if ok {
		return got.mark, got.value, got.err
	}
	mark, value, err := m.d.Mark(ref)
	m.mu.Lock()
	if len(m.marks) < memoLimit {
		m.marks[key] = memoMark{mark, value, err}
	}
	m.mu.Unlock()
	return mark, value, err
}

// refKey identifies a count: cube, field and the filter with dimensions
// and codes sorted (the same categories in another order are the same
// cell).
func refKey(ref reports.CountRef) string {
	dims := make([]string, 0, len(ref.Where))
	for d := range ref.Where {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	var b strings.Builder
	b.WriteString(ref.Cube)
	b.WriteByte('.')
	b.WriteString(ref.Field)
	for _, d := range dims {
		b.WriteByte('|')
		b.WriteString(d)
		b.WriteByte('=')
		codes := ref.Where[d]
		if !slices.IsSorted(codes) {
			codes = slices.Sorted(slices.Values(codes))
		}
		for i, c := range codes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(c)
		}
	}
	return b.String()
}

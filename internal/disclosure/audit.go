package disclosure

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Markers says what the suppression marks tell an attacker.
type Markers uint8

const (
	// DistinctMarkers: "*" and "**" differ, so the attacker knows a primary
	// cell holds 1..t-1 and a secondary cell at least t. These bounds alone
	// confine a primary cell to an interval of width t-2, so under them no
	// pattern meets a protection level above t-2 (the default 3 > 4-2): the
	// markers themselves are the leak. The audit reports that faithfully.
	DistinctMarkers Markers = iota
	// OneMarker: one marker for every suppressed cell, so the attacker knows
	// only that a suppressed cell holds at least 1 (zeros are shown).
	OneMarker
)

// String names the marker convention.
func (m Markers) String() string {
	switch m {
	case DistinctMarkers:
		return "distinct markers"
	case OneMarker:
		return "one marker"
	}
	return fmt.Sprintf("Markers(%d)", uint8(m))
}

// AuditOptions are the rules a pattern is audited against. Zero values take
// the defaults of the binding brief.
type AuditOptions struct {
	Threshold       int     // t: counts 1..t-1 are primary; default 4
	ProtectionLevel float64 // minimum width of a primary cell's interval; default 3
	Markers         Markers // what the marks tell; default DistinctMarkers
}

func (o AuditOptions) withDefaults() (AuditOptions, error) {
	if o.Threshold == 0 {
		o.Threshold = 4
	}
	if o.ProtectionLevel == 0 {
		o.ProtectionLevel = 3
	}
	switch {
	case o.Threshold < 2:
		return o, fmt.Errorf("audit: threshold %d: must be at least 2, or 0 for the default 4", o.Threshold)
	case o.ProtectionLevel < 0 || math.IsNaN(o.ProtectionLevel) || math.IsInf(o.ProtectionLevel, 0):
		return o, fmt.Errorf("audit: protection level %v: must be a finite number >= 0, or 0 for the default 3", o.ProtectionLevel)
	case o.Markers != DistinctMarkers && o.Markers != OneMarker:
		return o, fmt.Errorf("audit: unknown marker convention %d", uint8(o.Markers))
	}
	return o, nil
}

// bounds returns what a mark tells the attacker: lo <= value <= hi, hi
// +Inf when the mark gives no upper bound.
func (o AuditOptions) bounds(m Mark) (lo, hi float64) {
	if o.Markers == OneMarker {
		return 1, math.Inf(1)
	}
	if m == Primary {
		return 1, float64(o.Threshold - 1)
	}
	return float64(o.Threshold), math.Inf(1)
}

// Method says how the attacker's interval of a cell was found.
type Method uint8

const (
	// ByPropagation: every inner cell of the cell is known one by one —
	// it lies in a published zero, or is the only unknown part of a
	// published cell.
	ByPropagation Method = iota + 1
	// BySpan: the cell is a linear combination of published cells (exact
	// Gaussian elimination), so it is disclosed without any bound.
	BySpan
	// ByLP: the minimum and maximum of a linear program.
	ByLP
)

// String names the method.
func (m Method) String() string {
	switch m {
	case ByPropagation:
		return "propagation"
	case BySpan:
		return "span of published cells"
	case ByLP:
		return "linear programming"
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// Interval is what an attacker derives about one suppressed cell from every
// published cell, the non-negativity of the inner cells and the marks.
type Interval struct {
	Cell  int    // index into Structure.Cells
	ID    string // the cell's id
	Mark  Mark
	Value int64 // true value, for the reader of the report; never published
	// Lo and Hi bound the value; Hi is +Inf when nothing bounds it from
	// above. The linear programs' optima are rounded inwards to whole
	// numbers, because the attacker knows counts are whole.
	Lo, Hi float64
	Method Method
}

// Width is Hi - Lo (+Inf when unbounded).
func (iv Interval) Width() float64 { return iv.Hi - iv.Lo }

// Reason says why a suppressed cell failed the audit.
type Reason uint8

const (
	// Disclosed: the attacker derives the cell's value exactly.
	Disclosed Reason = iota + 1
	// Narrow: a primary cell's interval is narrower than the protection level.
	Narrow
)

// Failure is a suppressed cell the pattern does not protect.
type Failure struct {
	Interval
	Reason Reason
	Level  float64 // the protection level the interval was held to
}

// String says which cell failed, how, and what the attacker learns.
func (f Failure) String() string {
	head := fmt.Sprintf("cell %d %q (%s, value %d)", f.Cell, f.ID, f.Mark, f.Value)
	if f.Reason == Disclosed {
		return fmt.Sprintf("%s is disclosed exactly: the attacker derives %v by %s", head, f.Lo, f.Method)
	}
	return fmt.Sprintf("%s lies in [%v, %v], width %v < protection level %v", head, f.Lo, f.Hi, f.Width(), f.Level)
}

// AuditStats describes the work the audit did, for benchmarks and reviewers.
type AuditStats struct {
	InnerCells  int // inner cells that lie in at least one cell
	ZeroInner   int // inner cells fixed at 0 by a published zero (reduction a)
	Variables   int // unknowns after merging inner cells with the same cells (reduction b)
	Propagated  int // variables known one by one from published cells (reduction c)
	Components  int // independent blocks that hold a suppressed cell (reduction d)
	BySpan      int // suppressed cells disclosed by Gaussian elimination, without LP
	LPs         int // simplex solves
	LargestRows int // rows of the largest linear program
	LargestCols int // columns of the largest linear program
}

// AuditReport is the outcome of an audit: every suppressed cell's interval,
// in cell order, and the cells that fail.
type AuditReport struct {
	Options   AuditOptions // with defaults applied
	Intervals []Interval
	Failures  []Failure
	Stats     AuditStats
}

// OK reports whether every suppressed cell is protected.
func (r *AuditReport) OK() bool { return len(r.Failures) == 0 }

// Summary lists the failures one per line, or says the pattern passed.
func (r *AuditReport) Summary() string {
	if r.OK() {
		return fmt.Sprintf("audit passed: %d suppressed cells, every primary cell's interval at least %v wide, none disclosed (%s, threshold %d)",
			len(r.Intervals), r.Options.ProtectionLevel, r.Options.Markers, r.Options.Threshold)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "audit failed: %d of %d suppressed cells unprotected (%s, threshold %d, protection level %v):",
		len(r.Failures), len(r.Intervals), r.Options.Markers, r.Options.Threshold, r.Options.ProtectionLevel)
	for _, f := range r.Failures {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return b.String()
}

// ErrInconsistent is wrapped by the errors that report a mark its cell's
// true value contradicts (a primary cell outside 1..t-1, a secondary one
// below t): the attacker's system would then have no solution at all.
var ErrInconsistent = errors.New("marks contradict the values")

// Audit attacks pattern p of structure s as an intruder who knows every
// published cell's exact value (equalities over the inner cells), that every
// inner cell is >= 0, and the bounds each mark implies (see Markers). For
// every suppressed cell it finds the smallest and largest value consistent
// with all of that, by linear programming over the whole structure at once,
// and fails any suppressed cell pinned to one value and any primary cell
// whose interval is narrower than the protection level.
//
// Before any LP the problem is reduced, exactly: inner cells under a
// published zero are fixed at 0; inner cells that lie in the same cells are
// one unknown; unknowns that published cells determine one by one are
// substituted, and fully known published cells drop out; suppressed cells in
// the span of the published cells are disclosed by Gaussian elimination; and
// what remains splits into blocks that share no unknown, each an LP of its
// own. Within a block, bounds on single unknowns become shifts rather than
// rows, and a minimum or maximum that a known feasible point attains (the
// truth, or an earlier LP's vertex) needs no LP. None of this changes an
// interval (a test compares against the unreduced LP).
func Audit(s *Structure, p Pattern, opt AuditOptions) (*AuditReport, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := s.CheckPattern(p, opt.Threshold); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	a := newAttack(s, p, opt)
	if err := a.run(); err != nil {
		return nil, err
	}
	rep := &AuditReport{Options: opt, Stats: a.stats}
	for c, m := range p {
		if m == Published {
			continue
		}
		r := a.result[c]
		iv := Interval{Cell: c, ID: s.Cells[c].ID, Mark: m, Value: a.values[c],
			Lo: math.Ceil(r.lo - intTol), Hi: math.Floor(r.hi + intTol), Method: r.method}
		rep.Intervals = append(rep.Intervals, iv)
		switch {
		case iv.Lo >= iv.Hi:
			rep.Failures = append(rep.Failures, Failure{Interval: iv, Reason: Disclosed, Level: opt.ProtectionLevel})
		case m == Primary && iv.Width() < opt.ProtectionLevel:
			rep.Failures = append(rep.Failures, Failure{Interval: iv, Reason: Narrow, Level: opt.ProtectionLevel})
		}
	}
	return rep, nil
}

// intTol is how far an LP optimum may stray from a whole number and still
// count as that number when rounding inwards.
const intTol = 1e-6

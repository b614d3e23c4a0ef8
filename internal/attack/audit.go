package attack

import (
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Options are an audit's settings.
type Options struct {
	// Path is where the handler answers GraphQL ("/graphql").
	Path string
	// Protection is the width every suppressed count's interval must keep
	// (3: no suppressed count narrowed to fewer than 3 values... an
	// interval [lo, hi] of whole numbers has width hi-lo).
	Protection float64
	// Workers is the number of solver processes (GOMAXPROCS when 0).
	Workers int
	// Exact solves both programs of every suppressed count, so every
	// interval is the attacker's own; otherwise a count whose interval
	// already shows Protection in the solutions found for others is not
	// solved on its own (its interval is then a part of the attacker's).
	Exact bool
}

// Interval is what the attacker can derive about one suppressed count.
type Interval struct {
	Figure *Figure
	// Lo, Hi: the bounds of the linear programs, rounded inwards to whole
	// numbers (an attacker who uses integrality can do at least this).
	Lo, Hi    float64
	Unbounded bool
	// Solved: Lo and Hi are the programs' optima; otherwise they span the
	// values the count takes in solutions found for other counts, which
	// the attacker's interval contains.
	Solved bool
}

// Width is Hi-Lo (infinite when unbounded).
func (iv Interval) Width() float64 {
	if iv.Unbounded {
		return math.Inf(1)
	}
	return iv.Hi - iv.Lo
}

func (iv Interval) String() string {
	hi := fmt.Sprint(iv.Hi)
	if iv.Unbounded {
		hi = "∞"
	}
	s := fmt.Sprintf("[%g, %s]", iv.Lo, hi)
	if !iv.Solved {
		s += " (at least)"
	}
	return s
}

// Result is one audit.
type Result struct {
	Intervals []Interval // one per suppressed count figure
	Failures  []string   // counts narrowed below Protection, exactly disclosed counts, inconsistent figures
	Harvest   *Harvest
	Stats     Stats
	model     *model
}

// Stats are the audit's sizes and times.
type Stats struct {
	Requests, Tables, Figures int
	Unknowns, Free, Classes   int
	Rows, Components, Targets int
	Harvest, Model, Solve     time.Duration
}

func (s Stats) String() string {
	return fmt.Sprintf("%d requests (%d tables), %d figures; %d unknowns, %d free after published zeros, %d classes in %d programs, %d rows, %d suppressed counts; harvest %v, model %v, solve %v",
		s.Requests, s.Tables, s.Figures, s.Unknowns, s.Free, s.Classes, s.Components, s.Rows, s.Targets,
		s.Harvest.Round(time.Millisecond), s.Model.Round(time.Millisecond), s.Solve.Round(time.Millisecond))
}

// Narrowest is the interval of least width, nil when nothing is suppressed.
func (r *Result) Narrowest() *Interval {
	var best *Interval
	for i := range r.Intervals {
		if best == nil || r.Intervals[i].Width() < best.Width() {
			best = &r.Intervals[i]
		}
	}
	return best
}

// Run audits what the API behind h publishes: it harvests every figure,
// builds the attacker's unknowns and linear facts, and bounds every
// suppressed count by linear programming (HiGHS, through scipy).
func Run(h http.Handler, o Options) (*Result, error) {
	if o.Path == "" {
		o.Path = "/graphql"
	}
	if o.Protection == 0 {
		o.Protection = 3
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	hv, err := HarvestAll(h, o.Path)
	if err != nil {
		return nil, fmt.Errorf("harvest: %w", err)
	}
	res, err := AuditHarvest(hv, o)
	if err != nil {
		return nil, err
	}
	res.Stats.Harvest = time.Since(start) - res.Stats.Model - res.Stats.Solve
	return res, nil
}

// AuditHarvest audits harvested figures.
func AuditHarvest(hv *Harvest, o Options) (*Result, error) {
	if o.Protection == 0 {
		o.Protection = 3
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{Harvest: hv}
	res.Stats.Requests, res.Stats.Tables, res.Stats.Figures = hv.Requests, hv.Tables, len(hv.Figures)
	start := time.Now()
	m, err := buildModel(hv)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	red, err := reduce(m)
	if err != nil {
		return nil, err
	}
	res.Stats.Model = time.Since(start)
	res.model = m
	res.Stats.Unknowns, res.Stats.Free, res.Stats.Classes = m.nVars, red.vars, red.classes
	res.Stats.Components, res.Stats.Targets = len(red.components), len(m.targets)
	for _, k := range red.components {
		res.Stats.Rows += len(k.rows)
	}
	start = time.Now()
	ivs, err := solveAll(m, red, o.Workers, o.Protection, o.Exact)
	if err != nil {
		return nil, err
	}
	res.Stats.Solve = time.Since(start)
	const eps = 1e-6
	for i, t := range m.targets {
		iv := ivs[i]
		out := Interval{Figure: t.fig, Lo: math.Ceil(iv.Lo - eps), Hi: math.Floor(iv.Hi + eps), Unbounded: iv.Unbounded, Solved: iv.Solved}
		res.Intervals = append(res.Intervals, out)
	}
	// one failure per count, however many requests name it
	for _, k := range red.components {
		for _, owners := range k.owners {
			out := res.Intervals[owners[0]]
			names := make([]string, len(owners))
			for i, ti := range owners {
				names[i] = describe(m.targets[ti].fig)
			}
			slices.SortFunc(names, func(a, b string) int { return len(a) - len(b) })
			name := names[0]
			if len(names) > 1 {
				name += fmt.Sprintf(" (and %d other requests for it)", len(names)-1)
			}
			switch {
			case out.Width() <= 0:
				res.Failures = append(res.Failures, fmt.Sprintf("%s is disclosed: %s", name, out))
			case out.Width() < o.Protection:
				res.Failures = append(res.Failures, fmt.Sprintf("%s is narrowed to %s, width %g < %g", name, out, out.Width(), o.Protection))
			}
		}
	}
	for _, s := range hv.Inconsistent {
		res.Failures = append(res.Failures, "inconsistent figures: "+s)
	}
	slices.Sort(res.Failures)
	return res, nil
}

// describe names a figure as a user would ask for it.
func describe(f *Figure) string {
	var parts []string
	for _, d := range slices.Sorted(maps.Keys(f.Where)) {
		parts = append(parts, d+"="+strings.Join(f.Where[d], "|"))
	}
	return fmt.Sprintf("%s %s %s {%s}", f.Dataset, f.Measure, f.Period, strings.Join(parts, " "))
}

// Print writes the audit's sizes, its failures and the narrowest
// interval (every interval with all).
func (r *Result) Print(w io.Writer, all bool) {
	fmt.Fprintln(w, r.Stats)
	if all {
		for _, iv := range r.Intervals {
			fmt.Fprintf(w, "%s %s width %g\n", describe(iv.Figure), iv, iv.Width())
		}
	}
	for _, u := range r.Harvest.Unread {
		fmt.Fprintln(w, "not read:", u)
	}
	for _, f := range r.Failures {
		fmt.Fprintln(w, "FAIL", f)
	}
	if n := r.Narrowest(); n != nil {
		fmt.Fprintf(w, "narrowest: %s %s, width %g\n", describe(n.Figure), n, n.Width())
	}
	fmt.Fprintf(w, "%d suppressed counts, %d failures\n", len(r.Intervals), len(r.Failures))
}

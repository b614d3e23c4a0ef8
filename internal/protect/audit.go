package protect

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Marks says what the API shows for suppressed cells.
type Marks int

const (
	// OneMark shows "*" for every suppressed cell (as the seed reports do in
	// most tables): an attacker learns only that the cell is at least 1.
	OneMark Marks = iota
	// Distinct shows "*" for primary and "**" for complementary cells, which
	// tells an attacker 1..threshold-1 and at least threshold respectively.
	Distinct
)

// Interval is what an attacker can derive about a suppressed cell from every
// published cell, the non-negativity of the atoms and the marks' bounds — or,
// when not Exact, a part of it that already shows the cell safe.
type Interval struct {
	Cell      int
	Lo, Hi    float64
	Unbounded bool // no upper bound
	// Exact: the programs ranged over every atom of the structure, and
	// [Lo, Hi] is the attacker's interval. Otherwise [Lo, Hi] spans the
	// values the cell takes in witnesses — tables of the whole structure,
	// solutions of programs over a neighbourhood with every other atom at
	// its true value, each checked against every published cell and mark —
	// so the attacker's interval contains it.
	Exact bool
	// Atoms is how many atoms the programs ranged over: all the free ones
	// when Exact, else the largest neighbourhood whose witness moved the
	// cell.
	Atoms int
}

// Width is Hi - Lo (infinite when unbounded).
func (i Interval) Width() float64 {
	if i.Unbounded {
		return math.Inf(1)
	}
	return i.Hi - i.Lo
}

// AuditResult is the attacker audit of one pattern.
type AuditResult struct {
	Intervals []Interval
	Failures  []string // primary cells narrower than the protection level, and exactly disclosed cells
	failed    []int    // the cell of each failure
}

// Audit solves, for every suppressed cell, the linear programs min and max of
// its value given every published cell (equalities over the atoms), every
// atom >= 0, and what the marks tell. With Marks.Distinct the attacker knows
// a primary cell ("*") holds 1..threshold-1 and a secondary cell ("**") at
// least threshold (zeros are never suppressed as complements) — which alone
// pins a primary to an interval of width threshold-2, so no pattern can meet
// a protection level of 3 under two markers; with one marker for both the
// attacker knows only that a suppressed cell is at least 1. It fails a
// primary cell whose interval is narrower than protection and any suppressed
// cell pinned to one value. The LPs are solved by HiGHS through Debian's
// python3-scipy: the audit is a test and a reviewer's command, never part of
// answering a query.
//
// Most cells are decided on a neighbourhood: programs over a few hundred
// atoms around the cell, every other atom held at its true value. A
// solution there, with the other atoms at their true values, is a table of
// the whole structure that agrees with every published cell and mark —
// Audit checks each one so (a witness) — so the attacker's interval
// contains every value a witness gives the cell, and enough of them pass
// it for certain. A neighbourhood grows by its programs' duals: the atoms
// whose reduced cost says that freeing them moves the optimum. A cell no
// neighbourhood passes is decided by the programs over every atom, and
// only those report a failure: the verdicts are AuditExact's, while the
// interval of a passing cell may be only the part the witnesses show (not
// Exact; which part can vary from run to run, as the witnesses found for
// one cell also move others).
func Audit(s *Structure, p *Pattern, threshold int, protection float64, marks Marks) (*AuditResult, error) {
	return newAuditor(s, p, threshold, protection, marks, auditGrowth).run()
}

// AuditExact is Audit with every cell's programs over the whole structure,
// so every interval is the attacker's own (Exact). Much slower on a large
// structure: for callers that need the intervals, not only the verdicts.
func AuditExact(s *Structure, p *Pattern, threshold int, protection float64, marks Marks) (*AuditResult, error) {
	return newAuditor(s, p, threshold, protection, marks, growth{}).run()
}

// growth is how an audit's neighbourhoods grow: the first has start atoms
// (none: every cell over the whole structure), each round adds at most
// max(step, a quarter) more, and a cell still undecided after rounds
// rounds or beyond atoms atoms is left to the whole structure.
type growth struct{ start, step, atoms, rounds int }

// auditGrowth is Audit's: the sample lake's cells pass within a thousand
// atoms (a year of insatser has 2 712 free ones; half its cells pass within
// 200), the national year's within 300 (of 86 192).
var auditGrowth = growth{start: 100, step: 50, atoms: 5000, rounds: 40}

// auditor holds one audit's structure, pattern and rules, and what every
// program needs of them.
type auditor struct {
	s          *Structure
	p          *Pattern
	threshold  int
	protection float64
	marks      Marks
	growth     growth
	free       []bool    // per atom: not pinned to 0 by a published zero
	nFree      int       // free atoms
	freeIn     []int32   // per cell, then per link (at len(Cells)+link), its free atoms
	freeTruth  []float64 // per cell, the true values of its free atoms added up
	// per link, its weighted sum over the free atoms at their true values
	linkFreeSlack []float64
	// truthHolds: the true atom values satisfy every published cell and
	// mark, so holding atoms at them keeps a neighbourhood's solutions
	// solutions of the whole structure. When not (an inconsistent input)
	// every cell is decided over the whole structure.
	truthHolds bool
	// per cell, the lowest and highest value it takes in the tables the
	// neighbourhoods' programs have found so far (witness), the truth at
	// first; each table is one an attacker cannot rule out, so the cell's
	// interval contains [seenLo, seenHi], and a complement moved by
	// another cell's table may pass without programs of its own
	seenMu         sync.Mutex
	seenLo, seenHi []float64
	seenAtoms      []int32 // the largest neighbourhood that moved it
}

func newAuditor(s *Structure, p *Pattern, threshold int, protection float64, marks Marks, gr growth) *auditor {
	a := &auditor{s: s, p: p, threshold: threshold, protection: protection, marks: marks, growth: gr,
		free: make([]bool, len(s.Atoms)), freeIn: make([]int32, len(s.Cells)+len(s.links)), freeTruth: make([]float64, len(s.Cells)),
		linkFreeSlack: make([]float64, len(s.links))}
	for i := range a.free {
		a.free[i] = true
	}
	for i, c := range s.Cells {
		if p.Marks[i] == Published && c.Value == 0 {
			for _, at := range c.Atoms {
				a.free[at] = false
			}
		}
	}
	a.seenLo, a.seenHi, a.seenAtoms = make([]float64, len(s.Cells)), make([]float64, len(s.Cells)), make([]int32, len(s.Cells))
	for i, c := range s.Cells {
		a.seenLo[i], a.seenHi[i] = c.Value, c.Value
	}
	a.truthHolds = true
	for at, atom := range s.Atoms {
		if atom.Value < 0 || math.IsInf(atom.Value, 0) || math.IsNaN(atom.Value) {
			a.truthHolds = false
		}
		if a.free[at] {
			a.nFree++
		}
	}
	for i, c := range s.Cells {
		var sum float64
		for _, at := range c.Atoms {
			sum += s.Atoms[at].Value
			if a.free[at] {
				a.freeIn[i]++
				a.freeTruth[i] += s.Atoms[at].Value
			}
		}
		lo, hi, bounded := a.bounds(i)
		switch {
		case p.Marks[i] == Published && math.Abs(sum-c.Value) > 1e-9*max(1, math.Abs(c.Value)):
			a.truthHolds = false
		case bounded && (sum < lo-1e-9 || sum > hi+1e-9):
			a.truthHolds = false
		}
	}
	for l, link := range s.links {
		if link.slack < -1e-9 {
			a.truthHolds = false
		}
		for k, at := range link.atoms {
			if a.free[at] {
				a.freeIn[len(s.Cells)+l]++
				a.linkFreeSlack[l] += link.coef[k] * s.Atoms[at].Value
			}
		}
	}
	return a
}

// bounds is what the marks tell an attacker of suppressed cell i (false for
// a published or unpublished cell).
func (a *auditor) bounds(i int) (lo, hi float64, ok bool) {
	switch {
	case a.p.Marks[i] == Primary && a.marks == Distinct:
		return 1, float64(a.threshold - 1), true
	case a.p.Marks[i] == Secondary && a.marks == Distinct:
		return float64(a.threshold), math.Inf(1), true
	case a.p.Marks[i] == Primary || a.p.Marks[i] == Secondary:
		return 1, math.Inf(1), true
	}
	return 0, 0, false
}

// passes says whether an interval of cell i shows it safe: not pinned to
// one value, and a primary at least as wide as the protection level.
func (a *auditor) passes(i int, iv Interval) bool {
	w := iv.Width()
	return w >= 1e-6 && (a.p.Marks[i] != Primary || w >= a.protection-1e-6)
}

// run audits every suppressed cell: on neighbourhoods first (when its
// growth has any and the true values hold), then over the whole structure.
func (a *auditor) run() (*AuditResult, error) {
	var cells []int
	for i := range a.s.Cells {
		if _, _, ok := a.bounds(i); ok {
			cells = append(cells, i)
		}
	}
	res := &AuditResult{Intervals: make([]Interval, len(cells))}
	if len(cells) == 0 {
		return res, nil
	}

	var whole []int // indexes into cells left to the whole structure
	if a.growth.start == 0 || !a.truthHolds {
		for k := range cells {
			whole = append(whole, k)
		}
	} else {
		var err error
		if whole, err = a.neighbourhoods(cells, res); err != nil {
			return nil, fmt.Errorf("audit of %s: %w", a.s.Dataset, err)
		}
	}
	if err := a.solveWhole(cells, whole, res); err != nil {
		return nil, fmt.Errorf("audit of %s: %w", a.s.Dataset, err)
	}
	for _, iv := range res.Intervals {
		i := iv.Cell
		if a.passes(i, iv) {
			continue
		}
		c := a.s.Cells[i]
		res.failed = append(res.failed, i)
		if iv.Width() < 1e-6 {
			res.Failures = append(res.Failures, fmt.Sprintf("%s (mark %d, value %v) is disclosed exactly: %v", c.Key, a.p.Marks[i], c.Value, iv.Lo))
		} else {
			res.Failures = append(res.Failures, fmt.Sprintf("%s (value %v) lies in [%.2f, %.2f], narrower than %v", c.Key, c.Value, iv.Lo, iv.Hi, a.protection))
		}
	}
	return res, nil
}

// neighbourhoods decides cells on their neighbourhoods, on every core,
// into res, and returns the indexes of those left to the whole structure.
// Primary cells go first: their programs' tables move their complements,
// most of which then pass on those tables alone.
func (a *auditor) neighbourhoods(cells []int, res *AuditResult) ([]int, error) {
	order := make([]int, 0, len(cells))
	for _, m := range []Mark{Primary, Secondary} {
		for k, i := range cells {
			if a.p.Marks[i] == m {
				order = append(order, k)
			}
		}
	}
	var (
		mu    sync.Mutex
		whole []int
	)
	workers := min(runtime.GOMAXPROCS(0), len(cells))
	next := make(chan int)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newGrower(a)
			for k := range next {
				if errs[w] != nil {
					continue
				}
				iv, ok, err := a.tryNeighbourhood(g, cells[k])
				switch {
				case err != nil:
					errs[w] = err
				case ok:
					res.Intervals[k] = iv
				default:
					mu.Lock()
					whole = append(whole, k)
					mu.Unlock()
				}
			}
		}()
	}
	for _, k := range order {
		next <- k
	}
	close(next)
	wg.Wait()
	slices.Sort(whole)
	return whole, errors.Join(errs...)
}

// seen is the interval of cell i the tables found so far show.
func (a *auditor) seen(i int) Interval {
	a.seenMu.Lock()
	defer a.seenMu.Unlock()
	return Interval{Cell: i, Lo: a.seenLo[i], Hi: a.seenHi[i], Atoms: int(a.seenAtoms[i])}
}

// tryNeighbourhood solves cell's programs on a neighbourhood that grows
// until the witnesses pass the cell (true), the optimum of each side is
// shown to be the whole structure's (false: the cell fails, which the
// programs over every atom will say), or the growth's limits are reached
// (false).
//
// The truth is a table of every neighbourhood, so the cell's true value
// lies between the minimum and the maximum: a primary cell of 1 under one
// marker needs no minimum (it is at its bound), and a maximum far enough
// above the truth passes a cell alone.
func (a *auditor) tryNeighbourhood(g *grower, cell int) (Interval, bool, error) {
	lowest, _, _ := a.bounds(cell)
	lowest = max(lowest, 0)
	need := 1e-6
	if a.p.Marks[cell] == Primary {
		need = max(need, a.protection-1e-6)
	}
	iv := a.seen(cell)
	if a.passes(cell, iv) {
		return iv, true, nil
	}
	loDone, hiDone := iv.Lo <= lowest+1e-9, false
	var cands []candidate
	g.grow(cell, a.growth.start)
	for round := 0; round < a.growth.rounds && len(g.atoms) < a.nFree && len(g.atoms) <= a.growth.atoms; round++ {
		pr, shift := g.problem([]int{cell})
		pr.Solutions = true
		cands = cands[:0]
		if !hiDone {
			pr.Sense = "max"
			ans, err := highs.solve(pr)
			if err != nil {
				return Interval{}, false, err
			}
			if ans[0].Unbounded {
				// no solution to check: cap the cell above what passes it
				// and solve again, for a witness
				capped := *pr
				capped.Rows = append(slices.Clip(pr.Rows), pr.Targets[0])
				if pr.Coefs != nil {
					capped.Coefs = append(slices.Clip(pr.Coefs), nil)
				}
				capped.Lo = append(slices.Clip(pr.Lo), math.Inf(-1))
				capped.Hi = append(slices.Clip(pr.Hi), a.s.Cells[cell].Value+need+1-shift[0])
				if ans, err = highs.solve(&capped); err != nil {
					return Interval{}, false, err
				}
				if !g.witness(ans[0].HiX) {
					return Interval{}, false, fmt.Errorf("%s: HiGHS's capped maximum on a neighbourhood of %d atoms is no table of the whole structure", a.s.Cells[cell].Key, len(g.atoms))
				}
				if iv = a.seen(cell); !a.passes(cell, iv) {
					return Interval{}, false, fmt.Errorf("%s: unbounded on a neighbourhood of %d atoms, yet capped at %v it reaches only %v", a.s.Cells[cell].Key, len(g.atoms), a.s.Cells[cell].Value+need+1, iv.Hi)
				}
				return iv, true, nil
			}
			if !g.witness(ans[0].HiX) {
				return Interval{}, false, fmt.Errorf("%s: HiGHS's maximum on a neighbourhood of %d atoms is no table of the whole structure", a.s.Cells[cell].Key, len(g.atoms))
			}
			if iv = a.seen(cell); a.passes(cell, iv) {
				return iv, true, nil
			}
			n := len(cands)
			if cands = g.improving(cell, -1, ans[0].HiDuals, cands); len(cands) == n {
				hiDone = true
			}
		}
		if !loDone && iv.Hi-lowest >= need {
			pr.Sense = "min"
			ans, err := highs.solve(pr)
			if err != nil {
				return Interval{}, false, err
			}
			if !g.witness(ans[0].LoX) {
				return Interval{}, false, fmt.Errorf("%s: HiGHS's minimum on a neighbourhood of %d atoms is no table of the whole structure", a.s.Cells[cell].Key, len(g.atoms))
			}
			if iv = a.seen(cell); a.passes(cell, iv) {
				return iv, true, nil
			}
			n := len(cands)
			if cands = g.improving(cell, 1, ans[0].LoDuals, cands); len(cands) == n || iv.Lo <= lowest+1e-9 {
				loDone = true
			}
		}
		if hiDone && (loDone || iv.Hi-lowest < need) {
			break // both optima are the whole structure's: the cell fails
		}
		g.widen(cands, max(a.growth.step, len(g.atoms)/4))
	}
	return Interval{}, false, nil
}

// solveWhole solves the programs of cells[whole] over every free atom: one
// program with many targets, the targets split over every core.
func (a *auditor) solveWhole(cells, whole []int, res *AuditResult) error {
	if len(whole) == 0 {
		return nil
	}
	g := newGrower(a)
	atoms := g.all()
	targets := make([]int, len(whole))
	for j, k := range whole {
		targets[j] = cells[k]
	}
	pr, shift := g.problem(targets)
	parts := min(runtime.GOMAXPROCS(0), len(targets))
	return onEveryCore(parts, func(part int) error {
		from, to := part*len(targets)/parts, (part+1)*len(targets)/parts
		chunk := *pr
		chunk.Targets = pr.Targets[from:to]
		ivs, err := highs.solve(&chunk)
		if err != nil {
			return err
		}
		for j := from; j < to; j++ {
			iv := Interval{Cell: targets[j], Lo: *ivs[j-from].Lo + shift[j], Unbounded: ivs[j-from].Unbounded, Exact: true, Atoms: len(atoms)}
			if !iv.Unbounded {
				iv.Hi = *ivs[j-from].Hi + shift[j]
			}
			res.Intervals[whole[j]] = iv
		}
		return nil
	})
}

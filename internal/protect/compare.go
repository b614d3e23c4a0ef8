package protect

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/reports"
)

// Lake is the protected structures and patterns of one lake version.
type Lake struct {
	Structures []*Protected
	Patterns   []*Pattern
	Audits     []*AuditResult // with an auditor: the last audit of each pattern
}

// ProtectLake builds every structure and suppresses it: with Protect, and,
// given an auditor, with the audit-guided loop until the audit passes
// (rounds at most).
func ProtectLake(src cube.Source, r Rules, audit Auditor, rounds int) (*Lake, error) {
	ps, err := BuildAll(src)
	if err != nil {
		return nil, err
	}
	l := &Lake{Structures: ps, Patterns: make([]*Pattern, len(ps))}
	if audit == nil {
		for i, p := range ps {
			l.Patterns[i] = Protect(p.Structure, p.Hier, r)
		}
		return l, nil
	}
	// the structures are independent: protect them on every core
	l.Audits = make([]*AuditResult, len(ps))
	errs := make([]error, len(ps))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p := ps[i]
				l.Patterns[i], l.Audits[i], errs[i] = ProtectAudited(p.Structure, p.Hier, r, audit, rounds)
				if errs[i] != nil {
					errs[i] = fmt.Errorf("%s %s: %w", p.Name, p.Period, errs[i])
				}
			}
		}()
	}
	for i := range ps {
		next <- i
	}
	close(next)
	wg.Wait()
	return l, errors.Join(errs...)
}

// HiGHSAuditor is Audit with one marker for every suppressed cell.
func HiGHSAuditor(threshold int, protection float64) Auditor {
	return func(s *Structure, p *Pattern) (*AuditResult, error) {
		return Audit(s, p, threshold, protection, OneMark)
	}
}

// Mark returns the mark of the cell a count selects (cube, measure and a
// filter naming the period), or an error when it is no cell of the structure.
func (l *Lake) Mark(ref reports.CountRef) (Mark, float64, error) {
	si, ci, err := l.cellOf(ref)
	if err != nil {
		return 0, 0, err
	}
	return l.Patterns[si].Marks[ci], l.Structures[si].Structure.Cells[ci].Value, nil
}

// errNoStructure says no structure holds a count's cube and measure (a
// public aggregate such as the population).
var errNoStructure = errors.New("no protected structure")

// cellOf returns the structure and cell a count selects (its filter names
// the period).
func (l *Lake) cellOf(ref reports.CountRef) (int, int, error) {
	p := Period{}
	if ar, ok := ref.Where["ar"]; ok && len(ar) == 1 {
		p.Year, _ = strconv.Atoi(ar[0])
	}
	if kv, ok := ref.Where["kvartal"]; ok && len(kv) == 1 {
		p.Quarter, _ = strconv.Atoi(kv[0])
	}
	for i, s := range l.Structures {
		if s.Cube != ref.Cube || s.Measure != ref.Field || s.Period != p {
			continue
		}
		c, err := s.Structure.CellFor(ref.Where, s.Hier)
		if err != nil {
			return -1, -1, fmt.Errorf("%s %s: %w", s.Name, p, err)
		}
		return i, c, nil
	}
	return -1, -1, fmt.Errorf("%w for %s.%s in %s", errNoStructure, ref.Cube, ref.Field, p)
}

// FigureMark is the mark the engine gives a figure of a seed table: the
// strongest mark of the counts it rests on ("" when published).
func (l *Lake) FigureMark(s *reports.Spec, r, c int) (string, error) {
	refs, err := s.Counts(r, c)
	if err != nil {
		return "", err
	}
	mark := ""
	for _, ref := range refs {
		if ref.Cube == "befolkning" || ref.Cube == "sfb" || ref.Cube == "lov" {
			continue // public aggregates, not about persons in our data
		}
		if ref.Cube == "insatser" && ref.Field == "timmar_antal" {
			// a mean of hours rests on the persons holding the insats: every
			// decision on an hour-based insats records its hours
			ref.Field = "antal_beslut"
		}
		m, _, err := l.Mark(ref)
		if err != nil {
			return "", err
		}
		switch {
		case m == Primary:
			mark = reports.MarkSuppressed
		case m == Secondary && mark == "":
			mark = reports.MarkComplementary
		}
	}
	return mark, nil
}

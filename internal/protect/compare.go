package protect

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/reports"
)

// Lake is the protected structures and patterns of one lake version.
type Lake struct {
	Structures []*Protected
	Patterns   []*Pattern
	Audits     []*AuditResult // after Audit or AuditExact: the last audit of each pattern
	// Geography names the nämnd codes of the structures ("" or
	// dataset.DefaultGeography: Stockholm's).
	Geography string
	// Method is how the patterns were computed: MethodCertified ("" reads
	// as it) or MethodGauss. MarshalPatterns records it.
	Method string
	// Linked names the systems of linked structures the patterns were
	// protected as (Linked() when ProtectLake computed them; none when the
	// structures were protected apart). MarshalPatterns records it, so a
	// reader can tell a pattern computed without this build's links.
	Linked []string
}

// ProtectLake builds every structure over the nämnd codes of geo and
// protects it with ProtectCertified under its cube's rules (Rules.For);
// structures the links join (links.go) are protected as one system, so
// every certificate keeps the links too. The systems run on every core,
// largest first.
func ProtectLake(src cube.Source, geo dataset.Geography, r Rules) (*Lake, error) {
	ps, err := BuildAllIn(src, geo)
	if err != nil {
		return nil, err
	}
	markPrinted(ps)
	systems, err := joinSystems(ps)
	if err != nil {
		return nil, err
	}
	l := &Lake{Structures: ps, Patterns: make([]*Pattern, len(ps)), Geography: geo.Name, Method: MethodCertified, Linked: Linked()}
	atoms := func(sys *system) int {
		n := 0
		for _, i := range sys.parts {
			n += len(ps[i].Structure.Atoms)
		}
		return n
	}
	slices.SortStableFunc(systems, func(a, b *system) int { return atoms(b) - atoms(a) })
	err = onEveryCore(len(systems), func(k int) error {
		sys := systems[k]
		first := ps[sys.parts[0]]
		if sys.s == nil {
			var err error
			if l.Patterns[sys.parts[0]], err = ProtectCertified(first.Structure, first.Hier, r.For(first.Cube), certifiedRounds); err != nil {
				return fmt.Errorf("%s %s: %w", first.Name, first.Period, err)
			}
			return nil
		}
		p, _, err := protectCertifiedRels(sys.s, sys.rels, sys.rules(ps, r), certifiedRounds)
		if err != nil {
			return fmt.Errorf("%s %s: %w", sys.s.Dataset, first.Period, err)
		}
		for k, q := range sys.split(p, func(k int) int { return len(ps[sys.parts[k]].Structure.Cells) }) {
			l.Patterns[sys.parts[k]] = q
		}
		return nil
	})
	return l, err
}

// ProtectLakeGauss is ProtectLake with Protect (the Gauss pass and relation
// widening) instead of the certified loop: not proven safe, a baseline for
// benchmarks. Its Method is MethodGauss.
func ProtectLakeGauss(src cube.Source, geo dataset.Geography, r Rules) (*Lake, error) {
	return protectLake(src, geo, MethodGauss, func(p *Protected) (*Pattern, error) {
		return Protect(p.Structure, p.Hier, r.For(p.Cube)), nil
	})
}

// protectLake builds every structure and protects it with protect, the
// structures on every core, largest first so that a year of insatser does
// not start last.
func protectLake(src cube.Source, geo dataset.Geography, method string, protect func(*Protected) (*Pattern, error)) (*Lake, error) {
	ps, err := BuildAllIn(src, geo)
	if err != nil {
		return nil, err
	}
	l := &Lake{Structures: ps, Patterns: make([]*Pattern, len(ps)), Geography: geo.Name, Method: method}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(ps[b].Structure.Atoms) - len(ps[a].Structure.Atoms) })
	err = onEveryCore(len(ps), func(k int) error {
		p := ps[order[k]]
		var err error
		if l.Patterns[order[k]], err = protect(p); err != nil {
			return fmt.Errorf("%s %s: %w", p.Name, p.Period, err)
		}
		return nil
	})
	return l, err
}

// certifiedRounds bounds the certificate-guided loop; the sample lake needs
// at most 8.
const certifiedRounds = 30

// Audit runs the attacker audit (HiGHS, Audit: neighbourhoods first) on
// every pattern of the lake, with one marker for all suppressed cells, and
// keeps the results in l.Audits.
func (l *Lake) Audit(r Rules) error { return l.audit(r, Audit) }

// AuditExact is Audit with AuditExact: every interval the attacker's own,
// every cell's programs over its whole structure (minutes for the sample
// lake, where Audit takes about a second).
func (l *Lake) AuditExact(r Rules) error { return l.audit(r, AuditExact) }

// audit audits every system of the lake (structures the links join are
// audited as one, with the links among the attacker's constraints) and
// gives each structure its part of the result.
func (l *Lake) audit(r Rules, audit func(*Structure, *Pattern, int, float64, Marks) (*AuditResult, error)) error {
	systems, err := joinSystems(l.Structures)
	if err != nil {
		return err
	}
	l.Audits = make([]*AuditResult, len(l.Structures))
	return onEveryCore(len(systems), func(k int) error {
		sys := systems[k]
		first := l.Structures[sys.parts[0]]
		rc := r.For(first.Cube)
		if sys.s == nil {
			var err error
			if l.Audits[sys.parts[0]], err = audit(first.Structure, l.Patterns[sys.parts[0]], rc.threshold(), rc.protectionLevel(), OneMark); err != nil {
				return fmt.Errorf("%s %s: %w", first.Name, first.Period, err)
			}
			return nil
		}
		res, err := audit(sys.s, sys.joinPatterns(l.Patterns), rc.threshold(), rc.protectionLevel(), OneMark)
		if err != nil {
			return fmt.Errorf("%s %s: %w", sys.s.Dataset, first.Period, err)
		}
		for k, part := range sys.splitAudit(res) {
			l.Audits[sys.parts[k]] = part
		}
		return nil
	})
}

// onEveryCore runs fn(0..n-1) on GOMAXPROCS goroutines and joins the errors.
func onEveryCore(n int, fn func(i int) error) error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
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

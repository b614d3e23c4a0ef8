package protect

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
)

//go:embed highs/interval.py
var intervalScript []byte

// Python is the interpreter with Debian's python3-scipy (HiGHS) that the
// audit runs; INSYN_PYTHON overrides it.
func Python() string {
	if p := os.Getenv("INSYN_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

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
// published cell, the non-negativity of the atoms and the marks' bounds.
type Interval struct {
	Cell      int
	Lo, Hi    float64
	Unbounded bool // no upper bound
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
func Audit(s *Structure, p *Pattern, threshold int, protection float64, marks Marks) (*AuditResult, error) {
	fixed := make([]bool, len(s.Atoms))
	for i, c := range s.Cells {
		if p.Marks[i] == Published && c.Value == 0 {
			for _, a := range c.Atoms {
				fixed[a] = true
			}
		}
	}
	varOf := make([]int, len(s.Atoms))
	n := 0
	for a := range s.Atoms {
		varOf[a] = -1
		if !fixed[a] {
			varOf[a] = n
			n++
		}
	}
	vars := func(c Cell) []int {
		var out []int
		for _, a := range c.Atoms {
			if v := varOf[a]; v >= 0 {
				out = append(out, v)
			}
		}
		return out
	}
	type problem struct {
		N       int     `json:"n"`
		Eq      [][]any `json:"eq"`
		Range   [][]any `json:"range"`
		Targets [][]int `json:"targets"`
	}
	pr := problem{N: n, Eq: [][]any{}, Range: [][]any{}, Targets: [][]int{}}
	var cells []int
	for i, c := range s.Cells {
		v := vars(c)
		switch p.Marks[i] {
		case Published:
			if c.Value != 0 {
				pr.Eq = append(pr.Eq, []any{v, c.Value})
			}
		case Primary:
			if marks == Distinct {
				pr.Range = append(pr.Range, []any{v, 1, threshold - 1})
			} else {
				pr.Range = append(pr.Range, []any{v, 1, nil})
			}
			pr.Targets = append(pr.Targets, v)
			cells = append(cells, i)
		case Secondary:
			if marks == Distinct {
				pr.Range = append(pr.Range, []any{v, threshold, nil})
			} else {
				pr.Range = append(pr.Range, []any{v, 1, nil})
			}
			pr.Targets = append(pr.Targets, v)
			cells = append(cells, i)
		}
	}
	res := &AuditResult{}
	if len(cells) == 0 {
		return res, nil
	}
	// the targets split over one HiGHS process per core (the programs are
	// independent; each process reads the whole structure)
	all := pr.Targets
	parts := min(runtime.GOMAXPROCS(0), len(all))
	intervals := make([][][]*float64, parts)
	err := onEveryCore(parts, func(k int) error {
		chunk := pr
		chunk.Targets = all[k*len(all)/parts : (k+1)*len(all)/parts]
		in, err := json.Marshal(chunk)
		if err != nil {
			return err
		}
		intervals[k], err = solveIntervals(s.Dataset, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	answer := slices.Concat(intervals...)
	if len(answer) != len(cells) {
		return nil, fmt.Errorf("audit of %s: %d intervals for %d cells", s.Dataset, len(answer), len(cells))
	}
	for k, iv := range answer {
		i := cells[k]
		r := Interval{Cell: i, Lo: *iv[0]}
		if iv[1] == nil {
			r.Unbounded = true
		} else {
			r.Hi = *iv[1]
		}
		res.Intervals = append(res.Intervals, r)
		c := s.Cells[i]
		switch {
		case r.Width() < 1e-6:
			res.Failures = append(res.Failures, fmt.Sprintf("%s (mark %d, value %v) is disclosed exactly: %v", c.Key, p.Marks[i], c.Value, r.Lo))
		case p.Marks[i] == Primary && r.Width() < protection-1e-6:
			res.Failures = append(res.Failures, fmt.Sprintf("%s (value %v) lies in [%.2f, %.2f], narrower than %v", c.Key, c.Value, r.Lo, r.Hi, protection))
		}
	}
	return res, nil
}

// solveIntervals runs highs/interval.py on one problem (JSON) and returns
// its intervals.
func solveIntervals(dataset string, in []byte) ([][]*float64, error) {
	dir, err := os.MkdirTemp("", "insyn-audit")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "interval.py")
	if err := os.WriteFile(script, intervalScript, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(Python(), script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %s %s: %v: %s (install Debian's python3-scipy: bash infra/tools.sh)", dataset, Python(), script, err, stderr.String())
	}
	var answer struct {
		Intervals [][]*float64 `json:"intervals"`
		Error     string       `json:"error"`
	}
	if err := json.Unmarshal(out, &answer); err != nil {
		return nil, fmt.Errorf("audit of %s: %w: %s", dataset, err, out)
	}
	if answer.Error != "" {
		return nil, fmt.Errorf("audit of %s: the published values and marks are inconsistent: %s", dataset, answer.Error)
	}
	return answer.Intervals, nil
}

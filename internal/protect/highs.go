package protect

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
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

// lpProblem is a linear program for highs/interval.py: variables x >= 0,
// rows lo <= sum of their variables <= hi (each coefficient 1, or a link's
// from Coefs), and the sums whose minimum and maximum are wanted.
type lpProblem struct {
	N         int
	Rows      [][]int32
	Coefs     [][]float64 // nil, or per row nil (every coefficient 1) or one per variable
	Lo, Hi    []float64   // math.Inf(-1) / math.Inf(1): no bound
	Targets   [][]int32
	Sense     string // "min", "max" or "both" ("" reads as it)
	Solutions bool   // answer each optimum's solution and row duals too
}

// lpInterval is what HiGHS answers for one target: what the problem's
// Sense asked for.
type lpInterval struct {
	Lo        *float64 `json:"lo"`
	Hi        *float64 `json:"hi"`
	Unbounded bool     `json:"unbounded"` // no maximum
	// solutions at the minimum and the maximum, per variable
	LoX []float64 `json:"lo_x"`
	HiX []float64 `json:"hi_x"`
	// the non-zero row duals y of the minimisation of the target (LoDuals)
	// and of its negative (HiDuals), as (row, y): a variable's reduced cost
	// is its objective coefficient less the sum of y over its rows
	LoDuals [][2]float64 `json:"lo_duals"`
	HiDuals [][2]float64 `json:"hi_duals"`
}

// highsPool is the HiGHS processes of this program: at most GOMAXPROCS run
// at once, each a long-lived python reading problems from its standard
// input, so python's start and scipy's import (about a quarter of a second
// of CPU) are paid once per process, not per structure. A process idle for
// highsIdle ends.
type highsPool struct {
	solved atomic.Int64 // problems answered, for benchmarks
	slots  chan struct{}
	mu     sync.Mutex
	idle   []*highsWorker
}

const highsIdle = 20 * time.Second

var highs = &highsPool{slots: make(chan struct{}, runtime.GOMAXPROCS(0))}

type highsWorker struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr tail
	timer  *time.Timer
	broken bool // stopped answering: closed, not reused
}

// tail keeps the last 4 KiB written to it: a worker's error output, for
// the message when it stops answering.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if n := len(t.b); n > 4096 {
		t.b = append(t.b[:0], t.b[n-4096:]...)
	}
	return len(p), nil
}

// solve runs one problem on an idle worker (starting one if none is idle).
func (p *highsPool) solve(pr *lpProblem) ([]lpInterval, error) {
	p.slots <- struct{}{}
	defer func() { <-p.slots }()
	w, err := p.take()
	if err != nil {
		return nil, err
	}
	out, err := w.solve(pr)
	p.solved.Add(1)
	if w.broken {
		w.close()
	} else {
		p.give(w)
	}
	return out, err
}

func (p *highsPool) take() (*highsWorker, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.timer.Stop()
		return w, nil
	}
	p.mu.Unlock()
	return startHighs()
}

func (p *highsPool) give(w *highsWorker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, w)
	if w.timer == nil {
		w.timer = time.AfterFunc(highsIdle, func() { p.retire(w) })
	} else {
		w.timer.Reset(highsIdle)
	}
}

// retire ends w if it is still idle (take may have just handed it out).
func (p *highsPool) retire(w *highsWorker) {
	p.mu.Lock()
	i := slices.Index(p.idle, w)
	if i >= 0 {
		p.idle = slices.Delete(p.idle, i, i+1)
	}
	p.mu.Unlock()
	if i >= 0 {
		w.close()
	}
}

// startHighs starts a worker: python with highs/interval.py as its
// program (-c: no file to leave behind when this process ends without
// retiring its workers, whose input then ends and so do they).
func startHighs() (*highsWorker, error) {
	w := &highsWorker{cmd: exec.Command(Python(), "-c", string(intervalScript))}
	w.cmd.Stderr = &w.stderr
	var err error
	if w.in, err = w.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.out = bufio.NewReaderSize(out, 1<<16)
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w (install Debian's python3-scipy: bash infra/tools.sh)", Python(), err)
	}
	return w, nil
}

func (w *highsWorker) close() {
	if !w.broken {
		w.in.Close()
		w.cmd.Wait()
	}
}

// solve writes one problem and reads its answer.
func (w *highsWorker) solve(pr *lpProblem) ([]lpInterval, error) {
	if _, err := w.in.Write(pr.appendJSON(nil)); err != nil {
		return nil, w.failed(err)
	}
	line, err := w.out.ReadBytes('\n')
	if err != nil {
		return nil, w.failed(err)
	}
	var answer struct {
		Intervals []lpInterval `json:"intervals"`
		Error     string       `json:"error"`
	}
	if err := json.Unmarshal(line, &answer); err != nil {
		w.broken = true
		return nil, fmt.Errorf("HiGHS answered %q: %w", line, err)
	}
	if answer.Error != "" {
		return nil, fmt.Errorf("the published values and marks are inconsistent: %s", answer.Error)
	}
	if len(answer.Intervals) != len(pr.Targets) {
		w.broken = true
		return nil, fmt.Errorf("HiGHS answered %d intervals for %d targets", len(answer.Intervals), len(pr.Targets))
	}
	for i, iv := range answer.Intervals {
		if (pr.Sense != "max" && iv.Lo == nil) || (pr.Sense != "min" && iv.Hi == nil && !iv.Unbounded) {
			return nil, fmt.Errorf("HiGHS answered %s for target %d, asked for %q", line, i, pr.Sense)
		}
	}
	return answer.Intervals, nil
}

// failed says why a worker stopped answering (python's own error output).
func (w *highsWorker) failed(err error) error {
	w.broken = true
	w.in.Close()
	w.cmd.Wait()
	return fmt.Errorf("%s -c highs/interval.py: %v: %s (install Debian's python3-scipy: bash infra/tools.sh)",
		Python(), err, w.stderr.b)
}

// appendJSON appends the problem as one line of highs/interval.py's input,
// the matrix by columns.
func (pr *lpProblem) appendJSON(b []byte) []byte {
	count := make([]int32, pr.N+1)
	for _, r := range pr.Rows {
		for _, v := range r {
			count[v+1]++
		}
	}
	for j := 1; j <= pr.N; j++ {
		count[j] += count[j-1]
	}
	idx := make([]int32, count[pr.N])
	var val []float64
	if pr.Coefs != nil {
		val = make([]float64, count[pr.N])
	}
	at := slices.Clone(count[:pr.N])
	for i, r := range pr.Rows {
		for j, v := range r {
			idx[at[v]] = int32(i)
			if val != nil {
				val[at[v]] = 1
				if pr.Coefs[i] != nil {
					val[at[v]] = pr.Coefs[i][j]
				}
			}
			at[v]++
		}
	}
	b = fmt.Appendf(b, `{"n":%d,"ptr":`, pr.N)
	b = appendInts(b, count)
	b = append(b, `,"idx":`...)
	b = appendInts(b, idx)
	if val != nil {
		b = append(b, `,"val":`...)
		b = appendBounds(b, val)
	}
	b = append(b, `,"lo":`...)
	b = appendBounds(b, pr.Lo)
	b = append(b, `,"hi":`...)
	b = appendBounds(b, pr.Hi)
	b = append(b, `,"targets":[`...)
	for i, t := range pr.Targets {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendInts(b, t)
	}
	b = append(b, ']')
	if pr.Sense != "" {
		b = fmt.Appendf(b, `,"sense":%q`, pr.Sense)
	}
	if pr.Solutions {
		b = append(b, `,"solutions":true`...)
	}
	return append(b, "}\n"...)
}

func appendInts(b []byte, xs []int32) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, ']')
}

func appendBounds(b []byte, xs []float64) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsInf(x, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
		}
	}
	return append(b, ']')
}

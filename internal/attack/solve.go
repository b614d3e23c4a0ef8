package attack

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed lp.py
var lpScript string

// Python is the interpreter with Debian's python3-scipy; INSYN_PYTHON
// overrides it.
func Python() string {
	if p := os.Getenv("INSYN_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// lpWorker is one python process running lp.py.
type lpWorker struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr strings.Builder
}

func startWorker() (*lpWorker, error) {
	w := &lpWorker{cmd: exec.Command(Python(), "-c", lpScript)}
	w.cmd.Stderr = &w.stderr
	endWithParent(w.cmd)
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

func (w *lpWorker) close() {
	w.in.Close()
	w.cmd.Wait()
}

// lpInterval is what lp.py answers for one target.
type lpInterval struct {
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
	Solved    bool    `json:"solved"`
	Unbounded bool    `json:"unbounded"`
}

// solve sends one component's program and reads its intervals.
func (w *lpWorker) solve(c *component, need float64, exact bool) ([]lpInterval, error) {
	b := c.appendJSON(nil, need, exact)
	if _, err := w.in.Write(b); err != nil {
		return nil, fmt.Errorf("lp.py: %w: %s", err, w.stderr.String())
	}
	line, err := w.out.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("lp.py stopped: %w: %s (install Debian's python3-scipy: bash infra/tools.sh)", err, w.stderr.String())
	}
	var a struct {
		Intervals []lpInterval `json:"intervals"`
		Error     string       `json:"error"`
	}
	if err := json.Unmarshal(line, &a); err != nil {
		return nil, fmt.Errorf("lp.py answered %q: %w", line, err)
	}
	if a.Error != "" {
		return nil, fmt.Errorf("lp.py: %s", a.Error)
	}
	if len(a.Intervals) != len(c.targets) {
		return nil, fmt.Errorf("lp.py answered %d intervals for %d targets", len(a.Intervals), len(c.targets))
	}
	return a.Intervals, nil
}

// appendJSON appends the component's program as one line of lp.py's
// input.
func (c *component) appendJSON(b []byte, need float64, exact bool) []byte {
	b = fmt.Appendf(b, `{"n":%d,"ptr":[0`, c.n)
	nnz := 0
	for _, r := range c.rows {
		nnz += len(r.vars)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(nnz), 10)
	}
	b = append(b, `],"idx":[`...)
	first := true
	for _, r := range c.rows {
		for _, v := range r.vars {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = strconv.AppendInt(b, int64(v), 10)
		}
	}
	b = append(b, `],"val":[`...)
	first = true
	for _, r := range c.rows {
		for _, x := range r.coef {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
		}
	}
	bound := func(key string, get func(crow) float64) {
		b = append(b, `],"`+key+`":[`...)
		for i, r := range c.rows {
			if i > 0 {
				b = append(b, ',')
			}
			if x := get(r); math.IsInf(x, 0) {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendFloat(b, x, 'g', -1, 64)
			}
		}
	}
	bound("lo", func(r crow) float64 { return r.lo })
	bound("hi", func(r crow) float64 { return r.hi })
	b = append(b, `],"targets":[`...)
	for i, t := range c.targets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range t {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(v), 10)
		}
		b = append(b, ']')
	}
	return fmt.Appendf(b, `],"need":%g,"exact":%t}`+"\n", need, exact)
}

// component is one independent linear program: classes of unknowns
// 0..n-1, its rows, and its targets (each a sum of classes).
type component struct {
	n       int
	rows    []crow
	targets [][]int32
	owners  [][]int // per target, the model's targets it stands for
}

// reduced is the model after reduction: its independent programs.
type reduced struct {
	components []*component
	zero       []int // model targets whose unknowns are all fixed at 0
	vars       int   // unknowns left free
	classes    int
}

// crow is a row over a component's classes.
type crow struct {
	vars   []int32
	coef   []float64
	lo, hi float64
	why    string
}

// reduce fixes the unknowns published zeros pin, merges the unknowns no
// row tells apart (a program sees only their sum, which takes any value
// their parts can), and splits the rest into connected components.
func reduce(m *model) (*reduced, error) {
	fixed := make([]bool, m.nVars)
	// pin: a row whose unknowns not yet pinned all have positive
	// coefficients and whose upper bound is 0 pins them at 0. A published
	// zero (every coefficient positive) does so once and for all, and is
	// then left out; a link does so once some of its unknowns are pinned,
	// so the links are read again until nothing changes
	done := make([]bool, len(m.rows))
	var links []int
	for i := range m.rows {
		r := &m.rows[i]
		if r.hi > 1e-9 {
			continue
		}
		if !slices.ContainsFunc(r.terms, func(t term) bool { return t.coef <= 0 }) {
			r.each(func(v int32, _ float64, _ int) { fixed[v] = true })
			done[i] = true
			continue
		}
		links = append(links, i)
	}
	for changed := true; changed; {
		changed = false
		for _, i := range links {
			r := &m.rows[i]
			pos := true
			r.each(func(v int32, c float64, _ int) {
				if !fixed[v] && c <= 0 {
					pos = false
				}
			})
			if !pos {
				continue
			}
			r.each(func(v int32, _ float64, _ int) {
				if !fixed[v] {
					fixed[v], changed = true, true
				}
			})
		}
	}
	// classes: unknowns with the same rows and coefficients, by two
	// hashes of the sequence of (row, coefficient) each is in
	h1, h2 := make([]uint64, m.nVars), make([]uint64, m.nVars)
	for i := range m.rows {
		if done[i] {
			continue
		}
		r := &m.rows[i]
		r.each(func(v int32, c float64, _ int) {
			if fixed[v] {
				return
			}
			x := uint64(i+1)*0x9e3779b97f4a7c15 ^ math.Float64bits(c)
			h1[v] = (h1[v]^x)*0x100000001b3 + 0x632be59bd9b4e019
			h2[v] = (h2[v]+x*0xbf58476d1ce4e5b9)*0x94d049bb133111eb ^ (h2[v] >> 29)
		})
	}
	red := &reduced{}
	classOf := make([]int32, m.nVars)
	bySig := map[[2]uint64]int32{}
	n := int32(0)
	for v := range classOf {
		classOf[v] = -1
		if fixed[v] || (h1[v] == 0 && h2[v] == 0) {
			continue
		}
		red.vars++
		k := [2]uint64{h1[v], h2[v]}
		c, ok := bySig[k]
		if !ok {
			c = n
			n++
			bySig[k] = c
		}
		classOf[v] = c
	}
	red.classes = int(n)
	// a sum over classes: each class's coefficient (the same for all its
	// unknowns), summed over the terms
	acc := make([]float64, n)
	stamp := make([]int32, n)
	for i := range stamp {
		stamp[i] = -1
	}
	call := int32(0)
	toClasses := func(each func(fn func(v int32, c float64, term int))) ([]int32, []float64) {
		call++
		var cv []int32
		// a class's unknowns are in the same terms: take each term's
		// coefficient once per class
		seen := map[[2]int32]bool{}
		each(func(v int32, c float64, term int) {
			k := classOf[v]
			if k < 0 || seen[[2]int32{k, int32(term)}] {
				return
			}
			seen[[2]int32{k, int32(term)}] = true
			if stamp[k] != call {
				stamp[k] = call
				acc[k] = 0
				cv = append(cv, k)
			}
			acc[k] += c
		})
		slices.Sort(cv)
		var out []int32
		var cc []float64
		for _, k := range cv {
			if math.Abs(acc[k]) > 1e-12 {
				out = append(out, k)
				cc = append(cc, acc[k])
			}
		}
		return out, cc
	}
	// rows over classes, once each (bounds intersected)
	byRow := map[string]int{}
	var crows []crow
	for i := range m.rows {
		if done[i] {
			continue
		}
		r := &m.rows[i]
		cv, cc := toClasses(r.each)
		if len(cv) == 0 {
			if r.lo > 1e-6 || r.hi < -1e-6 {
				return nil, fmt.Errorf("the published figures contradict the attacker's knowledge: %s is 0 by published zeros, but lies in [%g, %g]", r.why, r.lo, r.hi)
			}
			continue
		}
		k := rowKey(cv, cc)
		if j, ok := byRow[k]; ok {
			crows[j].lo = math.Max(crows[j].lo, r.lo)
			crows[j].hi = math.Min(crows[j].hi, r.hi)
			continue
		}
		byRow[k] = len(crows)
		crows = append(crows, crow{vars: cv, coef: cc, lo: r.lo, hi: r.hi, why: r.why})
	}
	// components
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, r := range crows {
		for _, v := range r.vars[1:] {
			a, b := find(r.vars[0]), find(v)
			if a != b {
				parent[a] = b
			}
		}
	}
	comp := map[int32]*component{}
	local := make([]int32, n)
	var order []int32
	for c := int32(0); c < n; c++ {
		root := find(c)
		k, ok := comp[root]
		if !ok {
			k = &component{}
			comp[root] = k
			order = append(order, root)
		}
		local[c] = int32(k.n)
		k.n++
	}
	for _, r := range crows {
		k := comp[find(r.vars[0])]
		lv := make([]int32, len(r.vars))
		for i, v := range r.vars {
			lv[i] = local[v]
		}
		k.rows = append(k.rows, crow{vars: lv, coef: r.coef, lo: r.lo, hi: r.hi, why: r.why})
	}
	byTarget := map[string]int{}
	for ti, t := range m.targets {
		cv, _ := toClasses(func(fn func(v int32, c float64, term int)) { t.t.each(func(v int32) { fn(v, 1, 0) }) })
		if len(cv) == 0 {
			red.zero = append(red.zero, ti)
			continue
		}
		root := find(cv[0])
		k := comp[root]
		key := rowKey(cv, nil)
		if at, ok := byTarget[key]; ok {
			k.owners[at] = append(k.owners[at], ti)
			continue
		}
		lv := make([]int32, len(cv))
		for i, v := range cv {
			if find(v) != root {
				return nil, fmt.Errorf("target %s spans two components", t.fig.key())
			}
			lv[i] = local[v]
		}
		byTarget[key] = len(k.targets)
		k.targets = append(k.targets, lv)
		k.owners = append(k.owners, []int{ti})
	}
	for _, root := range order {
		if k := comp[root]; len(k.targets) > 0 {
			red.components = append(red.components, k)
		}
	}
	// the largest programs first, so that two workers end together
	slices.SortStableFunc(red.components, func(a, b *component) int { return b.n*len(b.targets) - a.n*len(a.targets) })
	return red, nil
}

func rowKey(vars []int32, coef []float64) string {
	var b []byte
	for i, v := range vars {
		b = strconv.AppendInt(b, int64(v), 36)
		if coef != nil {
			b = append(b, ':')
			b = strconv.AppendFloat(b, coef[i], 'g', -1, 64)
		}
		b = append(b, ' ')
	}
	return string(b)
}

// solveAll solves every component on workers processes and returns each
// model target's interval.
func solveAll(m *model, red *reduced, workers int, need float64, exact bool) ([]lpInterval, error) {
	out := make([]lpInterval, len(m.targets))
	for _, ti := range red.zero {
		out[ti] = lpInterval{Solved: true}
	}
	jobs := make(chan *component)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := startWorker()
			if err != nil {
				mu.Lock()
				first = err
				mu.Unlock()
				for range jobs {
				}
				return
			}
			defer w.close()
			for k := range jobs {
				ivs, err := w.solve(k, need, exact)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				for i, iv := range ivs {
					for _, ti := range k.owners[i] {
						out[ti] = iv
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, k := range red.components {
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	return out, first
}

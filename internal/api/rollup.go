package api

import (
	"maps"
	"math"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
)

// Roll-ups. A table sums the rows of a cube's index that its periods,
// filters and groups select; a national year of insatser is 139 000 rows,
// and a table by kommun × kön needs only their sums by kommun and kön
// (580 rows). A roll-up is a cube's index (a year of the cube) summed onto
// some of its dimensions, period by period, laid out as an index itself,
// so the table's one pass (plan.accumulateRows) runs over it unchanged.
//
// The figures are the scan's: a roll-up is used only for fields that are
// exact (cubeIndex.exact: integers whose magnitudes sum to less than 2⁵³),
// whose sums are the same float in any order and however they are
// grouped; a table of a field that is not exact is summed from the cube's
// own index, in the cube's order, as before. (Every measure of the
// national benchmark lake is exact, hours included.)
//
// Which roll-ups: the lattice of a cube's dimension sets. When an index is
// first built, the roll-ups onto every set of at most two of its
// dimensions (beyond the period's, which every roll-up keeps), and onto
// all of them but the one with the most codes, are queued; a table whose
// dimensions have no roll-up of their own queues one onto exactly them.
// Each is built from the smallest index already built that keeps its
// dimensions, in the background, one at a time per version, after the
// answer that queued it is written: the first request of a cold instance
// pays nothing for them, and until a roll-up is ready its tables are
// summed from the next larger one, or from the cube's own index.
//
// What is kept: a roll-up with more than three quarters of the rows of
// the index it was built from saves too little and is dropped (the larger
// one answers its tables: a roll-up onto insats alone has the rows of one
// onto lagrum and insats), as is one that does not fit the version's
// memory budget (LakeOptions.RollupBytes). A table uses the roll-up with
// the fewest rows that keeps every dimension it groups or filters by.

// DefaultRollupBytes is the memory the roll-ups of a lake version may take
// (LakeOptions.RollupBytes). On the national benchmark lake those of the
// years the benchmark's query mix reads take 3.8 MiB, those of every year
// of every dataset 4.5 MiB (205 roll-ups; one of kommun × insats of a year
// is 5 325 rows, 250 KiB with its row lists); the rest is for the roll-ups
// tables of more dimensions ask for.
const DefaultRollupBytes = 32 << 20

// rollupWork builds the roll-ups a version's tables queue, one at a time,
// in a goroutine started after an answer is written, within a budget of
// bytes for the whole version.
type rollupWork struct {
	limit int64 // bytes; 0: no roll-up is kept

	mu      sync.Mutex
	idle    sync.Cond // signalled when the queue is done
	queue   []rollupJob
	running bool
	used    int64 // bytes of the roll-ups kept
	refused int   // roll-ups not kept for the budget
}

type rollupJob struct {
	r   *rollups
	set uint64
}

func newRollupWork(limit int64) *rollupWork {
	w := &rollupWork{limit: max(limit, 0)}
	w.idle.L = &w.mu
	return w
}

// start builds the queued roll-ups in the background unless that is
// under way.
func (w *rollupWork) start() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running || len(w.queue) == 0 {
		return
	}
	w.running = true
	go w.run()
}

func (w *rollupWork) run() {
	w.mu.Lock()
	for len(w.queue) > 0 {
		job := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()
		job.r.build(job.set)
		w.mu.Lock()
	}
	w.running = false
	w.idle.Broadcast()
	w.mu.Unlock()
}

// wait starts the queued roll-ups and returns when every one queued is
// built or dropped (for tests and benchmarks: what a warm instance has
// after its first requests).
func (w *rollupWork) wait() {
	if w == nil {
		return
	}
	w.start()
	w.mu.Lock()
	for w.running || len(w.queue) > 0 {
		w.idle.Wait()
	}
	w.mu.Unlock()
}

// reserve takes n bytes of the budget, if they are left.
func (w *rollupWork) reserve(n int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.used+n > w.limit {
		w.refused++
		return false
	}
	w.used += n
	return true
}

// rollups are the roll-ups of one cube's index.
type rollups struct {
	base *cubeIndex
	// period is the dimensions of the period (ar, and kvartal in a
	// quarterly index), kept in every roll-up so that its rows are
	// ranged by period as the base's are.
	period uint64
	work   *rollupWork

	mu    sync.Mutex // held to change state
	state atomic.Pointer[rollupState]
}

// rollupState is what a table reads of the roll-ups, never changed once
// stored: the roll-ups built, fewest rows first, and the sets asked for
// (queued, built, or dropped).
type rollupState struct {
	ready []*cubeIndex
	asked map[uint64]bool
}

// newRollups queues x's first roll-ups on w: onto every set of at most two
// dimensions and onto all but the one with the most codes, largest first,
// so that the smaller are built from them.
func newRollups(x *cubeIndex, quarterly bool, w *rollupWork) *rollups {
	r := &rollups{base: x, work: w}
	var dims []int // the dimensions beyond the period's
	for d, name := range x.dims {
		if name == "ar" || (quarterly && name == "kvartal") {
			r.period |= 1 << d
		} else {
			dims = append(dims, d)
		}
	}
	r.state.Store(&rollupState{asked: map[uint64]bool{x.set: true}})
	if w == nil || w.limit == 0 {
		return r
	}
	var sets []uint64
	if len(dims) > 3 {
		widest := slices.MaxFunc(dims, func(a, b int) int { return len(x.codes[a]) - len(x.codes[b]) })
		sets = append(sets, x.set&^(1<<widest))
	}
	for i, a := range dims {
		for _, b := range dims[i+1:] {
			sets = append(sets, r.period|1<<a|1<<b)
		}
	}
	for _, a := range dims {
		sets = append(sets, r.period|1<<a)
	}
	sets = append(sets, r.period)
	for _, set := range sets {
		r.want(set)
	}
	return r
}

// use returns the index with the fewest rows that keeps every dimension
// of need (bits of the cube's dimensions), and queues a roll-up onto
// need when none was asked for.
func (r *rollups) use(need uint64) *cubeIndex {
	need |= r.period
	s := r.state.Load()
	if !s.asked[need] {
		r.want(need)
	}
	for _, x := range s.ready {
		if x.set&need == need {
			return x
		}
	}
	return r.base
}

// want queues a roll-up onto set unless it was asked for before.
func (r *rollups) want(set uint64) {
	if r.work == nil || r.work.limit == 0 {
		return
	}
	r.mu.Lock()
	s := r.state.Load()
	if s.asked[set] {
		r.mu.Unlock()
		return
	}
	next := &rollupState{ready: s.ready, asked: maps.Clone(s.asked)}
	next.asked[set] = true
	r.state.Store(next)
	r.mu.Unlock()
	r.work.mu.Lock()
	r.work.queue = append(r.work.queue, rollupJob{r, set})
	r.work.mu.Unlock()
}

// build makes the roll-up onto set from the smallest index that keeps its
// dimensions, and keeps it if it saves enough and fits the budget.
func (r *rollups) build(set uint64) {
	from := r.base
	for _, x := range r.state.Load().ready {
		if x.set&set == set {
			from = x
			break
		}
	}
	if from.set == set {
		return
	}
	x := from.rollUp(set)
	if 4*x.rows > 3*from.rows || !r.work.reserve(x.bytes()) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.state.Load()
	next := &rollupState{ready: slices.Clone(s.ready), asked: s.asked}
	i, _ := slices.BinarySearchFunc(next.ready, x.rows, func(y *cubeIndex, rows int) int { return y.rows - rows })
	next.ready = slices.Insert(next.ready, i, x)
	r.state.Store(next)
}

// bytes is about the memory of a roll-up's columns and row lists.
func (x *cubeIndex) bytes() int64 {
	n := int64(2*len(x.col)) * int64(x.rows)
	for _, v := range x.val {
		n += int64(8 * len(v))
	}
	for _, lists := range x.rowsOf {
		for _, rs := range lists {
			n += int64(16*len(rs)) + 24
		}
	}
	return n + 64*int64(len(x.dims)+len(x.measures)+len(x.periods))
}

// denseKeys bounds the table of a roll-up's row by its codes' key; beyond
// it (many dimensions of many codes) a map is used.
const denseKeys = 1 << 20

// rollUp sums x's rows onto the dimensions of set (bits of the cube's
// dimensions; x keeps every one of them), period by period: one row per
// period and combination of codes that has rows in x, in the order of
// their first row. Measures that are not exact are left out (nil).
func (x *cubeIndex) rollUp(set uint64) *cubeIndex {
	out := &cubeIndex{cube: x.cube, measures: x.measures, exact: x.exact, periods: map[string][]rowRange{}, set: set, lists: x.lists}
	var keep []int // x's dimensions kept
	keys := uint64(1)
	for d, b := range x.baseDim {
		if set&(1<<b) == 0 {
			continue
		}
		keep = append(keep, d)
		out.dims = append(out.dims, x.dims[d])
		out.ids = append(out.ids, x.ids[d])
		out.codes = append(out.codes, x.codes[d])
		out.baseDim = append(out.baseDim, b)
		if hi, lo := bits.Mul64(keys, uint64(max(len(x.codes[d]), 1))); hi == 0 {
			keys = lo
		} else {
			keys = math.MaxUint64
		}
	}
	col := make([][]uint16, len(keep))
	val := make([][]float64, len(x.measures))
	var dense []int32
	var sparse map[uint64]int32
	if keys <= denseKeys {
		dense = make([]int32, keys)
	} else {
		sparse = map[uint64]int32{}
	}
	rows := 0
	for _, pc := range slices.Sorted(maps.Keys(x.periods)) {
		start := rows
		for _, rr := range x.periods[pc] {
			for r := rr.lo; r < rr.hi; r++ {
				key := uint64(0)
				for i, d := range keep {
					key = key*uint64(len(out.codes[i])) + uint64(x.col[d][r])
				}
				// slot is the row's roll-up row + 1; 0: none yet in
				// this period (rows of earlier periods are below start).
				var slot int32
				if dense != nil {
					slot = dense[key]
				} else {
					slot = sparse[key]
				}
				if slot == 0 || int(slot) <= start {
					slot = int32(rows + 1)
					rows++
					if dense != nil {
						dense[key] = slot
					} else {
						sparse[key] = slot
					}
					for i, d := range keep {
						col[i] = append(col[i], x.col[d][r])
					}
					for m := range val {
						if x.exact[m] {
							val[m] = append(val[m], 0)
						}
					}
				}
				for m, v := range val {
					if v != nil {
						v[slot-1] += x.val[m][r]
					}
				}
			}
		}
		if rows > start {
			out.periods[pc] = []rowRange{{start, rows}}
		}
	}
	// Exactly as long as they are: the budget counts them.
	for _, c := range col {
		out.col = append(out.col, slices.Clip(slices.Clone(c)))
	}
	for _, v := range val {
		if v != nil {
			v = slices.Clip(slices.Clone(v))
		}
		out.val = append(out.val, v)
	}
	out.rows = rows
	out.listRows()
	return out
}

// listRows lists, per dimension of more than one code, each code's rows
// (rowsOf), in ranges that do not cross from one period into the next.
func (x *cubeIndex) listRows() {
	x.rowsOf = make([][][]rowRange, len(x.dims))
	starts := make([]bool, x.rows) // the first row of each period
	for _, rs := range x.periods {
		for _, r := range rs {
			starts[r.lo] = true
		}
	}
	for d, col := range x.col {
		if len(x.codes[d]) < 2 {
			continue
		}
		lists := make([][]rowRange, len(x.codes[d]))
		for r, id := range col {
			rs := lists[id]
			if k := len(rs) - 1; k >= 0 && rs[k].hi == r && !starts[r] {
				rs[k].hi = r + 1
			} else {
				rs = append(rs, rowRange{r, r + 1})
			}
			lists[id] = rs
		}
		for id := range lists {
			lists[id] = slices.Clip(lists[id])
		}
		x.rowsOf[d] = lists
	}
}

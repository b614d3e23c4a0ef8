package api

import (
	"slices"
	"sync"
	"sync/atomic"
)

// A table's cells are most of its answer, and most of its time: 1 455
// cells of ej verkställda are 174 KB of JSON, 5 510 cells of insatser a
// megabyte. Written the general way (direct.go), each cell is made as a
// tableCell and each of its fields goes through its writer and getter;
// writeCells walks the table's own arrays instead and writes each field's
// JSON from what it depends on: a period's code and a coordinate once per
// table, the fields of a figure that shows no number once per mark (all
// made by the fields' own writers, so the bytes are theirs), a number as
// those writers format it. A selection of a field it does not know is
// written the general way. TestDirectListsAsExecutor and
// TestFastAsExecutor hold it to the executor's bytes.

// cellOp is what writeCells writes for a selected field of Cell.
type cellOp uint8

const (
	cellTypename cellOp = iota
	cellPeriod
	cellValue
	cellMark
	cellDisplay
	cellCoordinates
)

// writeCells appends the table's cells as a JSON list of objects with the
// fields sel selects, as writeSource writes them.
func (t *tableAnswer) writeCells(buf []byte, sel *selection) ([]byte, bool) {
	ops := make([]cellOp, len(sel.fields))
	for i, f := range sel.fields {
		switch {
		case f.typename != nil:
			ops[i] = cellTypename
		case f.field == "period":
			ops[i] = cellPeriod
		case f.field == "value":
			ops[i] = cellValue
		case f.field == "mark":
			ops[i] = cellMark
		case f.field == "display":
			ops[i] = cellDisplay
		case f.field == "coordinates" && f.sub != nil:
			ops[i] = cellCoordinates
		default:
			return writeSource(buf, listSource[tableCell]{n: len(t.figs), each: t.eachCell}, sel)
		}
	}
	// The JSON of a field that depends on one thing only, made by the
	// field's writer the first time it is needed: by period, by mark (a
	// figure that is not published), by member of each grouped dimension
	// (where it was written in buf); per selected field (one field may be
	// selected twice, under two names).
	var (
		periods = make([][][]byte, len(sel.fields))
		byMark  [len(markNames)][][]byte
		coords  = make([][][]span, len(sel.fields))
		// shared is a member's JSON kept for the next tables (by its
		// position in its dimension's own list).
		shared = make([][][]atomic.Pointer[[]byte], len(sel.fields))
	)
	for fi, op := range ops {
		switch op {
		case cellPeriod:
			periods[fi] = make([][]byte, len(t.periods))
		case cellCoordinates:
			coords[fi] = make([][]span, len(t.members))
			shared[fi] = make([][]atomic.Pointer[[]byte], len(t.members))
			for gi, ms := range t.members {
				coords[fi][gi] = make([]span, len(ms))
				if c := &ms[0]; c.list > 0 && c.dim.json != nil {
					shared[fi][gi] = c.dim.json.of(sel.fields[fi].sub.sig, c.n)
				}
			}
		}
	}
	// memo makes the JSON of field f of cell with the field's key before
	// it (one append a cell instead of two).
	memo := func(slot *[]byte, f *selected, cell tableCell) bool {
		b, ok := f.w.write(slices.Clip(f.key), &cell, f.sub)
		*slot = b
		return ok
	}
	opens := make([][]byte, len(sel.fields)) // a list field's key and '['
	for fi, f := range sel.fields {
		opens[fi] = append(slices.Clip(f.key), '[')
	}

	// cell appends cell i; the loop stores buf once per cell (a store of
	// a pointer into a captured variable, on the heap, has a write
	// barrier while the collector marks, which is often with the cubes
	// live: a sixth of the time when every append stored it).
	cell := func(b []byte, i, pi int, member []int) ([]byte, bool) {
		if i > 0 {
			b = append(b, ',')
		}
		fig := t.figs[i]
		mi := fig.mark
		if len(sel.fields) == 0 {
			b = append(b, "{}"...)
		}
		for fi := range sel.fields {
			f := &sel.fields[fi]
			var ok bool
			switch op := ops[fi]; {
			case op == cellTypename:
				b = append(append(b, f.key...), f.typename...)
				continue
			case op == cellPeriod:
				at := &periods[fi][pi]
				if *at == nil && !memo(at, f, tableCell{period: t.periods[pi]}) {
					return nil, false
				}
				b = append(b, *at...)
				continue
			case op == cellValue && mi == markPublished:
				var err error
				b, err = appendFloat(append(b, f.key...), fig.value)
				ok = err == nil
			case op == cellDisplay && mi == markPublished:
				b, ok = fig.appendDisplay(append(b, f.key...)), true
			case op == cellCoordinates:
				b = append(b, opens[fi]...)
				for gi, m := range member {
					if gi > 0 {
						b = append(b, ',')
					}
					at := &coords[fi][gi][m+1]
					if at.end > 0 {
						b = append(b, b[at.start:at.end]...)
						continue
					}
					c := &t.members[gi][m+1]
					var kept *atomic.Pointer[[]byte]
					if c.list > 0 && shared[fi][gi] != nil {
						kept = &shared[fi][gi][c.pos]
						if js := kept.Load(); js != nil {
							s := len(b)
							b = append(b, *js...)
							*at = span{s, len(b)}
							continue
						}
					}
					s := len(b)
					if b, ok = f.sub.write(b, c); !ok {
						return nil, false
					}
					*at = span{s, len(b)}
					if kept != nil {
						js := slices.Clone(b[s:])
						kept.Store(&js)
					}
				}
				b, ok = append(b, ']'), true
			default: // mark, or value and display of a figure not published
				if byMark[mi] == nil {
					byMark[mi] = make([][]byte, len(sel.fields))
				}
				at := &byMark[mi][fi]
				if *at == nil && !memo(at, f, tableCell{fig: fig}) {
					return nil, false
				}
				b, ok = append(b, *at...), true
			}
			if !ok {
				return nil, false
			}
		}
		if len(sel.fields) > 0 {
			b = append(b, '}')
		}
		return b, true
	}
	buf = append(buf, '[')
	start := len(buf)
	i, ok := 0, true
	t.plan.eachCell(func(pi int, member []int) bool {
		if buf, ok = cell(buf, i, pi, member); !ok {
			return false
		}
		if i == 0 {
			// Room for the others, about as long as the first.
			buf = slices.Grow(buf, (len(buf)-start+1)*(len(t.figs)-1)*9/8)
		}
		i++
		return true
	})
	if !ok {
		return nil, false
	}
	return append(buf, ']'), true
}

// memberJSON keeps the JSON of a dimension's members for the selections
// of Coordinate asked, so that a table writes each member once per
// selection and lake version, not once per request (a table by kommun
// has 291 of them; writing them was a sixth of its cells' time). The
// selections kept are few (frontends ask one or two); past maxSelections
// the keeper starts over.
type memberJSON struct {
	mu    sync.Mutex
	bySig map[string][]atomic.Pointer[[]byte]
}

const maxSelections = 16

// of returns the JSON kept for the selection sig of the dimension's n
// members, by position (nil where none is kept yet).
func (m *memberJSON) of(sig string, n int) []atomic.Pointer[[]byte] {
	m.mu.Lock()
	defer m.mu.Unlock()
	if kept, ok := m.bySig[sig]; ok && len(kept) == n {
		return kept
	}
	if m.bySig == nil || len(m.bySig) >= maxSelections {
		m.bySig = map[string][]atomic.Pointer[[]byte]{}
	}
	kept := make([]atomic.Pointer[[]byte], n)
	m.bySig[sig] = kept
	return kept
}

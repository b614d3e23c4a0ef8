package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/reports"
)

// Disclosure is all the API knows of disclosure control: the mark of a
// count (a cube's count field over a filter naming one period), and the
// count itself. Mark returns an error for a count that is no cell of the
// protected structure; such a cell is never published, and no figure
// resting on it is computed for a client.
type Disclosure interface {
	Mark(ref reports.CountRef) (protect.Mark, float64, error)
}

// Rules are the disclosure rules the API applies.
type Rules struct {
	// Threshold: counts 1..Threshold-1 are suppressed, and so is every
	// mean, share, rate or amount resting on fewer persons (default 4).
	Threshold int
}

// loadDisclosure returns the marks of one lake version: the pattern stored
// beside its aggregates, computed once where they were written (the
// generator, the ingest function) by protect's certified engine. The API
// never computes a pattern: that takes minutes, and every instance must
// show the same marks. A version without a pattern, or with one computed
// under another threshold than the API is configured for, is refused.
//
// The pattern's head (format, geography, threshold) is checked at once;
// the pattern itself, whose structures take most of a cold start to
// build, is read on another goroutine meanwhile, and a figure's mark
// waits for it: a cold instance reads the datasets of its first request
// while it is read, and answers a stored seed table without it.
func loadDisclosure(snap *lake.Snapshot, rules Rules) (*lazy[Disclosure], error) {
	if snap.Disclosure == nil {
		return nil, fmt.Errorf("lake version %s has no disclosure pattern (%s…): write it with the aggregates (go run ./testdata/gen, or the ingest function)",
			snap.Manifest.Version, lake.DisclosurePrefix)
	}
	head, err := patternHead(snap.Disclosure)
	if err != nil {
		return nil, fmt.Errorf("lake version %s: disclosure pattern: %w", snap.Manifest.Version, err)
	}
	if head.Format != protect.PatternFormat {
		return nil, fmt.Errorf("lake version %s: disclosure pattern: format is %q, but this build reads %q only", snap.Manifest.Version, head.Format, protect.PatternFormat)
	}
	if err := checkPattern(snap, head.Geography, head.Threshold, rules); err != nil {
		return nil, err
	}
	l := newLazy(func() (Disclosure, error) { return readDisclosure(snap, rules) })
	go l.get()
	return l, nil
}

// patternHead is the head of a stored pattern.
type patternHeadFields struct {
	Format    string `json:"format"`
	Geography string `json:"geography"`
	Threshold int    `json:"threshold"`
}

// patternHead decodes the head of a stored pattern (protect's
// MarshalPatterns), reading its top-level fields only until it has the
// three: they come before the structures, which are not read.
func patternHead(data []byte) (patternHeadFields, error) {
	var head patternHeadFields
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return head, fmt.Errorf("not a JSON object (%v)", err)
	}
	seen := 0
	for seen < 3 && dec.More() {
		t, err := dec.Token()
		if err != nil {
			return head, err
		}
		var into any
		switch t {
		case "structures":
			// MarshalPatterns writes the head first: a head without
			// some field (Stockholm's has no geography) ends here.
			if head.Format != "" {
				return head, nil
			}
			into = new(json.RawMessage)
			seen--
		case "format":
			into = &head.Format
		case "geography":
			into = &head.Geography
		case "threshold":
			into = &head.Threshold
		default:
			into = new(json.RawMessage)
			seen--
		}
		if err := dec.Decode(into); err != nil {
			return head, fmt.Errorf("%v: %w", t, err)
		}
		seen++
	}
	return head, nil
}

// lazyDisclosure is a pattern being read (loadDisclosure): a mark waits
// for it.
type lazyDisclosure struct{ l *lazy[Disclosure] }

// Mark implements Disclosure.
func (d lazyDisclosure) Mark(ref reports.CountRef) (protect.Mark, float64, error) {
	x, err := d.l.get()
	if err != nil {
		return 0, 0, err
	}
	return x.Mark(ref)
}

// checkPattern refuses a pattern computed over another geography than
// the manifest names, or under another threshold than rules.
func checkPattern(snap *lake.Snapshot, geography string, threshold int, rules Rules) error {
	geo, err := dataset.LookupGeography(snap.Manifest.Geography)
	if err != nil {
		return fmt.Errorf("lake version %s: %w", snap.Manifest.Version, err)
	}
	patternGeo, err := dataset.LookupGeography(geography)
	if err != nil {
		return fmt.Errorf("lake version %s: disclosure pattern: %w", snap.Manifest.Version, err)
	}
	if patternGeo.Name != geo.Name {
		return fmt.Errorf("lake version %s: its disclosure pattern was computed over geography %s, but its manifest names %s; recompute the pattern with the aggregates",
			snap.Manifest.Version, geography, geo.Name)
	}
	if threshold != rules.Threshold {
		return fmt.Errorf("lake version %s: its disclosure pattern was computed with threshold %d, but %s is %d; recompute the pattern with that threshold or configure %d",
			snap.Manifest.Version, threshold, EnvThreshold, rules.Threshold, threshold)
	}
	return nil
}

// readDisclosure reads the whole pattern of loadDisclosure.
func readDisclosure(snap *lake.Snapshot, rules Rules) (Disclosure, error) {
	if snap.Disclosure == nil {
		return nil, fmt.Errorf("lake version %s has no disclosure pattern (%s…): write it with the aggregates (go run ./testdata/gen, or the ingest function)",
			snap.Manifest.Version, lake.DisclosurePrefix)
	}
	l, stored, err := protect.UnmarshalLake(snap.Disclosure)
	if err != nil {
		return nil, fmt.Errorf("lake version %s: %w", snap.Manifest.Version, err)
	}
	if err := checkPattern(snap, l.Geography, stored.Threshold, rules); err != nil {
		return nil, err
	}
	return l, nil
}

// suppressed reports whether a mark hides the cell. One marker, "*",
// stands for every hidden cell, primary or complementary: with two
// markers the marks alone would tell that a primary cell is 1..3.
func suppressed(m protect.Mark) bool { return m != protect.Published }

// markOf returns whether a figure resting on refs is suppressed: it is
// published only if every count it rests on is. Counts of public cubes
// need no mark. A mean of hours rests on the persons holding the insats
// (every decision on an insats granted in hours records its hours).
func markOf(d Disclosure, refs []reports.CountRef) (bool, error) {
	hidden := false
	for _, ref := range refs {
		ref, ok := markedCount(ref)
		if !ok {
			continue
		}
		m, _, err := d.Mark(ref)
		if err != nil {
			return false, err
		}
		hidden = hidden || suppressed(m)
	}
	return hidden, nil
}

// markedCount is the count whose mark a figure resting on ref takes; ok
// is false for a count of a public cube, which needs no mark.
func markedCount(ref reports.CountRef) (_ reports.CountRef, ok bool) {
	if slices.Contains(publicCubes, ref.Cube) {
		return ref, false
	}
	if ref.Cube == "insatser" && ref.Field == "timmar_antal" {
		ref.Field = "antal_beslut"
	}
	return ref, true
}

// cellMarks is markOf for the counts a planned table's cell rests on (its
// own, and a share's denominator), looked up by key (cellKeys) when d is
// the version's memo.
type cellMarks struct {
	d     Disclosure
	memo  *memoDisclosure // nil: ask d for every count
	p     *plan
	count reports.CountRef // cube and field; no filter
	keys  *cellKeys
	buf   []byte
	den   []int
	// frames are the memo's frames of the plan's periods (nil where
	// there is none), and at[gi][m+1] the position of member m of grouped
	// dimension gi (and of its total) in its dimension's list, -1 where
	// the frame cannot hold the cell (markFrame).
	frames  []*markFrame
	at      [][]int
	grouped []int // the grouped dimensions in key order (cellKeys.parts)
}

func newCellMarks(d Disclosure, p *plan) *cellMarks {
	count, _ := markedCount(reports.CountRef{Cube: p.ds.def.cube, Field: p.count})
	memo, _ := d.(*memoDisclosure)
	c := &cellMarks{d: d, memo: memo, p: p, count: count, keys: p.cellKeys(count.Field)}
	if memo != nil {
		c.frames, c.at, c.grouped = memo.framesOf(c.keys, p)
	}
	return c
}

// hidden reports whether disclosure control hides the figure of cell cs.
func (c *cellMarks) hidden(cs cellSpec) (bool, error) {
	hidden, err := c.hides(cs)
	if err != nil || c.p.measure != Share {
		return hidden, err
	}
	c.den = append(c.den[:0], cs.member...)
	c.den[c.p.shareOf] = -1
	h, err := c.hides(cellSpec{period: cs.period, member: c.den})
	if err != nil {
		return false, err
	}
	return hidden || h, nil
}

// hides reports whether the count of cell cs is suppressed.
func (c *cellMarks) hides(cs cellSpec) (bool, error) {
	ref := func() reports.CountRef {
		r := c.count
		r.Where = c.p.where(cs)
		return r
	}
	if c.memo == nil {
		m, _, err := c.d.Mark(ref())
		return suppressed(m), err
	}
	f, i := c.frameOf(cs)
	if f != nil {
		if known := f.marks[i].Load(); known != 0 {
			return known == frameHidden, nil
		}
	}
	c.buf = c.keys.key(c.buf, cs)
	m, err := c.memo.markKey(c.buf, ref)
	if f != nil && err == nil {
		known := uint32(framePublished)
		if suppressed(m) {
			known = frameHidden
		}
		f.marks[i].Store(known)
	}
	return suppressed(m), err
}

// frameOf returns the frame that holds the mark of cell cs and its place
// in it, or nil.
func (c *cellMarks) frameOf(cs cellSpec) (*markFrame, int) {
	if c.frames == nil || c.frames[cs.period] == nil {
		return nil, 0
	}
	f := c.frames[cs.period]
	i := 0
	for k, gi := range c.grouped {
		at := c.at[gi][cs.member[gi]+1]
		if at < 0 {
			return nil, 0
		}
		i = i*f.radix[k] + at
	}
	return f, i
}

// A markFrame holds the marks of the cells of a table's period laid out
// densely, so that a table finds the mark of each of its cells by its
// members' positions instead of by its key in the memo's map (a third of
// a large table's time). Its cells are those whose keys (cellKeys) share
// every part but the grouped dimensions' members: the same cube, count,
// period and filters of the other dimensions, grouped by the same
// dimensions; each grouped dimension's members are at their positions in
// the dimension's own list (dimDef.members, the total at 0; a filtered
// dimension's total is not in it: its key part is the filter's). A
// position holds the mark once a table has looked it up in the memo, so
// the frame says what the memo says.
type markFrame struct {
	radix []int // the lists' lengths of the grouped dimensions in key order
	marks []atomic.Uint32
}

// A frame's entries: 0 not known yet.
const (
	framePublished = 1
	frameHidden    = 2
)

// maxFrameCells bounds a frame, and maxFramesCells all frames of a memo
// (4 bytes each: 8 MiB in all). A table by kommun × insats has a frame of
// 5 820 cells per period; one by kommun × åldersgrupp × insats 76 000.
const (
	maxFrameCells  = 1 << 18
	maxFramesCells = 2 << 20
)

// framesOf returns the frames of the plan's periods, the positions of its
// grouped dimensions' members, and the grouped dimensions in key order,
// making the frames a plan needs that do not exist; nil where a frame
// would be too large or would not fit.
func (m *memoDisclosure) framesOf(k *cellKeys, p *plan) ([]*markFrame, [][]int, []int) {
	if len(p.grouped) == 0 {
		return nil, nil, nil
	}
	at := make([][]int, len(p.grouped))
	for gi, g := range p.grouped {
		members := g.def.membersOf(g.codes)
		_, filtered := p.filter[g.def.name]
		at[gi] = make([]int, len(members))
		for i, c := range members {
			at[gi][i] = c.pos
			if c.list == 0 || (i == 0 && filtered) {
				at[gi][i] = -1 // a made member, or a filtered dimension's total
			}
		}
	}
	var grouped, radix []int
	size := 1
	for _, part := range k.parts {
		if part.group >= 0 {
			g := p.grouped[part.group]
			grouped = append(grouped, part.group)
			radix = append(radix, len(g.def.members))
			size *= len(g.def.members)
		}
	}
	if size > maxFrameCells {
		return nil, nil, nil
	}
	frames := make([]*markFrame, len(p.periods))
	var key []byte
	for pi := range p.periods {
		key = append(key[:0], k.prefix...)
		for _, part := range k.parts {
			if part.group < 0 {
				key = append(key, part.text[pi]...)
			} else {
				g := p.grouped[part.group]
				key = strconv.AppendInt(append(append(append(key, '|'), g.def.name...), "=\x00"...), int64(g.def.members[0].list), 10)
			}
		}
		frames[pi] = m.frame(string(key), radix, size)
	}
	return frames, at, grouped
}

// frame returns the frame of key, made if it fits.
func (m *memoDisclosure) frame(key string, radix []int, size int) *markFrame {
	m.framesMu.Lock()
	defer m.framesMu.Unlock()
	if f, ok := m.frames[key]; ok {
		return f
	}
	if m.framesCells+size > maxFramesCells {
		return nil
	}
	f := &markFrame{radix: radix, marks: make([]atomic.Uint32, size)}
	m.frames[key] = f
	m.framesCells += size
	return f
}

// memoDisclosure remembers the marks a Disclosure gave, for the life of a
// lake version: a frontend asks for the same cells again and again, and
// the lookup of a cell in the protected structure costs more than the
// rest of its answer. It holds at most memoLimit marks.
type memoDisclosure struct {
	d     Disclosure
	mu    sync.RWMutex
	marks map[string]memoMark

	framesMu    sync.Mutex
	frames      map[string]*markFrame // by the key of their cells without the members (framesOf)
	framesCells int
}

type memoMark struct {
	mark  protect.Mark
	value float64
	err   error
}

// markKey is Mark for a count whose refKey is key, from the memo when it
// holds the count's mark (without building the count's filter), else
// asking the Disclosure for ref().
func (m *memoDisclosure) markKey(key []byte, ref func() reports.CountRef) (protect.Mark, error) {
	m.mu.RLock()
	got, ok := m.marks[string(key)]
	m.mu.RUnlock()
	if ok {
		return got.mark, got.err
	}
	mark, _, err := m.Mark(ref())
	return mark, err
}

// memoLimit bounds the memo: the structures of the sample lake have about
// 15 000 cells, so all of them fit; refusals of arbitrary filters cannot
// grow it without end.
const memoLimit = 200_000

func newMemo(d Disclosure) *memoDisclosure {
	return &memoDisclosure{d: d, marks: map[string]memoMark{}, frames: map[string]*markFrame{}}
}

// Mark implements Disclosure.
func (m *memoDisclosure) Mark(ref reports.CountRef) (protect.Mark, float64, error) {
	key := refKey(ref)
	m.mu.RLock()
	got, ok := m.marks[key]
	m.mu.RUnlock()
	if ok {
		return got.mark, got.value, got.err
	}
	mark, value, err := m.d.Mark(ref)
	m.mu.Lock()
	if len(m.marks) < memoLimit {
		m.marks[key] = memoMark{mark, value, err}
	}
	m.mu.Unlock()
	return mark, value, err
}

// refKey identifies a count: cube, field and the filter with dimensions
// and codes sorted (the same categories in another order are the same
// cell).
func refKey(ref reports.CountRef) string {
	dims := make([]string, 0, len(ref.Where))
	for d := range ref.Where {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	var b strings.Builder
	b.WriteString(ref.Cube)
	b.WriteByte('.')
	b.WriteString(ref.Field)
	for _, d := range dims {
		b.WriteByte('|')
		b.WriteString(d)
		b.WriteByte('=')
		codes := ref.Where[d]
		if !slices.IsSorted(codes) {
			codes = slices.Sorted(slices.Values(codes))
		}
		for i, c := range codes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(c)
		}
	}
	return b.String()
}

// cellKeys writes the refKey of the count a planned table's cell rests on
// straight from the plan: the memo then answers a cell it has seen
// without a filter map and a sort per cell (TestCellKeys holds the keys
// to refKey's).
type cellKeys struct {
	prefix string // "cube.field"
	// parts are the dimensions of the cells' filters, sorted by name as
	// refKey sorts them.
	parts []keyPart
}

// keyPart is the "|dim=codes" of one dimension, per period (group < 0)
// or per member of grouped dimension group (text[0] the total, text[m+1]
// member m); "" where the filter has no such dimension.
type keyPart struct {
	group int
	text  []string
}

// cellKeys returns the keys of the plan's counts of field.
func (p *plan) cellKeys(field string) *cellKeys {
	k := &cellKeys{prefix: p.ds.def.cube + "." + field}
	codes := func(dim string, cs []string) string {
		return "|" + dim + "=" + strings.Join(slices.Sorted(slices.Values(cs)), ",")
	}
	// Which dimension sets a cell's codes as plan.where has it: grouped
	// over filtered over the period's.
	names := map[string]keyPart{}
	perPeriod := func(text func(period) string) keyPart {
		part := keyPart{group: -1, text: make([]string, len(p.periods))}
		for i, pr := range p.periods {
			part.text[i] = text(pr)
		}
		return part
	}
	names["ar"] = perPeriod(func(pr period) string { return "|ar=" + strconv.Itoa(pr.year) })
	if slices.ContainsFunc(p.periods, func(pr period) bool { return pr.quarter > 0 }) {
		names["kvartal"] = perPeriod(func(pr period) string {
			if pr.quarter == 0 {
				return ""
			}
			return "|kvartal=" + strconv.Itoa(pr.quarter)
		})
	}
	for dim, cs := range p.filter {
		names[dim] = perPeriod(func(period) string { return codes(dim, cs) })
	}
	for gi, g := range p.grouped {
		part := keyPart{group: gi, text: make([]string, len(g.codes)+1)}
		if cs, ok := p.filter[g.def.name]; ok {
			part.text[0] = codes(g.def.name, cs)
		}
		for m, c := range g.def.membersOf(g.codes)[1:] {
			part.text[m+1] = c.keyPart
		}
		names[g.def.name] = part
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		k.parts = append(k.parts, names[name])
	}
	return k
}

// key appends the key of cell cs to buf[:0].
func (k *cellKeys) key(buf []byte, cs cellSpec) []byte {
	buf = append(buf[:0], k.prefix...)
	for _, part := range k.parts {
		if part.group < 0 {
			buf = append(buf, part.text[cs.period]...)
		} else {
			buf = append(buf, part.text[cs.member[part.group]+1]...)
		}
	}
	return buf
}

package api

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/reports"
)

// fakeDisclosure counts its calls and marks by the filter's text.
type fakeDisclosure struct{ calls int }

func (f *fakeDisclosure) Mark(ref reports.CountRef) (protect.Mark, float64, error) {
	f.calls++
	if _, ok := ref.Where["aldersgrupp"]; ok {
		return 0, 0, errors.New("no such cell")
	}
	if len(ref.Where["kon"]) == 1 {
		return protect.Primary, 2, nil
	}
	return protect.Published, float64(len(ref.Where["namnd"])), nil
}

func TestMemoDisclosure(t *testing.T) {
	f := &fakeDisclosure{}
	m := newMemo(f)
	ref := func(field string, w cube.Filter) reports.CountRef {
		return reports.CountRef{Cube: "insatser", Field: field, Where: w}
	}
	a := ref("antal_beslut", cube.Filter{"ar": {"2024"}, "namnd": {"jarva", "bromma"}})
	b := ref("antal_beslut", cube.Filter{"namnd": {"bromma", "jarva"}, "ar": {"2024"}})
	for _, r := range []reports.CountRef{a, b, a} {
		if mark, v, err := m.Mark(r); mark != protect.Published || v != 2 || err != nil {
			t.Errorf("Mark(%v) = %v, %v, %v", r.Where, mark, v, err)
		}
	}
	if f.calls != 1 {
		t.Errorf("the same cell in another order was asked %d times", f.calls)
	}
	// Another field, another filter: other cells.
	m.Mark(ref("timmar_antal", a.Where))
	m.Mark(ref("antal_beslut", cube.Filter{"ar": {"2024"}, "kon": {"K"}}))
	m.Mark(ref("antal_beslut", cube.Filter{"ar": {"2024"}, "kon": {"K", "M"}}))
	if f.calls != 4 {
		t.Errorf("%d calls for four distinct cells", f.calls)
	}
	bad := ref("antal_beslut", cube.Filter{"aldersgrupp": {"0-11"}})
	for range 2 {
		if _, _, err := m.Mark(bad); err == nil {
			t.Error("an error was not remembered as an error")
		}
	}
	if f.calls != 5 {
		t.Errorf("the refused cell was asked %d times", f.calls-4)
	}
}

// TestCellKeys: the key cellKeys writes for a planned cell is refKey of
// the count plan.where gives it, for every dataset, groupings of up to
// two dimensions with totals, filters on grouped and other dimensions,
// ranges of years and quarters, and a share's denominators.
func TestCellKeys(t *testing.T) {
	v := sampleHandler(t).lake.cur.Load()
	checked := 0
	for _, ds := range v.datasets {
		def := ds.def
		period := periodRange(t, ds)
		for _, g := range groupings(def.dims, 2) {
			// No filter; the first two codes of the first dimension; and
			// of the last, which is often not grouped.
			filters := [][]filterArg{nil}
			for _, d := range []dimDef{def.dims[0], def.dims[len(def.dims)-1]} {
				codes := d.codes.CodeValues()
				filters = append(filters, []filterArg{{Dimension: d.name, Codes: []string{codes[min(1, len(codes)-1)], codes[0]}}})
			}
			for _, f := range filters {
				p, err := v.planTable(tableRequest{Dataset: def.name, Measure: Decisions, Period: period, GroupBy: g, Filter: f, Totals: true})
				if err != nil {
					p, err = v.planTable(tableRequest{Dataset: def.name, Measure: def.measuresOf()[0], Period: period, GroupBy: g, Filter: f, Totals: true})
				}
				if err != nil {
					t.Fatalf("%s by %v, filter %v: %v", def.name, g, f, err)
				}
				keys := p.cellKeys(p.count)
				for _, cs := range p.cells() {
					specs := []cellSpec{cs}
					for gi := range cs.member {
						den := slices.Clone(cs.member)
						den[gi] = -1
						specs = append(specs, cellSpec{period: cs.period, member: den})
					}
					for _, cs := range specs {
						want := refKey(reports.CountRef{Cube: def.cube, Field: p.count, Where: p.where(cs)})
						if got := keys.key(nil, cs); string(got) != want {
							t.Fatalf("%s by %v, filter %v, cell %+v: key %s, refKey %s", def.name, g, f, cs, got, want)
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d keys checked", checked)
}

// TestMarkFrames: the marks a table finds in the memo's frames are the
// marks the engine gives its cells, for random tables of the sample lake
// (seeded) and for tables that share frames: the same dimensions grouped
// in another order, a grouped dimension filtered on all its codes and on
// some (its total is then another cell), shares.
func TestMarkFrames(t *testing.T) {
	v := sampleLake(t, -1).cur.Load()
	memo := v.disc.(*memoDisclosure)
	engine := memo.d
	rng := rand.New(rand.NewPCG(5, 9))
	var reqs []tableRequest
	for range 300 {
		_, req := randomTable(t, rng, v)
		reqs = append(reqs, req)
	}
	namnd, _ := v.datasets[0].def.dim("namnd")
	all := namnd.values
	for _, g := range [][]string{{"namnd", "kon"}, {"kon", "namnd"}} {
		for _, f := range [][]filterArg{nil, {{Dimension: "namnd", Codes: all}}, {{Dimension: "namnd", Codes: all[:3]}}} {
			for _, m := range []Measure{Decisions, Share} {
				req := tableRequest{Dataset: "insatser", Measure: m, Period: "2022/2024", GroupBy: g, Filter: f, Totals: true}
				if m == Share {
					req.ShareOf = "kon"
				}
				reqs = append(reqs, req)
			}
		}
	}
	framed := 0
	// Twice: the first pass fills the frames, the second reads them.
	for pass := range 2 {
		for _, req := range reqs {
			p, err := v.planTable(req)
			if err != nil || p.ds.def.public {
				continue // refused, or public: no marks
			}
			marks := newCellMarks(memo, p)
			for _, cs := range p.cells() {
				got, err := marks.hidden(cs)
				want, wantErr := markOf(engine, cellRefs(p, cs))
				if (err != nil) != (wantErr != nil) || (err == nil && got != want) {
					t.Fatalf("pass %d, %+v, cell %+v: hidden %v (%v), the engine says %v (%v)", pass, req, cs, got, err, want, wantErr)
				}
				if f, _ := marks.frameOf(cs); pass == 1 && f != nil {
					framed++
				}
			}
		}
	}
	if framed == 0 {
		t.Fatal("no cell's mark was found in a frame")
	}
	t.Logf("%d marks found in frames", framed)
}

// cellRefs are the counts the figure of cell cs rests on: its own, and a
// share's denominator.
func cellRefs(p *plan, cs cellSpec) []reports.CountRef {
	ref := func(cs cellSpec) reports.CountRef {
		return reports.CountRef{Cube: p.ds.def.cube, Field: p.count, Where: p.where(cs)}
	}
	refs := []reports.CountRef{ref(cs)}
	if p.measure == Share {
		den := slices.Clone(cs.member)
		den[p.shareOf] = -1
		refs = append(refs, ref(cellSpec{period: cs.period, member: den}))
	}
	return refs
}

// TestMarkFramesBounded: the memo makes frames until they hold
// maxFramesCells cells, then none (tables look their marks up by key).
func TestMarkFramesBounded(t *testing.T) {
	m := newMemo(&fakeDisclosure{})
	size := maxFrameCells
	made := 0
	for i := 0; i < 2*maxFramesCells/size; i++ {
		if m.frame(strconv.Itoa(i), []int{size}, size) != nil {
			made++
		}
	}
	if made != maxFramesCells/size || m.framesCells > maxFramesCells {
		t.Fatalf("%d frames of %d cells made, %d cells in all; the bound is %d", made, size, m.framesCells, maxFramesCells)
	}
	if m.frame("0", []int{size}, size) == nil {
		t.Fatal("a frame made before is not found")
	}
}

package api

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// sampleLake opens the sample lake with a budget for roll-ups (negative:
// none).
func sampleLake(t testing.TB, rollupBytes int64) *Lake {
	t.Helper()
	l, err := OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), LakeOptions{Logger: discardLogger(), RollupBytes: rollupBytes})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// randomTable is a table request on a random dataset of v, with random
// measure, periods, groups (up to three dimensions, in any order),
// filters (up to two dimensions, a random part of their codes) and
// totals; and the dataset.
func randomTable(tb testing.TB, rng *rand.Rand, v *version) (*datasetState, tableRequest) {
	tb.Helper()
	ds := v.datasets[rng.IntN(len(v.datasets))]
	def := ds.def
	measures := def.measuresOf()
	req := tableRequest{Dataset: def.name, Measure: measures[rng.IntN(len(measures))], Totals: rng.IntN(2) == 0}
	codes, err := ds.periodCodes()
	if err != nil {
		tb.Fatal(err)
	}
	lo := rng.IntN(len(codes))
	hi := lo + rng.IntN(len(codes)-lo)
	req.Period = codes[lo]
	if hi > lo {
		req.Period += "/" + codes[hi]
	}
	dims := slices.Clone(def.dims)
	rng.Shuffle(len(dims), func(i, j int) { dims[i], dims[j] = dims[j], dims[i] })
	for _, d := range dims[:rng.IntN(min(3, len(dims))+1)] {
		req.GroupBy = append(req.GroupBy, d.name)
	}
	rng.Shuffle(len(dims), func(i, j int) { dims[i], dims[j] = dims[j], dims[i] })
	for _, d := range dims[:rng.IntN(min(2, len(dims))+1)] {
		all := d.codes.CodeValues()
		var pick []string
		for _, c := range all {
			if rng.IntN(3) == 0 {
				pick = append(pick, c)
			}
		}
		if len(pick) == 0 {
			pick = all[:1]
		}
		req.Filter = append(req.Filter, filterArg{Dimension: d.name, Codes: pick})
	}
	if req.Measure == Share && len(req.GroupBy) > 0 {
		req.ShareOf = req.GroupBy[rng.IntN(len(req.GroupBy))]
	}
	return ds, req
}

// TestRollupsAsScan: for 600 random tables of the sample lake (seeded),
// the sums from the roll-ups are the very floats of the scan of the
// cubes' own indexes, and a roll-up is used wherever every field is
// exact and one keeps the table's dimensions.
func TestRollupsAsScan(t *testing.T) {
	l := sampleLake(t, 0)
	v := l.cur.Load()
	rng := rand.New(rand.NewPCG(7, 11))
	planned, rolled := 0, 0
	for range 600 {
		ds, req := randomTable(t, rng, v)
		p, err := v.planTable(req)
		if err != nil {
			continue // a measure's rules refuse it
		}
		planned++
		xs, err := v.index(ds.def, p.years())
		if err != nil {
			t.Fatal(err)
		}
		fields := p.fieldsOf()
		scan, err := p.accumulateRows(xs, fields, true)
		if err != nil {
			t.Fatal(err)
		}
		p.rolledUp(xs, fields) // queues the roll-up onto the table's dimensions
		v.indexes.work.wait()
		ys := p.rolledUp(xs, fields)
		used := false
		for year, y := range ys {
			x := xs[year]
			need, exact := p.needs(x, fields)
			switch {
			case !exact && y != x:
				t.Fatalf("%+v: %d summed from a roll-up, but a field is not exact", req, year)
			case y.set&need != need:
				t.Fatalf("%+v: %d summed from a roll-up onto %v, without a dimension of the table", req, year, y.dims)
			case y.rows > x.rows:
				t.Fatalf("%+v: %d summed from a roll-up of %d rows, the cube's index has %d", req, year, y.rows, x.rows)
			}
			used = used || y != x
		}
		if used {
			rolled++
		}
		got, err := p.accumulate(xs, fields)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.vals) != len(scan.vals) {
			t.Fatalf("%+v: %d sums from the roll-ups, %d from the scan", req, len(got.vals), len(scan.vals))
		}
		for i := range scan.vals {
			if math.Float64bits(got.vals[i]) != math.Float64bits(scan.vals[i]) {
				t.Fatalf("%+v: sum %d is %v from the roll-ups, %v from the scan", req, i, got.vals[i], scan.vals[i])
			}
		}
	}
	// Most tables of the sample lake have exact fields; hours are not.
	if planned < 300 || rolled < planned/2 {
		t.Fatalf("%d of %d random tables summed from roll-ups", rolled, planned)
	}
	t.Logf("%d of %d random tables summed from roll-ups", rolled, planned)
	// Every roll-up's row lists stay within its periods.
	for key, slot := range v.indexes.by {
		if slot.x == nil {
			continue
		}
		for _, r := range slot.x.rollups.state.Load().ready {
			for d, lists := range r.rowsOf {
				for _, rs := range lists {
					for _, rr := range rs {
						if !slices.ContainsFunc(slices.Collect(maps.Values(r.periods)), func(ps []rowRange) bool {
							return ps[0].lo <= rr.lo && rr.hi <= ps[0].hi
						}) {
							t.Fatalf("%s, roll-up onto %v: rows %d..%d of a code of %s cross a period's end", key, r.dims, rr.lo, rr.hi-1, r.dims[d])
						}
					}
				}
			}
		}
	}
}

// TestRollupAnswers: whole answers of a handler that has built its
// roll-ups are byte for byte those of one without roll-ups, for the
// random tables of TestRollupsAsScan asked through GraphQL.
func TestRollupAnswers(t *testing.T) {
	with, err := NewHandler(sampleLake(t, 0), HandlerOptions{AnswerCacheBytes: -1, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	without, err := NewHandler(sampleLake(t, -1), HandlerOptions{AnswerCacheBytes: -1, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	v := with.lake.cur.Load()
	rng := rand.New(rand.NewPCG(3, 5))
	type asked struct {
		vars map[string]any
	}
	var qs []asked
	for range 200 {
		_, req := randomTable(t, rng, v)
		vars := map[string]any{"dataset": req.Dataset, "measure": string(req.Measure), "period": req.Period, "groupBy": req.GroupBy, "totals": req.Totals}
		var filters []map[string]any
		for _, f := range req.Filter {
			filters = append(filters, map[string]any{"dimension": f.Dimension, "codes": f.Codes})
		}
		vars["filter"] = filters
		if req.ShareOf != "" {
			vars["shareOf"] = req.ShareOf
		}
		qs = append(qs, asked{vars})
	}
	const q = `query($dataset: String!, $measure: Measure!, $period: String!, $groupBy: [String!], $filter: [Filter!], $totals: Boolean, $shareOf: String) {
  table(dataset: $dataset, measure: $measure, period: $period, groupBy: $groupBy, filter: $filter, totals: $totals, shareOf: $shareOf) {
    unit source version footnotes
    cells { period coordinates { dimension code label total } value mark display }
  } }`
	for _, a := range qs {
		post(t, with, q, a.vars) // queues its roll-ups
	}
	v.indexes.work.wait()
	answered := 0
	for _, a := range qs {
		got, want := post(t, with, q, a.vars), post(t, without, q, a.vars)
		if got.Code != want.Code || got.Body.String() != want.Body.String() {
			vars, _ := json.Marshal(a.vars)
			t.Fatalf("%s:\nwith roll-ups    %d %.400s\nwithout roll-ups %d %.400s", vars, got.Code, got.Body, want.Code, want.Body)
		}
		if !json.Valid(got.Body.Bytes()) {
			t.Fatalf("not JSON: %.200s", got.Body)
		}
		if decode(t, got).Errors == nil {
			answered++
		}
	}
	if answered < len(qs)/3 {
		t.Fatalf("only %d of %d random tables answered", answered, len(qs))
	}
	if rollupsKept(v) == 0 {
		t.Fatal("no roll-up was kept")
	}
}

// rollupsKept counts the roll-ups of v's indexes.
func rollupsKept(v *version) int {
	n := 0
	v.indexes.mu.Lock()
	defer v.indexes.mu.Unlock()
	for _, slot := range v.indexes.by {
		if slot.x != nil && slot.x.rollups != nil {
			n += len(slot.x.rollups.state.Load().ready)
		}
	}
	return n
}

// TestRollupBudget: the roll-ups kept never take more than the budget;
// one that does not fit is not kept, and the scan (or a larger roll-up)
// answers its tables with the same figures.
func TestRollupBudget(t *testing.T) {
	var full int64
	for _, limit := range []int64{0, 1, 20_000} {
		l := sampleLake(t, limit)
		v := l.cur.Load()
		h, err := NewHandler(l, HandlerOptions{AnswerCacheBytes: -1, Logger: discardLogger()})
		if err != nil {
			t.Fatal(err)
		}
		vars := []map[string]any{
			{"dataset": "insatser", "measure": "DECISIONS", "period": "2022/2024", "groupBy": []string{"namnd", "insats", "kon"}, "totals": true},
			{"dataset": "insatser", "measure": "DECISIONS", "period": "2024", "groupBy": []string{"aldersgrupp", "regi"}, "totals": true},
			{"dataset": "beslut", "measure": "DECISIONS", "period": "2024", "groupBy": []string{"utfall", "kon"}, "totals": true},
			{"dataset": "ej_verkstallda", "measure": "DECISIONS", "period": "2023-Q2/2024-Q2", "groupBy": []string{"namnd"}, "totals": true},
		}
		var first []string
		for _, vs := range vars {
			first = append(first, post(t, h, tableQuery, vs).Body.String())
		}
		v.indexes.work.wait()
		for i, vs := range vars {
			if got := post(t, h, tableQuery, vs).Body.String(); got != first[i] {
				t.Fatalf("budget %d, %v: the answer changed once roll-ups were built:\n%.300s\n%.300s", limit, vs, got, first[i])
			}
		}
		w := v.indexes.work
		used, kept := 0, 0
		v.indexes.mu.Lock()
		for _, slot := range v.indexes.by {
			if slot.x == nil {
				continue
			}
			for _, r := range slot.x.rollups.state.Load().ready {
				used += int(r.bytes())
				kept++
			}
		}
		v.indexes.mu.Unlock()
		if int64(used) != w.used {
			t.Errorf("budget %d: the roll-ups kept take %d bytes, the budget counts %d", limit, used, w.used)
		}
		switch limit {
		case 0:
			full = w.used
			if kept == 0 || w.refused > 0 {
				t.Fatalf("default budget: %d roll-ups kept, %d refused", kept, w.refused)
			}
		case 1:
			if kept != 0 || w.refused == 0 {
				t.Fatalf("budget of 1 byte: %d roll-ups kept, %d refused", kept, w.refused)
			}
		default:
			if w.used > limit || kept == 0 || w.refused == 0 || full <= limit {
				t.Fatalf("budget %d: %d roll-ups kept in %d bytes (%d with the default budget), %d refused", limit, kept, w.used, full, w.refused)
			}
		}
	}
}

// TestRollUp: a roll-up has one row per period and combination of the
// kept codes, with the sums of the rows below it; a measure that is not
// exact is left out.
func TestRollUp(t *testing.T) {
	c := &cube.Cube{Name: "t", Dims: []string{"ar", "a", "b"}, Measures: []string{"n", "h"}, Rows: []cube.Row{
		{Coords: []string{"2024", "x", "p"}, Values: []float64{1, 0.5}},
		{Coords: []string{"2024", "y", "p"}, Values: []float64{2, 1}},
		{Coords: []string{"2024", "x", "q"}, Values: []float64{4, 1}},
		{Coords: []string{"2024", "y", "q"}, Values: []float64{8, 1}},
		{Coords: []string{"2024", "x", "q"}, Values: []float64{16, 1}},
	}}
	x, err := newCubeIndex(c, false)
	if err != nil {
		t.Fatal(err)
	}
	r := x.rollUp(1<<0 | 1<<1) // ar, a
	if !slices.Equal(r.dims, []string{"ar", "a"}) || r.rows != 2 || r.val[1] != nil {
		t.Fatalf("dims %v, %d rows, hours %v", r.dims, r.rows, r.val[1])
	}
	got := map[string]float64{}
	for i := range r.rows {
		got[r.codes[1][r.col[1][i]]] = r.val[0][i]
	}
	if want := map[string]float64{"x": 21, "y": 10}; !maps.Equal(got, want) {
		t.Fatalf("sums %v, want %v", got, want)
	}
	if rs := r.periods["2024"]; len(rs) != 1 || rs[0] != (rowRange{0, 2}) {
		t.Fatalf("periods %v", r.periods)
	}
}

// TestRollupRowsWithinPeriods: a code's rows in a roll-up are listed
// period by period, so a table filtered on it sums each period's rows
// only, also where the last row of one period and the first of the next
// have the code.
func TestRollupRowsWithinPeriods(t *testing.T) {
	c := &cube.Cube{Name: "t", Dims: []string{"ar", "kvartal", "a", "b"}, Measures: []string{"n"}, Rows: []cube.Row{
		{Coords: []string{"2024", "1", "x", "p"}, Values: []float64{1}},
		{Coords: []string{"2024", "1", "y", "p"}, Values: []float64{2}},
		{Coords: []string{"2024", "2", "y", "p"}, Values: []float64{4}},
		{Coords: []string{"2024", "2", "x", "p"}, Values: []float64{8}},
		{Coords: []string{"2024", "2", "x", "q"}, Values: []float64{16}},
	}}
	x, err := newCubeIndex(c, true)
	if err != nil {
		t.Fatal(err)
	}
	r := x.rollUp(1<<0 | 1<<1 | 1<<2) // ar, kvartal, a
	y := r.ids[2]["y"]
	for _, pc := range []string{"2024-Q1", "2024-Q2"} {
		rs := r.periods[pc]
		sum := 0.0
		for _, rr := range clip(r.rowsOf[2][y], rs[0]) {
			for row := rr.lo; row < rr.hi; row++ {
				if r.col[1] != nil && r.codes[1][r.col[1][row]] != pc[len(pc)-1:] {
					t.Fatalf("%s: row %d of the code's rows is of quarter %s", pc, row, r.codes[1][r.col[1][row]])
				}
				sum += r.val[0][row]
			}
		}
		if want := map[string]float64{"2024-Q1": 2, "2024-Q2": 4}[pc]; sum != want {
			t.Errorf("%s: the rows of y sum to %v, want %v", pc, sum, want)
		}
	}
}

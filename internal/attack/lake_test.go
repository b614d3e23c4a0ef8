package attack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/lake"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

func quietLog() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// serve opens a lake in a store as the API does and returns its handler.
func serve(t testing.TB, st store.Store) *api.Handler {
	t.Helper()
	l, err := api.OpenLake(context.Background(), st, api.LakeOptions{Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(l, api.HandlerOptions{Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// sampleSet is the sample lake's aggregates: the truth the tests check
// the audit's intervals against (the audit itself never reads them).
func sampleSet(t testing.TB) *aggregate.Set {
	t.Helper()
	snap, err := lake.Open(context.Background(), fsstore.New(insyn.SampleLake()))
	if err != nil {
		t.Fatal(err)
	}
	return snap.Set
}

// randomLake writes a small lake of one year made to exercise the links:
// few persons in few nämnder, many holding insatser under both laws,
// rulings and rulings against the city, with the pattern the ingest
// function computes. It returns its directory and aggregates.
func randomLake(t testing.TB, seed uint64) (string, *aggregate.Set) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 16))
	const year = 2024
	namnder := dataset.Stockholm.Namnd.CodeValues()
	rng.Shuffle(len(namnder), func(i, j int) { namnder[i], namnder[j] = namnder[j], namnder[i] })
	namnder = namnder[:2+rng.IntN(3)]
	lss := []string{"personlig_assistans", "ledsagarservice", "bostad_vuxna", "daglig_verksamhet", "kontaktperson"}
	sol := []string{"sol_hemtjanst", "sol_boendestod", "sol_ledsagning", "sol_kontaktperson"}
	hours := []string{"personlig_assistans", "ledsagarservice", "sol_boendestod", "sol_ledsagning"}
	regi := dataset.Regi.CodeValues()
	matdatum := int32(dateDays(year, 10, 1))
	m := &aggregate.Microdata{Insatser: map[int][]v1.Insats{}, Beslut: map[int][]v1.Beslut{},
		EjVerkstallda: map[int][]v1.EjVerkstallt{}, KBF: map[int][]v1.KBF{}}
	persons := 40 + rng.IntN(80)
	for p := range persons {
		id := fmt.Sprintf("p%d", p)
		n := namnder[rng.IntN(len(namnder))]
		kon := []string{"K", "M"}[rng.IntN(2)]
		age := int32(rng.IntN(80))
		var mine []string
		switch rng.IntN(3) {
		case 0:
			mine = pick(rng, lss, 1+rng.IntN(2))
		case 1:
			mine = pick(rng, sol, 1+rng.IntN(2))
		default:
			mine = append(pick(rng, lss, 1), pick(rng, sol, 1)...)
		}
		for _, ins := range mine {
			c, _ := dataset.Insats.Lookup(ins)
			row := v1.Insats{PersonID: id, Matdatum: matdatum, Namnd: n, Lagrum: c.Group, Insats: ins, Kon: kon, Alder: age,
				Regi: regi[rng.IntN(len(regi))]}
			if ins == "bostad_vuxna" {
				row.Boendeform = dataset.Boendeform.CodeValues()[rng.IntN(3)]
			}
			if slices.Contains(hours, ins) {
				h := float64(10 + rng.IntN(300))
				row.Timmar = &h
			}
			m.Insatser[year] = append(m.Insatser[year], row)
		}
		if rng.IntN(3) == 0 {
			dom := rng.IntN(3) == 0
			m.Beslut[year] = append(m.Beslut[year], v1.Beslut{PersonID: id, Beslutsdatum: int32(dateDays(year, 3, 1)), Namnd: n,
				Lagrum: "LSS", Insats: []string{"ledsagning", "kontaktperson"}[rng.IntN(2)], Kon: kon,
				Funktionsnedsattning: dataset.Funktionsnedsattning.CodeValues()[rng.IntN(3)],
				Utfall:               dataset.Utfall.CodeValues()[rng.IntN(3)], Dom: dom, DomMotStaden: dom && rng.IntN(2) == 0})
		}
		if rng.IntN(4) == 0 && n != "socialnamnden" {
			m.KBF[year] = append(m.KBF[year], v1.KBF{PersonID: id, Namnd: n, Kon: kon, BeloppKr: int64(1000 + rng.IntN(9000))})
		}
	}
	e := &aggregate.External{Lov: map[int][]v1.LovCell{}, Befolkning: map[int][]v1.BefolkningCell{}, SFB: map[int][]v1.SFBCell{}}
	for _, n := range dataset.Stockholm.AreaList().CodeValues() {
		e.Befolkning[year] = append(e.Befolkning[year], v1.BefolkningCell{Namnd: n, AntalInvanare: int64(20000 + rng.IntN(80000))})
	}
	set, err := aggregate.Build(m, e)
	if err != nil {
		t.Fatal(err)
	}
	v, err := lake.Encode(m, set, lake.SampleCreated)
	if err != nil {
		t.Fatal(err)
	}
	protectFn, err := ingest.PatternMethod(protect.MethodCertified)
	if err != nil {
		t.Fatal(err)
	}
	pattern, err := protectFn(set, dataset.Stockholm, protect.Rules{Threshold: 4, ProtectionLevel: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetDisclosure(pattern); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := v.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir, set
}

func pick(rng *rand.Rand, from []string, n int) []string {
	p := rng.Perm(len(from))
	out := make([]string, 0, n)
	for _, i := range p[:n] {
		out = append(out, from[i])
	}
	return out
}

// dateDays is a date as days since 1970-01-01 (Parquet DATE).
func dateDays(y, mo, d int) int {
	days := 0
	for yy := 1970; yy < y; yy++ {
		days += 365
		if yy%4 == 0 && (yy%100 != 0 || yy%400 == 0) {
			days++
		}
	}
	mdays := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		mdays[1] = 29
	}
	for i := 0; i < mo-1; i++ {
		days += mdays[i]
	}
	return days + d - 1
}

// truth is the true value of every unknown of the audit's model, from the
// aggregates (which only the tests read).
func truth(t testing.TB, m *model, set *aggregate.Set) []float64 {
	t.Helper()
	src := set.Source()
	x := make([]float64, m.nVars)
	field := map[string]string{
		"insatser/DECISIONS": "antal_beslut", "insatser_personer/PERSONS": "antal_personer",
		"beslut/DECISIONS": "antal_beslut", "beslut/RULINGS": "antal_domar", "beslut/RULINGS_AGAINST_CITY": "antal_domar_mot_staden",
		"ej_verkstallda/DECISIONS": "antal_beslut", "kbf/PERSONS": "antal_personer",
	}
	for _, b := range m.blocks {
		ds, _, _ := cutFamily(b.family)
		c, err := src.Get(ds)
		if err != nil {
			t.Fatal(err)
		}
		mi := slices.Index(c.Measures, field[b.family])
		if mi < 0 {
			t.Fatalf("%s: no measure %s", b.family, field[b.family])
		}
		year, quarter, _ := cutPeriod(b.period)
		ai, qi := slices.Index(c.Dims, "ar"), slices.Index(c.Dims, "kvartal")
		at := make([]int, len(b.dims))
		for i, d := range b.dims {
			at[i] = slices.Index(c.Dims, d.name)
			if at[i] < 0 {
				t.Fatalf("%s: the cube has no dimension %s", b.family, d.name)
			}
		}
		for _, r := range c.Rows {
			if r.Coords[ai] != year || (qi >= 0 && r.Coords[qi] != quarter) {
				continue
			}
			flat := 0
			for i, d := range b.dims {
				j := slices.Index(d.codes, r.Coords[at[i]])
				if j < 0 {
					t.Fatalf("%s: code %q of %s is no unknown's", b.family, r.Coords[at[i]], d.name)
				}
				flat += j * b.radix[i]
			}
			v := b.vars[flat]
			if v < 0 {
				if r.Values[mi] != 0 {
					t.Fatalf("%s %v: %g where the contracts allow nothing", b.family, r.Coords, r.Values[mi])
				}
				continue
			}
			x[v] += r.Values[mi]
		}
	}
	return x
}

func cutFamily(f string) (string, string, bool) {
	for i := range f {
		if f[i] == '/' {
			return f[:i], f[i+1:], true
		}
	}
	return f, "", false
}

// cutPeriod splits "2024-Q2" into "2024" and "2" ("2024": no quarter).
func cutPeriod(p string) (string, string, bool) {
	if len(p) > 5 && p[4] == '-' {
		return p[:4], p[6:], true
	}
	return p, "", false
}

// checkTruth fails the test unless the true values satisfy every row of
// the attacker's model (what the attacker derives holds of the truth)
// and lie in every solved interval.
func checkTruth(t *testing.T, res *Result, set *aggregate.Set) {
	t.Helper()
	m := res.model
	x := truth(t, m, set)
	bad := 0
	for i := range m.rows {
		r := &m.rows[i]
		sum := 0.0
		r.each(func(v int32, c float64, _ int) { sum += c * x[v] })
		if sum < r.lo-1e-6 || sum > r.hi+1e-6 {
			if bad++; bad <= 10 {
				t.Errorf("the truth breaks %s: %g not in [%g, %g]", r.why, sum, r.lo, r.hi)
			}
		}
	}
	for i, iv := range res.Intervals {
		if !iv.Solved {
			continue
		}
		sum := 0.0
		m.targets[i].t.each(func(v int32) { sum += x[v] })
		if sum < iv.Lo || (!iv.Unbounded && sum > iv.Hi) {
			t.Errorf("%s is %g, outside its interval %s", describe(iv.Figure), sum, iv)
		}
	}
}

package attack

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// issue16 are the three counts of issue 16's attack (Socialnämnden, 2022,
// kvinnor): persons with only SoL, decisions on hemtjänst, and the SoL
// decisions in all.
var issue16 = []map[string][]string{
	{"namnd": {"socialnamnden"}, "kon": {"K"}, "lagrumsgrupp": {"endast_sol"}},
	{"namnd": {"socialnamnden"}, "kon": {"K"}, "insats": {"sol_hemtjanst"}},
	{"namnd": {"socialnamnden"}, "kon": {"K"}, "lagrum": {"SoL"}},
}

// issueIntervals finds the intervals of the issue's three counts.
func issueIntervals(t *testing.T, res *Result) []Interval {
	t.Helper()
	var out []Interval
	for _, want := range issue16 {
		found := false
		for _, iv := range res.Intervals {
			f := iv.Figure
			if f.Period == "2022" && (f.Measure == "DECISIONS" || f.Measure == "PERSONS") && sameWhere(f.Where, want) {
				out = append(out, iv)
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("no suppressed count %v in 2022", want)
		}
	}
	return out
}

func sameWhere(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || len(w) != len(v) {
			return false
		}
		for i := range v {
			if v[i] != w[i] {
				return false
			}
		}
	}
	return true
}

// sampleAudit is the audit of the sample lake, run once per test binary.
var sampleAudit = sync.OnceValues(func() (*Result, error) {
	l, err := api.OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), api.LakeOptions{Logger: quietLog()})
	if err != nil {
		return nil, err
	}
	h, err := api.NewHandler(l, api.HandlerOptions{Logger: quietLog()})
	if err != nil {
		return nil, err
	}
	return Run(h, Options{Path: api.Path})
})

// TestAuditSampleLake audits the sample lake over its public answers:
// every seed table read, every file agreeing with its answer, the
// attacker's model true of the real data (every row holds for the true
// counts, every interval contains the true count). It logs what the
// audit finds and the narrowest width, and does not require the stored
// pattern to pass.
func TestAuditSampleLake(t *testing.T) {
	res, err := sampleAudit()
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Stats)
	if len(res.Harvest.Unread) > 0 {
		t.Errorf("seed-table figures not read: %v", res.Harvest.Unread)
	}
	if res.Harvest.Files != 29 {
		t.Errorf("%d seed tables' CSV files compared, want 29", res.Harvest.Files)
	}
	checkTruth(t, res, sampleSet(t))
	for _, f := range res.Failures {
		t.Log("found:", f)
	}
	for _, iv := range issueIntervals(t, res) {
		t.Logf("issue 16: %s %s width %g", describe(iv.Figure), iv, iv.Width())
	}
	n := res.Narrowest()
	t.Logf("narrowest width %g: %s %s", n.Width(), describe(n.Figure), n)
}

// TestAuditRandomLakes audits small random lakes made to exercise the
// links (the first with every interval solved on its own): the
// attacker's model holds of the true data, every solved interval
// contains the true count, and the second lake's verdicts with
// witnesses are those with every program solved.
func TestAuditRandomLakes(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		dir, set := randomLake(t, seed)
		st, err := dirstore.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(serve(t, st), Options{Path: api.Path, Exact: seed == 1})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkTruth(t, res, set)
		t.Logf("seed %d: %s; %d failures", seed, res.Stats, len(res.Failures))
		if seed == 2 {
			// the witnesses' verdicts are the whole programs'
			exact, err := AuditHarvest(res.Harvest, Options{Exact: true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(exact.Failures, res.Failures) {
				t.Errorf("seed %d: with witnesses the audit fails\n%v\nwith every program solved\n%v", seed, res.Failures, exact.Failures)
			}
		}
		if n := res.Narrowest(); n != nil {
			t.Logf("seed %d: narrowest width %g: %s %s", seed, n.Width(), describe(n.Figure), n)
		}
	}
}

// TestLeakyPatternCaught: the sample lake with the complementary cells
// of its smallest structure that has any published again lets its small
// counts be computed, and the audit says so.
func TestLeakyPatternCaught(t *testing.T) {
	snap, err := lake.Open(context.Background(), fsstore.New(insyn.SampleLake()))
	if err != nil {
		t.Fatal(err)
	}
	l, rules, err := protect.UnmarshalLake(snap.Disclosure)
	if err != nil {
		t.Fatal(err)
	}
	leaky := -1
	for i, p := range l.Patterns {
		if p.Secondaries > 0 && (leaky < 0 || len(p.Marks) < len(l.Patterns[leaky].Marks)) {
			leaky = i
		}
	}
	if leaky < 0 {
		t.Fatal("the sample lake's pattern has no complementary cell")
	}
	opened := 0
	for c, m := range l.Patterns[leaky].Marks {
		if m == protect.Secondary {
			l.Patterns[leaky].Marks[c] = protect.Published
			opened++
		}
	}
	s := l.Structures[leaky]
	name, period := s.Name, s.Period
	pattern, err := l.MarshalPatterns(rules)
	if err != nil {
		t.Fatal(err)
	}
	v, err := lake.Encode(nil, snap.Set, lake.SampleCreated)
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
	st, err := dirstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(serve(t, st), Options{Path: api.Path})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s: %d complements published", name, period, opened)
	ds, _, _ := strings.Cut(name, "/")
	caught := 0
	for _, iv := range res.Intervals {
		if f := iv.Figure; f.Dataset == ds && f.Period == period.String() && iv.Width() < 3 {
			caught++
			t.Logf("caught: %s %s", describe(f), iv)
		}
	}
	if caught == 0 {
		t.Errorf("%s %s with %d complements published: the audit finds no count of it narrower than 3", name, period, opened)
	}
}

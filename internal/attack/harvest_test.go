package attack

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

func sampleHandler(t testing.TB) *api.Handler {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	l, err := api.OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), api.LakeOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(l, api.HandlerOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHarvestSample(t *testing.T) {
	h := sampleHandler(t)
	start := time.Now()
	hv, err := HarvestAll(h, api.Path)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, f := range hv.Figures {
		counts[f.Dataset+" "+f.Measure+" "+f.Mark]++
	}
	t.Logf("%d requests, %d tables, %d figures, %d inconsistent, %v", hv.Requests, hv.Tables, len(hv.Figures), len(hv.Inconsistent), time.Since(start))
	for k, v := range counts {
		t.Logf("%s: %d", k, v)
	}
}

func TestAuditSampleDebug(t *testing.T) {
	h := sampleHandler(t)
	res, err := Run(h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Stats)
	for _, f := range res.Failures {
		t.Log(f)
	}
	if n := res.Narrowest(); n != nil {
		t.Logf("narrowest: %s %s", describe(n.Figure), n)
	}
}

func TestModelSizes(t *testing.T) {
	h := sampleHandler(t)
	hv, err := HarvestAll(h, api.Path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := buildModel(hv)
	if err != nil {
		t.Fatal(err)
	}
	red, err := reduce(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("vars %d free %d classes %d rows %d targets %d", m.nVars, red.vars, red.classes, len(m.rows), len(m.targets))
	for _, k := range red.components {
		t.Logf("component n=%d rows=%d targets=%d", k.n, len(k.rows), len(k.targets))
	}
}

func TestDumpComponent(t *testing.T) {
	h := sampleHandler(t)
	hv, err := HarvestAll(h, api.Path)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := buildModel(hv)
	red, _ := reduce(m)
	os.WriteFile("/tmp/comp0.json", red.components[0].appendJSON(nil, 3, false), 0o644)
}

func TestReportsRead(t *testing.T) {
	hv, err := HarvestAll(sampleHandler(t), api.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("figures %d files %d unread %d inconsistent %d", len(hv.Figures), hv.Files, len(hv.Unread), len(hv.Inconsistent))
	for i, u := range hv.Unread {
		if i < 15 {
			t.Log(u)
		}
	}
	for i, u := range hv.Inconsistent {
		if i < 15 {
			t.Log(u)
		}
	}
	if _, err := buildModel(hv); err != nil {
		t.Fatal(err)
	}
}

package attack

import (
	"context"
	"io"
	"log/slog"
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

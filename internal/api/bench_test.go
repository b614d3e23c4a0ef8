package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/reports"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/fsstore"
	"github.com/stockholm/insyn/internal/workload"
)

// benchRequest measures a warm POST through the handler in-process, b.N
// times, and reports the median and 99th percentile latency.
func benchRequest(b *testing.B, h http.Handler, query string, vars map[string]any) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		b.Fatal(err)
	}
	// The answer goes into a buffer reused from request to request, as a
	// server's connection (workload.Sink), not a new one per request.
	var sink workload.Sink
	do := func() *workload.Sink {
		req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sink.Reset()
		h.ServeHTTP(&sink, req)
		return &sink
	}
	if rec := do(); rec.Status != 200 || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("status %d: %s", rec.Status, rec.Body.Bytes())
	}
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		do()
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[int(p*float64(len(times)-1))].Nanoseconds()) / 1e6
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// computingHandler answers the sample lake without the answer cache, so
// that a benchmark measures answering a request, not finding the bytes of
// the same request's answer (microseconds).
func computingHandler(b *testing.B) *Handler {
	h, err := NewHandler(sampleHandler(b).lake, HandlerOptions{AnswerCacheBytes: -1, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkReport is the warm latency of each seed table's query (every
// field of the printed layout) through the handler, without the answer
// cache (a seed table's figures are computed once per version).
func BenchmarkReport(b *testing.B) {
	h := computingHandler(b)
	tables, err := reports.Tables()
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range tables {
		b.Run(p.ID, func(b *testing.B) { benchRequest(b, h, reportQuery, map[string]any{"id": p.ID}) })
	}
}

// BenchmarkTable is the warm latency of generic table queries, small and
// large, computed for every request.
func BenchmarkTable(b *testing.B) {
	h := computingHandler(b)
	for _, bm := range []struct {
		name string
		vars map[string]any
	}{
		{"kbf-by-namnd-kon-36-cells", map[string]any{"dataset": "kbf", "measure": "PERSONS", "period": "2024", "groupBy": []string{"namnd", "kon"}, "totals": true}},
		{"insatser-by-insats-kon-3y-180-cells", map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2022/2024", "groupBy": []string{"insats", "kon"}, "totals": true}},
		{"insatser-by-namnd-insats-kon-780-cells", map[string]any{"dataset": "insatser", "measure": "DECISIONS", "period": "2024", "groupBy": []string{"namnd", "insats", "kon"}}},
	} {
		b.Run(bm.name, func(b *testing.B) { benchRequest(b, h, tableQuery, bm.vars) })
	}
}

// BenchmarkOpenLake is what a cold instance does before it answers: read
// the embedded lake's manifest and disclosure pattern, and then every
// dataset (a cold instance reads only those its first request needs). It
// reports the heap the whole version holds.
func BenchmarkOpenLake(b *testing.B) {
	var heap uint64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		l, err := OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), LakeOptions{Logger: discardLogger()})
		if err != nil {
			b.Fatal(err)
		}
		if err := l.cur.Load().load(); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(l)
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
}

// BenchmarkWorkload is the warm latency of the query mix of
// internal/workload, computed for every request (no answer cache), on the
// lake in the directory INSYN_BENCH_LAKE names (the national benchmark lake is
// made by go run ./testdata/gen -national -out .tools/national), else on
// the sample lake. Each query is answered once before timing, so the
// years it needs are read and indexed, and their roll-ups built.
//
//	INSYN_BENCH_LAKE=$PWD/.tools/national go test ./internal/api -run '^$' -bench Workload
func BenchmarkWorkload(b *testing.B) {
	h := computingHandler(b)
	if dir := os.Getenv("INSYN_BENCH_LAKE"); dir != "" {
		st, err := dirstore.New(dir)
		if err != nil {
			b.Fatal(err)
		}
		l, err := OpenLake(context.Background(), st, LakeOptions{Logger: discardLogger(), RefreshInterval: DefaultRefreshInterval})
		if err != nil {
			b.Fatal(err)
		}
		if h, err = NewHandler(l, HandlerOptions{AnswerCacheBytes: -1, Logger: discardLogger()}); err != nil {
			b.Fatal(err)
		}
	}
	// What a warm instance has: the years read, their roll-ups built.
	for _, q := range workload.Mix() {
		post(b, h, q.GraphQL, q.Variables)
	}
	h.lake.Settle()
	for _, q := range workload.Mix() {
		b.Run(strings.ReplaceAll(q.Name, " ", "_"), func(b *testing.B) { benchRequest(b, h, q.GraphQL, q.Variables) })
	}
}

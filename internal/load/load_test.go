package load

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/store/fsstore"
	"github.com/stockholm/insyn/internal/workload"
)

// sampleServer serves the API over the embedded sample lake.
func sampleServer(t *testing.T) *httptest.Server {
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
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestRunAgainstTheSampleLake: the mix at concurrency 4 gets every answer
// right; a query the API refuses is counted as an error each time it is
// sent, and so is every answer of a server that fails.
func TestRunAgainstTheSampleLake(t *testing.T) {
	srv := sampleServer(t)
	mix := workload.Mix()
	res, err := Run(context.Background(), Config{Target: srv.URL, Queries: mix, Concurrency: 4, Requests: 3 * len(mix)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 3*len(mix) || res.Errors != 0 || res.Throughput() <= 0 || res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Fatalf("result %+v", res)
	}

	bad := workload.Query{Name: "bad", GraphQL: workload.TableQuery,
		Variables: map[string]any{"dataset": "nope", "measure": "DECISIONS", "period": "2024"}}
	withBad := append(mix[:3:3], bad)
	res, err = Run(context.Background(), Config{Target: srv.URL, Queries: withBad, Concurrency: 3, Requests: 4 * len(withBad)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 16 || res.Errors != 4 || len(res.FirstErrors) != 4 || !strings.Contains(res.FirstErrors[0], `bad: GraphQL error: dataset: "nope" is not a dataset`) {
		t.Errorf("with a refused query: %+v", res)
	}

	var served atomic.Int64
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	res, err = Run(context.Background(), Config{Target: failing.URL, Queries: mix, Concurrency: 2, Requests: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 10 || res.Errors != 10 || served.Load() != 10 || !strings.Contains(res.FirstErrors[0], "status 503: overloaded") {
		t.Errorf("against a failing server: %+v", res)
	}
}

// TestRunBounds: a run bounded by time stops starting requests when the
// time is up; an unbounded or unusable configuration is refused.
func TestRunBounds(t *testing.T) {
	srv := sampleServer(t)
	start := time.Now()
	res, err := Run(context.Background(), Config{Target: srv.URL, Queries: workload.Mix(), Concurrency: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); res.Requests == 0 || res.Errors != 0 || took < 300*time.Millisecond || took > 5*time.Second {
		t.Errorf("a 300 ms run took %s: %+v", took, res)
	}
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Target: srv.URL, Queries: workload.Mix(), Concurrency: 1}, "unbounded run"},
		{Config{Target: srv.URL, Queries: workload.Mix(), Requests: 1}, "concurrency 0"},
		{Config{Target: srv.URL, Concurrency: 1, Requests: 1}, "no queries"},
		{Config{Queries: workload.Mix(), Concurrency: 1, Requests: 1}, "no target"},
	} {
		if _, err := Run(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error saying %q", c.cfg, err, c.want)
		}
	}
}

// TestStartTheAPI: the API built as deployed starts over the embedded
// sample lake, answers, reports its peak memory and CPU time, and stops;
// its peak memory is known after it exited too.
func TestStartTheAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the API binary")
	}
	bin := builtAPI(t)
	s, err := Start(bin, "embedded")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cold, err := s.WaitAnswer(ctx, []byte(`{"query":"{ lake { version } }"}`))
	if err != nil || cold <= 0 {
		t.Fatalf("first answer after %s: %v", cold, err)
	}
	res, err := Run(ctx, Config{Target: s.URL, Queries: workload.Mix(), Concurrency: 2, Requests: 18})
	if err != nil || res.Errors != 0 {
		t.Fatalf("%+v, %v", res, err)
	}
	rss, err := s.PeakRSS()
	if err != nil || rss < 1<<20 {
		t.Errorf("peak memory %d bytes: %v", rss, err)
	}
	if ticks, err := s.CPUTicks(); err != nil || ticks < 0 {
		t.Errorf("CPU time %d ticks: %v", ticks, err)
	}
	if dead, how := s.Exited(); dead {
		t.Errorf("a running server has exited: %s", how)
	}
	s.Stop()
	if _, err := s.WaitAnswer(ctx, []byte(`{"query":"{ lake { version } }"}`)); err == nil {
		t.Error("a stopped server answered")
	}
	if dead, how := s.Exited(); !dead || how != "signal: killed" {
		t.Errorf("a stopped server: exited %v, %q", dead, how)
	}
	if after, err := s.PeakRSS(); err != nil || after < rss*9/10 { // the kernel's maxrss, a little under VmHWM
		t.Errorf("peak memory of the stopped server: %d bytes (%d before): %v", after, rss, err)
	}

	broken, err := Start(bin, "dir:"+filepath.Join(t.TempDir(), "no-lake"))
	if err != nil {
		t.Fatal(err)
	}
	defer broken.Stop()
	if _, err := broken.WaitAnswer(ctx, []byte(`{"query":"{ lake { version } }"}`)); err == nil || !strings.Contains(err.Error(), "exited before answering") {
		t.Errorf("a server that cannot open its lake: %v", err)
	}
}

// The API's binary, built once for the tests that start it.
var apiBuild struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// builtAPI builds the API as deployed, once per test binary.
func builtAPI(t *testing.T) string {
	t.Helper()
	apiBuild.once.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			apiBuild.err = err
			return
		}
		if apiBuild.dir, apiBuild.err = os.MkdirTemp("", "insyn-load-test-"); apiBuild.err != nil {
			return
		}
		apiBuild.bin, apiBuild.err = BuildAPI(context.Background(), root, apiBuild.dir)
	})
	if apiBuild.err != nil {
		t.Fatal(apiBuild.err)
	}
	return apiBuild.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if apiBuild.dir != "" {
		os.RemoveAll(apiBuild.dir)
	}
	os.Exit(code)
}

// Command scale is insyn's scale benchmark: on the national benchmark lake
// (290 municipalities, about 100 times the sample's microdata; made by
// go run ./testdata/gen -national) it measures, on the same files, the
// query mix of internal/workload through the API and in DuckDB — warm
// latency, cold start — the API's peak memory and throughput under load,
// the disclosure pattern and an ingest of a year of microdata, and prints
// one table in Markdown. infra/scale.sh makes the lake when it is missing
// and runs this; it takes about ten minutes on two cores and is not part
// of CI.
//
//	go run ./infra/scale -lake .tools/national
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/load"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
	"github.com/stockholm/insyn/internal/workload"
)

// options are the command's flags.
type options struct {
	lake                 string
	warm, computed, duck int
	cold                 int
	loadFor              time.Duration
	conc                 int
	memLimit             string
	pattern, ingest      bool
	ingestRuns           int
	output               string
	// sampleOnly skips the national lake: the hello-world baseline and
	// the sample lake only.
	sampleOnly bool
	tput       time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.lake, "lake", ".tools/national", "the national benchmark lake")
	flag.IntVar(&o.warm, "warm", 200, "repeated requests per query through the handler (answer cache on)")
	flag.IntVar(&o.computed, "computed", 200, "requests per query through a handler without the answer cache")
	flag.IntVar(&o.duck, "duck", 30, "repeated runs per query in one DuckDB connection")
	flag.IntVar(&o.cold, "cold", 5, "new processes per query, for insyn and for DuckDB (0: none, and no load run: warm queries only)")
	flag.DurationVar(&o.loadFor, "load", 20*time.Second, "length of the load run (0: none)")
	flag.IntVar(&o.conc, "c", 8, "concurrency of the load run")
	flag.StringVar(&o.memLimit, "memlimit", "400MiB", "GOMEMLIMIT of the second load run")
	flag.BoolVar(&o.pattern, "pattern", true, "time the disclosure pattern of the lake (certified and Gauss)")
	flag.BoolVar(&o.ingest, "ingest", true, "time an ingest of a year of insatser microdata")
	flag.IntVar(&o.ingestRuns, "ingest-runs", 3, "ingests without the pattern step (the one with it runs once)")
	flag.StringVar(&o.output, "o", "", "also write the table to this file")
	flag.BoolVar(&o.sampleOnly, "sample-only", false, "measure the hello-world baseline and the embedded sample lake only (no national lake, no DuckDB)")
	flag.DurationVar(&o.tput, "tput", 5*time.Second, "length of each throughput run of a small cached answer, API and hello-world (0: none)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(context.Background(), o, log); err != nil {
		log.Error("scale benchmark failed", "err", err)
		os.Exit(1)
	}
}

// result is one query's figures.
type result struct {
	q                        workload.Query
	cells, checked           int
	first                    time.Duration // first answer on a warm instance (indexes, seed table built)
	repeated, computed, duck []time.Duration
	insynCold, duckCold      []time.Duration
}

func run(ctx context.Context, o options, log *slog.Logger) error {
	for _, f := range []struct {
		name string
		n    int
	}{{"warm", o.warm}, {"computed", o.computed}, {"duck", o.duck}, {"ingest-runs", o.ingestRuns}, {"c", o.conc}} {
		if f.n < 1 {
			return fmt.Errorf("-%s %d: give 1 or more", f.name, f.n)
		}
	}
	if o.cold < 0 {
		return fmt.Errorf("-cold %d: give 0 or more", o.cold)
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	var out strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&out, format, args...) }
	p("## Scale benchmark, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	p("Machine: %s, %d cores (shared), load average %s at the start; %s.\n\n", cpuModel(), runtime.NumCPU(), loadAvg(), runtime.Version())
	binDir, err := os.MkdirTemp("", "insyn-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	bin, err := load.BuildAPI(ctx, root, binDir)
	if err != nil {
		return err
	}
	if o.cold > 0 {
		log.Info("baseline: hello-world net/http server and the embedded sample lake", "runs", o.cold)
		if err := baseline(ctx, o, root, binDir, bin, p); err != nil {
			return err
		}
	}
	if o.sampleOnly {
		return finish(o, p, &out)
	}
	lakeDir, err := filepath.Abs(o.lake)
	if err != nil {
		return err
	}
	st, err := dirstore.New(lakeDir)
	if err != nil {
		return err
	}
	m, _, err := lake.ReadManifest(ctx, st)
	if err != nil {
		return fmt.Errorf("%w (make the lake with: go run ./testdata/gen -national -out %s)", err, o.lake)
	}
	facts, err := lakeFacts(lakeDir, m)
	if err != nil {
		return err
	}
	p("%s\n\n", facts)

	mix := workload.Mix()
	res := make([]*result, len(mix))
	for i, q := range mix {
		res[i] = &result{q: q}
	}

	log.Info("in-process: opening the lake and timing warm queries")
	// Opening reads the manifest and the disclosure pattern; a table of
	// every dataset over all its periods then reads every file.
	var opens, reads []time.Duration
	var heap uint64
	var l *api.Lake
	var repeated *api.Handler
	for range 3 {
		l, repeated = nil, nil
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		t := time.Now()
		// The refresh interval of a deployed instance (INSYN_REFRESH_INTERVAL's
		// default): with none, every request would read the manifest again.
		if l, err = api.OpenLake(ctx, st, api.LakeOptions{Logger: slog.New(slog.DiscardHandler), RefreshInterval: api.DefaultRefreshInterval}); err != nil {
			return err
		}
		opens = append(opens, time.Since(t))
		if repeated, err = api.NewHandler(l, api.HandlerOptions{Logger: slog.New(slog.DiscardHandler)}); err != nil {
			return err
		}
		t = time.Now()
		if err := readEveryDataset(repeated); err != nil {
			return err
		}
		reads = append(reads, time.Since(t))
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
	}
	computed, err := api.NewHandler(l, api.HandlerOptions{Logger: slog.New(slog.DiscardHandler), AnswerCacheBytes: -1})
	if err != nil {
		return err
	}
	answers := make([]*workload.Answer, len(mix))
	for i, r := range res {
		body, err := json.Marshal(map[string]any{"query": r.q.GraphQL, "variables": r.q.Variables})
		if err != nil {
			return err
		}
		t := time.Now()
		b, err := serve(computed, body)
		r.first = time.Since(t)
		if err != nil {
			return fmt.Errorf("%s: %w", r.q.Name, err)
		}
		if answers[i], err = workload.Decode(b); err != nil {
			return fmt.Errorf("%s: %w", r.q.Name, err)
		}
		r.cells = answers[i].Cells()
		// A warm instance has the roll-ups its answers queued (built in
		// the background: timing while they are built times them too).
		l.Settle()
		var sink workload.Sink
		for range o.computed {
			t := time.Now()
			if err := serveInto(&sink, computed, body); err != nil {
				return err
			}
			r.computed = append(r.computed, time.Since(t))
		}
		if _, err := serve(repeated, body); err != nil {
			return err
		}
		for range o.warm {
			t := time.Now()
			if err := serveInto(&sink, repeated, body); err != nil {
				return err
			}
			r.repeated = append(r.repeated, time.Since(t))
		}
	}
	l, repeated, computed = nil, nil, nil
	runtime.GC()

	log.Info("DuckDB: warm runs in one connection")
	version, err := duckdb(ctx, root, mix, lakeDir, o.duck, func(i int, ms []float64, rows []map[string]*string) error {
		r := res[i]
		for _, x := range ms {
			r.duck = append(r.duck, msDuration(x))
		}
		if !r.q.Comparable {
			return nil
		}
		n, err := workload.Compare(answers[i], rows)
		if err != nil {
			return fmt.Errorf("%s: the API and DuckDB disagree: %w", r.q.Name, err)
		}
		r.checked = n
		return nil
	})
	if err != nil {
		return err
	}
	if o.cold == 0 {
		// Warm queries only: no process is built or started.
		writeQueries(p, o, res, version)
		return finish(o, p, &out)
	}
	log.Info("DuckDB: a new process per query", "runs", o.cold)
	for i, r := range res {
		for range o.cold {
			t := time.Now()
			if _, err := duckdb(ctx, root, mix[i:i+1], lakeDir, 0, nil); err != nil {
				return err
			}
			r.duckCold = append(r.duckCold, time.Since(t))
		}
	}

	log.Info("insyn: a new API process per query", "runs", o.cold)
	var peak int64
	for _, r := range res {
		body, _ := json.Marshal(map[string]any{"query": r.q.GraphQL, "variables": r.q.Variables})
		for range o.cold {
			d, rss, err := coldStart(ctx, bin, lakeDir, body)
			if err != nil {
				return fmt.Errorf("%s: %w", r.q.Name, err)
			}
			r.insynCold = append(r.insynCold, d)
			peak = max(peak, rss)
		}
	}
	// Under load the peak is mostly the garbage collector's headroom; a
	// soft memory limit (GOMEMLIMIT) trades it for collector CPU.
	type loadFigures struct {
		env  []string
		res  load.Result
		peak int64
	}
	var loads []loadFigures
	if o.loadFor > 0 {
		for _, env := range [][]string{nil, {"GOMEMLIMIT=" + o.memLimit}} {
			log.Info("insyn: load", "concurrency", o.conc, "for", o.loadFor, "env", env)
			res, rss, err := loadRun(ctx, bin, lakeDir, mix, o.conc, o.loadFor, env)
			if err != nil {
				return err
			}
			loads = append(loads, loadFigures{env, res, rss})
		}
	}

	writeQueries(p, o, res, version)
	p("| measure | figure |\n|---|---|\n")
	p("| open the lake in-process (manifest, stored pattern) / then read every dataset (files, cubes) | %s / %s (medians of %d); heap of the version with every dataset %.0f MiB |\n",
		ms(median(opens)), secs(median(reads)), len(opens), float64(heap)/(1<<20))
	p("| peak resident memory of the API process (VmHWM), highest of the cold starts (goal < 512 MiB) | %.0f MiB |\n", float64(peak)/(1<<20))
	for _, l := range loads {
		with := "default settings"
		if len(l.env) > 0 {
			with = "`" + strings.Join(l.env, " ") + "`"
		}
		p("| load: the mix in turn, %d concurrent clients (asking for gzip, as browsers do) for %s, API as its own process, %s (`go run ./infra/load`) | %d requests, %.0f req/s, p50 %s, p99 %s, %d errors; peak resident memory **%.0f MiB** |\n",
			o.conc, o.loadFor, with, l.res.Requests, l.res.Throughput(), ms(l.res.P50), ms(l.res.P99), l.res.Errors, float64(l.peak)/(1<<20))
	}
	if o.pattern || o.ingest {
		log.Info("disclosure pattern and ingest")
		if err := patternAndIngest(ctx, o, lakeDir, p, log); err != nil {
			return err
		}
	}
	return finish(o, p, &out)
}

// finish ends the table with the load average, prints it and writes it
// to the -o file.
func finish(o options, p func(string, ...any), out *strings.Builder) error {
	p("\nEnd of run: load average %s.\n", loadAvg())
	fmt.Print(out.String())
	if o.output != "" {
		return os.WriteFile(o.output, []byte(out.String()), 0o644)
	}
	return nil
}

// writeQueries writes the table of the queries' figures.
func writeQueries(p func(string, ...any), o options, res []*result, version string) {
	p("| query | cells | insyn warm, repeated p50 / p99 | insyn warm, computed p50 / p99 | first on a warm instance | DuckDB warm p50 / p99 | warm ratio (DuckDB p50 ÷ insyn p50) repeated / computed | insyn cold | DuckDB cold | cold ratio | cells checked against DuckDB |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range res {
		rep, comp, duck := sorted(r.repeated), sorted(r.computed), sorted(r.duck)
		ic, dc := median(r.insynCold), median(r.duckCold)
		checked := "—"
		if r.q.Comparable {
			checked = fmt.Sprint(r.checked)
		}
		p("| %s | %d | %s / %s | %s / %s | %s | %s / %s | %s / %s | %s | %s | %s | %s |\n", r.q.Name, r.cells,
			ms(pct(rep, .5)), ms(pct(rep, .99)), ms(pct(comp, .5)), ms(pct(comp, .99)), ms(r.first),
			ms(pct(duck, .5)), ms(pct(duck, .99)),
			ratio(pct(duck, .5), pct(rep, .5)), ratio(pct(duck, .5), pct(comp, .5)),
			ms(ic), ms(dc), ratio(dc, ic), checked)
	}
	p("\nMedians of %d repeated and %d computed requests through the handler in-process, %d DuckDB runs in one connection "+
		"(after a first run, not counted), %d new processes per query (insyn: the API built as deployed, `INSYN_LAKE=dir:`, process start to the query's answer; "+
		"DuckDB %s: `node` start to the query's rows). \"Computed\" is a handler without the answer cache: "+
		"a table is computed from the cubes each time; a seed table is computed once per lake version either way.\n\n",
		o.warm, o.computed, o.duck, o.cold, version)
}

// serve answers one POST in-process and fails unless it is a 200.
func serve(h http.Handler, body []byte) ([]byte, error) {
	var sink workload.Sink
	if err := serveInto(&sink, h, body); err != nil {
		return nil, err
	}
	return sink.Body.Bytes(), nil
}

// serveInto answers one POST in-process into sink, a buffer reused from
// request to request as a server's connection is (a recorder's new
// buffer per answer doubled the allocations timed), and fails unless it
// is a 200.
func serveInto(sink *workload.Sink, h http.Handler, body []byte) error {
	req := httptest.NewRequest(http.MethodPost, api.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sink.Reset()
	h.ServeHTTP(sink, req)
	if sink.Status != http.StatusOK {
		return fmt.Errorf("status %d: %.300s", sink.Status, sink.Body.Bytes())
	}
	return nil
}

// readEveryDataset asks h for a table of each dataset over all its
// periods, in the first of its measures that needs no more arguments, so
// that the API reads every file of the lake (a request reads the years it
// needs only).
func readEveryDataset(h http.Handler) error {
	b, err := serve(h, []byte(`{"query":"{ datasets { name measures periods { code } } }"}`))
	if err != nil {
		return err
	}
	var list struct {
		Data struct {
			Datasets []struct {
				Name     string
				Measures []string
				Periods  []struct{ Code string }
			}
		}
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	for _, d := range list.Data.Datasets {
		if len(d.Periods) == 0 {
			continue
		}
		period := d.Periods[0].Code + "/" + d.Periods[len(d.Periods)-1].Code
		answered := false
		for _, m := range d.Measures {
			q, err := json.Marshal(map[string]string{"query": fmt.Sprintf(`{ table(dataset: %q, measure: %s, period: %q) { cells { display } } }`, d.Name, m, period)})
			if err != nil {
				return err
			}
			b, err := serve(h, q)
			if err != nil {
				return err
			}
			if !bytes.Contains(b, []byte(`"errors"`)) {
				answered = true
				break
			}
		}
		if !answered {
			return fmt.Errorf("dataset %s: no measure gives a table of %s", d.Name, period)
		}
	}
	return nil
}

// baseline measures, side by side in one run, a hello-world net/http
// server (infra/scale/hello, built and started as the API is) and the API
// over its embedded sample lake: process start to the first answer, and
// the throughput of a small answer the API has cached, with its access
// log on.
func baseline(ctx context.Context, o options, root, binDir, bin string, p func(string, ...any)) error {
	hello, err := load.Build(ctx, root, "./infra/scale/hello", filepath.Join(binDir, "hello"))
	if err != nil {
		return err
	}
	mix := workload.Mix()
	small, seed := mix[2], mix[0]
	body := func(q workload.Query) []byte {
		b, _ := json.Marshal(map[string]any{"query": q.GraphQL, "variables": q.Variables})
		return b
	}
	// The hello-world server answers with the API's own bytes for the
	// small table, so both send the same answer.
	s, err := load.Start(bin, api.DefaultLake)
	if err != nil {
		return err
	}
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := s.WaitAnswer(wait, body(small)); err != nil {
		s.Stop()
		return err
	}
	answer, err := post(s.URL, body(small))
	s.Stop()
	if err != nil {
		return err
	}
	helloEnv := []string{"HELLO_BODY=" + string(answer)}
	rows := []struct {
		name string
		bin  string
		env  []string
		q    workload.Query
		ds   []time.Duration
	}{
		{name: "hello-world net/http server (`infra/scale/hello`), its one answer", bin: hello, env: helloEnv, q: small},
		{name: "insyn, embedded sample lake: " + small.Name + " (a small table)", bin: bin, q: small},
		{name: "insyn, embedded sample lake: " + seed.Name + " (a seed table)", bin: bin, q: seed},
	}
	// Interleaved, so that a change in the machine's load falls on all.
	for range o.cold {
		for i := range rows {
			d, err := coldOnce(ctx, rows[i].bin, rows[i].env, body(rows[i].q))
			if err != nil {
				return fmt.Errorf("%s: %w", rows[i].name, err)
			}
			rows[i].ds = append(rows[i].ds, d)
		}
	}
	helloCold := median(rows[0].ds)
	p("| cold start: process start to the first answer (median of %d, interleaved) | time | ÷ hello-world (goal ≤ 2×) |\n|---|---:|---:|\n", o.cold)
	for _, r := range rows {
		p("| %s | %s | %s |\n", r.name, ms(median(r.ds)), ratio(median(r.ds), helloCold))
	}
	bench, err := coldStartBench(ctx, root, o.cold)
	if err != nil {
		return err
	}
	for _, b := range bench {
		p("| %s | %s | %s |\n", b.name, ms(b.d), ratio(b.d, helloCold))
	}
	p("\n")
	if o.tput <= 0 {
		return nil
	}
	tput := func(bin string, env []string) (load.Result, error) {
		s, err := load.Start(bin, api.DefaultLake, env...)
		if err != nil {
			return load.Result{}, err
		}
		defer s.Stop()
		if _, err := s.WaitAnswer(wait, body(small)); err != nil {
			return load.Result{}, err
		}
		return load.Run(ctx, load.Config{Target: s.URL, Queries: []workload.Query{small}, Concurrency: o.conc, Duration: o.tput})
	}
	h, err := tput(hello, helloEnv)
	if err != nil {
		return err
	}
	a, err := tput(bin, nil)
	if err != nil {
		return err
	}
	p("| throughput of one small cached answer (%s, %d bytes), %d concurrent clients for %s, server as its own process | req/s | p50 / p99 | ÷ hello-world (goal ≥ 70 %%) |\n|---|---:|---:|---:|\n",
		small.Name, len(answer), o.conc, o.tput)
	for _, r := range []struct {
		name string
		res  load.Result
	}{{"hello-world net/http server", h}, {"insyn, embedded sample lake, access log on", a}} {
		p("| %s | %.0f (%d errors) | %s / %s | %.0f %% |\n", r.name, r.res.Throughput(), r.res.Errors, ms(r.res.P50), ms(r.res.P99), 100*r.res.Throughput()/h.Throughput())
	}
	p("\n")
	return nil
}

// coldStartBench runs functions/api's BenchmarkColdStart (the bootstrap
// built as deployed, over the embedded sample lake: as a local server, and
// under the Lambda Runtime API harness of internal/testenv/lambdart, init
// and first invocation of report 9:4) runs times and returns its means.
func coldStartBench(ctx context.Context, root string, runs int) ([]struct {
	name string
	d    time.Duration
}, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "./functions/api", "-run", "^$", "-bench", "^BenchmarkColdStart$",
		fmt.Sprintf("-benchtime=%dx", runs), "-count=1")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench BenchmarkColdStart ./functions/api: %w\n%s", err, out)
	}
	names := map[string]string{
		"http":   "bootstrap as deployed, local HTTP, GET report 9:4 (`BenchmarkColdStart/http`, mean)",
		"lambda": "bootstrap as deployed under the Lambda Runtime API harness (`lambdart`): init + first invocation, report 9:4 gzip (`BenchmarkColdStart/lambda`, mean)",
	}
	var res []struct {
		name string
		d    time.Duration
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[0], "BenchmarkColdStart/") {
			continue
		}
		sub, _, _ := strings.Cut(strings.TrimPrefix(f[0], "BenchmarkColdStart/"), "-")
		for i := 1; i+1 < len(f); i++ {
			if f[i+1] == "cold-start-ms" {
				var v float64
				if _, err := fmt.Sscan(f[i], &v); err == nil && names[sub] != "" {
					res = append(res, struct {
						name string
						d    time.Duration
					}{names[sub], msDuration(v)})
				}
			}
		}
	}
	if len(res) != 2 {
		return nil, fmt.Errorf("BenchmarkColdStart gave %d of its 2 figures:\n%s", len(res), out)
	}
	return res, nil
}

// coldOnce starts bin (with env added) and times its first answer to body.
func coldOnce(ctx context.Context, bin string, env []string, body []byte) (time.Duration, error) {
	s, err := load.Start(bin, api.DefaultLake, env...)
	if err != nil {
		return 0, err
	}
	defer s.Stop()
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return s.WaitAnswer(wait, body)
}

// post sends body to the server at base and returns the answer of a 200.
func post(base string, body []byte) ([]byte, error) {
	resp, err := http.Post(base+api.Path, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	return b, nil
}

// coldStart starts the API, times its first answer to body and returns it
// with the process's peak memory.
func coldStart(ctx context.Context, bin, lakeDir string, body []byte) (time.Duration, int64, error) {
	s, err := load.Start(bin, "dir:"+lakeDir)
	if err != nil {
		return 0, 0, err
	}
	defer s.Stop()
	wait, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	d, err := s.WaitAnswer(wait, body)
	if err != nil {
		return 0, 0, err
	}
	rss, err := s.PeakRSS()
	return d, rss, err
}

// loadRun starts the API (with env added to its environment) and sends it
// the mix for a while.
func loadRun(ctx context.Context, bin, lakeDir string, mix []workload.Query, conc int, d time.Duration, env []string) (load.Result, int64, error) {
	s, err := load.Start(bin, "dir:"+lakeDir, env...)
	if err != nil {
		return load.Result{}, 0, err
	}
	defer s.Stop()
	wait, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := s.WaitAnswer(wait, []byte(`{"query":"{ lake { version } }"}`)); err != nil {
		return load.Result{}, 0, err
	}
	res, err := load.Run(ctx, load.Config{Target: s.URL, Queries: mix, Concurrency: conc, Duration: d})
	if err != nil {
		return res, 0, err
	}
	rss, err := s.PeakRSS()
	return res, rss, err
}

// duckdb runs infra/scale/duckdb.mjs on the queries (repeat: runs after
// the first) and gives each query's timings and rows to each.
func duckdb(ctx context.Context, root string, qs []workload.Query, lakeDir string, repeat int,
	each func(i int, ms []float64, rows []map[string]*string) error) (string, error) {
	type namedSQL struct {
		Name string `json:"name"`
		SQL  string `json:"sql"`
	}
	in := struct {
		Queries []namedSQL `json:"queries"`
		Repeat  int        `json:"repeat"`
	}{Repeat: repeat}
	for _, q := range qs {
		in.Queries = append(in.Queries, namedSQL{q.Name, q.SQLFor(lakeDir)})
	}
	b, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "node", filepath.Join("infra", "scale", "duckdb.mjs"))
	cmd.Dir = root
	cmd.Stdin = bytes.NewReader(b)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("node infra/scale/duckdb.mjs: %w\n%s(npm install puts DuckDB in node_modules)", err, stderr.String())
	}
	var outp struct {
		DuckDB  string `json:"duckdb"`
		Results map[string]struct {
			Ms   []float64            `json:"ms"`
			Rows []map[string]*string `json:"rows"`
		} `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &outp); err != nil {
		return "", fmt.Errorf("duckdb.mjs: %w", err)
	}
	if each != nil {
		for i, q := range qs {
			r, ok := outp.Results[q.Name]
			if !ok {
				return "", fmt.Errorf("duckdb.mjs gave no result for %s", q.Name)
			}
			if err := each(i, r.Ms, r.Rows); err != nil {
				return "", err
			}
		}
	}
	return outp.DuckDB, nil
}

// patternAndIngest times the pattern of the lake's aggregates and an
// ingest of a year of insatser into a copy of the lake.
func patternAndIngest(ctx context.Context, o options, lakeDir string, p func(string, ...any), log *slog.Logger) error {
	st, err := dirstore.New(lakeDir)
	if err != nil {
		return err
	}
	snap, err := lake.Open(ctx, st)
	if err != nil {
		return err
	}
	geo, err := dataset.LookupGeography(snap.Manifest.Geography)
	if err != nil {
		return err
	}
	rules := protect.Rules{Threshold: 4, ProtectionLevel: 3}
	if o.pattern {
		for _, m := range []struct {
			name string
			fn   ingest.PatternFunc
		}{
			{"certified (`ingest.Protect`, the served method and the benchmark lake's)", ingest.Protect},
			{"uncertified Gauss pass + relation widening (`ingest.ProtectGauss`)", ingest.ProtectGauss},
		} {
			log.Info("pattern", "method", m.name)
			t := time.Now()
			if _, err := m.fn(snap.Set, geo, rules); err != nil {
				return err
			}
			p("| disclosure pattern of the whole lake, %s | %s (one run) |\n", m.name, secs(time.Since(t)))
		}
	}
	if !o.ingest {
		return nil
	}
	raw, err := lake.ReadRaw(ctx, st, snap.Manifest)
	if err != nil {
		return err
	}
	rows := raw.Insatser[2024]
	// The upload replaces the lake's year with one 100 rows shorter, so
	// the ingest has a new version to publish.
	rows = rows[:len(rows)-100]
	data, err := uploadtest.Encode(&upload.File{Dataset: upload.Insatser, Period: upload.Period{Year: 2024}, Insatser: rows},
		uploadtest.Style{Delimiter: ';', Encoding: uploadtest.Windows1252, CRLF: true, Kon: [2]string{"Kvinna", "Man"}, Decimals: 1, DecimalComma: true})
	if err != nil {
		return err
	}
	raw, snap = nil, nil
	for _, c := range []struct {
		name    string
		pattern ingest.PatternFunc
		runs    int
	}{
		{"pattern step a constant (ingest alone)", func(*aggregate.Set, dataset.Geography, protect.Rules) ([]byte, error) { return []byte("{}\n"), nil }, o.ingestRuns},
		{"with the certified pattern (the default)", ingest.Protect, 1},
	} {
		var ds []time.Duration
		for range c.runs {
			log.Info("ingest", "run", c.name)
			d, err := ingestOnce(ctx, lakeDir, data, c.pattern)
			if err != nil {
				return err
			}
			ds = append(ds, d)
		}
		of := "one run"
		if len(ds) > 1 {
			of = fmt.Sprintf("median of %d", len(ds))
		}
		p("| ingest of one upload of national insatser 2024 (%d rows, %.0f MB CSV) into a copy of the lake, %s | %s (%s) |\n",
			len(rows), float64(len(data))/1e6, c.name, secs(median(ds)), of)
	}
	return nil
}

// ingestOnce copies the lake to a temporary directory, puts the upload
// there and times ingest.Run.
func ingestOnce(ctx context.Context, lakeDir string, data []byte, pattern ingest.PatternFunc) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "insyn-scale-ingest-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, os.DirFS(lakeDir)); err != nil {
		return 0, err
	}
	st, err := dirstore.New(dir)
	if err != nil {
		return 0, err
	}
	key := ingest.UploadsPrefix + "insatser/2024/insatser_2024.csv"
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, key)), 0o755); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, key), data, 0o644); err != nil {
		return 0, err
	}
	runtime.GC()
	t := time.Now()
	res, err := ingest.Run(ctx, st, ingest.Options{Pattern: pattern, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	d := time.Since(t)
	if err != nil {
		return 0, err
	}
	if !res.Published || len(res.Accepted) != 1 {
		return 0, fmt.Errorf("the ingest did not publish the upload: %+v", res)
	}
	return d, nil
}

// lakeFacts describes the lake: geography, pattern method, rows and bytes.
func lakeFacts(dir string, m *lake.Manifest) (string, error) {
	var aggRows, rawRows, files int64
	for _, d := range m.Datasets {
		for _, f := range d.Files {
			aggRows += f.Rows
		}
		for _, f := range d.Raw {
			rawRows += f.Rows
		}
	}
	var bytesOnDisk int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		bytesOnDisk += info.Size()
		files++
		return nil
	})
	if err != nil {
		return "", err
	}
	method := protect.MethodCertified
	if m.Disclosure != nil {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(m.Disclosure.Key)))
		if err != nil {
			return "", err
		}
		var pat struct{ Method string }
		if err := json.Unmarshal(b, &pat); err != nil {
			return "", err
		}
		if pat.Method != "" {
			method = pat.Method
		}
	}
	geo := m.Geography
	if geo == "" {
		geo = dataset.DefaultGeography
	}
	return fmt.Sprintf("Lake `%s`: version %s, geography %s, disclosure pattern %s; %d microdata rows, %d aggregate rows, %d files, %.0f MB.",
		dir, m.Version, geo, method, rawRows, aggRows, files, float64(bytesOnDisk)/1e6), nil
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func sorted(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

func pct(s []time.Duration, p float64) time.Duration { return load.Percentile(s, p) }

func median(d []time.Duration) time.Duration { return pct(sorted(d), .5) }

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < 10*time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return secs(d)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// ratio is a ÷ b, how many times faster b is than a.
func ratio(a, b time.Duration) string {
	if a == 0 || b == 0 {
		return "—"
	}
	r := float64(a) / float64(b)
	if r < 10 {
		return fmt.Sprintf("%.2f×", r)
	}
	return fmt.Sprintf("%.0f×", r)
}

// Command load sends concurrent GraphQL requests (the query mix of
// internal/workload: seed tables and generic tables) to insyn's API on
// 127.0.0.1 and reports throughput, latency and errors. It targets a
// running API, or builds and starts one over a lake and stops it after.
// It exits 1 when any request failed (a status other than 200, GraphQL
// errors, or no answer).
//
//	go run ./infra/load -target http://127.0.0.1:8080 -c 8 -d 30s
//	go run ./infra/load -lake dir:.tools/national -c 8 -n 5000 -d 1m
//
// With the subcommand fairness it runs the fairness scenario
// (load.Fairness, docs/load.md): a clean run of valid clients, then the
// same valid clients beside abusive ones, each against the API built as
// deployed and started for it with the template's GOMEMLIMIT. It prints
// the figures (and writes them to -o as markdown) and exits 1 when a goal
// is missed or the API died, saying which.
//
//	go run ./infra/load fairness -c 64 -abusive 16 -d 20s -o docs/load-fairness.md
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/stockholm/insyn/internal/load"
	"github.com/stockholm/insyn/internal/workload"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "fairness" {
		fairnessMain(os.Args[2:])
		return
	}
	target := flag.String("target", "", "base URL of a running API on 127.0.0.1 (default: build and start one over -lake)")
	lake := flag.String("lake", "embedded", "INSYN_LAKE of the API this command starts when -target is empty: embedded, dir:/path/to/lake, s3://…")
	conc := flag.Int("c", 8, "requests in flight")
	n := flag.Int("n", 0, "stop after this many requests (0: no bound)")
	d := flag.Duration("d", 10*time.Second, "stop starting requests after this long (0: no bound)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *target, *lake, *conc, *n, *d); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, target, lake string, conc, n int, d time.Duration) error {
	if target != "" && !strings.HasPrefix(target, "http://127.0.0.1:") && !strings.HasPrefix(target, "http://localhost:") {
		return fmt.Errorf("-target %s: only an API on this machine (http://127.0.0.1:PORT) is a target", target)
	}
	var srv *load.Server
	if target == "" {
		bin, _, cleanup, err := buildAPI(ctx)
		if err != nil {
			return err
		}
		defer cleanup()
		if srv, err = load.Start(bin, lake); err != nil {
			return err
		}
		defer srv.Stop()
		wait, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cold, err := srv.WaitAnswer(wait, []byte(`{"query":"{ lake { version } }"}`))
		if err != nil {
			return err
		}
		fmt.Printf("started the API over %s: first answer after %s\n", lake, cold.Round(time.Millisecond))
		target = srv.URL
	}
	mix := workload.Mix()
	res, err := load.Run(ctx, load.Config{Target: target, Queries: mix, Concurrency: conc, Requests: n, Duration: d})
	if err != nil {
		return err
	}
	ms := func(t time.Duration) string { return fmt.Sprintf("%.2f ms", float64(t.Microseconds())/1000) }
	fmt.Printf("%d queries in turn, concurrency %d: %d requests in %s, %.0f req/s, p50 %s, p99 %s, max %s, %d errors\n",
		len(mix), conc, res.Requests, res.Elapsed.Round(time.Millisecond), res.Throughput(), ms(res.P50), ms(res.P99), ms(res.Max), res.Errors)
	if srv != nil {
		if rss, err := srv.PeakRSS(); err == nil {
			fmt.Printf("peak resident memory of the API: %.0f MiB\n", float64(rss)/(1<<20))
		}
	}
	for _, e := range res.FirstErrors {
		fmt.Println("  error:", e)
	}
	if res.Errors > 0 {
		return errors.New(fmt.Sprint(res.Errors, " of ", res.Requests, " requests failed"))
	}
	return nil
}

// buildAPI builds the API as deployed, from the module in the working
// directory (the repository's root), into a temporary directory that
// cleanup removes; root is that module's directory.
func buildAPI(ctx context.Context) (bin, root string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "insyn-load-")
	if err != nil {
		return "", "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	if root, err = os.Getwd(); err == nil {
		bin, err = load.BuildAPI(ctx, root, dir)
	}
	if err != nil {
		cleanup()
		return "", "", nil, fmt.Errorf("%w (run from the repository root)", err)
	}
	return bin, root, cleanup, nil
}

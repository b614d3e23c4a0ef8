// Package load drives a running insyn API with concurrent GraphQL requests
// (the query mix of package workload) and measures it: throughput, latency
// and errors. It also builds and starts the API as a process on 127.0.0.1,
// for the load command (infra/load) and the scale benchmark (infra/scale).
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/workload"
)

// Config is one load run. Requests or Duration (or both) must bound it.
type Config struct {
	// Target is the API's base URL, e.g. http://127.0.0.1:8080; requests
	// go to Target + api.Path.
	Target string
	// Queries are sent in turn, each worker taking the next.
	Queries []workload.Query
	// Concurrency is the number of requests in flight.
	Concurrency int
	// Requests bounds the number of requests (0: no bound).
	Requests int
	// Duration bounds the time new requests are started (0: no bound);
	// requests in flight then finish.
	Duration time.Duration
	// Client sends the requests (default: a client with a 60 s timeout).
	Client *http.Client
}

// Result is what a run measured.
type Result struct {
	// Requests is the number of requests completed, Errors those that
	// failed: a transport error, a status other than 200, an answer that
	// is not JSON, GraphQL errors, or no table or report in the answer.
	Requests, Errors int
	// Outcomes counts the requests by how they ended: the status of the
	// answer (a 200 with GraphQL errors counts as "200"), or why there
	// was no whole answer (EmptyReply, CutShort, …).
	Outcomes Outcomes
	// Elapsed is from the first request sent to the last answer.
	Elapsed time.Duration
	// P50, P99 and Max are latencies over every completed request.
	P50, P99, Max time.Duration
	// FirstErrors holds the first few failures, as "query: reason".
	FirstErrors []string
}

// Throughput is completed requests per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Answered is the number of requests answered right.
func (r Result) Answered() int { return r.Requests - r.Errors }

// AnswerRate is requests answered right per second.
func (r Result) AnswerRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Answered()) / r.Elapsed.Seconds()
}

// maxErrorSamples is how many failures a Result describes.
const maxErrorSamples = 5

// Run sends the requests and measures them. It fails only when the
// configuration is unusable; failed requests are counted in the Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	switch {
	case cfg.Target == "":
		return Result{}, errors.New("load: no target URL")
	case len(cfg.Queries) == 0:
		return Result{}, errors.New("load: no queries")
	case cfg.Concurrency < 1:
		return Result{}, fmt.Errorf("load: concurrency %d: give 1 or more", cfg.Concurrency)
	case cfg.Requests < 0 || cfg.Duration < 0:
		return Result{}, fmt.Errorf("load: negative bound (requests %d, duration %s)", cfg.Requests, cfg.Duration)
	case cfg.Requests == 0 && cfg.Duration == 0:
		return Result{}, errors.New("load: unbounded run: give a number of requests, a duration, or both")
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	bodies := make([][]byte, len(cfg.Queries))
	for i, q := range cfg.Queries {
		b, err := json.Marshal(map[string]any{"query": q.GraphQL, "variables": q.Variables})
		if err != nil {
			return Result{}, fmt.Errorf("load: query %s: %w", q.Name, err)
		}
		bodies[i] = b
	}
	url := cfg.Target + api.Path
	var (
		next    atomic.Int64
		mu      sync.Mutex
		res     = Result{Outcomes: Outcomes{}}
		times   []time.Duration
		wg      sync.WaitGroup
		stopped = func() bool { return ctx.Err() != nil }
	)
	start := time.Now()
	if cfg.Duration > 0 {
		deadline := start.Add(cfg.Duration)
		stopped = func() bool { return ctx.Err() != nil || time.Now().After(deadline) }
	}
	for range cfg.Concurrency {
		wg.Go(func() {
			for !stopped() {
				i := int(next.Add(1) - 1)
				if cfg.Requests > 0 && i >= cfg.Requests {
					return
				}
				q := i % len(bodies)
				t := time.Now()
				o, err := send(ctx, client, url, bodies[q])
				d := time.Since(t)
				mu.Lock()
				res.Requests++
				res.Outcomes[o]++
				times = append(times, d)
				if err != nil {
					res.Errors++
					if len(res.FirstErrors) < maxErrorSamples {
						res.FirstErrors = append(res.FirstErrors, cfg.Queries[q].Name+": "+err.Error())
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if len(times) > 0 {
		slices.Sort(times)
		res.P50, res.P99, res.Max = Percentile(times, 0.50), Percentile(times, 0.99), times[len(times)-1]
	}
	return res, nil
}

// send posts one request and returns how it ended and why its answer is
// not a good one.
func send(ctx context.Context, client *http.Client, url string, body []byte) (Outcome, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return OtherError, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return failure(err, false), err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return failure(err, true), fmt.Errorf("reading the answer: %w", err)
	}
	o := statusOutcome(resp.StatusCode)
	if resp.StatusCode != http.StatusOK {
		return o, fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	_, err = workload.Decode(b)
	return o, err
}

// Percentile returns the p-quantile (0..1) of sorted durations, the
// nearest rank below.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}

package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/stockholm/insyn/internal/workload"
)

// Goals of the fairness scenario: what abusive clients may cost the valid
// ones, against the clean run.
const (
	// MinAnswerRatio: valid requests answered per second, at least this
	// share of the clean run's.
	MinAnswerRatio = 0.70
	// MaxP99Ratio: the valid requests' p99 latency, at most this multiple
	// of the clean run's.
	MaxP99Ratio = 2.0
	// MemHeadroom: peak resident memory of the API, at most its
	// GOMEMLIMIT and this share more.
	MemHeadroom = 0.10
)

// FairnessConfig is the fairness scenario: a clean run, valid clients
// only, then an abusive run, the same valid clients and abusive ones
// sending Abuses in turn, each run against an API started for it.
type FairnessConfig struct {
	// Start starts the API for one run; the scenario stops it after.
	// A fresh process per run makes each run's peak memory its own.
	Start func() (*Server, error)
	// Valid and Abusive are the numbers of clients.
	Valid, Abusive int
	// Duration is how long each run starts requests.
	Duration time.Duration
	// Grace is how long requests in flight may take after Duration
	// before they are stopped (default 10 s).
	Grace time.Duration
	// MemLimit is the API's GOMEMLIMIT in bytes, the base of the goal on
	// peak memory.
	MemLimit int64
	// Queries are the valid clients' (default workload.Mix()), Abuses
	// the abusive clients' (default Abuses()).
	Queries []workload.Query
	Abuses  []Abuse
	// AbuseTimeout bounds each abusive request (default
	// DefaultAbuseTimeout).
	AbuseTimeout time.Duration
	// Log receives a line as each step starts (default: none).
	Log io.Writer
}

// FairnessRun is what one run of the scenario measured.
type FairnessRun struct {
	// Valid is the valid clients' result.
	Valid Result
	// Abuse is the abusive clients' result; nil in the clean run.
	Abuse *AbuseResult
	// PeakRSS is the API's peak resident memory in bytes (0: unknown,
	// RSSError says why).
	PeakRSS  int64
	RSSError string
	// Down says why the API was not up and answering at the end of the
	// run ("" when it was): it died (DiedAfter into the run), or gave no
	// answer.
	Down      string
	DiedAfter time.Duration
	// BusyAfter is how long the API went on using CPU after the run's
	// requests ended, before it was asked to answer; StillBusy that it
	// still was after Grace.
	BusyAfter time.Duration
	StillBusy bool
}

// FairnessReport is the scenario's result.
type FairnessReport struct {
	Valid, Abusive int
	Duration       time.Duration
	MemLimit       int64
	Clean, Abused  FairnessRun
}

// Fairness runs the scenario. It fails only when it cannot run (an
// unusable configuration, an API that does not start or answer the
// mix before a run); what the runs measured, the API's death included,
// is in the report, and Goals says which goals it meets.
func Fairness(ctx context.Context, cfg FairnessConfig) (FairnessReport, error) {
	switch {
	case cfg.Start == nil:
		return FairnessReport{}, errors.New("load: fairness: no way to start the API")
	case cfg.Valid < 1 || cfg.Abusive < 1:
		return FairnessReport{}, fmt.Errorf("load: fairness: %d valid and %d abusive clients: give 1 or more of each", cfg.Valid, cfg.Abusive)
	case cfg.Duration <= 0:
		return FairnessReport{}, fmt.Errorf("load: fairness: runs of %s: give a positive duration", cfg.Duration)
	case cfg.MemLimit <= 0:
		return FairnessReport{}, errors.New("load: fairness: no GOMEMLIMIT to hold peak memory to")
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 10 * time.Second
	}
	if cfg.Queries == nil {
		cfg.Queries = workload.Mix()
	}
	if cfg.Abuses == nil {
		cfg.Abuses = Abuses()
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	rep := FairnessReport{Valid: cfg.Valid, Abusive: cfg.Abusive, Duration: cfg.Duration, MemLimit: cfg.MemLimit}
	var err error
	fmt.Fprintf(cfg.Log, "clean run: %d valid clients, %s\n", cfg.Valid, cfg.Duration)
	if rep.Clean, err = fairnessRun(ctx, cfg, false); err != nil {
		return rep, err
	}
	fmt.Fprintf(cfg.Log, "abusive run: %d valid and %d abusive clients, %s\n", cfg.Valid, cfg.Abusive, cfg.Duration)
	rep.Abused, err = fairnessRun(ctx, cfg, true)
	return rep, err
}

// fairnessRun starts the API, warms it with each valid query once, runs
// the clients, checks that the API still answers, and stops it.
func fairnessRun(ctx context.Context, cfg FairnessConfig, abusive bool) (FairnessRun, error) {
	srv, err := cfg.Start()
	if err != nil {
		return FairnessRun{}, err
	}
	defer srv.Stop()
	wait, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := srv.WaitAnswer(wait, probe); err != nil {
		return FairnessRun{}, err
	}
	warm, err := Run(wait, Config{Target: srv.URL, Queries: cfg.Queries, Concurrency: 1, Requests: len(cfg.Queries)})
	if err != nil {
		return FairnessRun{}, err
	}
	if warm.Errors > 0 {
		return FairnessRun{}, fmt.Errorf("load: fairness: the API does not answer the valid queries: %s", strings.Join(warm.FirstErrors, "; "))
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	hard := time.AfterFunc(cfg.Duration+cfg.Grace, stop)
	defer hard.Stop()
	var run FairnessRun
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-srv.Done():
			run.DiedAfter = time.Since(start)
			// The requests in flight see their connections closed (empty
			// replies) and later ones are refused; then the run ends, as
			// a dead API answers nothing more.
			select {
			case <-time.After(deadLinger):
			case <-runCtx.Done():
			}
			stop()
		case <-runCtx.Done():
		}
	}()
	var (
		wg         sync.WaitGroup
		vErr, aErr error
		abuse      AbuseResult
	)
	wg.Go(func() {
		run.Valid, vErr = Run(runCtx, Config{Target: srv.URL, Queries: cfg.Queries, Concurrency: cfg.Valid, Duration: cfg.Duration})
	})
	if abusive {
		wg.Go(func() {
			abuse, aErr = RunAbuse(runCtx, AbuseConfig{Target: srv.URL, Abuses: cfg.Abuses, Clients: cfg.Abusive, Duration: cfg.Duration, Timeout: cfg.AbuseTimeout})
		})
	}
	wg.Wait()
	stop()
	<-watched
	if err := errors.Join(vErr, aErr, ctx.Err()); err != nil {
		return FairnessRun{}, err
	}
	if abusive {
		run.Abuse = &abuse
	}

	run.BusyAfter, run.StillBusy = settle(ctx, srv, cfg.Grace)
	if dead, how := srv.Exited(); dead {
		run.Down = "died: " + how + lastWords(srv.Log())
	} else {
		after, cancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := srv.WaitAnswer(after, probe); err != nil {
			run.Down = "no answer after the run: " + err.Error()
			if dead, how := srv.Exited(); dead {
				run.Down = "died after the run: " + how + lastWords(srv.Log())
			}
		}
		cancel()
	}
	if run.PeakRSS, err = srv.PeakRSS(); err != nil {
		run.RSSError = err.Error()
	}
	return run, nil
}

// settle waits until the API, its clients gone, stops using CPU (under a
// tenth of a core over idleSample, twice in a row), exits, or limit has
// passed. It returns how long the API was busy, the time it went on
// working for requests nobody waits for any more, and whether it still
// was at the limit.
func settle(ctx context.Context, srv *Server, limit time.Duration) (time.Duration, bool) {
	const idleSample = 200 * time.Millisecond
	start := time.Now()
	busy := time.Duration(0)
	last, err := srv.CPUTicks()
	for idle := 0; err == nil && idle < 2; {
		if time.Since(start) >= limit {
			return busy, true
		}
		select {
		case <-srv.Done():
			return time.Since(start), false
		case <-ctx.Done():
			return busy, false
		case <-time.After(idleSample):
		}
		var now int64
		if now, err = srv.CPUTicks(); err != nil {
			break
		}
		if now-last <= int64(idleSample.Seconds()*100/10) {
			idle++
		} else {
			idle, busy = 0, time.Since(start)
		}
		last = now
	}
	return busy, false
}

// deadLinger is how long a run goes on after the API died.
const deadLinger = 250 * time.Millisecond

// probe is the request that asks whether the API answers.
var probe = []byte(`{"query":"{ lake { version } }"}`)

// lastWords returns the line of a dead Go process's standard error that
// says why it died (e.g. "fatal error: stack overflow"), as " (…)".
func lastWords(log string) string {
	for _, prefix := range []string{"fatal error:", "panic:", "runtime:"} {
		if i := strings.Index(log, prefix); i >= 0 {
			line, _, _ := strings.Cut(log[i:], "\n")
			return " (" + strings.TrimSpace(line) + ")"
		}
	}
	return ""
}

// Goal is one goal of the scenario and whether a report meets it.
type Goal struct {
	// Name says what is measured, Want what the goal is, Got what was
	// measured.
	Name, Want, Got string
	Met             bool
}

// Goals evaluates the report against the scenario's goals: the API up and
// answering after both runs; the valid clients' answers per second and
// p99 latency in the abusive run against the clean run's; no valid
// request without its whole answer; each run's peak memory within the
// GOMEMLIMIT and MemHeadroom.
func (r FairnessReport) Goals() []Goal {
	var goals []Goal
	up := Goal{Name: "the API", Want: "up, idle once its clients are gone, and answering after each run"}
	var ups []string
	for _, run := range []struct {
		name string
		run  FairnessRun
	}{{"clean run", r.Clean}, {"abusive run", r.Abused}} {
		switch {
		case run.run.Down != "" && run.run.DiedAfter > 0:
			ups = append(ups, fmt.Sprintf("%s, after %s: %s", run.name, run.run.DiedAfter.Round(time.Millisecond), run.run.Down))
		case run.run.Down != "":
			ups = append(ups, run.name+": "+run.run.Down)
		case run.run.StillBusy:
			ups = append(ups, fmt.Sprintf("%s: still using CPU %s after its requests ended", run.name, run.run.BusyAfter.Round(100*time.Millisecond)))
		}
	}
	up.Got, up.Met = strings.Join(ups, "; "), len(ups) == 0
	if up.Met {
		up.Got = "up, idle and answering"
	}
	goals = append(goals, up)

	clean, abused := r.Clean.Valid.AnswerRate(), r.Abused.Valid.AnswerRate()
	rate := Goal{Name: "valid requests answered per second", Want: fmt.Sprintf("≥ %.0f %% of the clean run", 100*MinAnswerRatio)}
	if clean > 0 {
		ratio := abused / clean
		rate.Got, rate.Met = fmt.Sprintf("%.0f %% (%s/s of %s/s)", 100*ratio, thousands(int(abused+0.5)), thousands(int(clean+0.5))), ratio >= MinAnswerRatio
	} else {
		rate.Got = "the clean run answered nothing"
	}
	goals = append(goals, rate)

	p99 := Goal{Name: "valid requests' p99 latency", Want: fmt.Sprintf("≤ %g× the clean run", MaxP99Ratio)}
	if c := r.Clean.Valid.P99; c > 0 && r.Abused.Valid.Requests > 0 {
		ratio := float64(r.Abused.Valid.P99) / float64(c)
		p99.Got, p99.Met = fmt.Sprintf("%.2f× (%s against %s)", ratio, millis(r.Abused.Valid.P99), millis(c)), ratio <= MaxP99Ratio
	} else {
		p99.Got = "no latency measured"
	}
	goals = append(goals, p99)

	broken := func(res Result) int { return res.Outcomes[EmptyReply] + res.Outcomes[CutShort] }
	nc, na := broken(r.Clean.Valid), broken(r.Abused.Valid)
	goals = append(goals, Goal{Name: "valid requests without their whole answer (empty reply, cut short)", Want: "none",
		Got: fmt.Sprintf("%d in the clean run, %d in the abusive run", nc, na), Met: nc == 0 && na == 0})

	limit := int64(float64(r.MemLimit) * (1 + MemHeadroom))
	mem := Goal{Name: "peak resident memory of the API", Want: fmt.Sprintf("≤ %s (GOMEMLIMIT %s + %.0f %%)", mib(limit), mib(r.MemLimit), 100*MemHeadroom), Met: true}
	var got []string
	for _, run := range []struct {
		name string
		run  FairnessRun
	}{{"clean run", r.Clean}, {"abusive run", r.Abused}} {
		if run.run.PeakRSS == 0 {
			got = append(got, run.name+": unknown ("+run.run.RSSError+")")
			mem.Met = false
			continue
		}
		got = append(got, run.name+": "+mib(run.run.PeakRSS))
		mem.Met = mem.Met && run.run.PeakRSS <= limit
	}
	mem.Got = strings.Join(got, ", ")
	goals = append(goals, mem)
	return goals
}

// Missed returns the goals the report does not meet.
func (r FairnessReport) Missed() []Goal {
	var out []Goal
	for _, g := range r.Goals() {
		if !g.Met {
			out = append(out, g)
		}
	}
	return out
}

// Markdown writes the report as markdown: the goals, the figures of both
// runs, and the abusive requests by outcome. about is a paragraph put
// first (how and where the scenario ran).
func (r FairnessReport) Markdown(about string) string {
	var b strings.Builder
	if about != "" {
		b.WriteString(about + "\n\n")
	}
	b.WriteString("| goal | want | measured | met |\n|---|---|---|---|\n")
	for _, g := range r.Goals() {
		met := "yes"
		if !g.Met {
			met = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", g.Name, g.Want, cell(g.Got), met)
	}

	fmt.Fprintf(&b, "\n| %s each | clean run | abusive run |\n|---|---:|---:|\n", r.Duration)
	row := func(name string, f func(FairnessRun) string) {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", name, cell(f(r.Clean)), cell(f(r.Abused)))
	}
	row("clients", func(run FairnessRun) string {
		if run.Abuse != nil {
			return fmt.Sprintf("%d valid, %d abusive", r.Valid, r.Abusive)
		}
		return fmt.Sprintf("%d valid", r.Valid)
	})
	row("valid requests answered", func(run FairnessRun) string {
		return fmt.Sprintf("%s (%s/s)", thousands(run.Valid.Answered()), thousands(int(run.Valid.AnswerRate()+0.5)))
	})
	row("valid requests' latency p50 / p99 / max", func(run FairnessRun) string {
		return millis(run.Valid.P50) + " / " + millis(run.Valid.P99) + " / " + millis(run.Valid.Max)
	})
	row("valid requests by outcome", func(run FairnessRun) string { return run.Valid.Outcomes.String() })
	row("abusive requests by outcome", func(run FairnessRun) string {
		if run.Abuse == nil {
			return "–"
		}
		return run.Abuse.Outcomes.String()
	})
	row("peak resident memory of the API", func(run FairnessRun) string {
		if run.PeakRSS == 0 {
			return "unknown"
		}
		return mib(run.PeakRSS)
	})
	row("the API busy after the run", func(run FairnessRun) string {
		busy := run.BusyAfter.Round(100 * time.Millisecond).String()
		if run.StillBusy {
			busy = "still, " + busy + " after"
		}
		return busy
	})
	row("the API after the run", func(run FairnessRun) string {
		if run.Down != "" {
			return run.Down
		}
		return "up and answering"
	})

	if a := r.Abused.Abuse; a != nil {
		b.WriteString("\n| abusive request | bytes | sent | outcomes | p50 | max |\n|---|---:|---:|---|---:|---:|\n")
		for _, c := range a.Cases {
			p50, maxLatency := "–", "–"
			if c.Sent > 0 {
				p50, maxLatency = millis(c.P50), millis(c.Max)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", c.Name, thousands(c.Bytes), thousands(c.Sent), cell(c.Outcomes.String()), p50, maxLatency)
		}
	}
	return b.String()
}

// cell makes s safe inside a markdown table's cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// millis formats a latency in milliseconds, to three digits or so.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}

// mib formats bytes in MiB.
func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// thousands formats n with a space between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

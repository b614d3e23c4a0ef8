package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/testenv/lambdart"
)

// BenchmarkColdStart starts the real bootstrap (built as deployed) and
// times process start to first answer, over the embedded sample lake: as
// a local server (first GraphQL answer over HTTP) and as Lambda (first
// invocation through the Runtime API). It reports the process's resident
// memory after the first answer. Run it with -benchtime=5x.
func BenchmarkColdStart(b *testing.B) {
	bin := lambdart.Build(b, ".")
	b.Run("http", func(b *testing.B) {
		var total time.Duration
		var rss float64
		for b.Loop() {
			srv := startLocal(b, bin)
			total += srv.coldStart
			rss = residentMB(b, srv.cmd.Process.Pid)
			srv.stop(b)
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "cold-start-ms")
		b.ReportMetric(rss, "rss-MB")
	})
	b.Run("lambda", func(b *testing.B) {
		ev := loadEventB(b, "apigw-v2-get-report-gzip.json")
		var total time.Duration
		var rss float64
		for b.Loop() {
			rt := lambdart.Start(b)
			start := time.Now()
			fn := rt.Exec(b, bin)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if _, err := rt.Invoke(ctx, ev); err != nil {
				b.Fatal(err)
			}
			cancel()
			total += time.Since(start)
			rss = residentMB(b, fn.PID)
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "cold-start-ms")
		b.ReportMetric(rss, "rss-MB")
	})
}

func loadEventB(b *testing.B, name string) []byte {
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// residentMB reads a process's resident set size from /proc.
func residentMB(tb testing.TB, pid int) float64 {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb / 1024
		}
	}
	tb.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

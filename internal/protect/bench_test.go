package protect

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stockholm/insyn/internal/dataset"
)

// BenchmarkProtectSampleInsatser measures the pure-Go pattern (Gauss pass and
// per-relation widening) for one year of the sample lake's insatser.
func BenchmarkProtectSampleInsatser(b *testing.B) {
	s, hier := sampleInsatser2024(b)
	b.ResetTimer()
	for b.Loop() {
		Protect(s, hier, Rules{Threshold: 4})
	}
}

// BenchmarkBuildSampleInsatser measures building the structure of one year.
func BenchmarkBuildSampleInsatser(b *testing.B) {
	src := sampleSourceNoT()
	if src == nil {
		b.Fatal("cannot open testdata/lake")
	}
	for b.Loop() {
		if _, err := BuildInsatser(src["insatser"], "2024"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProtectCertifiedSampleInsatser measures the pattern the API
// serves (Protect, the certificate-guided loop, pruning) for one year of
// the sample lake's insatser.
func BenchmarkProtectCertifiedSampleInsatser(b *testing.B) {
	s, hier := sampleInsatser2024(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ProtectCertified(s, hier, Rules{Threshold: 4}, certifiedRounds); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditSampleInsatser measures the attacker audit (HiGHS, Audit:
// neighbourhoods first) of that pattern.
func BenchmarkAuditSampleInsatser(b *testing.B) {
	benchmarkAuditSampleInsatser(b, Audit)
}

// BenchmarkAuditExactSampleInsatser measures AuditExact (every cell over
// the whole structure, as the audit was before neighbourhoods) of that
// pattern: about 20 s of CPU.
func BenchmarkAuditExactSampleInsatser(b *testing.B) {
	benchmarkAuditSampleInsatser(b, AuditExact)
}

func benchmarkAuditSampleInsatser(b *testing.B, audit func(*Structure, *Pattern, int, float64, Marks) (*AuditResult, error)) {
	s, hier := sampleInsatser2024(b)
	benchmarkAudit(b, s, hier, audit)
}

// benchmarkAudit times audit of the pattern ProtectCertified gives s
// (computed before the timer starts), reporting the programs solved and
// the CPU time.
func benchmarkAudit(b *testing.B, s *Structure, hier []Hierarchy, audit func(*Structure, *Pattern, int, float64, Marks) (*AuditResult, error)) {
	p, err := ProtectCertified(s, hier, Rules{Threshold: 4}, certifiedRounds)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		solved, cpu := highs.solved.Load(), cpuSeconds()
		r, err := audit(s, p, 4, 3, OneMark)
		if err != nil {
			b.Fatal(err)
		}
		reportAudit(b, []*AuditResult{r}, highs.solved.Load()-solved, cpuSeconds()-cpu)
	}
}

// BenchmarkAuditSampleLake measures the attacker audit of every structure
// of the sample lake as the API serves it (Lake.Audit, structures on every
// core; the patterns computed before the timer starts).
func BenchmarkAuditSampleLake(b *testing.B) {
	src := sampleSourceNoT()
	if src == nil {
		b.Fatal("cannot open testdata/lake")
	}
	l, err := ProtectLake(src, dataset.Stockholm, Rules{Threshold: 4, ProtectionLevel: 3})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		solved, cpu := highs.solved.Load(), cpuSeconds()
		if err := l.Audit(Rules{Threshold: 4}); err != nil {
			b.Fatal(err)
		}
		reportAudit(b, l.Audits, highs.solved.Load()-solved, cpuSeconds()-cpu)
	}
}

// reportAudit reports how audits decided their cells: how many suppressed
// cells, how many the programs over the whole structure decided (exact),
// the median and largest neighbourhood of the others, the programs HiGHS
// solved (a request: one target's min or max on a neighbourhood, or a
// share of the whole structure's targets), and the failures.
func reportAudit(b *testing.B, rs []*AuditResult, requests int64, cpu float64) {
	var cells, exact, failures int
	var sizes []int
	for _, r := range rs {
		failures += len(r.Failures)
		for _, iv := range r.Intervals {
			cells++
			if iv.Exact {
				exact++
			} else {
				sizes = append(sizes, iv.Atoms)
			}
		}
	}
	b.ReportMetric(float64(cells), "cells")
	b.ReportMetric(float64(exact), "exact")
	if len(sizes) > 0 {
		slices.Sort(sizes)
		b.ReportMetric(float64(sizes[len(sizes)/2]), "median-atoms")
		b.ReportMetric(float64(sizes[len(sizes)-1]), "max-atoms")
	}
	b.ReportMetric(float64(requests), "requests")
	if cpu > 0 {
		b.ReportMetric(cpu, "cpu-s")
	}
	b.ReportMetric(float64(failures), "failures")
}

// sampleInsatser2024 is the structure of the sample's insatser in 2024.
func sampleInsatser2024(tb testing.TB) (*Structure, []Hierarchy) {
	tb.Helper()
	src := sampleSourceNoT()
	if src == nil {
		tb.Fatal("cannot open testdata/lake")
	}
	s, err := BuildInsatser(src["insatser"], "2024")
	if err != nil {
		tb.Fatal(err)
	}
	_, hier, err := InsatserViews()
	if err != nil {
		tb.Fatal(err)
	}
	return s, hier
}

// BenchmarkProtectSampleLake measures the served patterns of the whole
// sample lake (every structure, on every core), as an ingest computes them.
// go test -run X -bench SampleLake -benchtime 1x ./internal/protect
func BenchmarkProtectSampleLake(b *testing.B) {
	src := sampleSourceNoT()
	if src == nil {
		b.Fatal("cannot open testdata/lake")
	}
	for b.Loop() {
		cpu := cpuSeconds()
		l, err := ProtectLake(src, dataset.Stockholm, Rules{Threshold: 4, ProtectionLevel: 3})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(cpuSeconds()-cpu, "cpu-s")
		var prim, sec int
		for _, p := range l.Patterns {
			prim += p.Primaries
			sec += p.Secondaries
		}
		b.ReportMetric(float64(len(l.Patterns)), "structures")
		b.ReportMetric(float64(prim), "primary")
		b.ReportMetric(float64(sec), "secondary")
	}
}

// cpuSeconds is the CPU time (user and system) of this process and of its
// children, the HiGHS workers, so far: on a machine others share, a steadier
// measure than the wall clock. 0 where /proc is missing.
func cpuSeconds() float64 {
	var self, children syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) != nil {
		return 0
	}
	secs := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	total := secs(self.Utime) + secs(self.Stime) + secs(children.Utime) + secs(children.Stime)
	// children still running (the workers): utime and stime of their
	// /proc/<pid>/stat, in clock ticks (100 a second on Linux)
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return 0
	}
	me := os.Getpid()
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// fields after the command, which is in parentheses and may hold spaces
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) < 13 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid != me {
			continue
		}
		utime, _ := strconv.ParseFloat(fields[11], 64)
		stime, _ := strconv.ParseFloat(fields[12], 64)
		total += (utime + stime) / 100
	}
	return total
}

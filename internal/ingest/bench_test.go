package ingest_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/ingest/ingesttest"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/synth"
	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

// BenchmarkIngest1M ingests one upload of 1 000 000 insatser rows (a
// semicolon-separated Windows-1252 CSV, as Excel writes it) into the
// sample lake on a directory store: read and validate, aggregate, encode,
// publish, file away, retention. The disclosure pattern is a constant
// here (the real one is measured in internal/protect). It reports seconds
// per ingest and the peak heap above what was in use before.
func BenchmarkIngest1M(b *testing.B) {
	const n = 1_000_000
	m, _, err := synth.Generate()
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]v1.Insats, 0, n)
	for c := 0; len(rows) < n; c++ {
		for _, r := range m.Insatser[2024] {
			if len(rows) == n {
				break
			}
			r.PersonID = fmt.Sprintf("%s-%d", r.PersonID, c)
			rows = append(rows, r)
		}
	}
	data, err := uploadtest.Encode(&upload.File{Dataset: upload.Insatser, Period: upload.Period{Year: 2024}, Insatser: rows},
		uploadtest.Style{Delimiter: ';', Encoding: uploadtest.Windows1252, CRLF: true, Kon: [2]string{"Kvinna", "Man"}, Decimals: 1, DecimalComma: true})
	if err != nil {
		b.Fatal(err)
	}
	rows = nil
	b.SetBytes(int64(len(data)))
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		st, err := dirstore.New(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		seedLake(b, st)
		ingesttest.Put(b, st, "uploads/insatser/2024/insatser_2024.csv", data)
		runtime.GC()
		base := heapBytes()
		var highest atomic.Uint64
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
					if h := heapBytes(); h > base && h-base > highest.Load() {
						highest.Store(h - base)
					}
				}
			}
		}()
		b.StartTimer()
		res, err := ingest.Run(context.Background(), st, ingest.Options{Pattern: func(*aggregate.Set, dataset.Geography, protect.Rules) ([]byte, error) {
			return []byte("{}\n"), nil
		}})
		b.StopTimer()
		close(done)
		if err != nil || !res.Published || len(res.Accepted) != 1 {
			b.Fatalf("ingest: %+v, %v", res, err)
		}
		peak = max(peak, highest.Load())
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/ingest")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak")
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

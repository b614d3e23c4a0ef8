package upload_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/synth"
	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

// manyInsatser returns n insatser rows of one year: the sample year 2024
// repeated, each copy with its own person ids, so that the per-person
// rules hold as they do in real data.
func manyInsatser(b *testing.B, n int) *upload.File {
	b.Helper()
	m, _, err := synth.Generate()
	if err != nil {
		b.Fatal(err)
	}
	year := m.Insatser[2024]
	rows := make([]v1.Insats, 0, n)
	for copy := 0; len(rows) < n; copy++ {
		for _, r := range year {
			if len(rows) == n {
				break
			}
			r.PersonID = fmt.Sprintf("%s-%d", r.PersonID, copy)
			rows = append(rows, r)
		}
	}
	return &upload.File{Dataset: upload.Insatser, Period: upload.Period{Year: 2024}, Insatser: rows}
}

// benchmarkRead reads data as key and reports rows and bytes per second,
// allocations, and the heap one read takes: at its peak and what the rows
// it returns keep.
func benchmarkRead(b *testing.B, key string, data []byte, n int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	reads := 0
	for b.Loop() {
		f, err := upload.Read(key, data)
		if err != nil {
			b.Fatal(reportText(err))
		}
		if f.Len() != n {
			b.Fatalf("read %d rows, want %d", f.Len(), n)
		}
		reads++
	}
	b.ReportMetric(float64(n*reads)/b.Elapsed().Seconds(), "rows/s")
	b.StopTimer()
	peak, kept := heapOf(func() any { f, _ := upload.Read(key, data); return f })
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak")
	b.ReportMetric(float64(kept)/(1<<20), "MiB-kept")
}

// heapOf runs fn and returns the most heap it held at once (sampled every
// millisecond) and what its result keeps, both above the heap in use
// without the result.
func heapOf(fn func() any) (peak, kept uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	stop, stopped := make(chan struct{}), make(chan uint64)
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		most := heap()
		for {
			select {
			case <-stop:
				stopped <- most
				return
			case <-t.C:
				most = max(most, heap())
			}
		}
	}()
	result := fn()
	close(stop)
	most := <-stopped
	runtime.GC()
	with := heap()
	runtime.KeepAlive(result) // and not beyond: the next GC frees it
	runtime.GC()
	without := heap()
	return max(most, without) - without, with - without
}

// BenchmarkReadCSV reads one million insatser rows in the heaviest CSV
// dialect: Windows-1252 (every byte transcoded), semicolons, CRLF, Swedish
// labels and decimal commas. The whole ingest of a million rows has to
// stay under 30 s and 1 GiB on two cores; reading is the first part.
func BenchmarkReadCSV(b *testing.B) {
	const n = 1_000_000
	data, err := uploadtest.Encode(manyInsatser(b, n), uploadtest.Style{Delimiter: ';', Encoding: uploadtest.Windows1252, CRLF: true,
		Kon: [2]string{"Kvinna", "Man"}, Decimals: 1, DecimalComma: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	benchmarkRead(b, "uploads/insatser/2024/insatser.csv", data, n)
}

// BenchmarkReadXLSX reads 100 000 insatser rows from a workbook with date
// serials; excelize's streaming reader sets the pace.
func BenchmarkReadXLSX(b *testing.B) {
	const n = 100_000
	data, err := uploadtest.Encode(manyInsatser(b, n), uploadtest.Style{Format: upload.XLSX, SerialDates: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	benchmarkRead(b, "uploads/insatser/2024/insatser.xlsx", data, n)
}

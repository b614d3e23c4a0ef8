// Command gen regenerates the sample lake testdata/lake from the synthetic
// data of internal/synth, with its disclosure pattern (about 10 s), or with -check reports how the committed lake
// drifts from what the generators make now. With -national it makes the
// synthetic national-scale lake of the scale benchmarks instead (290
// municipalities, about 100 times the sample's microdata; never committed).
//
//	go run ./testdata/gen           # rewrite testdata/lake
//	go run ./testdata/gen -check    # exit 1 and list drifting files
//	go run ./testdata/gen -national -out .tools/national
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/synth"
)

// sampleDir is where the committed sample lake lives.
const sampleDir = "testdata/lake"

// options are the command's flags.
type options struct {
	out            string
	check, partial bool
	national       bool
	seed           uint64
	pattern        string
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", sampleDir, "directory of the lake")
	flag.BoolVar(&o.check, "check", false, "compare the generated lake with -out and exit 1 if they differ, writing nothing")
	flag.BoolVar(&o.partial, "partial", false, "write the datasets that generate even when others fail")
	flag.BoolVar(&o.national, "national", false, "make the national-scale benchmark lake (290 municipalities, ~100× the sample's microdata) instead of the sample; needs -out")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed of the national lake")
	flag.StringVar(&o.pattern, "pattern", protect.MethodCertified,
		"how the disclosure pattern is computed: certified (the served pattern; about a minute for the national lake) or gauss (uncertified Gauss pass and relation widening, for comparison only)")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(o, log); err != nil {
		log.Error("gen failed", "err", err)
		os.Exit(1)
	}
}

func run(o options, log *slog.Logger) error {
	patternFn, err := ingest.PatternMethod(o.pattern)
	if err != nil {
		return fmt.Errorf("-pattern: %w", err)
	}
	isSample := filepath.Clean(o.out) == filepath.Clean(sampleDir)
	switch {
	case o.national && isSample:
		return fmt.Errorf("-national writes the national benchmark lake, which is never committed: give -out another directory (e.g. .tools/national)")
	case !o.national && isSample && o.pattern != protect.MethodCertified:
		return fmt.Errorf("-pattern %s: %s serves the certified pattern; write an uncertified lake elsewhere with -out", o.pattern, sampleDir)
	}
	start := time.Now()
	var (
		m      *aggregate.Microdata
		e      *aggregate.External
		genErr error
	)
	geo := dataset.Stockholm
	if o.national {
		geo = dataset.Kommuner
		m, e, genErr = synth.National(o.seed, synth.NationalScale)
	} else {
		m, e, genErr = synth.Generate()
	}
	switch {
	case genErr != nil && o.national:
		return genErr
	case genErr != nil && !o.partial:
		return fmt.Errorf("%w (run with -partial to write the datasets that did generate)", genErr)
	case genErr != nil:
		log.Warn("some datasets did not generate; writing the others", "err", genErr)
	}
	log.Info("microdata generated", "geography", geo.Name, "rows", rows(m), "seconds", since(start))
	step := time.Now()
	set, err := aggregate.Build(m, e)
	if err != nil {
		return err
	}
	v, err := lake.Encode(m, set, lake.SampleCreated)
	if err != nil {
		return err
	}
	if err := v.SetGeography(geo); err != nil {
		return err
	}
	m = nil // the raw files are encoded; free the rows before the pattern step
	log.Info("aggregated and encoded", "files", len(v.Files), "seconds", since(step))
	// the disclosure pattern, computed once here and read by the API
	step = time.Now()
	pattern, err := patternFn(set, geo, protect.Rules{Threshold: 4, ProtectionLevel: 3})
	if err != nil {
		return err
	}
	if err := v.SetDisclosure(pattern); err != nil {
		return err
	}
	log.Info("disclosure pattern computed", "method", o.pattern, "seconds", since(step))
	// the seed tables' answers, computed once here and served by the API
	step = time.Now()
	if err := api.StoreReports(context.Background(), v); err != nil {
		return err
	}
	log.Info("seed tables computed", "bytes", v.Manifest.Reports.Bytes, "seconds", since(step))
	if o.check {
		diff, err := v.DiffDir(o.out)
		if err != nil {
			return err
		}
		if len(diff) > 0 {
			for _, d := range diff {
				fmt.Println(d)
			}
			if isSample {
				return fmt.Errorf("%s drifts from the generators in %d files; run `go run ./testdata/gen` and commit %s", o.out, len(diff), o.out)
			}
			return fmt.Errorf("%s drifts from the generators in %d files", o.out, len(diff))
		}
		log.Info("lake is up to date", "dir", o.out, "version", v.Manifest.Version)
		return nil
	}
	if err := v.WriteDir(o.out); err != nil {
		return err
	}
	log.Info("wrote lake", "dir", o.out, "version", v.Manifest.Version, "geography", geo.Name, "pattern", o.pattern,
		"files", len(v.Files)+1, "seconds", since(start))
	return nil
}

// rows counts the microdata rows of every dataset.
func rows(m *aggregate.Microdata) int {
	n := 0
	for _, r := range m.Insatser {
		n += len(r)
	}
	for _, r := range m.Beslut {
		n += len(r)
	}
	for _, r := range m.EjVerkstallda {
		n += len(r)
	}
	for _, r := range m.KBF {
		n += len(r)
	}
	return n
}

func since(t time.Time) float64 { return time.Since(t).Round(time.Millisecond).Seconds() }

// Command gen regenerates the sample lake testdata/lake from the synthetic
// data of internal/synth, with its disclosure pattern (a few minutes), or with -check reports how the committed lake
// drifts from what the generators make now.
//
//	go run ./testdata/gen           # rewrite testdata/lake
//	go run ./testdata/gen -check    # exit 1 and list drifting files
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/synth"
)

func main() {
	out := flag.String("out", "testdata/lake", "directory of the sample lake")
	check := flag.Bool("check", false, "compare the generated lake with -out and exit 1 if they differ, writing nothing")
	partial := flag.Bool("partial", false, "write the datasets that generate even when others fail")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(*out, *check, *partial, log); err != nil {
		log.Error("gen failed", "err", err)
		os.Exit(1)
	}
}

func run(out string, check, partial bool, log *slog.Logger) error {
	m, e, genErr := synth.Generate()
	if genErr != nil && !partial {
		return fmt.Errorf("%w (run with -partial to write the datasets that did generate)", genErr)
	}
	if genErr != nil {
		log.Warn("some datasets did not generate; writing the others", "err", genErr)
	}
	set, err := aggregate.Build(m, e)
	if err != nil {
		return err
	}
	v, err := lake.Encode(m, set, lake.SampleCreated)
	if err != nil {
		return err
	}
	// the disclosure pattern, computed once here and read by the API
	rules := protect.Rules{Threshold: 4, ProtectionLevel: 3}
	l, err := protect.ProtectLake(set.Source(), rules)
	if err != nil {
		return err
	}
	pattern, err := l.MarshalPatterns(rules)
	if err != nil {
		return err
	}
	if err := v.SetDisclosure(pattern); err != nil {
		return err
	}
	if check {
		diff, err := v.DiffDir(out)
		if err != nil {
			return err
		}
		if len(diff) > 0 {
			for _, d := range diff {
				fmt.Println(d)
			}
			return fmt.Errorf("%s drifts from the generators in %d files; run `go run ./testdata/gen` and commit %s", out, len(diff), out)
		}
		log.Info("sample lake is up to date", "dir", out, "version", v.Manifest.Version)
		return nil
	}
	if err := v.WriteDir(out); err != nil {
		return err
	}
	log.Info("wrote sample lake", "dir", out, "version", v.Manifest.Version, "files", len(v.Files)+1)
	return nil
}

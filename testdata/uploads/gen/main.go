// Command gen writes the sample uploads in testdata/uploads from the
// synthetic microdata of internal/synth (the rows of testdata/lake): files
// in the dialects staff send, rejected files under bad/, and README.md. The
// expected reports of the rejected files (bad/**/*.expected.txt) are
// written by `go test ./internal/upload -run TestBadUploads -update`.
//
//	go run ./testdata/uploads/gen           # rewrite testdata/uploads
//	go run ./testdata/uploads/gen -check    # exit 1 and list drifting files
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/stockholm/insyn/internal/synth"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

func main() {
	out := flag.String("out", "testdata/uploads", "directory of the sample uploads")
	check := flag.Bool("check", false, "compare with -out and exit 1 if they differ, writing nothing")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(*out, *check, log); err != nil {
		log.Error("gen failed", "err", err)
		os.Exit(1)
	}
}

func run(out string, check bool, log *slog.Logger) error {
	m, e, err := synth.Generate()
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	files, err := uploadtest.All(m, e)
	if err != nil {
		return err
	}
	sync := uploadtest.Write
	if check {
		sync = uploadtest.Diff
	}
	drift, err := sync(out, files)
	if err != nil {
		return err
	}
	if check && len(drift) > 0 {
		for _, d := range drift {
			fmt.Println(d)
		}
		return fmt.Errorf("%s drifts from the generator in %d files; run `go run ./testdata/uploads/gen` and commit %s", out, len(drift), out)
	}
	log.Info("sample uploads", "dir", out, "files", len(files), "changed", len(drift), "checked only", check)
	return nil
}

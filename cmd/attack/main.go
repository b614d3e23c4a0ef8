// Command attack audits what insyn's API publishes for a lake version as
// an attacker would: it asks the API's handler for every figure, adds
// what the schema and the data contracts tell (docs/attacker-knowledge.md),
// and bounds every suppressed count by linear programming. It prints each
// count narrowed below the protection level and the narrowest interval,
// and exits 1 when any count is narrower than the protection level or
// disclosed exactly.
//
//	go run ./cmd/attack                       # the sample lake, testdata/lake
//	go run ./cmd/attack -lake .tools/national # another lake directory
//	go run ./cmd/attack -exact                # every interval solved on its own
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/attack"
	"github.com/stockholm/insyn/internal/store/dirstore"
)

func main() {
	lakeDir := flag.String("lake", "testdata/lake", "lake directory to serve and audit")
	exact := flag.Bool("exact", false, "solve both programs of every suppressed count (slower): every interval is the attacker's own")
	protection := flag.Float64("protection", 3, "width every suppressed count's interval must keep")
	all := flag.Bool("v", false, "print every suppressed count's interval")
	flag.Parse()
	code, err := run(*lakeDir, attack.Options{Path: api.Path, Protection: *protection, Exact: *exact}, *all)
	if err != nil {
		fmt.Fprintln(os.Stderr, "attack:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func run(dir string, o attack.Options, all bool) (int, error) {
	st, err := dirstore.New(dir)
	if err != nil {
		return 0, err
	}
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	l, err := api.OpenLake(context.Background(), st, api.LakeOptions{Logger: quiet})
	if err != nil {
		return 0, err
	}
	h, err := api.NewHandler(l, api.HandlerOptions{Logger: quiet})
	if err != nil {
		return 0, err
	}
	res, err := attack.Run(h, o)
	if err != nil {
		return 0, err
	}
	res.Print(os.Stdout, all)
	if len(res.Failures) > 0 {
		return 1, nil
	}
	return 0, nil
}

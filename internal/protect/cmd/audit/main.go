// Command audit runs the attacker audit on the disclosure pattern a lake
// version stores (what the API serves), printing per structure the
// suppressed cells, how many of them were decided over the whole
// structure, and the cells the audit fails; with -recompute it audits the
// pattern the engine computes now instead. A reviewer's check that no
// answer reveals a small group:
//
//	go run ./internal/protect/cmd/audit -lake testdata/lake
//
// By default most cells are passed on a neighbourhood of the cell, with a
// checked table of the whole structure for each interval (protect.Audit;
// the verdicts are exact, a failure always comes from the programs over the
// whole structure); -exact solves every cell over the whole structure
// (protect.AuditExact: every interval the attacker's own, minutes instead
// of about a second for the sample lake).
//
// It needs Debian's python3-scipy (HiGHS), which `bash infra/tools.sh`
// installs. It exits 1 when any structure fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store/dirstore"
)

func main() {
	dir := flag.String("lake", "testdata/lake", "lake directory")
	threshold := flag.Int("threshold", 4, "counts 1..threshold-1 are suppressed (with -recompute)")
	level := flag.Float64("protection", 3, "width a suppressed small count's interval must keep (with -recompute)")
	recompute := flag.Bool("recompute", false, "compute the pattern with this build instead of auditing the stored one")
	exact := flag.Bool("exact", false, "solve every suppressed cell over its whole structure (slow), not on a neighbourhood first")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(*dir, *threshold, *level, *recompute, *exact); err != nil {
		log.Error("audit failed", "lake", *dir, "err", err)
		os.Exit(1)
	}
}

func run(dir string, threshold int, level float64, recompute, exact bool) error {
	st, err := dirstore.New(dir)
	if err != nil {
		return err
	}
	snap, err := lake.Open(context.Background(), st)
	if err != nil {
		return err
	}
	rules := protect.Rules{Threshold: threshold, ProtectionLevel: level}
	var l *protect.Lake
	if recompute {
		geo, err := dataset.LookupGeography(snap.Manifest.Geography)
		if err != nil {
			return err
		}
		l, err = protect.ProtectLake(snap.Set.Source(), geo, rules)
		if err != nil {
			return err
		}
	} else {
		if snap.Disclosure == nil {
			return fmt.Errorf("lake version %s stores no disclosure pattern (run with -recompute to audit the engine's)", snap.Manifest.Version)
		}
		l, rules, err = protect.WithStructures(snap.Set.Source(), snap.Disclosure)
	}
	if err != nil {
		return err
	}
	audit := l.Audit
	if exact {
		audit = l.AuditExact
	}
	if err := audit(rules); err != nil {
		return err
	}
	fmt.Printf("lake %s version %s\n%-30s %-10s %6s %8s %9s %6s %8s\n", dir, snap.Manifest.Version,
		"structure", "period", "cells", "primary", "secondary", "whole", "failures")
	failed := 0
	for i, s := range l.Structures {
		whole := 0
		for _, iv := range l.Audits[i].Intervals {
			if iv.Exact {
				whole++
			}
		}
		fmt.Printf("%-30s %-10s %6d %8d %9d %6d %8d\n", s.Name, s.Period, len(s.Structure.Cells),
			l.Patterns[i].Primaries, l.Patterns[i].Secondaries, whole, len(l.Audits[i].Failures))
		for _, f := range l.Audits[i].Failures {
			fmt.Println("   ", f)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d cells fail the audit", failed)
	}
	fmt.Println(`every structure passes: no primary cell narrower than the protection level, nothing disclosed exactly
("whole": suppressed cells decided by the programs over the whole structure; the others passed on a neighbourhood)`)
	return nil
}

// Package synth makes the sample lake: deterministic synthetic microdata for
// 2022–2024 (and the quarters Kv 2 2023 – Kv 2 2024) whose aggregates
// reproduce every printed number of the seed reports, except the deviations
// listed with their reasons in testdata/reports/DEVIATIONS.md. Where a report
// prints "*", the generated count is 1–3; where the sources leave a figure
// open (a suppressed cell, a split nobody printed), the choice is written
// down in the code next to the numbers it must respect.
package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/stockholm/insyn/internal/aggregate"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// Generate makes every dataset of the sample lake. It is deterministic: the
// same code gives byte-identical data. When a dataset fails, the others are
// still made and the error names each failed dataset.
func Generate() (*aggregate.Microdata, *aggregate.External, error) {
	m := &aggregate.Microdata{
		Insatser:      map[int][]v1.Insats{},
		Beslut:        map[int][]v1.Beslut{},
		EjVerkstallda: map[int][]v1.EjVerkstallt{},
		KBF:           map[int][]v1.KBF{},
	}
	e := &aggregate.External{
		Lov:        map[int][]v1.LovCell{},
		Befolkning: map[int][]v1.BefolkningCell{},
		SFB:        map[int][]v1.SFBCell{},
	}
	steps := []struct {
		name string
		run  func(*aggregate.Microdata, *aggregate.External) error
	}{
		{"insatser", genInsatser},
		{"beslut", genBeslut},
		{"ej_verkstallda", genEjVerkstallda},
		{"kbf", genKBF},
		{"lov", genLov},
	}
	var errs []error
	for _, s := range steps {
		if err := s.run(m, e); err != nil {
			// one line per dataset, so a reader sees which dataset failed
			errs = append(errs, fmt.Errorf("generate %s: %s", s.name, strings.ReplaceAll(err.Error(), "\n", "; ")))
		}
	}
	return m, e, errors.Join(errs...)
}

// PersonID returns a pseudonymous person id for a dataset and sequence
// number: stable, unguessable-looking, and the same on every run.
func PersonID(dataset string, year, n int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("insyn-sample/%s/%d/%d", dataset, year, n)))
	return "P" + hex.EncodeToString(h[:6])
}

package synth

import (
	"reflect"
	"slices"
	"testing"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// TestNational: the national lake's data are deterministic per seed, have
// scale times the sample's persons, decisions and recipients, use only
// municipality codes (every municipality some), and aggregate without
// contradictions (one kön and age per person, one decision per insats).
func TestNational(t *testing.T) {
	const scale = 2
	sm, se, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	m, e, err := National(7, scale)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := National(7, scale)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, again) {
		t.Fatal("the same seed gives other data")
	}
	other, _, err := National(8, scale)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(m.KBF, other.KBF) {
		t.Error("another seed gives the same data")
	}

	for y, rows := range sm.Insatser {
		if got, want := len(personsOf(m.Insatser[y])), scale*len(personsOf(rows)); got != want {
			t.Errorf("insatser %d: %d persons, want %d", y, got, want)
		}
	}
	for y, rows := range sm.Beslut {
		if len(m.Beslut[y]) != scale*len(rows) {
			t.Errorf("beslut %d: %d rows, want %d", y, len(m.Beslut[y]), scale*len(rows))
		}
	}
	for y, rows := range sm.EjVerkstallda {
		if len(m.EjVerkstallda[y]) != scale*len(rows) {
			t.Errorf("ej_verkstallda %d: %d rows, want %d", y, len(m.EjVerkstallda[y]), scale*len(rows))
		}
	}
	seen := map[string]bool{}
	for y, rows := range m.KBF {
		if len(rows) != scale*len(sm.KBF[y]) {
			t.Errorf("kbf %d: %d rows, want %d", y, len(rows), scale*len(sm.KBF[y]))
		}
		for _, r := range rows {
			seen[r.Namnd] = true
		}
	}
	for y, rows := range m.Insatser {
		for _, r := range rows {
			if !dataset.Kommuner.Namnd.Has(r.Namnd) {
				t.Fatalf("insatser %d: %q is no municipality", y, r.Namnd)
			}
			seen[r.Namnd] = true
		}
	}
	if len(seen) != len(dataset.Kommuner.Areas) {
		t.Errorf("%d municipalities have data, want all %d", len(seen), len(dataset.Kommuner.Areas))
	}
	for y, cells := range e.Befolkning {
		if len(cells) != len(dataset.Kommuner.Areas) || slices.ContainsFunc(cells, func(c v1.BefolkningCell) bool { return c.AntalInvanare <= 0 }) {
			t.Errorf("befolkning %d: %d cells, or a municipality without inhabitants", y, len(cells))
		}
	}
	if e.SFB[2024][0].AntalPersoner != scale*se.SFB[2024][0].AntalPersoner {
		t.Errorf("sfb 2024: %d, want %d", e.SFB[2024][0].AntalPersoner, scale*se.SFB[2024][0].AntalPersoner)
	}
	if _, err := aggregate.Build(m, e); err != nil {
		t.Fatalf("the national data do not aggregate: %v", err)
	}
	if _, _, err := National(1, 0); err == nil {
		t.Error("scale 0 accepted")
	}
}

package lake

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
)

// fixture makes small microdata and external aggregates for two years that
// touch every column, every dataset and a year with no rows (lov 2023).
// shift changes the amounts, for a second, different version.
func fixture(t *testing.T, shift int) (*aggregate.Microdata, *aggregate.Set) {
	t.Helper()
	m := &aggregate.Microdata{
		Insatser: map[int][]v1.Insats{}, Beslut: map[int][]v1.Beslut{},
		EjVerkstallda: map[int][]v1.EjVerkstallt{}, KBF: map[int][]v1.KBF{},
	}
	e := &aggregate.External{
		Lov: map[int][]v1.LovCell{}, Befolkning: map[int][]v1.BefolkningCell{}, SFB: map[int][]v1.SFBCell{},
	}
	namnder := dataset.Namnd.CodeValues()
	insatser := dataset.Insats.Codes
	regier := dataset.Regi.CodeValues()
	for _, year := range []int{2023, 2024} {
		epoch := int32(time.Date(year, 10, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
		for p := range 60 {
			id := "P" + string(rune('a'+p%26)) + string(rune('a'+p/26)) + string(rune('0'+year%10))
			namnd, kon := namnder[p%len(namnder)], []string{"K", "M"}[p%2]
			alder := int32(3 + (p*13)%80)
			for j := range 1 + p%3 {
				ins := insatser[(p+5*j)%len(insatser)]
				r := v1.Insats{PersonID: id, Matdatum: epoch, Namnd: namnd, Lagrum: ins.Group, Insats: ins.Code,
					Kon: kon, Alder: alder, Regi: regier[(p+j)%len(regier)]}
				if ins.Code == "bostad_vuxna" || ins.Code == "sol_bostad" {
					r.Boendeform = []string{"gruppbostad", "servicebostad"}[p%2]
				}
				if ins.Code == "personlig_assistans" || p%7 == 0 {
					h := float64(40+p*3+shift) + 0.5
					r.Timmar = &h
				}
				m.Insatser[year] = append(m.Insatser[year], r)
			}
			m.Beslut[year] = append(m.Beslut[year], v1.Beslut{PersonID: id, Beslutsdatum: epoch - int32(p), Namnd: namnd,
				Lagrum: []string{"LSS", "SoL"}[p%2], Insats: dataset.BeslutInsats.Codes[p%2].Code, Kon: kon,
				Funktionsnedsattning: dataset.Funktionsnedsattning.Codes[p%8].Code,
				Utfall:               dataset.Utfall.Codes[p%3].Code, Dom: p%5 == 0, DomMotStaden: p%10 == 0})
			if p%4 == 0 {
				m.EjVerkstallda[year] = append(m.EjVerkstallda[year], v1.EjVerkstallt{PersonID: id, Kvartal: int32(1 + p%4),
					Namnd: namnd, Lagrum: "LSS", Insats: insatser[p%9].Code, Orsak: dataset.Orsak.Codes[p%4].Code, Kon: kon,
					Beslutsdatum: epoch - 100 - int32(p), Status: dataset.Status.Codes[p%3].Code})
			}
			if p%3 == 0 {
				m.KBF[year] = append(m.KBF[year], v1.KBF{PersonID: id, Namnd: namnd, Kon: kon, BeloppKr: int64(10000 + 37*p + shift)})
			}
		}
		for i, d := range dataset.Districts() {
			e.Befolkning[year] = append(e.Befolkning[year], v1.BefolkningCell{Namnd: d, AntalInvanare: int64(50000 + 1000*i + year)})
		}
		e.SFB[year] = []v1.SFBCell{{Kon: "K", AntalPersoner: 440}, {Kon: "M", AntalPersoner: int64(600 + shift)}}
	}
	e.Lov[2023] = []v1.LovCell{}
	e.Lov[2024] = []v1.LovCell{{Insats: "daglig_verksamhet", AntalVerksamheter: 80}, {Insats: "korttidshem", AntalVerksamheter: 9}}
	s, err := aggregate.Build(m, e)
	if err != nil {
		t.Fatal(err)
	}
	// Build sorts what it aggregates but keeps the external aggregates in
	// the order given; the lake stores every table sorted.
	s.Lov = sortedByYear(s.Lov, compareLovCell)
	s.Befolkning = sortedByYear(s.Befolkning, compareBefolkningCell)
	s.SFB = sortedByYear(s.SFB, compareSFBCell)
	return m, s
}

// sortedMicrodata returns m with every year's rows in file order.
func sortedMicrodata(m *aggregate.Microdata) *aggregate.Microdata {
	return &aggregate.Microdata{
		Insatser:      sortedByYear(m.Insatser, compareInsats),
		Beslut:        sortedByYear(m.Beslut, compareBeslut),
		EjVerkstallda: sortedByYear(m.EjVerkstallda, compareEjVerkstallt),
		KBF:           sortedByYear(m.KBF, compareKBF),
	}
}

func sortedByYear[T any](m map[int][]T, compare func(a, b T) int) map[int][]T {
	out := map[int][]T{}
	for y, rows := range m {
		out[y] = slices.Clone(rows)
		slices.SortStableFunc(out[y], compare)
	}
	return out
}

// encode is Encode failing the test on error.
func encode(t *testing.T, m *aggregate.Microdata, s *aggregate.Set) *Version {
	t.Helper()
	v, err := Encode(m, s, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newStore returns an empty directory store and its root.
func newStore(t *testing.T) (*dirstore.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := dirstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

// publish publishes v over the manifest with ETag prev and returns the new
// ETag.
func publish(t *testing.T, st store.Store, v *Version, prev string) string {
	t.Helper()
	attrs, err := Publish(context.Background(), st, v, prev)
	if err != nil {
		t.Fatal(err)
	}
	return attrs.ETag
}

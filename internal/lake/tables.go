package lake

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/stockholm/insyn/internal/aggregate"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// table binds one dataset's rows, held by year in an aggregate.Set or
// aggregate.Microdata, to its files.
type table struct {
	dataset string
	// years returns the years that have rows, ascending.
	years func() []int
	// encode writes the rows of a year as a file and returns it and its
	// row count.
	encode func(year int) ([]byte, int64, error)
	// decode reads a file and adds its rows to the year.
	decode func(year int, data []byte) (int64, error)
}

// bind makes the table for the rows at *m, written in the order of compare.
// decode creates the map if needed and appends, so a year may be split over
// several files.
func bind[T any](dataset string, m *map[int][]T, compare func(a, b T) int) table {
	return table{
		dataset: dataset,
		years:   func() []int { return slices.Sorted(maps.Keys(*m)) },
		encode: func(year int) ([]byte, int64, error) {
			rows := slices.Clone((*m)[year])
			slices.SortStableFunc(rows, compare)
			b, err := encodeRows(dataset, rows)
			return b, int64(len(rows)), err
		},
		decode: func(year int, data []byte) (int64, error) {
			rows, err := decodeRows[T](data)
			if err != nil {
				return 0, err
			}
			if *m == nil {
				*m = map[int][]T{}
			}
			(*m)[year] = append((*m)[year], rows...)
			if (*m)[year] == nil {
				(*m)[year] = []T{}
			}
			return int64(len(rows)), nil
		},
	}
}

// aggregateTables binds every aggregate dataset of s.
func aggregateTables(s *aggregate.Set) []table {
	return []table{
		bind(Insatser, &s.Insatser, compareInsatsCell),
		bind(InsatserPersoner, &s.Personer, comparePersonCell),
		bind(Beslut, &s.Beslut, compareBeslutCell),
		bind(EjVerkstallda, &s.EjVerkstallda, compareEjVerkstalltCell),
		bind(KBF, &s.KBF, compareKBFCell),
		bind(Lov, &s.Lov, compareLovCell),
		bind(Befolkning, &s.Befolkning, compareBefolkningCell),
		bind(SFB, &s.SFB, compareSFBCell),
	}
}

// rawTables binds every microdata dataset of m.
func rawTables(m *aggregate.Microdata) []table {
	return []table{
		bind(Insatser, &m.Insatser, compareInsats),
		bind(Beslut, &m.Beslut, compareBeslut),
		bind(EjVerkstallda, &m.EjVerkstallda, compareEjVerkstallt),
		bind(KBF, &m.KBF, compareKBF),
	}
}

// Rows are written sorted so that the file does not depend on the order the
// rows arrived in. Aggregate cells sort by their coordinates in column order,
// as aggregate.Build sorts them, so a round trip gives back Build's slices;
// microdata sort by person first, so the order reveals nothing either.

func compareInsats(a, b v1.Insats) int {
	return cmp.Or(strings.Compare(a.PersonID, b.PersonID), cmp.Compare(a.Matdatum, b.Matdatum),
		strings.Compare(a.Namnd, b.Namnd), strings.Compare(a.Lagrum, b.Lagrum), strings.Compare(a.Insats, b.Insats),
		strings.Compare(a.Kon, b.Kon), cmp.Compare(a.Alder, b.Alder), strings.Compare(a.Regi, b.Regi),
		strings.Compare(a.Boendeform, b.Boendeform), compareFloatPtr(a.Timmar, b.Timmar))
}

func compareBeslut(a, b v1.Beslut) int {
	return cmp.Or(strings.Compare(a.PersonID, b.PersonID), cmp.Compare(a.Beslutsdatum, b.Beslutsdatum),
		strings.Compare(a.Namnd, b.Namnd), strings.Compare(a.Lagrum, b.Lagrum), strings.Compare(a.Insats, b.Insats),
		strings.Compare(a.Kon, b.Kon), strings.Compare(a.Funktionsnedsattning, b.Funktionsnedsattning),
		strings.Compare(a.Utfall, b.Utfall), compareBool(a.Dom, b.Dom), compareBool(a.DomMotStaden, b.DomMotStaden))
}

func compareEjVerkstallt(a, b v1.EjVerkstallt) int {
	return cmp.Or(strings.Compare(a.PersonID, b.PersonID), cmp.Compare(a.Kvartal, b.Kvartal),
		strings.Compare(a.Namnd, b.Namnd), strings.Compare(a.Lagrum, b.Lagrum), strings.Compare(a.Insats, b.Insats),
		strings.Compare(a.Orsak, b.Orsak), strings.Compare(a.Kon, b.Kon), cmp.Compare(a.Beslutsdatum, b.Beslutsdatum),
		strings.Compare(a.Status, b.Status))
}

func compareKBF(a, b v1.KBF) int {
	return cmp.Or(strings.Compare(a.PersonID, b.PersonID), strings.Compare(a.Namnd, b.Namnd),
		strings.Compare(a.Kon, b.Kon), cmp.Compare(a.BeloppKr, b.BeloppKr))
}

func compareInsatsCell(a, b v1.InsatsCell) int {
	return cmp.Or(strings.Compare(a.Namnd, b.Namnd), strings.Compare(a.Lagrum, b.Lagrum),
		strings.Compare(a.Insats, b.Insats), strings.Compare(a.Kon, b.Kon), strings.Compare(a.Aldersgrupp, b.Aldersgrupp),
		strings.Compare(a.Regi, b.Regi), strings.Compare(a.Boendeform, b.Boendeform),
		cmp.Compare(a.AntalBeslut, b.AntalBeslut), cmp.Compare(a.TimmarAntal, b.TimmarAntal), cmp.Compare(a.TimmarSumma, b.TimmarSumma))
}

func comparePersonCell(a, b v1.PersonCell) int {
	return cmp.Or(strings.Compare(a.Namnd, b.Namnd), strings.Compare(a.Kon, b.Kon),
		strings.Compare(a.Aldersgrupp, b.Aldersgrupp), strings.Compare(a.Lagrumsgrupp, b.Lagrumsgrupp),
		cmp.Compare(a.AntalPersoner, b.AntalPersoner))
}

func compareBeslutCell(a, b v1.BeslutCell) int {
	return cmp.Or(strings.Compare(a.Namnd, b.Namnd), strings.Compare(a.Lagrum, b.Lagrum),
		strings.Compare(a.Insats, b.Insats), strings.Compare(a.Kon, b.Kon),
		strings.Compare(a.Funktionsnedsattning, b.Funktionsnedsattning), strings.Compare(a.Utfall, b.Utfall),
		cmp.Compare(a.AntalBeslut, b.AntalBeslut), cmp.Compare(a.AntalDomar, b.AntalDomar),
		cmp.Compare(a.AntalDomarMotStaden, b.AntalDomarMotStaden))
}

func compareEjVerkstalltCell(a, b v1.EjVerkstalltCell) int {
	return cmp.Or(cmp.Compare(a.Kvartal, b.Kvartal), strings.Compare(a.Namnd, b.Namnd),
		strings.Compare(a.Lagrum, b.Lagrum), strings.Compare(a.Insats, b.Insats), strings.Compare(a.Orsak, b.Orsak),
		strings.Compare(a.Kon, b.Kon), strings.Compare(a.Status, b.Status), cmp.Compare(a.AntalBeslut, b.AntalBeslut))
}

func compareKBFCell(a, b v1.KBFCell) int {
	return cmp.Or(strings.Compare(a.Namnd, b.Namnd), strings.Compare(a.Kon, b.Kon),
		cmp.Compare(a.AntalPersoner, b.AntalPersoner), cmp.Compare(a.BeloppKr, b.BeloppKr))
}

func compareLovCell(a, b v1.LovCell) int {
	return cmp.Or(strings.Compare(a.Insats, b.Insats), cmp.Compare(a.AntalVerksamheter, b.AntalVerksamheter))
}

func compareBefolkningCell(a, b v1.BefolkningCell) int {
	return cmp.Or(strings.Compare(a.Namnd, b.Namnd), cmp.Compare(a.AntalInvanare, b.AntalInvanare))
}

func compareSFBCell(a, b v1.SFBCell) int {
	return cmp.Or(strings.Compare(a.Kon, b.Kon), cmp.Compare(a.AntalPersoner, b.AntalPersoner))
}

// compareFloatPtr orders a missing value first.
func compareFloatPtr(a, b *float64) int {
	switch {
	case a == nil || b == nil:
		return compareBool(a != nil, b != nil)
	}
	return cmp.Compare(*a, *b)
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

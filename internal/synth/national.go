package synth

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// NationalScale is how many times the sample's microdata the national lake
// holds: about 100 times the rows, over 290 municipalities instead of 12
// nämnder.
const NationalScale = 100

// nationalPopulation is the inhabitants of the synthetic country in 2024.
const nationalPopulation = 10_500_000

// National makes the microdata and delivered aggregates of a synthetic
// national-scale lake over dataset.Kommuner, for benchmarks: the same
// datasets and periods as the sample, with scale times its persons,
// decisions and recipients (NationalScale for the benchmark lake; a test
// takes 1). Municipalities differ in size as Sweden's do (a log-normal spread:
// the largest several hundred times the smallest), and each draws its
// persons, decisions and recipients at random from the sample's, whole
// persons at a time, so every person keeps one kön and age and at most one
// decision per insats. The same seed gives the same data.
func National(seed uint64, scale int) (*aggregate.Microdata, *aggregate.External, error) {
	if scale < 1 {
		return nil, nil, fmt.Errorf("national lake: scale %d is not a positive number of times the sample", scale)
	}
	sm, se, err := Generate()
	if err != nil {
		return nil, nil, fmt.Errorf("the sample the national lake draws from: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e6174696f6e))
	kommuner := dataset.Kommuner.Areas
	weights := make([]float64, len(kommuner))
	for i := range weights {
		weights[i] = math.Exp(1.1 * rng.NormFloat64())
	}
	m := &aggregate.Microdata{
		Insatser: map[int][]v1.Insats{}, Beslut: map[int][]v1.Beslut{},
		EjVerkstallda: map[int][]v1.EjVerkstallt{}, KBF: map[int][]v1.KBF{},
	}
	e := &aggregate.External{Lov: map[int][]v1.LovCell{}, Befolkning: map[int][]v1.BefolkningCell{}, SFB: map[int][]v1.SFBCell{}}
	for _, y := range sortedYears(sm.Insatser) {
		m.Insatser[y] = resample(rng, scale, personsOf(sm.Insatser[y]), weights, func(r v1.Insats, k string, n int) v1.Insats {
			r.PersonID, r.Namnd = PersonID("national/insatser", y, n), k
			return r
		})
	}
	for _, y := range sortedYears(sm.Beslut) {
		m.Beslut[y] = resample(rng, scale, single(sm.Beslut[y]), weights, func(r v1.Beslut, k string, n int) v1.Beslut {
			r.PersonID, r.Namnd = PersonID("national/beslut", y, n), k
			return r
		})
	}
	for _, y := range sortedYears(sm.EjVerkstallda) {
		m.EjVerkstallda[y] = resample(rng, scale, single(sm.EjVerkstallda[y]), weights, func(r v1.EjVerkstallt, k string, n int) v1.EjVerkstallt {
			r.PersonID, r.Namnd = PersonID("national/ej_verkstallda", y, n), k
			return r
		})
	}
	for _, y := range sortedYears(sm.KBF) {
		m.KBF[y] = resample(rng, scale, single(sm.KBF[y]), weights, func(r v1.KBF, k string, n int) v1.KBF {
			r.PersonID, r.Namnd = PersonID("national/kbf", y, n), k
			return r
		})
	}
	// The delivered aggregates: inhabitants in proportion to the
	// municipalities' sizes, growing as the city's did; providers and
	// Försäkringskassan's counts scaled like the microdata.
	cityLast := 0.0
	for _, c := range se.Befolkning[2024] {
		cityLast += float64(c.AntalInvanare)
	}
	for _, y := range sortedYears(se.Befolkning) {
		city := 0.0
		for _, c := range se.Befolkning[y] {
			city += float64(c.AntalInvanare)
		}
		pop := split(int(math.Round(nationalPopulation*city/cityLast)), weights)
		cells := make([]v1.BefolkningCell, len(kommuner))
		for i, k := range kommuner {
			cells[i] = v1.BefolkningCell{Namnd: k, AntalInvanare: int64(pop[i])}
		}
		e.Befolkning[y] = cells
	}
	for y, cells := range se.Lov {
		for _, c := range cells {
			c.AntalVerksamheter *= int64(scale)
			e.Lov[y] = append(e.Lov[y], c)
		}
	}
	for y, cells := range se.SFB {
		for _, c := range cells {
			c.AntalPersoner *= int64(scale)
			e.SFB[y] = append(e.SFB[y], c)
		}
	}
	return m, e, nil
}

// resample draws scale times as many units as sample holds, split over
// the municipalities in proportion to weights, each unit a copy of a random
// unit of sample given to the municipality by relabel (which also gets the
// unit's running number, for a new person id).
func resample[R any](rng *rand.Rand, scale int, sample [][]R, weights []float64, relabel func(r R, kommun string, n int) R) []R {
	if len(sample) == 0 {
		return nil
	}
	per := split(scale*len(sample), weights)
	var out []R
	n := 0
	for i, k := range dataset.Kommuner.Areas {
		for range per[i] {
			n++
			for _, r := range sample[rng.IntN(len(sample))] {
				out = append(out, relabel(r, k, n))
			}
		}
	}
	return out
}

// personsOf groups a year of insatser by person, in order of first row.
func personsOf(rows []v1.Insats) [][]v1.Insats {
	index := map[string]int{}
	var out [][]v1.Insats
	for _, r := range rows {
		i, ok := index[r.PersonID]
		if !ok {
			i = len(out)
			index[r.PersonID] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], r)
	}
	return out
}

// single makes every row a unit of its own.
func single[R any](rows []R) [][]R {
	out := make([][]R, len(rows))
	for i := range rows {
		out[i] = rows[i : i+1]
	}
	return out
}

// sortedYears returns a map's years in order, so that draws happen in the
// same order on every run.
func sortedYears[V any](m map[int]V) []int { return slices.Sorted(maps.Keys(m)) }

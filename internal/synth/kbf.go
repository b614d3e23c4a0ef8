package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// KBF is paid by the eleven districts only: tables 9:19 and 9:20 have no
// Socialnämnden row. Rows below are in the order of dataset.Districts().

// kbf919 is Tabell 9:19, KBF recipients 2024 per district: kvinnor, män.
var kbf919 = [11][2]int{
	{9, 22},  // Järva
	{12, 11}, // Hässelby-Vällingby
	{14, 24}, // Bromma
	{28, 29}, // Kungsholmen
	{56, 57}, // Norra innerstaden
	{36, 43}, // Södermalm
	{21, 27}, // Enskede-Årsta-Vantör
	{11, 11}, // Skarpnäck
	{13, 23}, // Farsta
	{41, 49}, // Hägersten-Älvsjö
	{9, 16},  // Skärholmen
}

// kbf920 is Tabell 9:20, KBF costs in SEK per district. The 2022 figures
// are already the sums of the districts merged in 2023.
var kbf920 = map[int][11]int64{
	2022: {481432, 329705, 909142, 912414, 2656076, 1984864, 811635, 246631, 465777, 1615170, 299372},
	2023: {320161, 227287, 567274, 728982, 2705218, 1723466, 596271, 193813, 424495, 1430658, 149518},
	2024: {244489, 231497, 500115, 607920, 2241301, 1734012, 543179, 176157, 464830, 1444377, 102788},
}

// kbfPersons is the number of recipients per year where no table prints it
// per district. 2023: the report text says 562 in 2024 was "en minskning
// med 36 personer", so 598. 2022: not printed; the text says the number has
// fallen "flera år i rad", so a larger total, chosen as 641 (mean 16 712
// SEK, against 15 162 in 2023 and 14 752 in 2024: amounts fell too).
var kbfPersons = map[int]int{2022: 641, 2023: 598}

// genKBF makes the kbf microdata (tables 9:19, 9:20): one row per recipient
// and year. 2024 has the printed persons per district and kön. For 2022 and
// 2023 the year's total is spread over the districts as if each district's
// mean amount per person were that of 2024, and over kön as in 2024. Each
// district's printed cost is split over its recipients with amounts that
// vary ±70 % around the mean and add up exactly.
func genKBF(m *aggregate.Microdata, e *aggregate.External) error {
	districts := dataset.Districts()
	rng := rand.New(rand.NewPCG(0x6b6266, 2024))
	for _, year := range []int{2022, 2023, 2024} {
		perKon, err := kbfRecipients(year)
		if err != nil {
			return err
		}
		var rows []v1.KBF
		for d, code := range districts {
			n := perKon[d][0] + perKon[d][1]
			weights := make([]float64, n)
			for i := range weights {
				weights[i] = 0.3 + 1.4*rng.Float64()
			}
			amounts := split(int(kbf920[year][d]), weights)
			for i, a := range amounts {
				if a <= 0 {
					return fmt.Errorf("%d %s: recipient %d would get %d SEK", year, code, i+1, a)
				}
				kon := "K"
				if i >= perKon[d][0] {
					kon = "M"
				}
				rows = append(rows, v1.KBF{
					PersonID: PersonID("kbf", year, len(rows)+1),
					Namnd:    code,
					Kon:      kon,
					BeloppKr: int64(a),
				})
			}
		}
		m.KBF[year] = rows
	}
	return nil
}

// kbfRecipients returns the recipients per district and kön (K, M) of a year.
func kbfRecipients(year int) ([11][2]int, error) {
	if year == 2024 {
		return kbf919, nil
	}
	total, ok := kbfPersons[year]
	if !ok {
		return [11][2]int{}, fmt.Errorf("no KBF recipients for %d", year)
	}
	weights := make([]float64, 11)
	for d, p := range kbf919 {
		weights[d] = float64(p[0]+p[1]) * float64(kbf920[year][d]) / float64(kbf920[2024][d])
	}
	var out [11][2]int
	for d, n := range split(total, weights) {
		if n == 0 {
			return out, fmt.Errorf("KBF %d: district %d gets no recipient but has costs", year, d)
		}
		k := split(n, []float64{float64(kbf919[d][0]), float64(kbf919[d][1])})
		out[d] = [2]int{k[0], k[1]}
	}
	return out, nil
}

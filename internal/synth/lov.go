package synth

import (
	"fmt"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// lov921 is Tabell 9:21, providers with a LOV contract per insats for
// 2022, 2023 and 2024, in the order of dataset.LovInsats. The printed
// "Totalt i staden" row (286, 300, 296) is the sum and is not stored.
var lov921 = [][3]int64{
	{74, 75, 75},    // Ledsagar-/avlösarservice (SoL & LSS)
	{35, 36, 32},    // Korttidshem
	{9, 9, 9},       // Korttidstillsyn
	{8, 6, 4},       // Bostad med särskild service för barn och unga
	{5, 6, 6},       // Bostad med särskild service vuxna
	{155, 168, 170}, // Daglig verksamhet
}

// genLov makes the lov aggregate (table 9:21). The city delivers provider
// counts, not microdata, so the printed figures are the data.
func genLov(m *aggregate.Microdata, e *aggregate.External) error {
	codes := dataset.LovInsats.CodeValues()
	if len(codes) != len(lov921) {
		return fmt.Errorf("9:21 has %d insats rows, the code list %d", len(lov921), len(codes))
	}
	for k, year := range []int{2022, 2023, 2024} {
		cells := make([]v1.LovCell, len(codes))
		for i, code := range codes {
			cells[i] = v1.LovCell{Insats: code, AntalVerksamheter: lov921[i][k]}
		}
		e.Lov[year] = cells
	}
	return nil
}

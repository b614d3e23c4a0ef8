package protect

import (
	"github.com/stockholm/insyn/internal/reports"
)

// markPrinted notes, per structure, the cells a figure of the seed reports
// rests on where the report prints a number (not a mark): the figures a
// reader of the reports expects to keep. The pattern prefers to publish
// them (the Gauss pass's order, the complement programs' costs, pruning's
// order), so that hiding a figure the reports print is the last resort.
// Structures of other years or geographies find no such cells.
func markPrinted(ps []*Protected) {
	tables, err := reports.Tables()
	if err != nil {
		return
	}
	specs, err := reports.Specs()
	if err != nil {
		return
	}
	l := &Lake{Structures: ps}
	for _, p := range ps {
		p.Structure.printed = make([]bool, len(p.Structure.Cells))
	}
	for _, t := range tables {
		spec := specs[t.ID]
		if spec == nil {
			continue
		}
		for r, row := range t.Rows {
			for c, raw := range row.Cells {
				if raw == nil {
					continue
				}
				if cell, err := reports.ParseCell(*raw); err != nil || cell.Mark != "" {
					continue
				}
				refs, err := spec.Counts(r, c)
				if err != nil {
					continue
				}
				for _, ref := range refs {
					if ref.Cube == "insatser" && ref.Field == "timmar_antal" {
						ref.Field = "antal_beslut" // as FigureMark reads a mean of hours
					}
					if si, ci, err := l.cellOf(ref); err == nil {
						ps[si].Structure.printed[ci] = true
					}
				}
			}
		}
	}
}

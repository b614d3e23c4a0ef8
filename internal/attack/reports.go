package attack

import (
	"github.com/stockholm/insyn/internal/reports"
)

// reportUnions are the unions of codes the seed tables print (age groups,
// insatser across the laws), per dataset and dimension: a reader of the
// printed tables knows them from their headings.
func reportUnions() (map[string]map[string][][]string, error) {
	specs, err := reports.Specs()
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][][]string{}
	for _, s := range specs {
		for r := range s.Rows {
			for c := range s.Cols {
				refs, err := s.Counts(r, c)
				if err != nil {
					continue // a cell the layout leaves empty
				}
				for _, ref := range refs {
					for dim, codes := range ref.Where {
						if len(codes) < 2 || dim == "ar" || dim == "kvartal" {
							continue
						}
						if out[ref.Cube] == nil {
							out[ref.Cube] = map[string][][]string{}
						}
						out[ref.Cube][dim] = append(out[ref.Cube][dim], codes)
					}
				}
			}
		}
	}
	return out, nil
}

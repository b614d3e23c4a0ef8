package attack

import (
	"fmt"
	"net/http"
)

// HarvestAll collects every figure the API behind h publishes that the
// search reaches: every dataset's tables and the seed tables.
func HarvestAll(h http.Handler, path string) (*Harvest, error) {
	c := &client{h: h, path: path}
	cat, err := readCatalogue(c)
	if err != nil {
		return nil, err
	}
	hv := &Harvest{Catalogue: cat, byKey: map[string]*Figure{}}
	unions, err := reportUnions()
	if err != nil {
		return nil, err
	}
	for _, ds := range cat.Datasets {
		if err := hv.searchDataset(c, ds, unions[ds.Name]); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", ds.Name, err)
		}
	}
	if err := hv.harvestReports(c); err != nil {
		return nil, err
	}
	hv.Requests = c.n
	return hv, nil
}

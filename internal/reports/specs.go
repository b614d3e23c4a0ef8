package reports

import (
	"fmt"

	"github.com/stockholm/insyn/internal/cube"
)

// Specs returns the specification of every seed table, by table id.
func Specs() (map[string]*Spec, error) {
	out := map[string]*Spec{}
	for _, group := range [][]*Spec{insatserSpecs(), otherSpecs()} {
		for _, s := range group {
			if _, dup := out[s.ID]; dup {
				return nil, fmt.Errorf("table %s specified twice", s.ID)
			}
			out[s.ID] = s
		}
	}
	return out, nil
}

// f builds a filter on one dimension.
func f(dim string, codes ...string) cube.Filter { return cube.Filter{dim: codes} }

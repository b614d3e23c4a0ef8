package synth

import (
	"errors"

	"github.com/stockholm/insyn/internal/aggregate"
)

// genInsatser makes the insatser microdata and the befolkning and sfb aggregates.
func genInsatser(m *aggregate.Microdata, e *aggregate.External) error {
	return errors.New("not written yet")
}

package aggregate_test

import (
	"reflect"
	"testing"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/synth"
)

// TestDrain: draining a set gives the cubes Source gives, and leaves the
// set without its tables.
func TestDrain(t *testing.T) {
	m, e, err := synth.Generate()
	if err != nil {
		t.Fatal(err)
	}
	set, err := aggregate.Build(m, e)
	if err != nil {
		t.Fatal(err)
	}
	want := set.Source()
	got := set.Drain()
	if !reflect.DeepEqual(got, want) {
		t.Error("Drain gives other cubes than Source")
	}
	if !reflect.DeepEqual(*set, aggregate.Set{}) {
		t.Errorf("the drained set still holds tables: %d years of insatser", len(set.Insatser))
	}
	if len(want["insatser"].Rows) == 0 {
		t.Error("no insatser rows")
	}
}

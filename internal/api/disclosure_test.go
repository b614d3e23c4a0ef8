package api

import (
	"errors"
	"testing"

	"github.com/stockholm/insyn/internal/cube"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/reports"
)

// fakeDisclosure counts its calls and marks by the filter's text.
type fakeDisclosure struct{ calls int }

func (f *fakeDisclosure) Mark(ref reports.CountRef) (protect.Mark, float64, error) {
	f.calls++
	if _, ok := ref.Where["aldersgrupp"]; ok {
		return 0, 0, errors.New("no such cell")
	}
	if len(ref.Where["kon"]) == 1 {
		return protect.Primary, 2, nil
	}
	return protect.Published, float64(len(ref.Where["namnd"])), nil
}

func TestMemoDisclosure(t *testing.T) {
	f := &fakeDisclosure{}
	m := newMemo(f)
	ref := func(field string, w cube.Filter) reports.CountRef {
		return reports.CountRef{Cube: "insatser", Field: field, Where: w}
	}
	a := ref("antal_beslut", cube.Filter{"ar": {"2024"}, "namnd": {"jarva", "bromma"}})
	b := ref("antal_beslut", cube.Filter{"namnd": {"bromma", "jarva"}, "ar": {"2024"}})
	for _, r := range []reports.CountRef{a, b, a} {
		if mark, v, err := m.Mark(r); mark != protect.Published || v != 2 || err != nil {
			t.Errorf("Mark(%v) = %v, %v, %v", r.Where, mark, v, err)
		}
	}
	if f.calls != 1 {
		t.Errorf("the same cell in another order was asked %d times", f.calls)
	}
	// Another field, another filter: other cells.
	m.Mark(ref("timmar_antal", a.Where))
	m.Mark(ref("antal_beslut", cube.Filter{"ar": {"2024"}, "kon": {"K"}}))
	m.Mark(ref("antal_beslut", cube.Filter{"ar": {"2024"}, "kon": {"K", "M"}}))
	if f.calls != 4 {
		t.Errorf("%d calls for four distinct cells", f.calls)
	}
	bad := ref("antal_beslut", cube.Filter{"aldersgrupp": {"0-11"}})
	for range 2 {
		if _, _, err := m.Mark(bad); err == nil {
			t.Error("an error was not remembered as an error")
		}
	}
	if f.calls != 5 {
		t.Errorf("the refused cell was asked %d times", f.calls-4)
	}
}

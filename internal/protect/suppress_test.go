package protect

import (
	"github.com/stockholm/insyn/internal/modp"
	"slices"
	"testing"
	"time"
)

// exactlyDisclosed checks a pattern independently of Suppress: it returns
// the suppressed cells that lie in the span of the published cells.
func exactlyDisclosed(s *Structure, p *Pattern) []int {
	b := newBasis()
	for i, c := range s.Cells {
		if p.Marks[i] != Published {
			continue
		}
		if r := b.reduce(unitVector(c.Atoms)); !r.isZero() {
			inv := modp.Inv(r.val[0])
			for k := range r.val {
				r.val[k] = modp.Mul(r.val[k], inv)
			}
			b.byPivot[r.idx[0]] = r
		}
	}
	var out []int
	for i, c := range s.Cells {
		if p.Marks[i] != Published && b.reduce(unitVector(c.Atoms)).isZero() {
			out = append(out, i)
		}
	}
	return out
}

func verifyNoExactDisclosure(t *testing.T, s *Structure, p *Pattern) {
	t.Helper()
	for _, i := range exactlyDisclosed(s, p) {
		t.Errorf("cell %s (%v, mark %d) is a linear combination of published cells", s.Cells[i].Key, s.Cells[i].Value, p.Marks[i])
	}
}

func TestSuppressSampleLake(t *testing.T) {
	src := sampleSource(t)
	for _, y := range []string{"2022", "2023", "2024"} {
		s, err := BuildInsatser(src["insatser"], y)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		p := Suppress(s, Rules{Threshold: 4})
		elapsed := time.Since(start)
		for i, c := range s.Cells {
			primary := c.Value >= 1 && c.Value <= 3
			if primary != (p.Marks[i] == Primary) {
				t.Errorf("cell %s = %v has mark %d", c.Key, c.Value, p.Marks[i])
			}
			if c.Value == 0 && p.Marks[i] != Published {
				t.Errorf("zero cell %s suppressed", c.Key)
			}
		}
		verifyNoExactDisclosure(t, s, p)
		again := Suppress(s, Rules{Threshold: 4})
		if !slices.Equal(p.Marks, again.Marks) {
			t.Error("the same structure gave another pattern")
		}
		t.Logf("insatser %s: %d cells, %d primary, %d secondary (%v)", y, len(s.Cells), p.Primaries, p.Secondaries, elapsed.Round(time.Millisecond))
	}
}

// TestDroppingASecondaryDisclosesExactly: publishing any one secondary cell
// of the sample pattern makes some suppressed cell derivable — every
// complementary suppression is needed, and the check can fail.
func TestDroppingASecondaryDisclosesExactly(t *testing.T) {
	src := sampleSource(t)
	s, err := BuildInsatser(src["insatser"], "2024")
	if err != nil {
		t.Fatal(err)
	}
	p := Suppress(s, Rules{Threshold: 4})
	checked := 0
	for i := range s.Cells {
		if p.Marks[i] != Secondary || checked >= 10 {
			continue
		}
		checked++
		broken := &Pattern{Marks: slices.Clone(p.Marks)}
		broken.Marks[i] = Published
		if len(exactlyDisclosed(s, broken)) == 0 {
			t.Errorf("publishing secondary cell %s discloses nothing: it was not needed", s.Cells[i].Key)
		}
	}
	if checked == 0 {
		t.Fatal("the sample pattern has no secondary suppression to drop")
	}
}

// TestThresholdPerDataset: a dataset may ask for a higher threshold than
// the rest; a count of 4 is then primary there and published elsewhere.
func TestThresholdPerDataset(t *testing.T) {
	r := Rules{Threshold: 4, Datasets: map[string]int{"kbf": 5}}
	if got := r.For("kbf").Threshold; got != 5 {
		t.Errorf("kbf's threshold is %d, want 5", got)
	}
	if got := r.For("insatser").Threshold; got != 4 {
		t.Errorf("insatser's threshold is %d, want 4", got)
	}
	s := handStructure([]float64{4, 9}, map[string][]int32{"a": {0}, "b": {1}, "total": {0, 1}})
	if m := Suppress(s, r.For("kbf")).Marks[s.index["a"]]; m != Primary {
		t.Errorf("under kbf's rules a count of 4 has mark %d, want primary", m)
	}
	if m := Suppress(s, r.For("insatser")).Marks[s.index["a"]]; m != Published {
		t.Errorf("under the default rules a count of 4 has mark %d, want published", m)
	}
}

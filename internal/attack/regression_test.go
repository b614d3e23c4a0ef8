package attack

import "testing"

// TestSampleLakeWithstandsLinkedAttack: no suppressed count of the sample
// lake is narrowed below the protection level by any combination of its
// public answers and the contracts' links — in particular not issue 16's
// three counts (Socialnämnden, 2022, kvinnor: persons with only SoL,
// decisions on hemtjänst, the SoL decisions in all), which the linked
// tables pinned to [1, 3]. It fails until the engine protects linked
// datasets jointly and the sample lake's pattern is recomputed.
func TestSampleLakeWithstandsLinkedAttack(t *testing.T) {
	res, err := sampleAudit()
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range issueIntervals(t, res) {
		if iv.Width() < 3 {
			t.Errorf("issue 16: %s is narrowed to %s, width %g < 3", describe(iv.Figure), iv, iv.Width())
		}
	}
	for _, f := range res.Failures {
		t.Error(f)
	}
	n := res.Narrowest()
	t.Logf("narrowest width %g: %s %s", n.Width(), describe(n.Figure), n)
}

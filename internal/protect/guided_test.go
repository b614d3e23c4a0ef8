package protect

import (
	"testing"
)

// TestAuditGuidedLoopProtectsBeslut: on the sample lake's decisions on
// applications (2024), Protect alone leaves cells the audit fails; the
// audit-guided loop adds complementary suppressions until the audit passes,
// without publishing anything Protect suppressed and without exact
// disclosure.
func TestAuditGuidedLoopProtectsBeslut(t *testing.T) {
	src := sampleSource(t)
	ps, err := BuildAll(src)
	if err != nil {
		t.Fatal(err)
	}
	audit := func(s *Structure, p *Pattern) (*AuditResult, error) { return Audit(s, p, 4, 3, OneMark) }
	for _, s := range ps {
		if s.Name != "beslut" {
			continue
		}
		r := Rules{Threshold: 4}
		base := Protect(s.Structure, s.Hier, r)
		before, err := audit(s.Structure, base)
		if err != nil {
			t.Fatal(err)
		}
		if len(before.Failures) == 0 {
			t.Fatal("Protect alone already passes: this test no longer shows the loop's effect")
		}
		p, res, err := ProtectAudited(s.Structure, s.Hier, r, audit, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Failures) > 0 {
			t.Fatalf("after the loop the audit still fails: %v", res.Failures)
		}
		for i, m := range base.Marks {
			if m != Published && p.Marks[i] == Published {
				t.Errorf("the loop published %s, which Protect suppressed", s.Structure.Cells[i].Key)
			}
		}
		if d := exactlyDisclosed(s.Structure, p); len(d) > 0 {
			t.Errorf("cell %s is derivable", s.Structure.Cells[d[0]].Key)
		}
		t.Logf("beslut %s: %d audit failures and %d secondaries before, 0 failures and %d secondaries after",
			s.Period, len(before.Failures), base.Secondaries, p.Secondaries)
	}
}

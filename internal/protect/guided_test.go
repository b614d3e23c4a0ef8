package protect

import (
	"testing"
)

// TestCertifiedLoopProtectsBeslut: on the sample lake's decisions on
// applications, Protect alone leaves cells the audit fails; the
// certificate-guided loop adds complementary suppressions (and prunes those
// no certificate needs) until the audit passes, without exact disclosure.
func TestCertifiedLoopProtectsBeslut(t *testing.T) {
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
		p, err := ProtectCertified(s.Structure, s.Hier, r, 30)
		if err != nil {
			t.Fatal(err)
		}
		res, err := audit(s.Structure, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Failures) > 0 {
			t.Fatalf("after the loop the audit still fails: %v", res.Failures)
		}
		if d := exactlyDisclosed(s.Structure, p); len(d) > 0 {
			t.Errorf("cell %s is derivable", s.Structure.Cells[d[0]].Key)
		}
		t.Logf("beslut %s: %d audit failures and %d secondaries before, 0 failures and %d secondaries after",
			s.Period, len(before.Failures), base.Secondaries, p.Secondaries)
	}
}

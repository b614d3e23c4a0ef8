package protect

import (
	"slices"
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

// TestDroppingAComplementOfTheServedPatternFailsTheAudit: in the pattern the
// sample lake serves for beslut, publishing a complementary cell again lets
// the attacker narrow some primary cell — for most of them, the audit says
// so. (A pruned pattern has no complement to spare; an audit that passed
// every weakened pattern could not fail.)
func TestDroppingAComplementOfTheServedPatternFailsTheAudit(t *testing.T) {
	l := protectedSample(t)
	for i, s := range l.Structures {
		if s.Name != "beslut" {
			continue
		}
		p := l.Patterns[i]
		failed, tried := 0, 0
		for c, m := range p.Marks {
			if m != Secondary {
				continue
			}
			broken := &Pattern{Marks: slices.Clone(p.Marks)}
			broken.Marks[c] = Published
			res, err := Audit(s.Structure, broken, 4, 3, OneMark)
			if err != nil {
				t.Fatal(err)
			}
			tried++
			if len(res.Failures) > 0 {
				failed++
			}
		}
		if tried == 0 || failed*2 < tried {
			t.Errorf("beslut %s: publishing one of its %d complements failed the audit only %d times", s.Period, tried, failed)
		}
		t.Logf("beslut %s: publishing any one of %d complements: the audit fails %d times", s.Period, tried, failed)
	}
}

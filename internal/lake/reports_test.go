package lake

import (
	"strings"
	"testing"
)

// TestSetReports: stored reports are listed in the manifest under their
// content's key and enter the version; a new disclosure pattern drops
// them (they were computed under the old one); a manifest whose reports
// key does not name its content is refused.
func TestSetReports(t *testing.T) {
	v, err := Encode(nil, nil, SampleCreated)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetDisclosure([]byte(`{"format":"p"}`)); err != nil {
		t.Fatal(err)
	}
	before := v.Manifest.Version
	reps := []byte(`{"format":"r"}` + "\n")
	if err := v.SetReports(reps); err != nil {
		t.Fatal(err)
	}
	f := v.Manifest.Reports
	if f == nil || f.Key != ReportsKey(sha256Hex(reps)) || !strings.HasPrefix(f.Key, ReportsPrefix) || string(v.Files[f.Key]) != string(reps) {
		t.Fatalf("reports file %+v", f)
	}
	if v.Manifest.Version == before {
		t.Error("the stored reports do not enter the version")
	}
	m, err := ParseManifest(v.ManifestJSON)
	if err != nil {
		t.Fatal(err)
	}
	if m.Reports == nil || *m.Reports != *f {
		t.Errorf("parsed reports %+v, want %+v", m.Reports, f)
	}
	bad := strings.Replace(string(v.ManifestJSON), f.Key, ReportsKey(strings.Repeat("0", 64)), 1)
	if _, err := ParseManifest([]byte(bad)); err == nil {
		t.Error("a reports key that does not name its content was accepted")
	}
	if err := v.SetDisclosure([]byte(`{"format":"q"}`)); err != nil {
		t.Fatal(err)
	}
	if v.Manifest.Reports != nil || v.Files[f.Key] != nil {
		t.Error("a new pattern kept the reports computed under the old one")
	}
}

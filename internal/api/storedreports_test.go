package api

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	insyn "github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// sampleWithoutReports is the sample lake written again without stored
// reports, as a version written before they were stored: its seed tables
// are computed when asked.
func sampleWithoutReports(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	snap, err := lake.Open(ctx, fsstore.New(insyn.SampleLake()))
	if err != nil {
		t.Fatal(err)
	}
	v, err := lake.Encode(nil, snap.Set, snap.Manifest.Created)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetDisclosure(snap.Disclosure); err != nil {
		t.Fatal(err)
	}
	if v.Manifest.Reports != nil {
		t.Fatal("SetDisclosure kept stored reports")
	}
	st, err := dirstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	publish(t, st, v, "")
	return st
}

// TestStoredReportsAreUpToDate: the sample lake's stored reports are what
// ComputeReports makes of its aggregates and pattern now.
func TestStoredReportsAreUpToDate(t *testing.T) {
	ctx := context.Background()
	snap, err := lake.Open(ctx, fsstore.New(insyn.SampleLake()))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Manifest.Reports == nil {
		t.Fatal("the sample lake stores no reports; run `go run ./testdata/gen`")
	}
	v, err := lake.Encode(nil, snap.Set, snap.Manifest.Created)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetDisclosure(snap.Disclosure); err != nil {
		t.Fatal(err)
	}
	got, err := ComputeReports(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "lake", filepath.FromSlash(snap.Manifest.Reports.Key)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("testdata/lake's stored reports (%d bytes) are not what ComputeReports makes now (%d bytes); run `go run ./testdata/gen`", len(want), len(got))
	}
}

// TestStoredReportsAnswerAsComputed: every seed table, in GraphQL and in
// its open-data files, is answered from the stored reports with the bytes
// of an answer computed from the cubes (the version string aside: the
// stored reports are part of the version).
func TestStoredReportsAnswerAsComputed(t *testing.T) {
	computed := sampleWithoutReports(t)
	stored, _ := copySample(t)
	handler := func(st store.Store) (*Handler, string) {
		l, err := OpenLake(context.Background(), st, LakeOptions{Logger: discardLogger()})
		if err != nil {
			t.Fatal(err)
		}
		h, err := NewHandler(l, HandlerOptions{Logger: discardLogger(), AnswerCacheBytes: -1})
		if err != nil {
			t.Fatal(err)
		}
		return h, l.Version()
	}
	hc, vc := handler(computed)
	hs, vs := handler(stored)
	if vc == vs {
		t.Fatalf("both lakes are version %s", vc)
	}
	for _, id := range reportIDs() {
		q := `query($id: String!) { report(id: $id) { id number caption source lakeVersion footnotes datasets { name version }
		  columns { key heading } rows { label cells { value mark display unit } } csv jsonStat } }`
		vars := map[string]any{"id": id}
		a := post(t, hc, q, vars).Body.Bytes()
		b := post(t, hs, q, vars).Body.Bytes()
		a = bytes.ReplaceAll(a, []byte(vc), []byte(vs))
		if !bytes.Equal(a, b) {
			t.Errorf("seed table %s: stored answer differs from the computed one:\nstored   %.400s\ncomputed %.400s", id, b, a)
		}
		var ans struct{ Errors []any }
		if err := json.Unmarshal(b, &ans); err != nil || len(ans.Errors) > 0 {
			t.Errorf("seed table %s: %.300s", id, b)
		}
	}
}

// TestPatternHead: the head of a pattern is read from its first fields,
// whatever their order, and a pattern that is not an object is refused.
func TestPatternHead(t *testing.T) {
	for _, c := range []struct {
		in   string
		want patternHeadFields
		ok   bool
	}{
		{`{"format":"f","geography":"kommun","linked":["a"],"threshold":4,"structures":[{"x":1}]}`, patternHeadFields{"f", "kommun", 4}, true},
		{`{"threshold":3,"structures":[],"format":"f"}`, patternHeadFields{Format: "f", Threshold: 3}, true},
		{`[1]`, patternHeadFields{}, false},
		{`{"format":1}`, patternHeadFields{}, false},
	} {
		got, err := patternHead([]byte(c.in))
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("patternHead(%s) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/stockholm/insyn/internal/protect"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/lake"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/fsstore"
	"github.com/stockholm/insyn/internal/store/s3store"
	"github.com/stockholm/insyn/internal/testenv/s3server"
)

// sampleSet reads the sample lake's aggregates.
func sampleSet(t *testing.T) *aggregate.Set {
	t.Helper()
	snap, err := lake.Open(context.Background(), fsstore.New(insyn.SampleLake()))
	if err != nil {
		t.Fatal(err)
	}
	return snap.Set
}

// withMoreKBF returns a copy of s in which Järva's women with KBF in 2024
// are more by extra: a new version of dataset kbf, the others unchanged.
func withMoreKBF(t *testing.T, s *aggregate.Set, extra int64) *aggregate.Set {
	t.Helper()
	out := *s
	out.KBF = maps.Clone(s.KBF)
	cells := slices.Clone(s.KBF[2024])
	i := slices.IndexFunc(cells, func(c v1.KBFCell) bool { return c.Namnd == "jarva" && c.Kon == "K" })
	if i < 0 {
		t.Fatal("the sample has no KBF cell for Järva, women, 2024")
	}
	cells[i].AntalPersoner += extra
	out.KBF[2024] = cells
	return &out
}

// encodeSet encodes s with its disclosure pattern: the sample lake's for
// every structure but kbf's, which the versions here change and which are
// protected again (the rest would take minutes and comes out the same).
func encodeSet(t *testing.T, s *aggregate.Set, created time.Time) *lake.Version {
	t.Helper()
	v, err := lake.Encode(nil, s, created)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := lake.Open(context.Background(), fsstore.New(insyn.SampleLake()))
	if err != nil {
		t.Fatal(err)
	}
	l, rules, err := protect.UnmarshalLake(snap.Disclosure)
	if err != nil {
		t.Fatal(err)
	}
	built, err := protect.BuildAll(s.Source())
	if err != nil {
		t.Fatal(err)
	}
	if len(built) != len(l.Structures) {
		t.Fatalf("%d structures, the sample pattern has %d", len(built), len(l.Structures))
	}
	for i, p := range built {
		if p.Name != "kbf" {
			continue
		}
		l.Structures[i] = p
		if l.Patterns[i], err = protect.ProtectCertified(p.Structure, p.Hier, rules, 30); err != nil {
			t.Fatal(err)
		}
	}
	pattern, err := l.MarshalPatterns(rules)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetDisclosure(pattern); err != nil {
		t.Fatal(err)
	}
	reps, err := ComputeReports(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetReports(reps); err != nil {
		t.Fatal(err)
	}
	return v
}

func publish(t *testing.T, st store.Store, v *lake.Version, prevETag string) string {
	t.Helper()
	attrs, err := lake.Publish(context.Background(), st, v, prevETag)
	if err != nil {
		t.Fatal(err)
	}
	return attrs.ETag
}

// versionQuery asks, in one request, for the lake version three ways and
// for a figure that changes between the versions (Järva, women, KBF 2024,
// both in a table and in table 9:19).
const versionQuery = `{
  lake { version }
  table(dataset: "kbf", measure: PERSONS, period: "2024", groupBy: ["namnd", "kon"]) { version lakeVersion cells { coordinates { code } display } }
  report(id: "9:19") { lakeVersion datasets { name version } rows { label cells { display } } }
}`

// seen is what one answer to versionQuery says.
type seen struct {
	lake, tableLake, reportLake, header string
	kbfTable, kbfReport                 string // the dataset version each part names
	jarvaTable, jarvaReport             string // Järva, women, as displayed
}

func ask(t *testing.T, h http.Handler) (seen, error) {
	rec := post(t, h, versionQuery, nil)
	var a answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || len(a.Errors) > 0 {
		return seen{}, fmt.Errorf("status %d, %v, %+v", rec.Code, err, a.Errors)
	}
	var d struct {
		Lake  struct{ Version string }
		Table struct {
			Version, LakeVersion string
			Cells                []struct {
				Coordinates []struct{ Code string }
				Display     string
			}
		}
		Report struct {
			LakeVersion string
			Datasets    []struct{ Name, Version string }
			Rows        []struct {
				Label string
				Cells []struct{ Display string }
			}
		}
	}
	if err := json.Unmarshal(a.Data, &d); err != nil {
		return seen{}, err
	}
	s := seen{lake: d.Lake.Version, tableLake: d.Table.LakeVersion, reportLake: d.Report.LakeVersion,
		header: rec.Header().Get("X-Insyn-Lake-Version"), kbfTable: d.Table.Version}
	for _, c := range d.Table.Cells {
		if c.Coordinates[0].Code == "jarva" && c.Coordinates[1].Code == "K" {
			s.jarvaTable = c.Display
		}
	}
	for _, ds := range d.Report.Datasets {
		if ds.Name == "kbf" {
			s.kbfReport = ds.Version
		}
	}
	if d.Report.Rows[0].Label == "Järva" {
		s.jarvaReport = d.Report.Rows[0].Cells[0].Display
	}
	return s, nil
}

// expect is what an answer from one lake version must say throughout.
type expect struct{ lake, kbf, jarva string }

func (e expect) matches(s seen) bool {
	return s.lake == e.lake && s.tableLake == e.lake && s.reportLake == e.lake && s.header == e.lake &&
		s.kbfTable == e.kbf && s.kbfReport == e.kbf && s.jarvaTable == e.jarva && s.jarvaReport == e.jarva
}

func expectOf(v *lake.Version, jarva string) expect {
	return expect{lake: v.Manifest.Version, kbf: v.Manifest.Datasets["kbf"].Version, jarva: jarva}
}

// TestRefreshOnS3 publishes the sample lake to a real S3-protocol server
// (versitygw), serves it, publishes new versions, and shows that the next
// query sees each new version, and that queries running while a version
// is replaced each get one version throughout: lake version, dataset
// versions and figures all from the same one.
func TestRefreshOnS3(t *testing.T) {
	ctx := context.Background()
	srv := s3server.Start(t)
	st, err := s3store.New(ctx, s3store.Config{
		Bucket: srv.Bucket, Prefix: "lake", Endpoint: srv.Endpoint, PathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	base := sampleSet(t)
	v0 := encodeSet(t, base, lake.SampleCreated)
	v1 := encodeSet(t, withMoreKBF(t, base, 10), lake.SampleCreated.Add(24*time.Hour))
	v2 := encodeSet(t, withMoreKBF(t, base, 20), lake.SampleCreated.Add(48*time.Hour))
	e0 := publish(t, st, v0, "")

	l, err := OpenLake(ctx, st, LakeOptions{RefreshInterval: 0, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(l, HandlerOptions{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	s0, err := ask(t, h)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := lake.Open(ctx, fsstore.New(insyn.SampleLake()))
	if err != nil {
		t.Fatal(err)
	}
	if v0.Manifest.Version != committed.Manifest.Version {
		t.Fatalf("the sample lake re-encoded is version %s, not the committed %s", v0.Manifest.Version, committed.Manifest.Version)
	}
	want0 := expectOf(v0, s0.jarvaTable)
	if !want0.matches(s0) || s0.jarvaTable == "*" {
		t.Fatalf("first answer %+v, want %+v with Järva's women shown", s0, want0)
	}
	var n0 int
	fmt.Sscan(s0.jarvaTable, &n0)
	want1 := expectOf(v1, fmt.Sprint(n0+10))
	want2 := expectOf(v2, fmt.Sprint(n0+20))

	// The next query after a publish sees the new version.
	e1 := publish(t, st, v1, e0)
	s1, err := ask(t, h)
	if err != nil {
		t.Fatal(err)
	}
	if !want1.matches(s1) {
		t.Fatalf("after publishing %s the next answer is %+v, want %+v", v1.Manifest.Version, s1, want1)
	}

	// Queries in flight while v2 replaces v1 each get one version.
	var (
		wg         sync.WaitGroup
		stop       atomic.Bool
		mu         sync.Mutex
		byVersion  = map[string]int{}
		answers    int
		firstError error
	)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				s, err := ask(t, h)
				mu.Lock()
				answers++
				switch {
				case err != nil:
					firstError = cmp(firstError, err)
				case want1.matches(s):
					byVersion[want1.lake]++
				case want2.matches(s):
					byVersion[want2.lake]++
				default:
					firstError = cmp(firstError, fmt.Errorf("an answer mixes versions or figures: %+v (v1 %+v, v2 %+v)", s, want1, want2))
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	publish(t, st, v2, e1)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		done := byVersion[want2.lake] >= 20 || firstError != nil
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if firstError != nil {
		t.Fatal(firstError)
	}
	t.Logf("%d answers while %s replaced %s: %d from the old version, %d from the new, none mixed",
		answers, want2.lake, want1.lake, byVersion[want1.lake], byVersion[want2.lake])
	if byVersion[want1.lake] == 0 || byVersion[want2.lake] < 20 {
		t.Errorf("answers by version %v: want some from each", byVersion)
	}
	if l.Version() != v2.Manifest.Version {
		t.Errorf("the lake serves %s, want %s", l.Version(), v2.Manifest.Version)
	}
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// TestRefreshInterval: a version is served for the refresh interval
// without asking the store; after it, a changed manifest is read; an
// unchanged one keeps the version prepared (no new disclosure control),
// and a store failing meanwhile leaves the held version served.
func TestRefreshInterval(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := dirstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	base := sampleSet(t)
	v0 := encodeSet(t, base, lake.SampleCreated)
	e0 := publish(t, st, v0, "")
	counting := &countingStore{Store: st}
	l, err := OpenLake(ctx, counting, LakeOptions{RefreshInterval: time.Hour, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	held := l.cur.Load()
	gets := counting.manifestGets.Load()
	v1 := encodeSet(t, withMoreKBF(t, base, 10), lake.SampleCreated.Add(time.Hour))
	publish(t, st, v1, e0)
	if v := l.current(ctx); v != held || counting.manifestGets.Load() != gets {
		t.Errorf("within the interval the lake asked the store (%d GETs) or changed version", counting.manifestGets.Load()-gets)
	}
	l.checked.Store(time.Now().Add(-2 * time.Hour).UnixNano())
	if v := l.current(ctx); v.lakeVersion() != v1.Manifest.Version {
		t.Errorf("after the interval the lake serves %s, want %s", v.lakeVersion(), v1.Manifest.Version)
	}
	held = l.cur.Load()
	l.checked.Store(0)
	if v := l.current(ctx); v != held {
		t.Error("an unchanged manifest gave a new version")
	}
	counting.fail.Store(true)
	l.checked.Store(0)
	if v := l.current(ctx); v != held {
		t.Error("a failing store changed the version served")
	}
}

// countingStore counts GETs of the manifest and can be made to fail.
type countingStore struct {
	store.Store
	manifestGets atomic.Int64
	fail         atomic.Bool
}

func (s *countingStore) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	if key == lake.ManifestKey {
		s.manifestGets.Add(1)
	}
	if s.fail.Load() {
		return nil, store.Attrs{}, &store.Error{Op: "get", Key: key, Err: errors.New("connection refused")}
	}
	return s.Store.Get(ctx, key, opts)
}

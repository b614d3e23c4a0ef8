package ingest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/ingest/ingesttest"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/s3store"
	"github.com/stockholm/insyn/internal/synth"
	"github.com/stockholm/insyn/internal/testenv/s3server"
	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

var (
	lakeDir    = filepath.Join("..", "..", "testdata", "lake")
	uploadsDir = filepath.Join("..", "..", "testdata", "uploads")
)

// fakePattern stands in for the protect step (seconds for the sample lake,
// run once by TestRebuildSampleLake): a pattern that
// depends on the aggregates only, like the real one.
func fakePattern(set *aggregate.Set, _ dataset.Geography, _ protect.Rules) ([]byte, error) {
	sum := sha256.Sum256(fmt.Appendf(nil, "%v", *set))
	return fmt.Appendf(nil, "{\"fake\":\"%x\"}\n", sum), nil
}

// backends runs fn against a fresh directory store and a fresh bucket on a
// real versitygw.
func backends(t *testing.T, fn func(t *testing.T, newStore func(t *testing.T) store.Store)) {
	t.Run("dir", func(t *testing.T) {
		fn(t, func(t *testing.T) store.Store {
			st, err := dirstore.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
	t.Run("s3", func(t *testing.T) {
		srv := s3server.Start(t)
		fn(t, func(t *testing.T) store.Store { return s3Store(t, srv, srv.NewBucket(t)) })
	})
}

func s3Store(t testing.TB, srv *s3server.Server, bucket string) store.Store {
	st, err := s3store.New(context.Background(), s3store.Config{
		Bucket: bucket, Prefix: "lake", Endpoint: srv.Endpoint, PathStyle: true, Region: "us-east-1",
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")),
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// seedLake copies the committed sample lake into st.
func seedLake(t testing.TB, st store.Store) {
	t.Helper()
	err := filepath.WalkDir(lakeDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(lakeDir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = st.Put(context.Background(), filepath.ToSlash(rel), data, store.PutOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func opts() ingest.Options {
	return ingest.Options{Pattern: fakePattern, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// served opens the served version whole (every aggregate file and the
// pattern, checked against the manifest) and returns it.
func served(t testing.TB, st store.Store) *lake.Snapshot {
	t.Helper()
	snap, err := lake.Open(context.Background(), st)
	if err != nil {
		t.Fatalf("the served version does not open whole: %v", err)
	}
	return snap
}

// badSamples returns the rejected sample uploads by path under
// testdata/uploads (bad/…), without their expected reports.
func badSamples(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	root := filepath.Join(uploadsDir, "bad")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".expected.txt") {
			return err
		}
		rel, _ := filepath.Rel(uploadsDir, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 30 {
		t.Fatalf("only %d rejected samples", len(out))
	}
	return out
}

// TestBadUploadsRejected: every bad sample is filed under rejected/ (or,
// one whose name is refused, rejected/.names/) byte for byte with the report testdata/uploads/bad holds for it (naming row
// and column), nothing is published, and the served manifest is the same
// object as before.
func TestBadUploadsRejected(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		seedLake(t, st)
		before := ingesttest.Get(t, st, lake.ManifestKey)
		bad := badSamples(t)
		for p, data := range bad {
			ingesttest.Put(t, st, "uploads/"+p, data)
		}
		res, err := ingest.Run(context.Background(), st, opts())
		if err != nil {
			t.Fatal(err)
		}
		if res.Published || len(res.Accepted) > 0 || len(res.Rejected) != len(bad) {
			t.Errorf("published %v, accepted %d, rejected %d of %d bad uploads", res.Published, len(res.Accepted), len(res.Rejected), len(bad))
		}
		if after := ingesttest.Get(t, st, lake.ManifestKey); !bytes.Equal(before, after) {
			t.Error("manifest.json changed")
		}
		served(t, st)
		if left := ingesttest.Keys(t, st, "uploads/"); len(left) > 0 {
			t.Errorf("left in uploads/: %v", left)
		}
		rowCol := 0
		for p, data := range bad {
			dst := "rejected/" + p
			if upload.CheckName(p) != nil {
				// filed by the hash of its key, the name being refused
				dst = ingest.NamesPrefix + nameHash("uploads/"+p)
			}
			if !bytes.Equal(ingesttest.Get(t, st, dst), data) {
				t.Errorf("%s is not the upload byte for byte", dst)
			}
			want, err := os.ReadFile(filepath.Join(uploadsDir, strings.TrimSuffix(p, filepath.Ext(p))+".expected.txt"))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Replace(string(ingesttest.Get(t, st, dst+".report.txt")), "uploads/", "", 1)
			if got != string(want) {
				t.Errorf("%s: report\n%s\nwant\n%s", dst, got, want)
			}
			var rep upload.Report
			if err := json.Unmarshal(ingesttest.Get(t, st, dst+".report.json"), &rep); err != nil {
				t.Fatalf("%s.report.json: %v", dst, err)
			}
			if rep.File != "uploads/"+p || len(rep.Problems) == 0 {
				t.Errorf("%s.report.json: file %q, %d problems", dst, rep.File, len(rep.Problems))
			}
			if rep.Problems[0].Row > 0 && rep.Problems[0].Column != "" {
				rowCol++
			}
		}
		// file-level reasons (unreadable, no header, missing column, …)
		// have no row; the others must name both
		if rowCol < 15 {
			t.Errorf("only %d reports name a row and a column", rowCol)
		}
	})
}

// TestGoodUploadPublishes: a good upload replaces its period in a new
// version; the old manifest is kept for retention and the upload filed
// under processed/<version>/.
func TestGoodUploadPublishes(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		seedLake(t, st)
		old := served(t, st)
		was := ingesttest.KBFRows(t, st, 2024)
		up := ingesttest.KBFWithout(t, uploadsDir, 2024, 3)
		ingesttest.Put(t, st, "uploads/kbf/2024/kbf_2024.csv", up)
		res, err := ingest.Run(context.Background(), st, opts())
		if err != nil {
			t.Fatal(err)
		}
		snap := served(t, st)
		if !res.Published || res.Version == old.Manifest.Version || snap.Manifest.Version != res.Version {
			t.Fatalf("result %+v, served %s, before %s", res, snap.Manifest.Version, old.Manifest.Version)
		}
		if got := ingesttest.KBFRows(t, st, 2024); got != was-3 {
			t.Errorf("kbf 2024 has %d rows, want %d", got, was-3)
		}
		if ingesttest.KBFRows(t, st, 2023) == 0 {
			t.Error("kbf 2023 was lost")
		}
		if !bytes.Equal(ingesttest.Get(t, st, "processed/"+res.Version+"/kbf/2024/kbf_2024.csv"), up) {
			t.Error("the upload is not under processed/")
		}
		ingesttest.Get(t, st, "manifests/"+old.Manifest.Version+".json")
		if left := ingesttest.Keys(t, st, "uploads/"); len(left) > 0 {
			t.Errorf("left in uploads/: %v", left)
		}
	})
}

// TestSameUploadTwice: the same upload gives the same version, whether
// uploaded again or ingested into another copy of the lake.
func TestSameUploadTwice(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		up := ingesttest.KBFWithout(t, uploadsDir, 2024, 2)
		var versions []string
		var manifests [][]byte
		for range 2 {
			st := newStore(t)
			seedLake(t, st)
			ingesttest.Put(t, st, "uploads/kbf/2024/a.csv", up)
			res, err := ingest.Run(context.Background(), st, opts())
			if err != nil {
				t.Fatal(err)
			}
			m := ingesttest.Get(t, st, lake.ManifestKey)
			ingesttest.Put(t, st, "uploads/kbf/2024/again.csv", up)
			again, err := ingest.Run(context.Background(), st, opts())
			if err != nil {
				t.Fatal(err)
			}
			if again.Published || again.Version != res.Version || !bytes.Equal(m, ingesttest.Get(t, st, lake.ManifestKey)) {
				t.Errorf("the second ingest of the same upload published %v, version %s after %s", again.Published, again.Version, res.Version)
			}
			ingesttest.Get(t, st, "processed/"+res.Version+"/kbf/2024/again.csv")
			versions = append(versions, res.Version)
			manifests = append(manifests, m)
		}
		if versions[0] != versions[1] || !bytes.Equal(manifests[0], manifests[1]) {
			t.Errorf("two lakes, same upload: versions %v", versions)
		}
	})
}

// TestConcurrentIngests: two ingests (as two S3 events) compute their
// versions at the same time; one publishes, the other loses the
// conditional write, redoes its version on the winner's and publishes;
// both uploads end in the lake.
func TestConcurrentIngests(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		seedLake(t, st)
		r23, r24 := ingesttest.KBFRows(t, st, 2023), ingesttest.KBFRows(t, st, 2024)
		ingesttest.Put(t, st, "uploads/kbf/2023/kbf_2023.csv", ingesttest.KBFWithout(t, uploadsDir, 2023, 1))
		ingesttest.Put(t, st, "uploads/kbf/2024/kbf_2024.csv", ingesttest.KBFWithout(t, uploadsDir, 2024, 2))
		var arrived sync.WaitGroup
		arrived.Add(2)
		run := func(key string) (ingest.Result, error) {
			var first atomic.Bool
			o := opts()
			o.Keys = []string{key}
			o.Pattern = func(set *aggregate.Set, geo dataset.Geography, r protect.Rules) ([]byte, error) {
				if !first.Swap(true) {
					// both have read the same manifest before either publishes
					arrived.Done()
					arrived.Wait()
				}
				return fakePattern(set, geo, r)
			}
			return ingest.Run(context.Background(), st, o)
		}
		var wg sync.WaitGroup
		var res [2]ingest.Result
		var errs [2]error
		for i, k := range []string{"uploads/kbf/2023/kbf_2023.csv", "uploads/kbf/2024/kbf_2024.csv"} {
			wg.Go(func() { res[i], errs[i] = run(k) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if res[0].Retries+res[1].Retries != 1 || !res[0].Published || !res[1].Published {
			t.Errorf("retries %d and %d, published %v and %v: want exactly one retry and two publishes",
				res[0].Retries, res[1].Retries, res[0].Published, res[1].Published)
		}
		served(t, st)
		if got23, got24 := ingesttest.KBFRows(t, st, 2023), ingesttest.KBFRows(t, st, 2024); got23 != r23-1 || got24 != r24-2 {
			t.Errorf("kbf rows 2023 %d, 2024 %d; want %d and %d (both uploads)", got23, got24, r23-1, r24-2)
		}
	})
}

// TestRetention: with Keep 2, the served version and the one before stay
// whole; files only older versions list are deleted.
func TestRetention(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		seedLake(t, st)
		var ms []*lake.Manifest
		m0, _, err := lake.ReadManifest(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m0)
		for i := 1; i <= 3; i++ {
			ingesttest.Put(t, st, "uploads/kbf/2024/kbf.csv", ingesttest.KBFWithout(t, uploadsDir, 2024, i))
			o := opts()
			o.Keep = 2
			o.Created = o.Created.Add(time.Duration(i) * time.Hour)
			if _, err := ingest.Run(context.Background(), st, o); err != nil {
				t.Fatal(err)
			}
			m, _, err := lake.ReadManifest(context.Background(), st)
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		exists := map[string]bool{}
		for _, k := range ingesttest.Keys(t, st, "") {
			exists[k] = true
		}
		kept := map[string]bool{}
		for _, m := range ms[2:] {
			for _, k := range files(m) {
				kept[k] = true
				if !exists[k] {
					t.Errorf("version %s lost %s", m.Version, k)
				}
			}
		}
		for _, m := range ms[:2] {
			for _, k := range files(m) {
				if !kept[k] && exists[k] {
					t.Errorf("version %s is beyond Keep but %s is still there", m.Version, k)
				}
			}
			if exists["manifests/"+m.Version+".json"] {
				t.Errorf("the copy of version %s is still there", m.Version)
			}
		}
		if !exists["manifests/"+ms[2].Version+".json"] {
			t.Errorf("the copy of the kept version %s is gone", ms[2].Version)
		}
	})
}

func files(m *lake.Manifest) []string {
	var ks []string
	for _, d := range m.Datasets {
		for _, f := range append(d.Files, d.Raw...) {
			ks = append(ks, f.Key)
		}
	}
	if m.Disclosure != nil {
		ks = append(ks, m.Disclosure.Key)
	}
	return ks
}

// faulty fails store calls: the call numbered failAt once, or every call
// from stopAt on (an ingest killed at that step).
type faulty struct {
	store.Store
	calls          atomic.Int64
	failAt, stopAt int64
}

var errInjected = errors.New("injected fault")

func (f *faulty) fault(op, key string) error {
	n := f.calls.Add(1)
	if n == f.failAt || (f.stopAt > 0 && n >= f.stopAt) {
		return &store.Error{Op: op, Key: key, Err: fmt.Errorf("%w at call %d", errInjected, n)}
	}
	return nil
}

func (f *faulty) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	if err := f.fault("get", key); err != nil {
		return nil, store.Attrs{}, err
	}
	return f.Store.Get(ctx, key, o)
}

func (f *faulty) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if err := f.fault("get range", key); err != nil {
		return nil, err
	}
	return f.Store.GetRange(ctx, key, off, n)
}

func (f *faulty) Put(ctx context.Context, key string, body []byte, o store.PutOptions) (store.Attrs, error) {
	if err := f.fault("put", key); err != nil {
		return store.Attrs{}, err
	}
	return f.Store.Put(ctx, key, body, o)
}

func (f *faulty) Stat(ctx context.Context, key string) (store.Attrs, error) {
	if err := f.fault("stat", key); err != nil {
		return store.Attrs{}, err
	}
	return f.Store.Stat(ctx, key)
}

func (f *faulty) List(ctx context.Context, prefix string) ([]store.Attrs, error) {
	if err := f.fault("list", prefix); err != nil {
		return nil, err
	}
	return f.Store.List(ctx, prefix)
}

func (f *faulty) Delete(ctx context.Context, key string) error {
	if err := f.fault("delete", key); err != nil {
		return err
	}
	return f.Store.Delete(ctx, key)
}

// kbfLake is the sample lake cut down to KBF and the delivered aggregates,
// so that an ingest makes few store calls and each can be stopped.
func kbfLake(t testing.TB) *lake.Version {
	t.Helper()
	st, err := dirstore.New(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	snap := served(t, st)
	raw, err := lake.ReadRaw(context.Background(), st, snap.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	m := &aggregate.Microdata{KBF: raw.KBF}
	set, err := aggregate.Build(m, &aggregate.External{Lov: snap.Set.Lov, Befolkning: snap.Set.Befolkning, SFB: snap.Set.SFB})
	if err != nil {
		t.Fatal(err)
	}
	v, err := lake.Encode(m, set, lake.SampleCreated)
	if err != nil {
		t.Fatal(err)
	}
	pattern, _ := fakePattern(set, dataset.Stockholm, protect.Rules{})
	if err := v.SetDisclosure(pattern); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFaultInjection stops an ingest after each of its store calls, and
// makes each call fail once: every time the served version opens whole
// (the old one, or the new one once the manifest switched) and a rerun
// completes with the version an undisturbed ingest publishes, the upload
// filed under processed/ and a bad upload under rejected/.
func TestFaultInjection(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		good := ingesttest.KBFWithout(t, uploadsDir, 2024, 1)
		bad := badSamples(t)["bad/kbf/2024/negative-amount.csv"]
		small := kbfLake(t)
		setup := func(t *testing.T) (store.Store, []byte) {
			st := newStore(t)
			for _, k := range small.Keys() {
				body := small.ManifestJSON
				if k != lake.ManifestKey {
					body = small.Files[k]
				}
				ingesttest.Put(t, st, k, body)
			}
			ingesttest.Put(t, st, "uploads/kbf/2024/kbf_2024.csv", good)
			ingesttest.Put(t, st, "uploads/kbf/2024/negative-amount.csv", bad)
			return st, ingesttest.Get(t, st, lake.ManifestKey)
		}
		o := opts()
		o.Keep = 1 // retention deletes too, so its steps are stopped as well
		st, _ := setup(t)
		count := &faulty{Store: st}
		want, err := ingest.Run(context.Background(), count, o)
		if err != nil {
			t.Fatal(err)
		}
		calls := count.calls.Load()
		t.Logf("an undisturbed ingest makes %d store calls", calls)
		for _, mode := range []string{"stop", "fail once"} {
			for k := int64(1); k <= calls; k++ {
				st, before := setup(t)
				f := &faulty{Store: st}
				if mode == "stop" {
					f.stopAt = k
				} else {
					f.failAt = k
				}
				_, err := ingest.Run(context.Background(), f, o)
				if err != nil && !errors.Is(err, errInjected) {
					t.Fatalf("%s at call %d: %v", mode, k, err)
				}
				snap := served(t, st)
				switch snap.Manifest.Version {
				case want.Version:
				default:
					if !bytes.Equal(before, ingesttest.Get(t, st, lake.ManifestKey)) {
						t.Fatalf("%s at call %d: serving %s, neither the old nor the new version", mode, k, snap.Manifest.Version)
					}
				}
				res, err := ingest.Run(context.Background(), st, o)
				if err != nil {
					t.Fatalf("%s at call %d: the rerun fails: %v", mode, k, err)
				}
				if res.Version != want.Version || served(t, st).Manifest.Version != want.Version {
					t.Fatalf("%s at call %d: the rerun gives %s, want %s", mode, k, res.Version, want.Version)
				}
				if left := ingesttest.Keys(t, st, "uploads/"); len(left) > 0 {
					t.Fatalf("%s at call %d: left in uploads/: %v", mode, k, left)
				}
				if !bytes.Equal(ingesttest.Get(t, st, "processed/"+want.Version+"/kbf/2024/kbf_2024.csv"), good) ||
					!bytes.Equal(ingesttest.Get(t, st, "rejected/kbf/2024/negative-amount.csv"), bad) {
					t.Fatalf("%s at call %d: an upload was not filed away whole", mode, k)
				}
			}
		}
	})
}

// TestNationalGeography: in a lake whose manifest names the national
// geography, uploads are checked against its municipalities (a Stockholm
// district is rejected), the next version keeps the geography, and the
// pattern step is given it.
func TestNationalGeography(t *testing.T) {
	st, err := dirstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m, e, err := synth.National(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	m = &aggregate.Microdata{KBF: m.KBF}
	set, err := aggregate.Build(m, e)
	if err != nil {
		t.Fatal(err)
	}
	v, err := lake.Encode(m, set, lake.SampleCreated)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetGeography(dataset.Kommuner); err != nil {
		t.Fatal(err)
	}
	pattern, _ := fakePattern(set, dataset.Kommuner, protect.Rules{})
	if err := v.SetDisclosure(pattern); err != nil {
		t.Fatal(err)
	}
	if _, err := lake.Publish(context.Background(), st, v, ""); err != nil {
		t.Fatal(err)
	}
	good, err := uploadtest.Encode(&upload.File{Dataset: upload.KBF, Period: upload.Period{Year: 2024}, KBF: m.KBF[2024][:100]}, uploadtest.Style{Delimiter: ';'})
	if err != nil {
		t.Fatal(err)
	}
	ingesttest.Put(t, st, "uploads/kbf/2024/kbf.csv", good)
	ingesttest.Put(t, st, "uploads/kbf/2023/stockholm.csv", ingesttest.KBFWithout(t, uploadsDir, 2023, 0))
	var got []string
	o := opts()
	o.Pattern = func(set *aggregate.Set, geo dataset.Geography, r protect.Rules) ([]byte, error) {
		got = append(got, geo.Name)
		return fakePattern(set, geo, r)
	}
	res, err := ingest.Run(context.Background(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Published || len(res.Accepted) != 1 || len(res.Rejected) != 1 {
		t.Fatalf("result %+v", res)
	}
	if p := res.Rejected[0].Problems; len(p) == 0 || p[0].Reason != upload.ReasonUnknownCode || !strings.Contains(p[0].Message, `"Järva" is not a kommun; valid: Kommun 1, Kommun 2, Kommun 3, Kommun 4, Kommun 5, …, Kommun 289, Kommun 290 (290 in all)`) {
		t.Errorf("the Stockholm upload is rejected with %+v", p)
	}
	if snap := served(t, st); snap.Manifest.Geography != "kommun" {
		t.Errorf("the new version names geography %q", snap.Manifest.Geography)
	}
	if ingesttest.KBFRows(t, st, 2024) != 100 {
		t.Errorf("kbf 2024 has %d rows, want the 100 uploaded", ingesttest.KBFRows(t, st, 2024))
	}
	if !slices.Equal(got, []string{"kommun"}) {
		t.Errorf("the pattern step was given geographies %v", got)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/ingest/ingesttest"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/s3store"
	"github.com/stockholm/insyn/internal/testenv/lambdart"
	"github.com/stockholm/insyn/internal/testenv/s3server"
	"github.com/stockholm/insyn/internal/upload"
)

// The tests build the real bootstrap, as deployed (CGO_ENABLED=0,
// lambda.norpc, -trimpath, -s -w), and run it as Lambda does, against a
// Runtime API on loopback (internal/testenv/lambdart), with the event JSON
// S3 and EventBridge send (testdata/), on a lake in a real S3-protocol
// server (versitygw). The lake is the sample lake cut down to KBF and the
// delivered aggregates, so the real disclosure step the bootstrap runs
// takes milliseconds rather than seconds.

var (
	lakeDir    = filepath.Join("..", "..", "testdata", "lake")
	uploadsDir = filepath.Join("..", "..", "testdata", "uploads")
)

// The bucket and lake of testdata's events: template.yaml's bucket name
// for its default parameters in lambdart's account and region, and its
// default LakePrefix.
const (
	bucket  = "insyn-lake-" + lambdart.AccountID + "-" + lambdart.Region
	lakeURL = "s3://" + bucket + "/lake/"
)

// ingestLake is a lake in versitygw and the running ingest bootstrap.
type ingestLake struct {
	st store.Store // the lake, as the function sees it
	rt *lambdart.Runtime
}

func startIngest(t *testing.T) *ingestLake {
	t.Helper()
	srv := s3server.Start(t)
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.Endpoint), Region: s3serverRegion, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	cfg, err := s3store.ParseURL(lakeURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Endpoint, cfg.PathStyle, cfg.Region = srv.Endpoint, true, s3serverRegion
	cfg.Credentials = credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")
	st, err := s3store.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	seedKBFLake(t, st)

	rt := lambdart.Start(t)
	rt.FunctionName = "insyn-IngestFunction-test"
	rt.Timeout = 2 * time.Minute
	rt.Exec(t, lambdart.Build(t, "."), append(s3Env(srv), "INSYN_LAKE="+lakeURL)...)
	return &ingestLake{st: st, rt: rt}
}

// s3serverRegion is the region versitygw signs for.
const s3serverRegion = "us-east-1"

// s3Env is what reaches versitygw instead of AWS: template.yaml sets only
// INSYN_LAKE and the rules, and Lambda gives the role's credentials and
// the function's region (versitygw wants its own).
func s3Env(srv *s3server.Server) []string {
	return []string{
		"INSYN_S3_ENDPOINT=" + srv.Endpoint, "INSYN_S3_PATH_STYLE=true",
		"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey,
		"AWS_REGION=" + s3serverRegion, "AWS_EC2_METADATA_DISABLED=true",
	}
}

// seedKBFLake writes the sample lake cut down to KBF and the delivered
// aggregates (lov, befolkning, sfb), with its real disclosure pattern,
// into st.
func seedKBFLake(t *testing.T, st store.Store) {
	t.Helper()
	src, err := dirstore.New(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	snap, err := lake.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := lake.ReadRaw(ctx, src, snap.Manifest)
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
	pattern, err := ingest.Protect(set, dataset.Stockholm, protect.Rules{Threshold: 4, ProtectionLevel: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetDisclosure(pattern); err != nil {
		t.Fatal(err)
	}
	if _, err := lake.Publish(ctx, st, v, ""); err != nil {
		t.Fatal(err)
	}
}

// invoke sends the event in testdata/name (or raw JSON) and returns the
// function's result.
func (l *ingestLake) invoke(t *testing.T, event string) (ingest.Result, error) {
	t.Helper()
	payload := []byte(event)
	if !strings.HasPrefix(event, "{") {
		var err error
		if payload, err = os.ReadFile(filepath.Join("testdata", event)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := l.rt.Invoke(ctx, payload)
	if err != nil {
		return ingest.Result{}, err
	}
	var res ingest.Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("the function's answer is not an ingest.Result: %v\n%s", err, out)
	}
	return res, nil
}

func (l *ingestLake) put(t *testing.T, key string, data []byte) {
	t.Helper()
	ingesttest.Put(t, l.st, key, data)
}

func (l *ingestLake) get(t *testing.T, key string) []byte {
	t.Helper()
	return ingesttest.Get(t, l.st, key)
}

func (l *ingestLake) keys(t *testing.T, prefix string) []string {
	t.Helper()
	return ingesttest.Keys(t, l.st, prefix)
}

// served is what the API function serves: the lake opened by the API
// through a store that, like template.yaml's api role, reads
// manifest.json and aggregates/ only.
func (l *ingestLake) served(t *testing.T) *api.Lake {
	t.Helper()
	al, err := api.OpenLake(context.Background(), apiView{l.st}, api.LakeOptions{
		Rules: api.Rules{Threshold: 4}, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("the API cannot serve the lake: %v", err)
	}
	return al
}

func (l *ingestLake) kbfRows(t *testing.T, year int) int {
	t.Helper()
	return ingesttest.KBFRows(t, l.st, year)
}

// apiView is a store with the api role's grants: GET of manifest.json and
// aggregates/ keys; anything else is denied, as S3 would.
type apiView struct{ store.Store }

var errDenied = errors.New("access denied: not granted to the api role")

func apiMay(key string) bool { return key == lake.ManifestKey || strings.HasPrefix(key, "aggregates/") }

func (v apiView) Get(ctx context.Context, key string, o store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	if !apiMay(key) {
		return nil, store.Attrs{}, &store.Error{Op: "get", Key: key, Err: errDenied}
	}
	return v.Store.Get(ctx, key, o)
}

func (v apiView) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if !apiMay(key) {
		return nil, &store.Error{Op: "get range", Key: key, Err: errDenied}
	}
	return v.Store.GetRange(ctx, key, off, n)
}

func (v apiView) Stat(ctx context.Context, key string) (store.Attrs, error) {
	if !apiMay(key) {
		return store.Attrs{}, &store.Error{Op: "stat", Key: key, Err: errDenied}
	}
	return v.Store.Stat(ctx, key)
}

func (v apiView) Put(_ context.Context, key string, _ []byte, _ store.PutOptions) (store.Attrs, error) {
	return store.Attrs{}, &store.Error{Op: "put", Key: key, Err: errDenied}
}

func (v apiView) List(_ context.Context, prefix string) ([]store.Attrs, error) {
	return nil, &store.Error{Op: "list", Key: prefix, Err: errDenied}
}

func (v apiView) Delete(_ context.Context, key string) error {
	return &store.Error{Op: "delete", Key: key, Err: errDenied}
}

func sample(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(uploadsDir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLambda runs one warm ingest function through the events it gets in
// AWS, in order: an upload's ObjectCreated:Put (its key URL-encoded, as
// S3 sends it) publishes a version the API serves and files the upload
// under processed/; the same event again (S3 delivers at least once)
// changes nothing; a bad upload's event files it under rejected/ with its
// report and leaves the served manifest alone; an event for a key outside
// uploads/ is refused with an error naming the prefix, touching nothing;
// the daily Scheduled Event takes every pending upload; anything else is
// refused.
func TestLambda(t *testing.T) {
	l := startIngest(t)
	first := l.served(t).Version()

	const goodKey = "uploads/kbf/2024/KBF 2024 ändrad.csv" // the event's key, decoded
	var published string
	// The later steps start from the version this one publishes.
	if !t.Run("ObjectCreated good upload", func(t *testing.T) {
		was := l.kbfRows(t, 2024)
		up := ingesttest.KBFWithout(t, uploadsDir, 2024, 3)
		l.put(t, goodKey, up)
		res, err := l.invoke(t, "s3-objectcreated-put.json")
		if err != nil {
			t.Fatal(err)
		}
		if !res.Published || res.Version == first || !slices.Equal(res.Accepted, []string{goodKey}) || len(res.Rejected) > 0 {
			t.Fatalf("result %+v; want %s accepted and a new version published", res, goodKey)
		}
		published = res.Version
		if v := l.served(t).Version(); v != res.Version {
			t.Errorf("the API serves %s, the ingest published %s", v, res.Version)
		}
		if got := l.kbfRows(t, 2024); got != was-3 {
			t.Errorf("kbf 2024 has %d rows, want %d", got, was-3)
		}
		if !bytes.Equal(l.get(t, "processed/"+res.Version+"/kbf/2024/KBF 2024 ändrad.csv"), up) {
			t.Error("the upload is not under processed/<version>/ byte for byte")
		}
		l.get(t, "manifests/"+first+".json") // kept for retention and rollback
		if left := l.keys(t, "uploads/"); len(left) > 0 {
			t.Errorf("left in uploads/: %v", left)
		}
	}) {
		return
	}

	t.Run("same event again", func(t *testing.T) {
		before := l.get(t, lake.ManifestKey)
		res, err := l.invoke(t, "s3-objectcreated-put.json")
		if err != nil {
			t.Fatal(err)
		}
		if res.Published || res.Version != published || len(res.Accepted)+len(res.Rejected) > 0 {
			t.Errorf("result %+v; want nothing done, version %s", res, published)
		}
		if !bytes.Equal(before, l.get(t, lake.ManifestKey)) {
			t.Error("manifest.json changed")
		}
	})

	t.Run("ObjectCreated bad upload", func(t *testing.T) {
		before := l.get(t, lake.ManifestKey)
		bad := sample(t, "bad/kbf/2024/negative-amount.csv")
		l.put(t, "uploads/kbf/2024/negative-amount.csv", bad)
		res, err := l.invoke(t, "s3-objectcreated-put-bad.json")
		if err != nil {
			t.Fatal(err)
		}
		if res.Published || res.Version != published || len(res.Accepted) > 0 || len(res.Rejected) != 1 ||
			res.Rejected[0].File != "uploads/kbf/2024/negative-amount.csv" {
			t.Fatalf("result %+v; want the upload rejected and version %s kept", res, published)
		}
		if !bytes.Equal(before, l.get(t, lake.ManifestKey)) {
			t.Error("manifest.json changed")
		}
		if !bytes.Equal(l.get(t, "rejected/kbf/2024/negative-amount.csv"), bad) {
			t.Error("rejected/ does not hold the upload byte for byte")
		}
		// The sample's expected report names it as uploaded under bad/.
		want := strings.Replace(string(sample(t, "bad/kbf/2024/negative-amount.expected.txt")), "bad/", "uploads/", 1)
		if got := string(l.get(t, "rejected/kbf/2024/negative-amount.csv.report.txt")); got != want {
			t.Errorf("report\n%s\nwant (testdata/uploads/bad/kbf/2024/negative-amount.expected.txt)\n%s", got, want)
		}
		var rep upload.Report
		if err := json.Unmarshal(l.get(t, "rejected/kbf/2024/negative-amount.csv.report.json"), &rep); err != nil || len(rep.Problems) == 0 {
			t.Errorf("report.json: %v, %d problems", err, len(rep.Problems))
		}
		if left := l.keys(t, "uploads/"); len(left) > 0 {
			t.Errorf("left in uploads/: %v", left)
		}
	})

	t.Run("ObjectCreated outside uploads/", func(t *testing.T) {
		before, manifest := l.keys(t, ""), l.get(t, lake.ManifestKey)
		_, err := l.invoke(t, "s3-objectcreated-outside-uploads.json")
		var fe *lambdart.FunctionError
		if !errors.As(err, &fe) || !strings.Contains(fe.Message, "names no upload under lake/uploads/") {
			t.Fatalf("got %v; want the function to report that the event names no upload under lake/uploads/", err)
		}
		if after := l.keys(t, ""); !slices.Equal(before, after) || !bytes.Equal(manifest, l.get(t, lake.ManifestKey)) {
			t.Errorf("the lake changed: %d keys before, %d after", len(before), len(after))
		}
	})

	t.Run("Scheduled Event", func(t *testing.T) {
		was := l.kbfRows(t, 2023)
		good := ingesttest.KBFWithout(t, uploadsDir, 2023, 1)
		l.put(t, "uploads/kbf/2023/kbf_2023.csv", good)
		l.put(t, "uploads/kbf/2024/second-row.csv", sample(t, "bad/kbf/2024/second-row.csv"))
		res, err := l.invoke(t, "eventbridge-scheduled.json")
		if err != nil {
			t.Fatal(err)
		}
		if !res.Published || res.Version == published || !slices.Equal(res.Accepted, []string{"uploads/kbf/2023/kbf_2023.csv"}) ||
			len(res.Rejected) != 1 || res.Rejected[0].File != "uploads/kbf/2024/second-row.csv" {
			t.Fatalf("result %+v; want kbf_2023.csv published, second-row.csv rejected", res)
		}
		if v := l.served(t).Version(); v != res.Version {
			t.Errorf("the API serves %s, the ingest published %s", v, res.Version)
		}
		if got := l.kbfRows(t, 2023); got != was-1 {
			t.Errorf("kbf 2023 has %d rows, want %d", got, was-1)
		}
		if !bytes.Equal(l.get(t, "processed/"+res.Version+"/kbf/2023/kbf_2023.csv"), good) {
			t.Error("the upload is not under processed/<version>/")
		}
		l.get(t, "rejected/kbf/2024/second-row.csv.report.txt")
		if left := l.keys(t, "uploads/"); len(left) > 0 {
			t.Errorf("left in uploads/: %v", left)
		}
	})

	t.Run("neither S3 nor schedule", func(t *testing.T) {
		_, err := l.invoke(t, `{"detail-type": "Object Created", "source": "aws.s3"}`)
		var fe *lambdart.FunctionError
		if !errors.As(err, &fe) || !strings.Contains(fe.Message, `neither an S3 event nor a scheduled event: detail-type "Object Created"`) {
			t.Fatalf("got %v; want the event refused, naming its detail-type", err)
		}
	})
}

// TestLambdaBadConfig: a configuration error stops the function before it
// takes an event, with the variable named in its log.
func TestLambdaBadConfig(t *testing.T) {
	bin := lambdart.Build(t, ".")
	srv := s3server.Start(t)
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"no lake", nil, `INSYN_LAKE: s3store: URL "" is not of the form s3://bucket/prefix`},
		{"lake not in S3", []string{"INSYN_LAKE=dir:/tmp/lake"}, `INSYN_LAKE: s3store: URL "dir:/tmp/lake" is not of the form s3://bucket/prefix`},
		{"threshold", []string{"INSYN_LAKE=" + lakeURL, "INSYN_THRESHOLD=four"}, `INSYN_THRESHOLD="four": want a whole number of at least 1`},
		{"protection level", []string{"INSYN_LAKE=" + lakeURL, "INSYN_PROTECTION_LEVEL=-3"}, `INSYN_PROTECTION_LEVEL="-3": want a positive number`},
		{"keep", []string{"INSYN_LAKE=" + lakeURL, "INSYN_KEEP_VERSIONS=0"}, `INSYN_KEEP_VERSIONS="0": want a whole number of at least 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := lambdart.Start(t)
			fn := rt.Exec(t, bin, append(s3Env(srv), tc.env...)...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := rt.Invoke(ctx, []byte(`{"detail-type": "Scheduled Event"}`))
			if !errors.Is(err, lambdart.ErrExited) {
				t.Fatalf("invoke: %v; want the process to have exited", err)
			}
			if !loggedError(fn.Output(), tc.want) {
				t.Errorf("no JSON log line has an err saying %s:\n%s", tc.want, fn.Output())
			}
		})
	}
}

// loggedError reports whether a JSON log line of output has an "err"
// containing want.
func loggedError(output, want string) bool {
	for _, line := range strings.Split(output, "\n") {
		var rec struct {
			Err string `json:"err"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && strings.Contains(rec.Err, want) {
			return true
		}
	}
	return false
}

// TestLocal runs the local command: flag and configuration errors are
// reported, positional arguments are refused, and a run ingests an
// uploads directory into a directory lake without putting the upload
// area inside the lake.
func TestLocal(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"-bogus"}, nil, "flag provided but not defined: -bogus"},
		{"keep", []string{"-keep", "all"}, nil, `invalid value "all" for flag -keep`},
		{"created", []string{"-created", "yesterday"}, nil, `-created: parsing time "yesterday"`},
		{"argument", []string{"-lake", t.TempDir(), "testdata/uploads"}, nil, `unexpected argument "testdata/uploads"`},
		{"threshold", nil, map[string]string{"INSYN_THRESHOLD": "0"}, `INSYN_THRESHOLD="0": want a whole number of at least 1`},
		{"lake missing", []string{"-lake", filepath.Join(t.TempDir(), "none")}, nil, "none: no such directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			err := runLocal(context.Background(), tc.args, log)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("runLocal(%q) = %v; want an error containing %s", tc.args, err, tc.want)
			}
		})
	}

	t.Run("ingest", func(t *testing.T) {
		dir := t.TempDir()
		st, err := dirstore.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		seedKBFLake(t, st)
		before, _, err := lake.ReadManifest(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		ups := t.TempDir()
		if err := os.MkdirAll(filepath.Join(ups, "kbf", "2024"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ups, "kbf", "2024", "kbf_2024.csv"), ingesttest.KBFWithout(t, uploadsDir, 2024, 2), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ups, "README.md"), []byte("not an upload\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := runLocal(context.Background(), []string{"-lake", dir, "-uploads", ups, "-created", "2026-01-02T00:00:00Z"}, log); err != nil {
			t.Fatal(err)
		}
		after, _, err := lake.ReadManifest(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		if after.Version == before.Version || !after.Created.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("version %s created %v; want a new version created 2026-01-02", after.Version, after.Created)
		}
		for _, area := range []string{"uploads", "processed", "rejected"} {
			if _, err := os.Stat(filepath.Join(dir, area)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the lake directory has %s/ (%v); the upload area belongs in -area", area, err)
			}
		}
	})
}

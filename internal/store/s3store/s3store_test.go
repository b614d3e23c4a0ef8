package s3store

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/storetest"
	"github.com/stockholm/insyn/internal/testenv/s3server"
)

func newStore(t *testing.T, srv *s3server.Server, bucket, prefix string) *Store {
	t.Helper()
	s, err := New(t.Context(), Config{
		Bucket:      bucket,
		Prefix:      prefix,
		Endpoint:    srv.Endpoint,
		PathStyle:   true,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Small pages make every List in the suite follow continuation tokens.
	s.pageSize = 2
	return s
}

// TestConformance runs the suite against versitygw, each subtest in a
// bucket of its own.
func TestConformance(t *testing.T) {
	srv := s3server.Start(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, srv, srv.NewBucket(t), "")
	})
}

// TestConformanceWithPrefix runs the suite again with every store under a
// key prefix in one shared bucket.
func TestConformanceWithPrefix(t *testing.T) {
	srv := s3server.Start(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, srv, srv.Bucket, "tenants/"+strings.ReplaceAll(t.Name(), "/", "_"))
	})
}

// TestPrefixesDoNotMix checks that stores with different prefixes on one
// bucket see only their own keys, which sit under the prefix in the bucket.
func TestPrefixesDoNotMix(t *testing.T) {
	ctx := t.Context()
	srv := s3server.Start(t)
	a := newStore(t, srv, srv.Bucket, "lake-a")
	b := newStore(t, srv, srv.Bucket, "lake-b/")
	lake := newStore(t, srv, srv.Bucket, "lake")
	whole := newStore(t, srv, srv.Bucket, "")

	for _, s := range []*Store{a, b} {
		if _, err := s.Put(ctx, "manifest.json", []byte(s.prefix), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Put(ctx, "only/in/a", []byte("a"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    *Store
		want []string
	}{
		{a, []string{"manifest.json", "only/in/a"}},
		{b, []string{"manifest.json"}},
		{lake, nil}, // "lake/" is not a prefix of "lake-a/..."
		{whole, []string{"lake-a/manifest.json", "lake-a/only/in/a", "lake-b/manifest.json"}},
	} {
		list, err := c.s.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range list {
			got = append(got, a.Key)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("store with prefix %q lists %q, want %q", c.s.prefix, got, c.want)
		}
	}
	if _, err := b.Stat(ctx, "only/in/a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("b sees a's key: Stat = %v, want ErrNotFound", err)
	}
	rc, _, err := b.Get(ctx, "manifest.json", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 64)
	n, _ := rc.Read(buf)
	if got := string(buf[:n]); got != "lake-b/" {
		t.Errorf("b's manifest holds %q, want %q", got, "lake-b/")
	}
	if err := a.Delete(ctx, "manifest.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stat(ctx, "manifest.json"); err != nil {
		t.Errorf("deleting a's manifest touched b's: %v", err)
	}
}

// TestStandardSettings builds a store from the SDK's environment variables
// alone, as a Lambda function or a developer's shell would.
func TestStandardSettings(t *testing.T) {
	srv := s3server.Start(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1") // versitygw checks the signing region
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")

	s, err := New(t.Context(), Config{Bucket: srv.Bucket, Prefix: "env", PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), "k", []byte("v"), store.PutOptions{}); err != nil {
		t.Fatalf("Put through settings from the environment: %v", err)
	}
	if _, err := s.Stat(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
}

// TestMissingBucketIsNotNotFound checks that a misconfigured bucket is not
// mistaken for a missing object. (Stat cannot tell: a HEAD response has no
// body to carry the error code.)
func TestMissingBucketIsNotNotFound(t *testing.T) {
	srv := s3server.Start(t)
	s := newStore(t, srv, "no-such-bucket", "")
	_, _, err := s.Get(t.Context(), "k", store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) || err == nil || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Errorf("Get in a missing bucket: %v, want NoSuchBucket", err)
	}
	_, err = s.List(t.Context(), "")
	if errors.Is(err, store.ErrNotFound) || err == nil || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Errorf("List in a missing bucket: %v, want NoSuchBucket", err)
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want Config
		ok   bool
	}{
		{"s3://lake", Config{Bucket: "lake"}, true},
		{"s3://lake/", Config{Bucket: "lake"}, true},
		{"s3://lake/prod/v1", Config{Bucket: "lake", Prefix: "prod/v1"}, true},
		{"s3://lake/prod/v1/", Config{Bucket: "lake", Prefix: "prod/v1/"}, true},
		{"https://lake/prod", Config{}, false},
		{"s3:///prod", Config{}, false},
		{"s3://lake/../x", Config{}, false},
		{"s3://lake//x", Config{}, false},
		{"s3://lake/x?versionId=1", Config{}, false},
		{"lake/prod", Config{}, false},
	} {
		got, err := ParseURL(c.url)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v, ok=%v", c.url, got, err, c.want, c.ok)
		}
	}
}

// TestReadOnlyConformance holds the S3 backend to the read-only suite as
// well, with the content fsstore's run uses.
func TestReadOnlyConformance(t *testing.T) {
	srv := s3server.Start(t)
	s := newStore(t, srv, srv.Bucket, "ro")
	for k, v := range storetest.ReadOnlyFixture() {
		if _, err := s.Put(t.Context(), k, v, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	storetest.RunReadOnly(t, s, storetest.ReadOnlyFixture())
}

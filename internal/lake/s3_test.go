package lake

import (
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/s3store"
	"github.com/stockholm/insyn/internal/testenv/s3server"
)

// TestPublishOnS3 publishes and reads a lake through a real S3-protocol
// server (versitygw), whose ETags and conditional writes are S3's, not
// dirstore's.
func TestPublishOnS3(t *testing.T) {
	ctx := t.Context()
	srv := s3server.Start(t)
	st, err := s3store.New(ctx, s3store.Config{
		Bucket:      srv.Bucket,
		Prefix:      "lake",
		Endpoint:    srv.Endpoint,
		PathStyle:   true,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	m, s := fixture(t, 0)
	_, s1 := fixture(t, 1)
	_, s2 := fixture(t, 2)

	e0 := publish(t, st, encode(t, m, s), "")
	snap, err := Open(ctx, guard{st, []string{ManifestKey, AggregatesPrefix}})
	if err != nil {
		t.Fatal(err)
	}
	if snap.ETag != e0 || !reflect.DeepEqual(snap.Set, s) {
		t.Fatalf("read back ETag %s (published %s), set equal: %v", snap.ETag, e0, reflect.DeepEqual(snap.Set, s))
	}
	raw, err := ReadRaw(ctx, st, snap.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(raw, sortedMicrodata(m)) {
		t.Errorf("microdata read back from S3 differ")
	}

	e1 := publish(t, st, encode(t, m, s1), e0)
	if _, err := Publish(ctx, st, encode(t, m, s2), e0); !errors.Is(err, store.ErrPreconditionFailed) {
		t.Fatalf("publishing over a changed manifest on S3: err = %v, want ErrPreconditionFailed", err)
	}
	fresh, err := snap.Refresh(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ETag != e1 || !reflect.DeepEqual(fresh.Set, s1) {
		t.Errorf("after the lost race S3 serves ETag %s (want the winner's %s)", fresh.ETag, e1)
	}
}

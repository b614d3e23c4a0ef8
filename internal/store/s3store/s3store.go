// Package s3store is a store.Store in an S3 bucket (AWS, or any server
// speaking the S3 protocol, such as versitygw), built on aws-sdk-go-v2.
//
// Conditional writes use PutObject's If-Match and If-None-Match headers, so
// the server, not the client, decides the single winner among concurrent
// writers. ETags are kept exactly as S3 returns them, quotes included.
package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/stockholm/insyn/internal/store"
)

// Config says which bucket and prefix hold the store and how to reach
// them. Settings left empty come from the SDK's usual sources: the
// environment (AWS_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL,
// AWS_ACCESS_KEY_ID, ...), the shared config files, or the instance or
// Lambda role.
type Config struct {
	// Bucket is the bucket's name. Required.
	Bucket string
	// Prefix is put before every key ("lake" or "lake/" both store key
	// "a.parquet" as "lake/a.parquet") and removed from listed keys, so
	// stores with different prefixes share a bucket without seeing each
	// other.
	Prefix string
	// Endpoint, when set, is the S3 endpoint URL, e.g.
	// "http://127.0.0.1:7070" for a local server.
	Endpoint string
	// Region, when set, overrides the configured region. With no region
	// configured anywhere, us-east-1 is used.
	Region string
	// PathStyle addresses the bucket in the URL path
	// (http://host/bucket/key) rather than the host name; most servers
	// other than AWS need it.
	PathStyle bool
	// Credentials, when set, replaces the SDK's default credential chain
	// (tests use static keys for a local server).
	Credentials aws.CredentialsProvider
}

// ParseURL reads "s3://bucket/prefix" (the prefix may be empty) into a
// Config with Bucket and Prefix set.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("s3store: parse URL %q: %w", raw, err)
	}
	if u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Config{}, fmt.Errorf("s3store: URL %q is not of the form s3://bucket/prefix", raw)
	}
	prefix := strings.TrimPrefix(u.Path, "/")
	if err := store.ValidatePrefix(prefix); err != nil {
		return Config{}, fmt.Errorf("s3store: URL %q: %w", raw, err)
	}
	return Config{Bucket: u.Host, Prefix: prefix}, nil
}

// Store is a store.Store in one bucket under one key prefix.
type Store struct {
	client *s3.Client
	bucket string
	prefix string // "" or ending in "/"
	// pageSize caps the keys per ListObjectsV2 page; 0 leaves it to the
	// server (1000). Tests lower it to exercise pagination.
	pageSize int32
}

var _ store.Store = (*Store)(nil)

// New returns a Store for cfg. It loads the SDK configuration but makes no
// request, so a wrong bucket or missing credentials show on first use.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3store: no bucket configured")
	}
	prefix := strings.TrimSuffix(cfg.Prefix, "/")
	if prefix != "" {
		if err := store.ValidateKey(prefix); err != nil {
			return nil, fmt.Errorf("s3store: prefix %q: %w", cfg.Prefix, err)
		}
		prefix += "/"
	}
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3store: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
		// Checksums only where S3 demands them: S3-compatible servers vary
		// in how they handle the SDK's default CRC trailers.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &Store{client: client, bucket: cfg.Bucket, prefix: prefix}, nil
}

// Get opens the object at key; see store.Store.
func (s *Store) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	if err := store.ValidateKey(key); err != nil {
		return nil, store.Attrs{}, fail("get", key, err)
	}
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)}
	if opts.IfNoneMatch != "" {
		in.IfNoneMatch = aws.String(opts.IfNoneMatch)
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		return nil, store.Attrs{}, fail("get", key, classify(err))
	}
	return out.Body, store.Attrs{
		Key:     key,
		Size:    aws.ToInt64(out.ContentLength),
		ETag:    aws.ToString(out.ETag),
		ModTime: aws.ToTime(out.LastModified),
	}, nil
}

// GetRange opens part of the object at key with an HTTP Range request; see
// store.Store.
func (s *Store) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	if err := store.ValidateKey(key); err != nil {
		return nil, fail("get range", key, err)
	}
	if off < 0 {
		return nil, fail("get range", key, fmt.Errorf("negative offset %d", off))
	}
	if length == 0 {
		// No Range header asks for zero bytes; still report a missing key.
		if _, err := s.Stat(ctx, key); err != nil {
			return nil, err
		}
		return http.NoBody, nil
	}
	rng := fmt.Sprintf("bytes=%d-", off)
	if length > 0 {
		rng += fmt.Sprint(off + length - 1)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key), Range: &rng})
	if err != nil {
		err = classify(err)
		if errors.Is(err, errRangeNotSatisfiable) {
			return http.NoBody, nil // the range starts at or past the end
		}
		return nil, fail("get range", key, err)
	}
	return out.Body, nil
}

// Put writes the object at key, conditionally with If-Match or
// If-None-Match: *; see store.Store. The returned ModTime is zero, as
// PutObject does not report it.
func (s *Store) Put(ctx context.Context, key string, body []byte, opts store.PutOptions) (store.Attrs, error) {
	if err := store.ValidateKey(key); err != nil {
		return store.Attrs{}, fail("put", key, err)
	}
	if opts.IfMatch != "" && opts.IfNoneMatch {
		return store.Attrs{}, fail("put", key, errors.New("IfMatch and IfNoneMatch cannot both be set"))
	}
	in := &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           aws.String(s.prefix + key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	}
	if opts.ContentType != "" {
		in.ContentType = aws.String(opts.ContentType)
	}
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(opts.IfMatch)
	}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		err = classify(err)
		if opts.IfMatch != "" && errors.Is(err, store.ErrNotFound) {
			// S3 answers If-Match on a missing object with 404; to the
			// caller it is one more object that is not as expected.
			err = fmt.Errorf("%w: no object to match", store.ErrPreconditionFailed)
		}
		return store.Attrs{}, fail("put", key, err)
	}
	return store.Attrs{Key: key, Size: int64(len(body)), ETag: aws.ToString(out.ETag)}, nil
}

// Stat returns the attributes of the object at key with HeadObject; see
// store.Store. A missing bucket also reads as ErrNotFound here, as a HEAD
// response has no body to carry S3's error code.
func (s *Store) Stat(ctx context.Context, key string) (store.Attrs, error) {
	if err := store.ValidateKey(key); err != nil {
		return store.Attrs{}, fail("stat", key, err)
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)})
	if err != nil {
		return store.Attrs{}, fail("stat", key, classify(err))
	}
	return store.Attrs{
		Key:     key,
		Size:    aws.ToInt64(out.ContentLength),
		ETag:    aws.ToString(out.ETag),
		ModTime: aws.ToTime(out.LastModified),
	}, nil
}

// List returns the objects whose keys start with prefix, following
// ListObjectsV2 pages; see store.Store. Objects whose keys are not valid
// store keys (such as "folder/" markers some tools create) are left out.
func (s *Store) List(ctx context.Context, prefix string) ([]store.Attrs, error) {
	if err := store.ValidatePrefix(prefix); err != nil {
		return nil, fail("list", prefix, err)
	}
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix + prefix)}
	if s.pageSize > 0 {
		in.MaxKeys = aws.Int32(s.pageSize)
	}
	list := []store.Attrs{}
	pages := s3.NewListObjectsV2Paginator(s.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fail("list", prefix, classify(err))
		}
		for _, o := range page.Contents {
			key := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if store.ValidateKey(key) != nil {
				continue
			}
			list = append(list, store.Attrs{
				Key:     key,
				Size:    aws.ToInt64(o.Size),
				ETag:    aws.ToString(o.ETag),
				ModTime: aws.ToTime(o.LastModified),
			})
		}
	}
	// S3 lists in UTF-8 byte order already; S3-compatible servers may not.
	sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
	return list, nil
}

// Delete removes the object at key; see store.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := store.ValidateKey(key); err != nil {
		return fail("delete", key, err)
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)})
	if err = classify(err); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fail("delete", key, err)
	}
	return nil
}

func fail(op, key string, err error) error {
	return &store.Error{Op: op, Key: key, Err: err}
}

// errRangeNotSatisfiable is S3's 416: a range starting past the end.
var errRangeNotSatisfiable = errors.New("range not satisfiable")

// classify turns the S3 answers the store gives meaning to into the
// store's sentinel errors and leaves all others, such as a missing bucket
// or bad credentials, as the SDK reported them.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var code string
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	var status int
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	switch {
	case code == "NoSuchBucket":
		return err
	case status == http.StatusNotFound || code == "NoSuchKey" || code == "NotFound":
		return store.ErrNotFound
	case status == http.StatusPreconditionFailed || code == "PreconditionFailed" || code == "ConditionalRequestConflict":
		return store.ErrPreconditionFailed
	case status == http.StatusNotModified || code == "NotModified":
		return store.ErrNotModified
	case status == http.StatusRequestedRangeNotSatisfiable || code == "InvalidRange":
		return errRangeNotSatisfiable
	}
	return err
}

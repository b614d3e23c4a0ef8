// Command ingest turns staff uploads into the next lake version
// (internal/ingest). Run by AWS Lambda (provided.al2023, as "bootstrap";
// AWS_LAMBDA_RUNTIME_API set) it handles S3 ObjectCreated events for keys
// under <lake prefix>/uploads/ (those uploads) and EventBridge scheduled
// events (every pending upload). Run locally it is a command:
//
//	go run ./functions/ingest -lake testdata/lake -uploads testdata/uploads \
//	    -created 2025-03-31T00:00:00Z -keep 1
//
// copies the files under -uploads into the upload area (a temporary
// directory unless -area names one; the source directory is not changed),
// ingests them into the directory lake -lake and prints each rejected
// file's report. That command rebuilds the sample lake from the sample
// uploads (the rejected samples under bad/ are rejected on the way).
//
// Exit status of the command: 0 when every upload was accepted (or none
// was pending), 2 when the run completed but rejected uploads (their
// reports are on stderr and under rejected/), 1 when the run failed (it
// changed nothing half-way; run it again).
//
// Configuration on Lambda (environment):
//
//	INSYN_LAKE              s3://bucket/prefix of the lake (also holds
//	                        uploads/, rejected/, processed/, manifests/)
//	INSYN_S3_ENDPOINT       S3 endpoint URL for S3-compatible servers
//	INSYN_S3_PATH_STYLE     true to address the bucket in the path
//	INSYN_THRESHOLD         disclosure threshold (default 4)
//	INSYN_PROTECTION_LEVEL  protection level (default 3)
//	INSYN_KEEP_VERSIONS     lake versions kept readable (default 5)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/s3store"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	var err error
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		err = startLambda(log)
	} else {
		err = runLocal(context.Background(), os.Args[1:], log)
	}
	var rej *rejectedError
	switch {
	case errors.As(err, &rej):
		log.Warn("uploads rejected", "rejected", rej.n)
		os.Exit(2)
	case err != nil:
		log.Error("ingest failed", "err", err.Error())
		os.Exit(1)
	}
}

// rejectedError is runLocal's answer to a run that completed but rejected
// uploads: the command exits 2.
type rejectedError struct{ n int }

func (e *rejectedError) Error() string { return fmt.Sprintf("%d uploads rejected", e.n) }

// config is what both modes share.
type config struct {
	rules protect.Rules
	keep  int
}

func configFromEnv() (config, error) {
	c := config{rules: protect.Rules{Threshold: 4, ProtectionLevel: 3}, keep: ingest.DefaultKeep}
	if v := os.Getenv("INSYN_THRESHOLD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("INSYN_THRESHOLD=%q: want a whole number of at least 1", v)
		}
		c.rules.Threshold = n
	}
	if v := os.Getenv("INSYN_PROTECTION_LEVEL"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return c, fmt.Errorf("INSYN_PROTECTION_LEVEL=%q: want a positive number", v)
		}
		c.rules.ProtectionLevel = f
	}
	if v := os.Getenv("INSYN_KEEP_VERSIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("INSYN_KEEP_VERSIONS=%q: want a whole number of at least 1", v)
		}
		c.keep = n
	}
	return c, nil
}

func startLambda(log *slog.Logger) error {
	ctx := context.Background()
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	s3cfg, err := s3store.ParseURL(os.Getenv("INSYN_LAKE"))
	if err != nil {
		return fmt.Errorf("INSYN_LAKE: %w", err)
	}
	s3cfg.Endpoint = os.Getenv("INSYN_S3_ENDPOINT")
	s3cfg.PathStyle = os.Getenv("INSYN_S3_PATH_STYLE") == "true"
	st, err := s3store.New(ctx, s3cfg)
	if err != nil {
		return err
	}
	prefix := strings.TrimSuffix(s3cfg.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (ingest.Result, error) {
		keys, err := eventKeys(raw, s3cfg.Bucket, prefix)
		if err != nil {
			return ingest.Result{}, err
		}
		res, err := ingest.Run(ctx, st, ingest.Options{Keys: keys, Rules: cfg.rules, Keep: cfg.keep, Logger: log})
		log.Info("ingest done", "version", res.Version, "published", res.Published,
			"accepted", len(res.Accepted), "rejected", len(res.Rejected), "retries", res.Retries, "deleted", res.Deleted)
		return response(res), err
	})
	return nil
}

// eventKeys returns the upload keys (relative to the lake) an S3 event
// names, or nil for a scheduled event: ingest everything pending.
func eventKeys(raw json.RawMessage, bucket, prefix string) ([]string, error) {
	var probe struct {
		Records    []json.RawMessage `json:"Records"`
		DetailType string            `json:"detail-type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("ingest: event is not JSON: %w", err)
	}
	if len(probe.Records) == 0 {
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err != nil || ev.DetailType != "Scheduled Event" {
			return nil, fmt.Errorf("ingest: neither an S3 event nor a scheduled event: detail-type %q", probe.DetailType)
		}
		return nil, nil
	}
	var ev events.S3Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("ingest: S3 event: %w", err)
	}
	var keys []string
	for _, r := range ev.Records {
		key := r.S3.Object.URLDecodedKey
		if r.S3.Bucket.Name != bucket || !strings.HasPrefix(key, prefix+ingest.UploadsPrefix) {
			continue // not ours: the notification filter should not send it
		}
		keys = append(keys, strings.TrimPrefix(key, prefix))
	}
	if len(keys) == 0 {
		return nil, errors.New("ingest: the S3 event names no upload under " + prefix + ingest.UploadsPrefix)
	}
	return keys, nil
}

func runLocal(ctx context.Context, args []string, log *slog.Logger) error {
	fl := flag.NewFlagSet("ingest", flag.ContinueOnError)
	lakeDir := fl.String("lake", "testdata/lake", "directory of the lake")
	uploads := fl.String("uploads", "", "directory of uploads laid out as uploads/ (<dataset>/<period>/<name>); copied, not changed")
	area := fl.String("area", "", "directory of the upload area (uploads/, rejected/, processed/); default a temporary one, removed afterwards")
	exclude := fl.String("exclude", "README.md,*.expected.txt,*.go", "comma-separated file name patterns under -uploads that are not uploads")
	created := fl.String("created", "", "creation time of the new version, RFC 3339 (default: the newest upload's modification time)")
	keep := fl.Int("keep", ingest.DefaultKeep, "lake versions kept readable")
	if err := fl.Parse(args); err != nil {
		return err
	}
	// A directory given without -uploads would otherwise be ignored and
	// the run would ingest nothing, silently.
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: give the uploads directory with -uploads DIR", fl.Arg(0))
	}
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	opts := ingest.Options{Rules: cfg.rules, Keep: *keep, Logger: log}
	if *created != "" {
		if opts.Created, err = time.Parse(time.RFC3339, *created); err != nil {
			return fmt.Errorf("-created: %w", err)
		}
	}
	// The lake and the upload area are one store in AWS; locally the area
	// is its own directory, joined to the lake by a store that routes by
	// prefix, so a rebuild leaves no upload files in the lake directory.
	// dirstore.New would create a missing directory: a mistyped -lake
	// would become a new, empty lake.
	if fi, err := os.Stat(*lakeDir); err != nil || !fi.IsDir() {
		return fmt.Errorf("-lake %s: no such directory (create it to start an empty lake)", *lakeDir)
	}
	lakeStore, err := dirstore.New(*lakeDir)
	if err != nil {
		return err
	}
	if *area == "" {
		tmp, err := os.MkdirTemp("", "insyn-ingest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*area = tmp
	}
	areaStore, err := dirstore.New(*area)
	if err != nil {
		return err
	}
	if *uploads != "" {
		if err := copyUploads(ctx, areaStore, *uploads, strings.Split(*exclude, ",")); err != nil {
			return err
		}
	}
	res, err := ingest.Run(ctx, split{lake: lakeStore, area: areaStore}, opts)
	for _, r := range res.Rejected {
		fmt.Fprint(os.Stderr, r.String())
	}
	fmt.Printf("version %s, published %v, %d accepted, %d rejected, %d objects deleted\n",
		res.Version, res.Published, len(res.Accepted), len(res.Rejected), res.Deleted)
	if err == nil && len(res.Rejected) > 0 {
		err = &rejectedError{n: len(res.Rejected)}
	}
	return err
}

// copyUploads puts every file under dir into st as uploads/<path>.
func copyUploads(ctx context.Context, st store.Store, dir string, exclude []string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, pat := range exclude {
			if ok, _ := filepath.Match(pat, d.Name()); ok {
				return nil
			}
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = st.Put(ctx, ingest.UploadsPrefix+filepath.ToSlash(rel), data, store.PutOptions{})
		return err
	})
}

package ingest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/ingest/ingesttest"
	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/testenv/s3server"
	"github.com/stockholm/insyn/internal/upload"
)

// The tests in this file are the findings of issue 15 about the ingest
// run: uploads that once stopped every run, overwrote another's report, or
// changed the served manifest under its version id.

func nameHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// Finding 11: an upload named a\b.csv, or with a line break in its name,
// made every run fail, so the valid uploads beside it were never ingested.
// Such a file is reported under rejected/.names/ and left where it is; the
// valid upload is published, on a directory store (whose listing shows
// such names) and on S3 (whose listing leaves them out: the S3 event that
// names one gets it its report).
func TestUnaddressableNamesDoNotBlock(t *testing.T) {
	bad := []string{`uploads/kbf/2024/a\b.csv`, "uploads/kbf/2024/a\nb.csv"}
	check := func(t *testing.T, st store.Store, res ingest.Result, published bool, reported []string) {
		t.Helper()
		if published && (!res.Published || len(res.Accepted) != 1) {
			t.Errorf("published %v, accepted %v: the valid upload was not ingested", res.Published, res.Accepted)
		}
		var names []string
		for _, r := range res.Rejected {
			names = append(names, r.File)
			if r.Counts[upload.ReasonBadName] != 1 {
				t.Errorf("%q: report without bad_name:\n%s", r.File, r)
			}
			if strings.Count(r.String(), "\n") != 3 {
				t.Errorf("%q: the text report spans other lines than its three:\n%s", r.File, r)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, reported) {
			t.Errorf("rejected %q; want %q", names, reported)
		}
		for _, k := range reported {
			txt := ingesttest.Get(t, st, ingest.NamesPrefix+nameHash(k)+".report.txt")
			if !bytes.Contains(txt, []byte("bad_name")) {
				t.Errorf("the report of %q: %s", k, txt)
			}
		}
		served(t, st)
	}
	sorted := slices.Clone(bad)
	slices.Sort(sorted)

	t.Run("dir", func(t *testing.T) {
		root := t.TempDir()
		st, err := dirstore.New(root)
		if err != nil {
			t.Fatal(err)
		}
		seedLake(t, st)
		ingesttest.Put(t, st, "uploads/kbf/2024/kbf_2024.csv", ingesttest.KBFWithout(t, uploadsDir, 2024, 2))
		for _, k := range bad {
			if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(k)), []byte("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		res, err := ingest.Run(context.Background(), st, opts())
		if err != nil {
			t.Fatalf("the run failed: %v", err)
		}
		check(t, st, res, true, sorted)
		for _, k := range bad {
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(k))); err != nil {
				t.Errorf("%q is gone: %v", k, err)
			}
		}
		// Again: the names are reported again, nothing else happens.
		res, err = ingest.Run(context.Background(), st, opts())
		if err != nil {
			t.Fatal(err)
		}
		check(t, st, res, false, sorted)
	})

	t.Run("s3", func(t *testing.T) {
		srv := s3server.Start(t)
		bucket := srv.NewBucket(t)
		st := s3Store(t, srv, bucket)
		seedLake(t, st)
		ingesttest.Put(t, st, "uploads/kbf/2024/kbf_2024.csv", ingesttest.KBFWithout(t, uploadsDir, 2024, 2))
		client := s3.New(s3.Options{BaseEndpoint: aws.String(srv.Endpoint), UsePathStyle: true, Region: "us-east-1",
			Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")})
		for _, k := range bad {
			if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("lake/" + k),
				Body: strings.NewReader("Person-id;Nämnd;Kön;Belopp\nP1;Bromma;K;1\n")}); err != nil {
				t.Skipf("versitygw does not store the key %q: %v", k, err)
			}
		}
		res, err := ingest.Run(context.Background(), st, opts())
		if err != nil {
			t.Fatalf("the daily run failed: %v", err)
		}
		check(t, st, res, true, nil)
		o := opts()
		o.Keys = bad
		res, err = ingest.Run(context.Background(), st, o)
		if err != nil {
			t.Fatalf("the run for an event failed: %v", err)
		}
		check(t, st, res, false, sorted)
	})
}

// Finding 12: an upload named a.csv.report.txt overwrote a.csv's report.
// It is refused by its name and filed under rejected/.names/; a.csv's
// report stays a.csv's.
func TestUploadNamedLikeAReport(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		seedLake(t, st)
		ingesttest.Put(t, st, "uploads/kbf/2024/a.csv", []byte("Person-id;Nämnd;Kön;Belopp\nP1;Gamla stan;K;100\n"))
		impostor := []byte("kbf/2024/a.csv: no problems, 1 row\n")
		ingesttest.Put(t, st, "uploads/kbf/2024/a.csv.report.txt", impostor)
		res, err := ingest.Run(context.Background(), st, opts())
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rejected) != 2 {
			t.Fatalf("rejected %d uploads; want 2", len(res.Rejected))
		}
		if rep := string(ingesttest.Get(t, st, "rejected/kbf/2024/a.csv.report.txt")); !strings.Contains(rep, "unknown_code") || strings.Contains(rep, "bad_name") {
			t.Errorf("a.csv's report is not a.csv's:\n%s", rep)
		}
		k := ingest.NamesPrefix + nameHash("uploads/kbf/2024/a.csv.report.txt")
		if !bytes.Equal(ingesttest.Get(t, st, k), impostor) || !bytes.Contains(ingesttest.Get(t, st, k+".report.txt"), []byte("bad_name")) {
			t.Errorf("the upload named like a report is not filed under %s with its report", k)
		}
		if left := ingesttest.Keys(t, st, "uploads/"); len(left) > 0 {
			t.Errorf("left in uploads/: %v", left)
		}
	})
}

// Finding 10: person ids written like a personnummer with an en dash
// reached raw/, and that run changed the published manifest while keeping
// its version id. Such ids are now refused; and uploads that change the
// microdata but no figure (here: every person id renamed) are rejected, so
// a manifest is never published under the served id.
func TestManifestChangesOnlyWithItsVersion(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		seedLake(t, st)
		// A version whose pattern is fakePattern's, as every version this
		// test publishes.
		ingesttest.Put(t, st, "uploads/kbf/2023/kbf_2023.csv", ingesttest.KBFWithout(t, uploadsDir, 2023, 1))
		if res, err := ingest.Run(context.Background(), st, opts()); err != nil || !res.Published {
			t.Fatalf("published %v: %v", res.Published, err)
		}
		before := ingesttest.Get(t, st, lake.ManifestKey)
		sample := ingesttest.KBFWithout(t, uploadsDir, 2024, 0)
		lines := bytes.SplitAfter(sample, []byte("\n"))
		_, rest, _ := bytes.Cut(lines[1], []byte(";"))
		lines[1] = append([]byte("19121212\u20131212;"), rest...)
		dashed := bytes.Join(lines, nil)
		for _, tc := range []struct {
			name   string
			data   []byte
			reason upload.Reason
		}{
			{"en dash", dashed, upload.ReasonPersonnummer},
			{"renamed persons", bytes.ReplaceAll(sample, []byte("\nP"), []byte("\nQ")), ingest.ReasonNoNewFigures},
		} {
			ingesttest.Put(t, st, "uploads/kbf/2024/kbf_2024.csv", tc.data)
			res, err := ingest.Run(context.Background(), st, opts())
			if err != nil {
				t.Fatal(err)
			}
			after := ingesttest.Get(t, st, lake.ManifestKey)
			m, err := lake.ParseManifest(after)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("%s: the manifest changed (version %s, published %v)", tc.name, m.Version, res.Published)
			}
			if len(res.Rejected) != 1 || res.Rejected[0].Counts[tc.reason] == 0 {
				t.Errorf("%s: rejected %d uploads; want the upload, for %s", tc.name, len(res.Rejected), tc.reason)
			}
		}
		// With an upload that changes figures, the renamed persons are
		// published in a version of their own.
		ingesttest.Put(t, st, "uploads/kbf/2024/kbf_2024.csv", bytes.ReplaceAll(sample, []byte("\nP"), []byte("\nQ")))
		ingesttest.Put(t, st, "uploads/kbf/2022/kbf_2022.csv", ingesttest.KBFWithout(t, uploadsDir, 2022, 1))
		res, err := ingest.Run(context.Background(), st, opts())
		if err != nil {
			t.Fatal(err)
		}
		old, err := lake.ParseManifest(before)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Published || len(res.Accepted) != 2 || res.Version == old.Version {
			t.Errorf("published %v, accepted %v, version %s (was %s)", res.Published, res.Accepted, res.Version, old.Version)
		}
	})
}

// An upload larger than upload.MaxFileBytes is reported without being
// read, and stays in uploads/.
func TestOversizedUploadIsNotRead(t *testing.T) {
	root := t.TempDir()
	st, err := dirstore.New(root)
	if err != nil {
		t.Fatal(err)
	}
	seedLake(t, st)
	ingesttest.Put(t, st, "uploads/kbf/2024/kbf_2024.csv", ingesttest.KBFWithout(t, uploadsDir, 2024, 2))
	big := filepath.Join(root, "uploads", "kbf", "2023", "big.csv")
	if err := os.MkdirAll(filepath.Dir(big), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// sparse: no disk space, but every byte is read by dirstore's listing
	if err := f.Truncate(upload.MaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, err := ingest.Run(context.Background(), st, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Published || len(res.Rejected) != 1 || res.Rejected[0].Counts[upload.ReasonTooLarge] != 1 {
		t.Errorf("published %v, rejected %d", res.Published, len(res.Rejected))
	}
	if !bytes.Contains(ingesttest.Get(t, st, "rejected/kbf/2023/big.csv.report.txt"), []byte("MaxFileBytes")) {
		t.Error("no report naming the limit")
	}
	if _, err := os.Stat(big); err != nil {
		t.Errorf("the upload is gone: %v", err)
	}
}

// Finding 8: an XLSX whose worksheet declares half its real size in the
// zip headers was accepted and published with half its rows. It is
// rejected with a report, and the served manifest stays as it was.
func TestHalfDeclaredWorkbookIsNotPublished(t *testing.T) {
	backends(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		seedLake(t, st)
		before := ingesttest.Get(t, st, lake.ManifestKey)
		half, err := os.ReadFile(filepath.Join(uploadsDir, "bad", "insatser", "2024", "half-declared.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		ingesttest.Put(t, st, "uploads/insatser/2024/half-declared.xlsx", half)
		res, err := ingest.Run(context.Background(), st, opts())
		if err != nil {
			t.Fatal(err)
		}
		if res.Published || len(res.Rejected) != 1 || res.Rejected[0].Counts[upload.ReasonUnreadable] == 0 {
			t.Errorf("published %v, rejected %v: want the workbook rejected as unreadable", res.Published, res.Rejected)
		}
		if after := ingesttest.Get(t, st, lake.ManifestKey); !bytes.Equal(before, after) {
			t.Error("the served manifest changed")
		}
	})
}

// Package ingesttest holds what the ingest tests (internal/ingest's and
// functions/ingest's) do to a lake's store: write and read keys, list a
// prefix, count the KBF rows a version holds, and make a valid KBF upload
// that changes the lake. Every helper fails the test on an error.
package ingesttest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store"
)

// Put writes data at key.
func Put(t testing.TB, st store.Store, key string, data []byte) {
	t.Helper()
	if _, err := st.Put(context.Background(), key, data, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Get reads key.
func Get(t testing.TB, st store.Store, key string) []byte {
	t.Helper()
	rc, _, err := st.Get(context.Background(), key, store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Keys lists the keys under prefix.
func Keys(t testing.TB, st store.Store, prefix string) []string {
	t.Helper()
	as, err := st.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for _, a := range as {
		ks = append(ks, a.Key)
	}
	return ks
}

// KBFRows is the number of KBF microdata rows of year in the served version.
func KBFRows(t testing.TB, st store.Store, year int) int {
	t.Helper()
	m, _, err := lake.ReadManifest(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := lake.ReadRaw(context.Background(), st, m)
	if err != nil {
		t.Fatal(err)
	}
	return len(raw.KBF[year])
}

// KBFWithout returns the sample KBF upload of year (under uploadsDir, the
// sample uploads) with its last n data rows dropped: a valid upload that
// changes the lake.
func KBFWithout(t testing.TB, uploadsDir string, year, n int) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(uploadsDir, "kbf", fmt.Sprint(year), fmt.Sprintf("kbf_%d.csv", year)))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(bytes.TrimRight(data, "\r\n"), []byte("\n"))
	return bytes.Join(lines[:len(lines)-n], nil)
}

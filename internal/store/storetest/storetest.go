// Package storetest is the conformance suite every store.Store backend must
// pass, in the manner of thanos-io/objstore's acceptance tests: one set of
// expectations, run against the directory backend and against a real
// S3-protocol server.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/store"
)

// Run runs the suite. newStore must return a new, empty store on each call
// (for example one per temporary directory, bucket or key prefix); it is
// called from parallel subtests.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"UnusualKeys", testUnusualKeys},
		{"BinaryAndEmpty", testBinaryAndEmpty},
		{"NotFound", testNotFound},
		{"GetRange", testGetRange},
		{"ConditionalCreate", testConditionalCreate},
		{"IfMatch", testIfMatch},
		{"ConditionalGet", testConditionalGet},
		{"OverwriteChangesETag", testOverwriteChangesETag},
		{"List", testList},
		{"Delete", testDelete},
		{"ConcurrentConditionalWriters", testConcurrentConditionalWriters},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"InvalidKeys", testInvalidKeys},
		{"CanceledContext", testCanceledContext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newStore(t))
		})
	}
}

func testRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	const key = "aggregates/2024/befolkning.parquet"
	body := []byte("hello, lake")
	before := time.Now()
	put := mustPut(t, s, key, body, store.PutOptions{ContentType: "application/vnd.apache.parquet"})
	if put.Key != key || put.Size != int64(len(body)) || put.ETag == "" {
		t.Fatalf("Put returned %+v, want key %q, size %d and an ETag", put, key, len(body))
	}

	rc, got, err := s.Get(ctx, key, store.GetOptions{})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if b := readAll(t, rc); !bytes.Equal(b, body) {
		t.Errorf("Get body = %q, want %q", b, body)
	}
	checkAttrs(t, "Get", got, put, before)

	stat, err := s.Stat(ctx, key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkAttrs(t, "Stat", stat, put, before)

	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("List = %v, want just %q", keys(list), key)
	}
	checkAttrs(t, "List", list[0], put, before)
}

// checkAttrs compares attributes read back with those Put returned: same
// key, size and ETag string, and a plausible modification time.
func checkAttrs(t *testing.T, op string, got, put store.Attrs, before time.Time) {
	t.Helper()
	if got.Key != put.Key || got.Size != put.Size || got.ETag != put.ETag {
		t.Errorf("%s attrs = {%q %d %s}, want {%q %d %s} as from Put", op, got.Key, got.Size, got.ETag, put.Key, put.Size, put.ETag)
	}
	// S3 keeps whole seconds, and the server's clock is not ours.
	if got.ModTime.Before(before.Add(-time.Minute)) || got.ModTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("%s ModTime = %v, want about %v", op, got.ModTime, before)
	}
}

func testUnusualKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := []string{
		"dimensions/kön=K/år=2024/part-0.parquet",
		"name with spaces/a+b%20c&d=e?f#g.csv",
		"x/.manifest.json",
		"x/..y",
	}
	for _, key := range want {
		mustPut(t, s, key, []byte(key), store.PutOptions{})
	}
	for _, key := range want {
		rc, _, err := s.Get(ctx, key, store.GetOptions{})
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if b := readAll(t, rc); string(b) != key {
			t.Errorf("Get %q body = %q, want the key itself", key, b)
		}
	}
	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	slices.Sort(want)
	if got := keys(list); !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func testBinaryAndEmpty(t *testing.T, s store.Store) {
	ctx := t.Context()
	binary := make([]byte, 300_000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range binary {
		binary[i] = byte(rng.Uint32())
	}
	copy(binary, "\x00\xff\r\n\x1a PAR1") // bytes text handling likes to mangle
	for _, c := range []struct {
		key  string
		body []byte
	}{
		{"blobs/binary.bin", binary},
		{"blobs/empty", nil},
	} {
		put := mustPut(t, s, c.key, c.body, store.PutOptions{})
		if put.Size != int64(len(c.body)) {
			t.Errorf("Put %q size = %d, want %d", c.key, put.Size, len(c.body))
		}
		rc, attrs, err := s.Get(ctx, c.key, store.GetOptions{})
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if b := readAll(t, rc); !bytes.Equal(b, c.body) {
			t.Errorf("Get %q returned %d bytes that differ from the %d put", c.key, len(b), len(c.body))
		}
		if attrs.Size != int64(len(c.body)) || attrs.ETag != put.ETag {
			t.Errorf("Get %q attrs = %+v, want size %d, ETag %s", c.key, attrs, len(c.body), put.ETag)
		}
		if got := getRange(t, s, c.key, 0, -1); !bytes.Equal(got, c.body) {
			t.Errorf("GetRange(%q, 0, -1) returned %d bytes that differ from the %d put", c.key, len(got), len(c.body))
		}
	}
	list, err := s.List(ctx, "blobs/")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 2 || list[1].Key != "blobs/empty" || list[1].Size != 0 {
		t.Errorf("List = %+v, want blobs/binary.bin and an empty blobs/empty", list)
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	const key = "aggregates/x.parquet"
	mustPut(t, s, "aggregates/y.parquet", []byte("y"), store.PutOptions{})
	mustPut(t, s, "aggregates/x.parquet/inside", []byte("z"), store.PutOptions{}) // a "directory" is no object

	_, _, err := s.Get(ctx, key, store.GetOptions{})
	checkErr(t, "Get", err, store.ErrNotFound)
	if err != nil && err.Error() != `store: get "aggregates/x.parquet": not found` {
		t.Errorf("Get error reads %q, want %q", err, `store: get "aggregates/x.parquet": not found`)
	}
	_, err = s.Stat(ctx, key)
	checkErr(t, "Stat", err, store.ErrNotFound)
	_, err = s.GetRange(ctx, key, 0, 10)
	checkErr(t, "GetRange", err, store.ErrNotFound)
	_, err = s.GetRange(ctx, key, 5, -1)
	checkErr(t, "GetRange to the end", err, store.ErrNotFound)
	_, _, err = s.Get(ctx, key, store.GetOptions{IfNoneMatch: `"0123"`})
	checkErr(t, "Get with IfNoneMatch", err, store.ErrNotFound)
	_, err = s.Stat(ctx, "aggregates/y.parquet/below-a-file")
	checkErr(t, "Stat below an object", err, store.ErrNotFound)
}

func testGetRange(t *testing.T, s store.Store) {
	const key = "ranges/abc"
	body := []byte("0123456789abcdefghij") // 20 bytes
	mustPut(t, s, key, body, store.PutOptions{})
	for _, c := range []struct {
		name        string
		off, length int64
		want        string
	}{
		{"start", 0, 4, "0123"},
		{"middle", 5, 3, "567"},
		{"single byte", 19, 1, "j"},
		{"to the end", 10, -1, "abcdefghij"},
		{"whole", 0, -1, string(body)},
		{"exactly to the end", 15, 5, "fghij"},
		{"past the end", 15, 100, "fghij"},
		{"starting at the end", 20, 5, ""},
		{"starting past the end", 25, 5, ""},
		{"to the end from past it", 25, -1, ""},
		{"zero length", 3, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := getRange(t, s, key, c.off, c.length); string(got) != c.want {
				t.Errorf("GetRange(%d, %d) = %q, want %q", c.off, c.length, got, c.want)
			}
		})
	}
	if _, err := s.GetRange(t.Context(), key, -1, 2); err == nil {
		t.Error("GetRange with a negative offset succeeded, want an error")
	}
}

func testConditionalCreate(t *testing.T, s store.Store) {
	const key = "manifests/lock.json"
	first := mustPut(t, s, key, []byte("first"), store.PutOptions{IfNoneMatch: true})
	_, err := s.Put(t.Context(), key, []byte("second"), store.PutOptions{IfNoneMatch: true})
	checkErr(t, "second create", err, store.ErrPreconditionFailed)
	if got, attrs := get(t, s, key); got != "first" || attrs.ETag != first.ETag {
		t.Errorf("after a failed create the object is %q (ETag %s), want %q (ETag %s)", got, attrs.ETag, "first", first.ETag)
	}
}

func testIfMatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	const key = "manifests/current.json"
	_, err := s.Put(ctx, key, []byte("v0"), store.PutOptions{IfMatch: `"d41d8cd98f00b204e9800998ecf8427e"`})
	checkErr(t, "IfMatch on a missing object", err, store.ErrPreconditionFailed)

	v1 := mustPut(t, s, key, []byte("v1"), store.PutOptions{})
	_, err = s.Put(ctx, key, []byte("wrong"), store.PutOptions{IfMatch: `"not-the-etag"`})
	checkErr(t, "IfMatch with a wrong ETag", err, store.ErrPreconditionFailed)

	v2 := mustPut(t, s, key, []byte("v2"), store.PutOptions{IfMatch: v1.ETag})
	if v2.ETag == v1.ETag {
		t.Errorf("ETag did not change from v1 to v2: %s", v2.ETag)
	}
	_, err = s.Put(ctx, key, []byte("stale"), store.PutOptions{IfMatch: v1.ETag})
	checkErr(t, "IfMatch with a stale ETag", err, store.ErrPreconditionFailed)
	if got, attrs := get(t, s, key); got != "v2" || attrs.ETag != v2.ETag {
		t.Errorf("object is %q (ETag %s), want %q (ETag %s)", got, attrs.ETag, "v2", v2.ETag)
	}
}

func testConditionalGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	const key = "manifests/cached.json"
	v1 := mustPut(t, s, key, []byte(`{"version":1}`), store.PutOptions{ContentType: "application/json"})
	rc, _, err := s.Get(ctx, key, store.GetOptions{IfNoneMatch: v1.ETag})
	checkErr(t, "Get with the current ETag", err, store.ErrNotModified)
	if rc != nil {
		rc.Close()
		t.Error("Get returned a body with ErrNotModified")
	}

	v2 := mustPut(t, s, key, []byte(`{"version":2}`), store.PutOptions{ContentType: "application/json"})
	rc, attrs, err := s.Get(ctx, key, store.GetOptions{IfNoneMatch: v1.ETag})
	if err != nil {
		t.Fatalf("Get with an old ETag: %v", err)
	}
	if b := readAll(t, rc); string(b) != `{"version":2}` || attrs.ETag != v2.ETag {
		t.Errorf("Get with an old ETag = %q (ETag %s), want version 2 (ETag %s)", b, attrs.ETag, v2.ETag)
	}
}

func testOverwriteChangesETag(t *testing.T, s store.Store) {
	const key = "overwrite.txt"
	a := mustPut(t, s, key, []byte("aaaa"), store.PutOptions{})
	b := mustPut(t, s, key, []byte("bbbbbbbb"), store.PutOptions{})
	if a.ETag == b.ETag {
		t.Errorf("overwrite kept ETag %s", a.ETag)
	}
	stat, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if stat.ETag != b.ETag || stat.Size != 8 {
		t.Errorf("Stat after overwrite = %+v, want ETag %s and size 8", stat, b.ETag)
	}
}

func testList(t *testing.T, s store.Store) {
	ctx := t.Context()
	all := []string{
		"lake/a-b", // sorts before lake/a/..., though a directory walk meets it after
		"lake/a/1.parquet",
		"lake/a/2.parquet",
		"lake/b.txt",
		"lake/b/x/y.parquet",
		"lake/c-d/e",
		"lakeside/z",
		"other/q",
		"top",
	}
	// Put out of order, so sorting is the store's doing.
	for _, i := range rand.Perm(len(all)) {
		mustPut(t, s, all[i], []byte(strings.Repeat("x", i+1)), store.PutOptions{})
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"", all},
		{"lake/", all[:6]},
		{"lake", all[:7]},
		{"lake/a", all[:3]},
		{"lake/a/", all[1:3]},
		{"lake/b", all[3:5]},
		{"lake/b/", all[4:5]},
		{"lake/a/1.parquet", all[1:2]},
		{"nothing/", nil},
		{"lake/nothing", nil},
		{"top/", nil},
	} {
		list, err := s.List(ctx, c.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", c.prefix, err)
		}
		if got := keys(list); !slices.Equal(got, c.want) {
			t.Errorf("List(%q) = %q, want %q", c.prefix, got, c.want)
		}
		for _, a := range list {
			stat, err := s.Stat(ctx, a.Key)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if a.Size != stat.Size || a.ETag != stat.ETag {
				t.Errorf("List(%q) gives %q size %d ETag %s; Stat gives size %d ETag %s", c.prefix, a.Key, a.Size, a.ETag, stat.Size, stat.ETag)
			}
		}
	}
	_, err := s.List(ctx, "/lake")
	checkErr(t, "List with an absolute prefix", err, store.ErrInvalidKey)
}

func testDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustPut(t, s, "d/keep", []byte("keep"), store.PutOptions{})
	mustPut(t, s, "d/e/f", []byte("gone"), store.PutOptions{})
	if err := s.Delete(ctx, "d/e/f"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := s.Stat(ctx, "d/e/f")
	checkErr(t, "Stat after Delete", err, store.ErrNotFound)
	if err := s.Delete(ctx, "d/e/f"); err != nil {
		t.Errorf("Delete of a deleted key: %v, want no error", err)
	}
	if err := s.Delete(ctx, "never/was"); err != nil {
		t.Errorf("Delete of a missing key: %v, want no error", err)
	}
	if err := s.Delete(ctx, "d"); err != nil {
		t.Errorf("Delete of a key that only prefixes others: %v, want no error", err)
	}
	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got := keys(list); !slices.Equal(got, []string{"d/keep"}) {
		t.Errorf("List after Delete = %q, want [d/keep]", got)
	}
	// A key that once prefixed a deleted object can become an object.
	mustPut(t, s, "d/e", []byte("now a file"), store.PutOptions{IfNoneMatch: true})
}

// testConcurrentConditionalWriters has writers race in rounds: all read the
// same version, all try to replace it with IfMatch, and exactly one may win.
func testConcurrentConditionalWriters(t *testing.T, s store.Store) {
	const key = "manifests/race.json"
	const writers, rounds = 8, 5
	mustPut(t, s, key, []byte("0"), store.PutOptions{})
	for round := 1; round <= rounds; round++ {
		value, etag := readCounter(t, s, key)
		if value != round-1 {
			t.Fatalf("round %d starts from %d, want %d", round, value, round-1)
		}
		start := make(chan struct{})
		results := make(chan error, writers)
		for w := range writers {
			go func() {
				<-start
				body := fmt.Appendf(nil, "%d", value+1)
				// Distinct content per writer, so a lost update would show.
				body = fmt.Appendf(body, " by %d", w)
				_, err := s.Put(context.Background(), key, body, store.PutOptions{IfMatch: etag})
				results <- err
			}()
		}
		close(start)
		wins := 0
		for range writers {
			switch err := <-results; {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrPreconditionFailed):
				t.Errorf("round %d: losing writer got %v, want ErrPreconditionFailed", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d writers won, want exactly 1", round, wins)
		}
	}
	if value, _ := readCounter(t, s, key); value != rounds {
		t.Errorf("counter = %d after %d rounds, want %d", value, rounds, rounds)
	}
}

// testConcurrentIncrements has writers increment one counter with
// read-modify-write loops; every increment must survive.
func testConcurrentIncrements(t *testing.T, s store.Store) {
	const key = "counter"
	const writers, increments = 4, 5
	mustPut(t, s, key, []byte("0"), store.PutOptions{IfNoneMatch: true})
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for range increments {
				if err := increment(s, key); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if value, _ := readCounter(t, s, key); value != writers*increments {
		t.Errorf("counter = %d, want %d: updates were lost", value, writers*increments)
	}
}

func increment(s store.Store, key string) error {
	ctx := context.Background()
	for attempt := 0; attempt < 1000; attempt++ {
		rc, attrs, err := s.Get(ctx, key, store.GetOptions{})
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(strings.Fields(string(b))[0])
		if err != nil {
			return err
		}
		_, err = s.Put(ctx, key, []byte(strconv.Itoa(n+1)), store.PutOptions{IfMatch: attrs.ETag})
		if !errors.Is(err, store.ErrPreconditionFailed) {
			return err
		}
	}
	return fmt.Errorf("increment %q: still losing after 1000 attempts", key)
}

// readCounter reads a decimal counter (optionally followed by a note) and
// its ETag.
func readCounter(t *testing.T, s store.Store, key string) (int, string) {
	t.Helper()
	body, attrs := get(t, s, key)
	n, err := strconv.Atoi(strings.Fields(body + " ")[0])
	if err != nil {
		t.Fatalf("counter %q holds %q: %v", key, body, err)
	}
	return n, attrs.ETag
}

func testInvalidKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, key := range []string{
		"",
		"/abs/path",
		"..",
		"../escape",
		"a/../../escape",
		".",
		"./a",
		"a/./b",
		`a\b`,
		`..\escape`,
		"a//b",
		"trailing/",
		"nul\x00byte",
		"line\nbreak",
		"bad\xffutf8",
	} {
		ops := map[string]error{}
		_, _, ops["get"] = s.Get(ctx, key, store.GetOptions{})
		_, ops["get range"] = s.GetRange(ctx, key, 0, 1)
		_, ops["put"] = s.Put(ctx, key, []byte("x"), store.PutOptions{})
		_, ops["stat"] = s.Stat(ctx, key)
		ops["delete"] = s.Delete(ctx, key)
		for op, err := range ops {
			if !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("%s %q: error %v, want ErrInvalidKey", op, key, err)
			} else if !strings.HasPrefix(err.Error(), fmt.Sprintf("store: %s %q: invalid key: ", op, key)) {
				t.Errorf("%s %q: error reads %q, want it to name the operation, key and reason", op, key, err)
			}
		}
	}
	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 0 {
		t.Errorf("invalid keys left objects behind: %q", keys(list))
	}
}

func testCanceledContext(t *testing.T, s store.Store) {
	mustPut(t, s, "k", []byte("v"), store.PutOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := s.Get(ctx, "k", store.GetOptions{})
	checkErr(t, "Get", err, context.Canceled)
	_, err = s.Put(ctx, "k", []byte("w"), store.PutOptions{})
	checkErr(t, "Put", err, context.Canceled)
	_, err = s.List(ctx, "")
	checkErr(t, "List", err, context.Canceled)
	if got, _ := get(t, s, "k"); got != "v" {
		t.Errorf("a canceled Put changed the object to %q", got)
	}
}

func mustPut(t *testing.T, s store.Store, key string, body []byte, opts store.PutOptions) store.Attrs {
	t.Helper()
	attrs, err := s.Put(t.Context(), key, body, opts)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return attrs
}

func get(t *testing.T, s store.Store, key string) (string, store.Attrs) {
	t.Helper()
	rc, attrs, err := s.Get(t.Context(), key, store.GetOptions{})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return string(readAll(t, rc)), attrs
}

func getRange(t *testing.T, s store.Store, key string, off, length int64) []byte {
	t.Helper()
	rc, err := s.GetRange(t.Context(), key, off, length)
	if err != nil {
		t.Fatalf("GetRange(%q, %d, %d): %v", key, off, length, err)
	}
	return readAll(t, rc)
}

func readAll(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return b
}

// checkErr fails unless err wraps want and names the store (every error a
// store returns for an operation reads "store: <op> <key>: ...").
func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %v", what, want)
	case !errors.Is(err, want):
		t.Errorf("%s: error %v, want %v", what, err, want)
	case !strings.HasPrefix(err.Error(), "store: "):
		t.Errorf("%s: error %q does not say it came from the store", what, err)
	}
}

func keys(list []store.Attrs) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Key)
	}
	return out
}

package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/store"
)

// ReadOnlyFixture is content for RunReadOnly: keys that sort differently
// as strings than in a directory walk, an empty and a binary object, and
// objects at several depths.
func ReadOnlyFixture() map[string][]byte {
	return map[string][]byte{
		"manifest.json":        []byte(`{"version":"v1"}` + "\n"),
		"lake/a-b":             []byte("a-b"),
		"lake/a/b":             []byte("a/b"),
		"lake/a/c/d.parquet":   []byte("0123456789abcdefghij"),
		"lake/ab":              []byte("ab"),
		"lake/dataset=x/ar=1":  []byte("hive"),
		"blobs/empty":          {},
		"blobs/binary.bin":     {0, 1, 2, 0xff, 0xfe, '\n', '\r', 0},
		"ä/unicode key.txt":    []byte("åäö"),
		"same-content/one.txt": []byte("same"),
		"same-content/two.txt": []byte("same"),
	}
}

// RunReadOnly runs the reading part of the suite against a store that
// holds exactly the objects of want (and nothing else): Get, GetRange,
// Stat, List and conditional Get, not found, invalid keys and canceled
// contexts. Read-only backends (fsstore) run it in place of Run, and the
// writable ones run it too, filled with the same content, so that both
// kinds are held to one standard.
func RunReadOnly(t *testing.T, s store.Store, want map[string][]byte) {
	keys := slices.Sorted(maps.Keys(want))
	if len(keys) == 0 {
		t.Fatal("storetest: RunReadOnly needs at least one object")
	}
	ctx := t.Context()

	t.Run("Contents", func(t *testing.T) {
		list, err := s.List(ctx, "")
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if got := listKeys(list); !slices.Equal(got, keys) {
			t.Fatalf("List(\"\") = %q, want %q", got, keys)
		}
		etags := map[string]string{}
		for _, a := range list {
			body := want[a.Key]
			rc, got, err := s.Get(ctx, a.Key, store.GetOptions{})
			if err != nil {
				t.Errorf("Get(%q): %v", a.Key, err)
				continue
			}
			if b := readAll(t, rc); !bytes.Equal(b, body) {
				t.Errorf("Get(%q) body = %q, want %q", a.Key, b, body)
			}
			stat, err := s.Stat(ctx, a.Key)
			if err != nil {
				t.Errorf("Stat(%q): %v", a.Key, err)
				continue
			}
			for _, x := range []struct {
				op    string
				attrs store.Attrs
			}{{"List", a}, {"Get", got}, {"Stat", stat}} {
				if x.attrs.Key != a.Key || x.attrs.Size != int64(len(body)) || x.attrs.ETag == "" {
					t.Errorf("%s(%q) = %+v, want key %q, size %d and an ETag", x.op, a.Key, x.attrs, a.Key, len(body))
				}
				if x.attrs.ETag != a.ETag {
					t.Errorf("%s(%q) ETag %s, List gave %s", x.op, a.Key, x.attrs.ETag, a.ETag)
				}
			}
			if other, seen := etags[a.ETag]; seen && !bytes.Equal(want[other], body) {
				t.Errorf("%q and %q have different content but the same ETag %s", other, a.Key, a.ETag)
			}
			etags[a.ETag] = a.Key
		}
	})

	t.Run("GetRange", func(t *testing.T) {
		key := slices.MaxFunc(keys, func(a, b string) int { return len(want[a]) - len(want[b]) })
		body := want[key]
		n := int64(len(body))
		for _, c := range []struct {
			name        string
			off, length int64
		}{
			{"start", 0, min(4, n)},
			{"middle", n / 3, n / 3},
			{"last byte", n - 1, 1},
			{"to the end", n / 2, -1},
			{"whole", 0, -1},
			{"past the end", n / 2, n + 100},
			{"starting at the end", n, 5},
			{"starting past the end", n + 5, 5},
			{"to the end from past it", n + 5, -1},
			{"zero length", n / 2, 0},
		} {
			lo := min(c.off, n)
			hi := n
			if c.length >= 0 {
				hi = min(lo+c.length, n)
			}
			rc, err := s.GetRange(ctx, key, c.off, c.length)
			if err != nil {
				t.Errorf("%s: GetRange(%q, %d, %d): %v", c.name, key, c.off, c.length, err)
				continue
			}
			if got := readAll(t, rc); !bytes.Equal(got, body[lo:hi]) {
				t.Errorf("%s: GetRange(%q, %d, %d) = %q, want %q", c.name, key, c.off, c.length, got, body[lo:hi])
			}
		}
		if _, err := s.GetRange(ctx, key, -1, 2); err == nil {
			t.Error("GetRange with a negative offset succeeded, want an error")
		}
	})

	t.Run("ConditionalGet", func(t *testing.T) {
		for _, key := range keys {
			attrs, err := s.Stat(ctx, key)
			if err != nil {
				t.Fatalf("Stat(%q): %v", key, err)
			}
			rc, _, err := s.Get(ctx, key, store.GetOptions{IfNoneMatch: attrs.ETag})
			checkErr(t, fmt.Sprintf("Get(%q) with its current ETag", key), err, store.ErrNotModified)
			if rc != nil {
				rc.Close()
				t.Errorf("Get(%q) returned a body with ErrNotModified", key)
			}
			rc, _, err = s.Get(ctx, key, store.GetOptions{IfNoneMatch: `"not-the-etag"`})
			if err != nil {
				t.Fatalf("Get(%q) with another ETag: %v", key, err)
			}
			if b := readAll(t, rc); !bytes.Equal(b, want[key]) {
				t.Errorf("Get(%q) with another ETag = %q, want %q", key, b, want[key])
			}
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		missing := []string{"no/such/key", keys[0] + "/below-an-object"}
		// A "directory" holding objects is no object itself.
		for _, k := range keys {
			if i := strings.LastIndex(k, "/"); i > 0 {
				missing = append(missing, k[:i])
				break
			}
		}
		for _, key := range missing {
			_, _, err := s.Get(ctx, key, store.GetOptions{})
			checkErr(t, fmt.Sprintf("Get(%q)", key), err, store.ErrNotFound)
			_, _, err = s.Get(ctx, key, store.GetOptions{IfNoneMatch: `"0123"`})
			checkErr(t, fmt.Sprintf("Get(%q) with IfNoneMatch", key), err, store.ErrNotFound)
			_, err = s.Stat(ctx, key)
			checkErr(t, fmt.Sprintf("Stat(%q)", key), err, store.ErrNotFound)
			_, err = s.GetRange(ctx, key, 0, 1)
			checkErr(t, fmt.Sprintf("GetRange(%q)", key), err, store.ErrNotFound)
		}
	})

	t.Run("List", func(t *testing.T) {
		prefixes := map[string]bool{"": true, "no-such-prefix/": true, "zzzz": true}
		for _, k := range keys {
			for i := range len(k) {
				if k[i] == '/' {
					prefixes[k[:i+1]] = true // a directory
					prefixes[k[:i]] = true   // a directory's name, also matching "dir-x"
				}
			}
			prefixes[k] = true
			prefixes[k[:len(k)/2]] = true // mid-segment
		}
		for _, p := range slices.Sorted(maps.Keys(prefixes)) {
			if store.ValidatePrefix(p) != nil {
				continue
			}
			var expect []string
			for _, k := range keys {
				if strings.HasPrefix(k, p) {
					expect = append(expect, k)
				}
			}
			list, err := s.List(ctx, p)
			if err != nil {
				t.Errorf("List(%q): %v", p, err)
				continue
			}
			if list == nil {
				t.Errorf("List(%q) = nil, want an empty slice when nothing matches", p)
			}
			if got := listKeys(list); !slices.Equal(got, expect) {
				t.Errorf("List(%q) = %q, want %q", p, got, expect)
			}
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		for _, key := range []string{"", "/abs/path", "..", "../escape", "a/../../escape", ".", "./a", "a/./b",
			`a\b`, "a//b", "trailing/", "nul\x00byte", "bad\xffutf8"} {
			ops := map[string]error{}
			_, _, ops["get"] = s.Get(ctx, key, store.GetOptions{})
			_, ops["get range"] = s.GetRange(ctx, key, 0, 1)
			_, ops["stat"] = s.Stat(ctx, key)
			for op, err := range ops {
				if !errors.Is(err, store.ErrInvalidKey) {
					t.Errorf("%s %q: error %v, want ErrInvalidKey", op, key, err)
				} else if !strings.HasPrefix(err.Error(), fmt.Sprintf("store: %s %q: invalid key: ", op, key)) {
					t.Errorf("%s %q: error reads %q, want it to name the operation, key and reason", op, key, err)
				}
			}
		}
		_, err := s.List(ctx, "/abs")
		checkErr(t, `List("/abs")`, err, store.ErrInvalidKey)
	})

	t.Run("CanceledContext", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err := s.Get(cctx, keys[0], store.GetOptions{})
		checkErr(t, "Get", err, context.Canceled)
		_, err = s.Stat(cctx, keys[0])
		checkErr(t, "Stat", err, context.Canceled)
		_, err = s.List(cctx, "")
		checkErr(t, "List", err, context.Canceled)
	})
}

func listKeys(list []store.Attrs) []string {
	out := []string{}
	for _, a := range list {
		out = append(out, a.Key)
	}
	return out
}

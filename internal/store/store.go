// Package store is the lake's view of object storage: one small interface
// with a local-directory backend (dirstore), an S3 backend (s3store) and a
// read-only backend over an fs.FS (fsstore, for the sample lake embedded in
// the binaries). They pass the same conformance suite (storetest; fsstore
// its read part), so code written against Store behaves the same on a
// laptop and in AWS.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Store is a flat namespace of immutable-per-version objects addressed by
// slash-separated keys. Every write replaces an object whole; readers see
// either the old or the new content, never a mix.
//
// Keys are portable only if no key is also a "directory" of another: AWS S3
// can hold both "a" and "a/b", but stores kept in a file system (dirstore,
// versitygw's posix backend) refuse the second one.
type Store interface {
	// Get opens the object at key. With opts.IfNoneMatch set to the ETag
	// the caller already has, Get returns ErrNotModified (and a nil body)
	// when the object is unchanged. The caller closes the body.
	Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, Attrs, error)
	// GetRange opens length bytes of the object starting at off; a negative
	// length reads to the end. A range reaching past the end is cut short,
	// and one starting at or past the end yields an empty body.
	GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error)
	// Put writes body as the whole object at key. Conditions in opts that do
	// not hold give ErrPreconditionFailed and leave the object untouched.
	// The returned Attrs has Key, Size and ETag; ModTime may be zero.
	Put(ctx context.Context, key string, body []byte, opts PutOptions) (Attrs, error)
	// Stat returns the object's attributes without reading it.
	Stat(ctx context.Context, key string) (Attrs, error)
	// List returns every object whose key starts with prefix (a plain string
	// prefix, as in S3), recursively and sorted by key. An empty prefix
	// lists everything; no match is an empty slice, not an error.
	List(ctx context.Context, prefix string) ([]Attrs, error)
	// Delete removes the object at key. Deleting a missing key is not an
	// error.
	Delete(ctx context.Context, key string) error
}

// Attrs describes one stored object.
type Attrs struct {
	// Key is the object's key, relative to the store.
	Key string
	// Size is the object's length in bytes.
	Size int64
	// ETag identifies one version of the object's content. It is opaque
	// (S3 returns it quoted) and is compared as-is; a backend gives the same
	// string from Get, GetRange, Put, Stat and List.
	ETag string
	// ModTime is when the object was last written.
	ModTime time.Time
}

// GetOptions makes Get conditional.
type GetOptions struct {
	// IfNoneMatch, when not empty, makes Get return ErrNotModified if the
	// object's ETag equals it: a cheap refresh of a cached object.
	IfNoneMatch string
}

// PutOptions makes Put conditional and describes the content.
type PutOptions struct {
	// IfMatch, when not empty, writes only if the current ETag equals it
	// (an optimistic read-modify-write). A missing object does not match.
	IfMatch string
	// IfNoneMatch writes only if no object exists at the key yet.
	IfNoneMatch bool
	// ContentType is the media type recorded with the object, where the
	// backend keeps one.
	ContentType string
}

// Errors reported by every backend, always wrapped in an *Error; test for
// them with errors.Is.
var (
	// ErrNotFound means no object exists at the key.
	ErrNotFound = errors.New("not found")
	// ErrPreconditionFailed means a conditional Put lost: the object changed
	// (or appeared, or is missing) since the caller looked.
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrNotModified means a conditional Get found the caller's ETag
	// current.
	ErrNotModified = errors.New("not modified")
	// ErrInvalidKey means a key or prefix is not a clean relative path.
	ErrInvalidKey = errors.New("invalid key")
	// ErrReadOnly means a write (Put or Delete) reached a store that only
	// reads, such as the sample lake embedded in a binary.
	ErrReadOnly = errors.New("read-only store")
)

// Error records the operation and key that failed, as in
// `store: get "aggregates/x.parquet": not found`.
type Error struct {
	// Op is the operation: get, get range, put, stat, list or delete.
	Op string
	// Key is the key (or, for list, the prefix) the operation was given.
	Key string
	// Err is the cause: one of the sentinel errors or a backend error.
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("store: %s %q: %v", e.Op, e.Key, e.Err) }

// Unwrap returns the cause, so errors.Is sees the sentinel errors.
func (e *Error) Unwrap() error { return e.Err }

// ValidateKey reports whether key is a clean slash-separated relative path:
// not empty, no leading slash, no empty, "." or ".." segments, no
// backslashes or control characters, valid UTF-8. Such keys mean the same
// file on disk as object in S3. The error wraps ErrInvalidKey.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: key is empty", ErrInvalidKey)
	}
	if strings.HasPrefix(key, "/") {
		return fmt.Errorf("%w: key must be relative, not start with /", ErrInvalidKey)
	}
	if strings.Contains(key, `\`) {
		return fmt.Errorf(`%w: key must use / as separator, not \`, ErrInvalidKey)
	}
	if !utf8.ValidString(key) {
		return fmt.Errorf("%w: key is not valid UTF-8", ErrInvalidKey)
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: key contains control character %U", ErrInvalidKey, r)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w: key has an empty path segment (// or trailing /)", ErrInvalidKey)
		case ".", "..":
			return fmt.Errorf("%w: key must not contain %q segments", ErrInvalidKey, seg)
		}
	}
	return nil
}

// ValidatePrefix reports whether prefix can start a valid key (it may end
// mid-segment, as S3 prefixes do). The empty prefix is valid. The error
// wraps ErrInvalidKey.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	// A prefix is usable exactly when some valid key starts with it, and
	// appending one ordinary character gives the shortest such key.
	if err := ValidateKey(prefix + "x"); err != nil {
		return fmt.Errorf("prefix %q cannot start any valid key: %w", prefix, err)
	}
	return nil
}

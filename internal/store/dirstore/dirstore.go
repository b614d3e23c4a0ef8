// Package dirstore is a store.Store kept in a local directory: each key is a
// file under the root. It serves development and tests, and is safe to share
// between goroutines and between processes on one machine.
//
// Writes go to a temporary file in the key's directory and are renamed into
// place, so readers see whole objects only. Put and Delete hold an exclusive
// flock(2) on a lock file in the root while they check conditions and
// rename, which makes conditional writes race-free across processes (not on
// file systems without working flock, such as some NFS mounts).
//
// The ETag is the quoted hex SHA-256 of the content, computed when asked,
// so Stat and List read every object they report.
package dirstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/stockholm/insyn/internal/store"
)

// reserved starts the names of the store's own files (the lock file and
// temporary files). List never shows them, and keys may not use them.
const reserved = ".insyn-"

// Store is a store.Store rooted at a local directory.
type Store struct {
	root string
}

var _ store.Store = (*Store)(nil)

// New returns a Store keeping its objects under root, creating the directory
// if needed.
func New(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("dirstore: root %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("dirstore: create root: %w", err)
	}
	return &Store{root: abs}, nil
}

// Root returns the absolute directory the store keeps its objects in.
func (s *Store) Root() string { return s.root }

// Get opens the object at key; see store.Store.
func (s *Store) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	rc, attrs, err := s.get(ctx, key, opts)
	if err != nil {
		return nil, store.Attrs{}, &store.Error{Op: "get", Key: key, Err: err}
	}
	return rc, attrs, nil
}

func (s *Store) get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	p, err := s.path(ctx, key)
	if err != nil {
		return nil, store.Attrs{}, err
	}
	f, fi, err := openObject(p)
	if err != nil {
		return nil, store.Attrs{}, err
	}
	// Hashing and serving the same open file keeps the ETag true to the
	// body even if a writer renames a new version into place meanwhile.
	etag, err := hashETag(f)
	if err == nil && opts.IfNoneMatch == etag {
		err = store.ErrNotModified
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, store.Attrs{}, err
	}
	return f, attrsOf(key, fi, etag), nil
}

// GetRange opens part of the object at key; see store.Store.
func (s *Store) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	rc, err := s.getRange(ctx, key, off, length)
	if err != nil {
		return nil, &store.Error{Op: "get range", Key: key, Err: err}
	}
	return rc, nil
}

func (s *Store) getRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	p, err := s.path(ctx, key)
	if err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("negative offset %d", off)
	}
	f, fi, err := openObject(p)
	if err != nil {
		return nil, err
	}
	n := max(fi.Size()-off, 0)
	if length >= 0 && length < n {
		n = length
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, off, n), f}, nil
}

// Put writes the object at key atomically; see store.Store. ContentType is
// not recorded.
func (s *Store) Put(ctx context.Context, key string, body []byte, opts store.PutOptions) (store.Attrs, error) {
	attrs, err := s.put(ctx, key, body, opts)
	if err != nil {
		return store.Attrs{}, &store.Error{Op: "put", Key: key, Err: err}
	}
	return attrs, nil
}

func (s *Store) put(ctx context.Context, key string, body []byte, opts store.PutOptions) (store.Attrs, error) {
	p, err := s.path(ctx, key)
	if err != nil {
		return store.Attrs{}, err
	}
	if opts.IfMatch != "" && opts.IfNoneMatch {
		return store.Attrs{}, errors.New("IfMatch and IfNoneMatch cannot both be set")
	}
	// The slow part, writing the bytes, happens before taking the lock.
	tmp, err := writeTemp(filepath.Dir(p), body)
	if err != nil {
		return store.Attrs{}, err
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp)
		}
	}()

	unlock, err := s.lock()
	if err != nil {
		return store.Attrs{}, err
	}
	defer unlock()
	if opts.IfMatch != "" || opts.IfNoneMatch {
		current, err := currentETag(p)
		if err != nil {
			return store.Attrs{}, err
		}
		if opts.IfNoneMatch && current != "" {
			return store.Attrs{}, fmt.Errorf("%w: object already exists", store.ErrPreconditionFailed)
		}
		if opts.IfMatch != "" && current != opts.IfMatch {
			return store.Attrs{}, fmt.Errorf("%w: ETag is %s, not %s", store.ErrPreconditionFailed, orNone(current), opts.IfMatch)
		}
	}
	if err := os.Rename(tmp, p); err != nil {
		return store.Attrs{}, err
	}
	renamed = true
	fi, err := os.Stat(p)
	if err != nil {
		return store.Attrs{}, err
	}
	sum := sha256.Sum256(body)
	return attrsOf(key, fi, quote(sum[:])), nil
}

// Stat returns the attributes of the object at key; see store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Attrs, error) {
	attrs, err := s.stat(ctx, key)
	if err != nil {
		return store.Attrs{}, &store.Error{Op: "stat", Key: key, Err: err}
	}
	return attrs, nil
}

func (s *Store) stat(ctx context.Context, key string) (store.Attrs, error) {
	p, err := s.path(ctx, key)
	if err != nil {
		return store.Attrs{}, err
	}
	f, fi, err := openObject(p)
	if err != nil {
		return store.Attrs{}, err
	}
	defer f.Close()
	etag, err := hashETag(f)
	if err != nil {
		return store.Attrs{}, err
	}
	return attrsOf(key, fi, etag), nil
}

// List returns the objects whose keys start with prefix; see store.Store.
func (s *Store) List(ctx context.Context, prefix string) ([]store.Attrs, error) {
	list, err := s.list(ctx, prefix)
	if err != nil {
		return nil, &store.Error{Op: "list", Key: prefix, Err: err}
	}
	return list, nil
}

func (s *Store) list(ctx context.Context, prefix string) ([]store.Attrs, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := store.ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	// Only the directory named by the prefix up to its last slash can hold
	// matches.
	start := filepath.Join(s.root, filepath.FromSlash(prefix[:strings.LastIndex(prefix, "/")+1]))
	list := []store.Attrs{}
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == start {
			return nil
		}
		if strings.HasPrefix(d.Name(), reserved) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if !strings.HasPrefix(key+"/", prefix) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		f, fi, err := openObject(p)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted since the directory was read
		}
		if err != nil {
			return err
		}
		defer f.Close()
		etag, err := hashETag(f)
		if err != nil {
			return err
		}
		list = append(list, attrsOf(key, fi, etag))
		return nil
	})
	if err != nil {
		return nil, err
	}
	// WalkDir sorts per directory ("a/b" before "a-c"); keys sort as strings.
	sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
	return list, nil
}

// Delete removes the object at key and any directories left empty; see
// store.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.delete(ctx, key); err != nil {
		return &store.Error{Op: "delete", Key: key, Err: err}
	}
	return nil
}

func (s *Store) delete(ctx context.Context, key string) error {
	p, err := s.path(ctx, key)
	if err != nil {
		return err
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || (err == nil && fi.IsDir()) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		return err
	}
	// Empty directories are invisible to List, but one left behind would
	// stop a later Put of an object with the directory's name.
	for dir := filepath.Dir(p); dir != s.root; dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// path checks ctx and key and returns the key's file name.
func (s *Store) path(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := store.ValidateKey(key); err != nil {
		return "", err
	}
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, reserved) {
			return "", fmt.Errorf("%w: names starting with %q are reserved by dirstore", store.ErrInvalidKey, reserved)
		}
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// lock takes the store-wide write lock, shared with every goroutine and
// process using the same root (flock locks belong to an open file, so each
// call opens its own). Calling unlock releases it.
func (s *Store) lock() (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(s.root, reserved+"lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

// writeTemp writes body to a new temporary file in dir, flushed to disk, and
// returns its name.
func writeTemp(dir string, body []byte) (string, error) {
	var f *os.File
	var err error
	// A concurrent Delete may remove an emptied directory between MkdirAll
	// and CreateTemp; once the temporary file exists the directory stays.
	for range 3 {
		if err = os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		if f, err = os.CreateTemp(dir, reserved+"tmp-*"); !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return "", err
	}
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// openObject opens the regular file at p. A missing file, or a directory
// where the key's file would be, is store.ErrNotFound.
func openObject(p string) (*os.File, fs.FileInfo, error) {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil, store.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = store.ErrNotFound
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// currentETag returns the ETag of the object at p, or "" if there is none.
func currentETag(p string) (string, error) {
	f, _, err := openObject(p)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	return hashETag(f)
}

func hashETag(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return quote(h.Sum(nil)), nil
}

func quote(sum []byte) string { return `"` + hex.EncodeToString(sum) + `"` }

func orNone(etag string) string {
	if etag == "" {
		return "none (no object)"
	}
	return etag
}

func attrsOf(key string, fi fs.FileInfo, etag string) store.Attrs {
	return store.Attrs{Key: key, Size: fi.Size(), ETag: etag, ModTime: fi.ModTime()}
}

// Package fsstore is a read-only store.Store over an fs.FS: each key is a
// file of the file system. It serves the sample lake embedded in insyn's
// binaries (an embed.FS), so the API runs with no directory or bucket at
// all. Put and Delete fail with store.ErrReadOnly.
//
// The ETag is the quoted hex SHA-256 of the content, as dirstore's, so the
// same bytes have the same ETag in both backends. It is computed when
// asked; the files of a lake are small.
package fsstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"syscall"

	"github.com/stockholm/insyn/internal/store"
)

// Store is a read-only store.Store over a file system.
type Store struct {
	fsys fs.FS
}

var _ store.Store = (*Store)(nil)

// New returns a Store reading the files of fsys; keys are paths relative
// to its root.
func New(fsys fs.FS) *Store { return &Store{fsys: fsys} }

// Get opens the object at key; see store.Store.
func (s *Store) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.Attrs, error) {
	data, attrs, err := s.read(ctx, key)
	if err == nil && opts.IfNoneMatch == attrs.ETag {
		err = store.ErrNotModified
	}
	if err != nil {
		return nil, store.Attrs{}, &store.Error{Op: "get", Key: key, Err: err}
	}
	return io.NopCloser(bytes.NewReader(data)), attrs, nil
}

// GetRange opens part of the object at key; see store.Store.
func (s *Store) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	data, _, err := s.read(ctx, key)
	if err == nil && off < 0 {
		err = fmt.Errorf("negative offset %d", off)
	}
	if err != nil {
		return nil, &store.Error{Op: "get range", Key: key, Err: err}
	}
	data = data[min(off, int64(len(data))):]
	if length >= 0 && length < int64(len(data)) {
		data = data[:length]
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Put fails with store.ErrReadOnly (or store.ErrInvalidKey).
func (s *Store) Put(ctx context.Context, key string, body []byte, opts store.PutOptions) (store.Attrs, error) {
	return store.Attrs{}, &store.Error{Op: "put", Key: key, Err: s.refuse(ctx, key)}
}

// Delete fails with store.ErrReadOnly (or store.ErrInvalidKey).
func (s *Store) Delete(ctx context.Context, key string) error {
	return &store.Error{Op: "delete", Key: key, Err: s.refuse(ctx, key)}
}

func (s *Store) refuse(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.ValidateKey(key); err != nil {
		return err
	}
	return store.ErrReadOnly
}

// Stat returns the attributes of the object at key; see store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Attrs, error) {
	_, attrs, err := s.read(ctx, key)
	if err != nil {
		return store.Attrs{}, &store.Error{Op: "stat", Key: key, Err: err}
	}
	return attrs, nil
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
	start := strings.TrimSuffix(prefix[:strings.LastIndex(prefix, "/")+1], "/")
	if start == "" {
		start = "."
	}
	list := []store.Attrs{}
	err := fs.WalkDir(s.fsys, start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && notFound(err) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != start && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(p, prefix) {
			return nil
		}
		_, attrs, err := s.read(ctx, p)
		if err != nil {
			return err
		}
		list = append(list, attrs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// WalkDir sorts per directory ("a/b" before "a-c"); keys sort as strings.
	sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
	return list, nil
}

// read checks ctx and key and returns the whole object and its attributes.
func (s *Store) read(ctx context.Context, key string) ([]byte, store.Attrs, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.Attrs{}, err
	}
	if err := store.ValidateKey(key); err != nil {
		return nil, store.Attrs{}, err
	}
	f, err := s.fsys.Open(key)
	if err != nil {
		return nil, store.Attrs{}, classify(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, store.Attrs{}, classify(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, store.Attrs{}, store.ErrNotFound // a directory is no object
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, store.Attrs{}, err
	}
	sum := sha256.Sum256(data)
	return data, store.Attrs{
		Key:     key,
		Size:    int64(len(data)),
		ETag:    `"` + hex.EncodeToString(sum[:]) + `"`,
		ModTime: fi.ModTime(),
	}, nil
}

// classify maps "no such file" in its forms (a missing name, or a name
// below a file) to store.ErrNotFound.
func classify(err error) error {
	if notFound(err) {
		return store.ErrNotFound
	}
	return err
}

func notFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

package dirstore_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := dirstore.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestHiddenFiles checks that the store's own files (the lock file, and
// temporary files a crashed writer left behind) are never listed and cannot
// be addressed as keys.
func TestHiddenFiles(t *testing.T) {
	ctx := t.Context()
	root := t.TempDir()
	s, err := dirstore.New(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "a/b", []byte("b"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a", ".insyn-tmp-123"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Key != "a/b" {
		t.Errorf("List = %+v, want only a/b", list)
	}
	for _, key := range []string{".insyn-lock", "a/.insyn-tmp-123", ".insyn-x/y"} {
		if _, err := s.Stat(ctx, key); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Stat(%q): %v, want ErrInvalidKey", key, err)
		}
	}
}

// TestAtomicWrites reads an object while it is being overwritten: every
// read must see one whole version.
func TestAtomicWrites(t *testing.T) {
	ctx := t.Context()
	s, err := dirstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const key = "big"
	if _, err := s.Put(ctx, key, bytes.Repeat([]byte{'a'}, 1<<20), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			body := bytes.Repeat([]byte{'b' + byte(i%20)}, 1<<20+i*4096)
			if _, err := s.Put(ctx, key, body, store.PutOptions{}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			return
		default:
		}
		rc, attrs, err := s.Get(ctx, key, store.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != attrs.Size || len(bytes.Trim(b, string(b[:1]))) != 0 {
			t.Fatalf("read %d: got a torn object of %d bytes (attrs say %d)", reads, len(b), attrs.Size)
		}
	}
}

// TestConditionalPutAcrossProcesses runs read-modify-write loops in several
// processes (this test binary, re-executed) on one counter: the flock must
// serialise them so that no increment is lost.
func TestConditionalPutAcrossProcesses(t *testing.T) {
	if root := os.Getenv("DIRSTORE_INCREMENTER_ROOT"); root != "" {
		incrementInChild(t, root)
		return
	}
	const processes, increments = 4, 25
	root := t.TempDir()
	s, err := dirstore.New(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), "counter", []byte("0"), store.PutOptions{IfNoneMatch: true}); err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for range processes {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConditionalPutAcrossProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DIRSTORE_INCREMENTER_ROOT="+root, "DIRSTORE_INCREMENTS="+strconv.Itoa(increments))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("incrementing process %d: %v", cmd.Process.Pid, err)
		}
	}
	rc, _, err := s.Get(t.Context(), "counter", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), strconv.Itoa(processes*increments); got != want {
		t.Errorf("counter = %s, want %s: updates were lost between processes", got, want)
	}
}

func incrementInChild(t *testing.T, root string) {
	s, err := dirstore.New(root)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(os.Getenv("DIRSTORE_INCREMENTS"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for done := 0; done < n; {
		rc, attrs, err := s.Get(ctx, "counter", store.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.Atoi(string(b))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Put(ctx, "counter", []byte(strconv.Itoa(v+1)), store.PutOptions{IfMatch: attrs.ETag})
		switch {
		case err == nil:
			done++
		case !errors.Is(err, store.ErrPreconditionFailed):
			t.Fatal(err)
		}
	}
}

// TestReadOnlyConformance holds dirstore to the read-only suite too, so the
// suite and fsstore agree with a writable backend.
func TestReadOnlyConformance(t *testing.T) {
	s, err := dirstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range storetest.ReadOnlyFixture() {
		if _, err := s.Put(t.Context(), k, v, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	storetest.RunReadOnly(t, s, storetest.ReadOnlyFixture())
}

// Package s3server runs a real S3-protocol server, versitygw with its posix
// backend, for tests. Start installs the pinned versitygw into
// <repo>/.tools on first use (as infra/tools.sh does), starts it on a free
// loopback port with its data in a temporary directory, and stops it when
// the test ends.
package s3server

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the tests run; infra/tools.sh installs
// the same one.
const Version = "v1.8.0"

const module = "github.com/versity/versitygw/cmd/versitygw"

// Server is a running versitygw.
type Server struct {
	// Endpoint is the server's URL, http://127.0.0.1:PORT.
	Endpoint string
	// AccessKey and SecretKey are the root user's credentials.
	AccessKey, SecretKey string
	// Bucket is an empty bucket created by Start.
	Bucket string
	// Dir is the posix backend's root: each bucket is a directory in it and
	// each object a file below that.
	Dir string

	client  *s3.Client
	buckets atomic.Int64
}

// Start runs versitygw for the test and creates Bucket. It fails the test,
// with what went wrong, if versitygw cannot be installed or started.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	srv := &Server{AccessKey: "insyn-test", SecretKey: "insyn-test-secret", Dir: t.TempDir()}
	var err error
	// A free port can be taken between our probe and versitygw's bind;
	// another port then does.
	for attempt := 0; attempt < 3; attempt++ {
		if err = srv.start(t, bin); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("s3server: cannot start versitygw: %v", err)
	}
	srv.client = s3.New(s3.Options{
		BaseEndpoint:               aws.String(srv.Endpoint),
		Region:                     "us-east-1",
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	srv.Bucket = srv.NewBucket(t)
	return srv
}

// NewBucket creates another empty bucket and returns its name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := "insyn-test-" + strconv.FormatInt(s.buckets.Add(1), 10)
	if _, err := s.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("s3server: create bucket %q at %s: %v", name, s.Endpoint, err)
	}
	return name
}

func (s *Server) start(t testing.TB, bin string) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	var out syncBuffer
	cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", s.Dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; {
		select {
		case err := <-exited:
			return fmt.Errorf("versitygw exited before serving %s: %v\n%s", addr, err, out.String())
		default:
		}
		if conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("versitygw did not answer on %s within 10s\n%s", addr, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Endpoint = "http://" + addr
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	return nil
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Binary returns the path of versitygw Version in <repo>/.tools, running
// `go install` first if it is missing or another version. The install
// takes a minute or so on a cold module cache.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatalf("s3server: versitygw %s is not available: %v\n"+
			"Install it with infra/tools.sh (needs the Go module proxy).", Version, err)
	}
	return bin
}

var installMu sync.Mutex

func binary() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	tools := filepath.Join(root, ".tools")
	bin := filepath.Join(tools, "versitygw")
	if installed(bin) {
		return bin, nil
	}
	// Test binaries of several packages may get here at once: one installs,
	// the others wait and find it done.
	installMu.Lock()
	defer installMu.Unlock()
	if err := os.MkdirAll(tools, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(tools, ".versitygw.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	if installed(bin) {
		return bin, nil
	}
	fmt.Fprintf(os.Stderr, "s3server: installing versitygw %s into %s (60-80 s on a cold module cache)\n", Version, tools)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", module+"@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+tools)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %v\n%s", module, Version, err, out)
	}
	if !installed(bin) {
		return "", fmt.Errorf("go install %s@%s did not produce %s", module, Version, bin)
	}
	return bin, nil
}

// installed reports whether bin is versitygw Version, going by the module
// version the Go toolchain records in every binary it builds.
func installed(bin string) bool {
	info, err := buildinfo.ReadFile(bin)
	return err == nil && info.Main.Path == "github.com/versity/versitygw" && info.Main.Version == Version
}

// repoRoot walks up from the working directory to the one holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or above it")
		}
		dir = parent
	}
}

// syncBuffer collects the server's output, written by exec's copying
// goroutine and read when reporting a failure.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/stockholm/insyn/internal/api"
)

// BuildAPI builds the API's binary as it is deployed (functions/api,
// CGO off, -trimpath, -s -w) from the module in moduleDir into dir, and
// returns its path.
func BuildAPI(ctx context.Context, moduleDir, dir string) (string, error) {
	return Build(ctx, moduleDir, "./functions/api", filepath.Join(dir, "insyn-api"))
}

// Build builds the main package pkg of the module in moduleDir as the API
// is deployed (CGO off, -trimpath, -s -w) into the file bin, and returns
// bin.
func Build(ctx context.Context, moduleDir, pkg, bin string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("load: go build %s: %w\n%s", pkg, err, out)
	}
	return bin, nil
}

// Server is the API running as a process on 127.0.0.1.
type Server struct {
	// URL is the server's base URL.
	URL string
	// Started is when the process was started.
	Started time.Time

	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
	err    error // the process's exit, once done is closed
}

// Start runs the API binary bin over the lake INSYN_LAKE names (e.g.
// "dir:/path/to/lake") on a free port of 127.0.0.1, with env (NAME=value)
// added to this process's environment. It returns at once; WaitAnswer
// waits for its first answer. Stop it with Stop.
func Start(bin, lake string, env ...string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("load: find a free port: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), env...), api.EnvLake+"="+lake, "INSYN_LISTEN="+addr)
	s := &Server{URL: "http://" + addr, cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	s.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("load: start %s: %w", bin, err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// WaitAnswer posts body (a GraphQL request) until the server answers it
// with 200, and returns the time from the process's start to that answer.
// It fails when the process exits first, or when ctx ends.
func (s *Server) WaitAnswer(ctx context.Context, body []byte) (time.Duration, error) {
	client := &http.Client{Timeout: time.Minute}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+api.Path, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(s.Started), nil
			}
			return 0, fmt.Errorf("load: the server answered %d", resp.StatusCode)
		}
		select {
		case <-s.done:
			return 0, fmt.Errorf("load: the server exited before answering (%v): %s", s.err, s.stderr.String())
		case <-ctx.Done():
			return 0, fmt.Errorf("load: no answer from the server: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// PeakRSS is the process's peak resident set size so far (VmHWM), in
// bytes; after it exited, its peak over its life (the kernel's maxrss).
func (s *Server) PeakRSS() (int64, error) {
	select {
	case <-s.done:
		if ru, ok := s.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 0 {
			return ru.Maxrss << 10, nil // kilobytes on Linux
		}
		return 0, errors.New("load: peak memory: the process exited and its usage is unknown")
	default:
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("load: peak memory: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("load: peak memory: %q: %w", line, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("load: peak memory: no VmHWM in /proc/<pid>/status")
}

// CPUTicks is the CPU time the process has used so far, user and system,
// in the kernel's clock ticks (USER_HZ, 100 a second on Linux).
func (s *Server) CPUTicks() (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("load: CPU time: %w", err)
	}
	// pid (comm) state ppid … utime stime: comm may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("load: CPU time: /proc/<pid>/stat is %q", b)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("load: CPU time: %w", err)
	}
	return utime + stime, nil
}

// Done is closed when the process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// Exited returns whether the process has exited and, if so, how (e.g.
// "exit status 2").
func (s *Server) Exited() (bool, string) {
	select {
	case <-s.done:
		if s.err == nil {
			return true, "exit status 0"
		}
		return true, s.err.Error()
	default:
		return false, ""
	}
}

// Log is what the server wrote to standard error.
func (s *Server) Log() string { return s.stderr.String() }

// Stop kills the process and waits for it.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.done
}

// lockedBuffer is a bytes.Buffer the process writes while others read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

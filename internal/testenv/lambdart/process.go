package lambdart

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ErrExited is why Invoke fails once a function process started by Exec
// has ended by itself (it crashed, or exited on a configuration error).
var ErrExited = errors.New("lambdart: the function process exited")

// MemorySize is the AWS_LAMBDA_FUNCTION_MEMORY_SIZE Exec sets, in MB.
const MemorySize = 128

// Build compiles the main package pkg into a file named bootstrap, as the
// deployment does for the provided.al2023 runtime:
//
//	CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w'
//
// pkg is what go build takes: a directory relative to the test's working
// directory (its package directory), such as "./testdata/echo", or an
// import path. It returns the binary's path in a temporary directory of t,
// and fails the test with the compiler's output if the build fails.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lambdart: CGO_ENABLED=0 go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// Function is a bootstrap process serving a Runtime.
type Function struct {
	// PID is the process id.
	PID int

	out *testLog
}

// Output returns what the process has written to stdout and stderr so
// far, both in one stream as Lambda sends them to CloudWatch Logs.
func (f *Function) Output() string { return f.out.String() }

// Exec starts the binary bootstrap as Lambda does: a separate process in
// its own directory (as /var/task) with a clean environment of the
// variables Lambda sets for a provided.al2023 function
// (AWS_LAMBDA_RUNTIME_API pointing at rt, AWS_LAMBDA_FUNCTION_NAME,
// AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
// AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME,
// AWS_LAMBDA_INITIALIZATION_TYPE, AWS_REGION,
// AWS_DEFAULT_REGION, _HANDLER, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR, TZ,
// LANG, PATH), plus env ("KEY=value", later ones win). Its output goes to
// the test log line by line. It is killed, by its PID, when the test
// ends; if it exits before, waiting and later Invokes fail with ErrExited.
func (rt *Runtime) Exec(t testing.TB, bootstrap string, env ...string) *Function {
	t.Helper()
	dir := filepath.Dir(bootstrap)
	cmd := exec.Command(bootstrap)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + rt.Addr,
		"AWS_LAMBDA_FUNCTION_NAME=" + rt.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", MemorySize),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + rt.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + strings.ReplaceAll(newRequestID(), "-", ""),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"_HANDLER=" + filepath.Base(bootstrap),
		"LAMBDA_TASK_ROOT=" + dir,
		"LAMBDA_RUNTIME_DIR=" + dir,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
	}, env...)
	out := &testLog{t: t, prefix: filepath.Base(bootstrap)}
	cmd.Stdout, cmd.Stderr = out, out
	// Wait gives up on the output pipes this long after the process ended
	// (a grandchild could hold them open).
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("lambdart: start %s: %v", bootstrap, err)
	}
	out.mu.Lock()
	out.prefix = fmt.Sprintf("%s[%d]", out.prefix, cmd.Process.Pid)
	out.mu.Unlock()
	var stopping atomic.Bool
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		out.flush()
		if !stopping.Load() {
			rt.fail(fmt.Errorf("%w: %s (pid %d): %v; its output is in the test log", ErrExited, bootstrap, cmd.Process.Pid, err))
		}
		close(exited)
	}()
	t.Cleanup(func() {
		stopping.Store(true)
		cmd.Process.Kill()
		<-exited
	})
	return &Function{PID: cmd.Process.Pid, out: out}
}

// testLog writes a process's output to the test log, a line at a time,
// and keeps it for Function.Output.
type testLog struct {
	t      testing.TB
	prefix string

	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte // a line not yet ended
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.t.Logf("%s: %s", l.prefix, l.partial[:i])
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

// flush logs a last line that did not end in a newline.
func (l *testLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.t.Logf("%s: %s", l.prefix, l.partial)
		l.partial = nil
	}
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

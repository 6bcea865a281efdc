package runtimefake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/unicogw/gateway/local/internal/tail"
)

// Process is a function binary started by StartFunction.
type Process struct {
	// Started is when the binary was exec'd.
	Started time.Time

	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	logs     *tail.Buffer
	stopOnce sync.Once
	stopErr  error
}

// passEnv are the only variables a function inherits from this process;
// pass os.Environ() in env to inherit everything.
var passEnv = []string{"PATH", "HOME", "TMPDIR", "GOCOVERDIR", "GORACE", "GOTRACEBACK"}

// StartFunction execs binary (a bootstrap built with -tags lambda.norpc)
// against r and returns at once; the function polls r's /next by itself.
//
// The environment is built from, in increasing precedence: PATH, HOME,
// TMPDIR and GOCOVERDIR/GORACE/GOTRACEBACK of this process; Lambda-like
// defaults (AWS_LAMBDA_FUNCTION_NAME=r.FunctionName, version, memory, log
// group and stream, AWS_REGION=us-east-1, LAMBDA_TASK_ROOT=the binary's
// directory, static "local" credentials, AWS_EC2_METADATA_DISABLED=true,
// TZ=:UTC); env; and finally AWS_LAMBDA_RUNTIME_API=r.Addr(). The working
// directory is the binary's directory. Output goes to Process.Logs and, if
// set, r.LogOutput.
//
// The process is killed when ctx is done; call Stop to end it earlier. When
// the last process started on r exits, r's queued and in-flight invocations
// fail with an InvokeError of type Runtime.ExitError.
func StartFunction(ctx context.Context, binary string, env []string, r *Runtime) (*Process, error) {
	abs, err := filepath.Abs(binary)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("runtimefake: function binary: %w", err)
	} else if fi.IsDir() {
		return nil, fmt.Errorf("runtimefake: function binary %s is a directory", abs)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)
	name := r.FunctionName
	var full []string
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			full = append(full, k+"="+v)
		}
	}
	full = append(full,
		"AWS_LAMBDA_FUNCTION_NAME="+name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+name,
		"AWS_LAMBDA_LOG_STREAM_NAME="+time.Now().UTC().Format("2006/01/02")+"/[$LATEST]"+randomHex(16),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_EC2_METADATA_DISABLED=true",
		"LAMBDA_TASK_ROOT="+dir,
		"LAMBDA_RUNTIME_DIR="+dir,
		"_HANDLER=bootstrap",
		"TZ=:UTC",
	)
	full = append(full, env...)
	full = append(full, "AWS_LAMBDA_RUNTIME_API="+r.Addr())

	cmd := exec.Command(abs)
	cmd.Dir = dir
	cmd.Env = full // exec keeps the last value of a duplicated key
	logs := tail.New(4 << 20)
	var out io.Writer = logs
	if r.LogOutput != nil {
		out = io.MultiWriter(logs, r.LogOutput)
	}
	cmd.Stdout, cmd.Stderr = out, out
	setProcAttr(cmd)

	p := &Process{cmd: cmd, exited: make(chan struct{}), logs: logs}
	r.attach()
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		r.mu.Lock()
		r.procs--
		r.mu.Unlock()
		return nil, fmt.Errorf("runtimefake: start %s: %w", abs, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		r.detach(p.waitErr) // before Exited fires, so Invoke sees the exit
		close(p.exited)
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = p.Stop()
		case <-p.exited:
		}
	}()
	return p, nil
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitErr is the process's wait error (nil for exit status 0); call it after
// Exited is closed.
func (p *Process) ExitErr() error {
	<-p.exited
	return p.waitErr
}

// Logs returns the process's stdout and stderr so far (the last 4 MiB).
func (p *Process) Logs() string { return p.logs.String() }

// Stop kills the process (only it, by its pid) and waits for it to exit. It
// is safe to call more than once and after the process exited by itself.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			p.stopErr = fmt.Errorf("runtimefake: kill pid %d: %w", p.PID(), err)
			return
		}
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			p.stopErr = fmt.Errorf("runtimefake: pid %d did not exit within 30s of SIGKILL", p.PID())
		}
	})
	return p.stopErr
}

// Build compiles a Lambda function package for this machine with
// `go build -tags lambda.norpc -trimpath` (CGO off) into out. pkg is an
// import path (github.com/unicogw/gateway/...) or a path relative to the
// working directory, which must be inside the module.
func Build(ctx context.Context, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("runtimefake: go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

package runtimefake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/runtimefake"
)

var (
	buildOnce sync.Once
	echoBin   string
	buildErr  error
)

// echofn builds testdata/echofn once per test binary.
func echofn(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "echofn")
		if err != nil {
			buildErr = err
			return
		}
		echoBin = filepath.Join(dir, "bootstrap")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		buildErr = runtimefake.Build(ctx, "./testdata/echofn", echoBin)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return echoBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if echoBin != "" {
		os.RemoveAll(filepath.Dir(echoBin))
	}
	os.Exit(code)
}

func start(t *testing.T, env ...string) (*runtimefake.Runtime, *runtimefake.Process) {
	t.Helper()
	bin := echofn(t)
	r := runtimefake.New()
	t.Cleanup(r.Close)
	p, err := runtimefake.StartFunction(t.Context(), bin, env, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("function output:\n%s", p.Logs())
		}
	})
	return r, p
}

func invoke(t *testing.T, r *runtimefake.Runtime, event string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := r.Invoke(ctx, []byte(event))
	return string(out), err
}

func assertExited(t *testing.T, p *runtimefake.Process) {
	t.Helper()
	select {
	case <-p.Exited():
	default:
		t.Fatalf("pid %d has not exited", p.PID())
	}
	if runtime.GOOS != "windows" {
		if err := syscall.Kill(p.PID(), 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d still exists (kill 0: %v)", p.PID(), err)
		}
	}
}

func TestEchoAndError(t *testing.T) {
	r, p := start(t, "CUSTOM=yes")

	for _, ev := range []string{`{"hello":"world"}`, `[1,2,3]`} {
		out, err := invoke(t, r, ev)
		if err != nil || out != ev {
			t.Fatalf("Invoke(%s) = %q, %v", ev, out, err)
		}
	}
	if first := r.FirstNextAt(); first.IsZero() || first.Before(p.Started) {
		t.Errorf("FirstNextAt %v, Started %v", first, p.Started)
	} else {
		t.Logf("cold start (exec to first /next): %v", first.Sub(p.Started))
	}

	_, err := invoke(t, r, `{"fail":"boom"}`)
	var ie *runtimefake.InvokeError
	if !errors.As(err, &ie) || ie.Message != "boom" || ie.Type != "errorString" {
		t.Fatalf("fail invoke: %v (%#v)", err, ie)
	}

	// The function keeps serving after a handled error.
	out, err := invoke(t, r, `{"env":"CUSTOM"}`)
	if err != nil || out != `{"value":"yes"}` {
		t.Errorf("env CUSTOM = %q, %v", out, err)
	}
	out, err = invoke(t, r, `{"env":"AWS_LAMBDA_FUNCTION_NAME"}`)
	if err != nil || out != `{"value":"`+runtimefake.DefaultFunctionName+`"}` {
		t.Errorf("env AWS_LAMBDA_FUNCTION_NAME = %q, %v", out, err)
	}
	out, err = invoke(t, r, `{"context":true}`)
	var lc struct{ RequestID, FunctionArn, Deadline string }
	if err != nil || json.Unmarshal([]byte(out), &lc) != nil || lc.RequestID == "" || lc.FunctionArn != r.FunctionARN() {
		t.Errorf("context = %q, %v", out, err)
	}
	if dl, err := time.Parse(time.RFC3339Nano, lc.Deadline); err != nil || time.Until(dl) > 31*time.Second || time.Until(dl) < 0 {
		t.Errorf("deadline %q (%v)", lc.Deadline, err)
	}
	if n := r.Invocations(); n != 6 {
		t.Errorf("Invocations = %d, want 6", n)
	}

	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	assertExited(t, p)
}

func TestPanicAndExit(t *testing.T) {
	r, p := start(t)
	_, err := invoke(t, r, `{"panic":"kaboom"}`)
	var ie *runtimefake.InvokeError
	if !errors.As(err, &ie) || ie.Message != "kaboom" {
		t.Fatalf("panic invoke: %v", err)
	}
	// aws-lambda-go exits after reporting a panic.
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("function did not exit after a panic")
	}
	// With no process left, an invocation fails at once instead of hanging.
	_, err = invoke(t, r, `{}`)
	if !errors.As(err, &ie) || ie.Type != "Runtime.ExitError" {
		t.Fatalf("Invoke after exit: %v", err)
	}
	assertExited(t, p)
}

func TestExitMidInvocation(t *testing.T) {
	r, p := start(t)
	_, err := invoke(t, r, `{"exit":3}`)
	var ie *runtimefake.InvokeError
	if !errors.As(err, &ie) || ie.Type != "Runtime.ExitError" || !strings.Contains(ie.Message, "exit status 3") {
		t.Fatalf("exit invoke: %v", err)
	}
	<-p.Exited()
	if err := p.ExitErr(); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("ExitErr = %v", err)
	}
	assertExited(t, p)
}

func TestInitError(t *testing.T) {
	r, p := start(t, "ECHOFN_INIT_ERROR=bad config")
	<-p.Exited()
	ie := r.InitError()
	if ie == nil || ie.Type != "Runtime.InitTest" || ie.Message != "bad config" {
		t.Fatalf("InitError = %#v", ie)
	}
	if _, err := invoke(t, r, `{}`); !errors.As(err, &ie) || ie.Type != "Runtime.InitTest" {
		t.Errorf("Invoke after init error: %v", err)
	}
}

func TestContextCancelKillsProcess(t *testing.T) {
	bin := echofn(t)
	r := runtimefake.New()
	defer r.Close()
	ctx, cancel := context.WithCancel(t.Context())
	p, err := runtimefake.StartFunction(ctx, bin, nil, r)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := invoke(t, r, `"x"`); err != nil || out != `"x"` {
		t.Fatalf("Invoke = %q, %v", out, err)
	}
	cancel()
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("process survived its context")
	}
	assertExited(t, p)
}

// TestCloseUnblocksNext checks that a blocked /next and a pending Invoke
// return on Close and that no goroutine is left behind.
func TestCloseUnblocksNext(t *testing.T) {
	before := runtime.NumGoroutine()
	r := runtimefake.New()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	nextDone := make(chan error, 1)
	go func() {
		resp, err := client.Get("http://" + r.Addr() + "/2018-06-01/runtime/invocation/next")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		nextDone <- err
	}()
	for r.FirstNextAt().IsZero() { // wait until /next is blocked in the server
		time.Sleep(time.Millisecond)
	}
	invokeDone := make(chan error, 1)
	go func() {
		// Nobody takes this invocation: the only /next poller is blocked
		// waiting for it or already closed, and Close wins either way.
		_, err := r.Invoke(context.Background(), nil)
		invokeDone <- err
	}()
	r.Close()
	select {
	case <-nextDone:
	case <-time.After(5 * time.Second):
		t.Fatal("blocked /next did not return after Close")
	}
	select {
	case err := <-invokeDone:
		// The invocation may have reached the blocked /next just before
		// Close; then Close still ends the Invoke with ErrClosed.
		if !errors.Is(err, runtimefake.ErrClosed) {
			t.Errorf("Invoke after Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pending Invoke did not return after Close")
	}
	if _, err := r.Invoke(context.Background(), nil); !errors.Is(err, runtimefake.ErrClosed) {
		t.Errorf("Invoke on a closed runtime: %v, want ErrClosed", err)
	}
	client.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after Close\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestUnknownRequestID(t *testing.T) {
	r := runtimefake.New()
	defer r.Close()
	resp, err := http.Post("http://"+r.Addr()+"/2018-06-01/runtime/invocation/nope/response", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}

// TestParallelInvokes queues invocations from many goroutines; each gets its
// own answer, with one or several concurrent /next pollers.
func TestParallelInvokes(t *testing.T) {
	for _, conc := range []string{"1", "4"} {
		t.Run("concurrency"+conc, func(t *testing.T) {
			r, _ := start(t, "AWS_LAMBDA_MAX_CONCURRENCY="+conc)
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ev := `{"n":` + strconv.Itoa(i) + `}`
					if out, err := invoke(t, r, ev); err != nil || out != ev {
						t.Errorf("Invoke(%s) = %q, %v", ev, out, err)
					}
				}()
			}
			wg.Wait()
		})
	}
}

package perf

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/unicogw/gateway/local/runtimefake"
)

// ColdStart is one function's start-up, measured on the fake Lambda Runtime API: from exec of
// the real bootstrap to its first poll of /next (Lambda's init), and to the answer of its first
// invocation (init plus a cold request: SDK clients, secret fetch, token mint, DynamoDB).
type ColdStart struct {
	Function      string
	SizeHost      int64 // bytes, built for this machine with the deploy flags
	SizeARM64     int64 // bytes of build/<fn>/bootstrap (linux/arm64, what deploys), 0 if not built
	Init          time.Duration
	FirstResponse time.Duration
}

// BuildBootstrap builds functions/<fn> with the deploy flags for this machine into dir.
func BuildBootstrap(ctx context.Context, repoRoot, fn, dir string) (string, error) {
	out := filepath.Join(dir, fn, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w -buildid=", "-o", out, "./functions/"+fn)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v: %s", fn, err, b)
	}
	return out, nil
}

// MeasureColdStart starts the binary runs times, each on a fresh Runtime API, invokes it once
// with the event event() returns for that run, and returns the medians. A function error (the
// Runtime API's /error) or an answer check rejects fails the measurement: a cold start that
// answers an error proves nothing.
func MeasureColdStart(ctx context.Context, fn, binary string, env []string, event func() []byte, check func(answer []byte) error, runs int) (ColdStart, error) {
	cs := ColdStart{Function: fn}
	if st, err := os.Stat(binary); err == nil {
		cs.SizeHost = st.Size()
	}
	var inits, firsts []time.Duration
	for i := 0; i < runs; i++ {
		rt := runtimefake.New()
		p, err := runtimefake.StartFunction(ctx, binary, env, rt)
		if err != nil {
			rt.Close()
			return cs, err
		}
		answer, err := rt.Invoke(ctx, event())
		done := time.Now()
		if err == nil && check != nil {
			err = check(answer)
		}
		if err != nil {
			_ = p.Stop()
			rt.Close()
			return cs, fmt.Errorf("%s invoke: %w\n%s", fn, err, p.Logs())
		}
		inits = append(inits, rt.FirstNextAt().Sub(p.Started))
		firsts = append(firsts, done.Sub(p.Started))
		_ = p.Stop()
		rt.Close()
	}
	cs.Init, cs.FirstResponse = median(inits), median(firsts)
	return cs, nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

package runtimefake

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// HostBootstrapsEnv names a directory of <function>/bootstrap binaries already built for this
// machine with the deploy flags (scripts/build-lambdas.sh with BUILD_ARCH=host; scripts/test.sh
// does it once and exports this), so test packages reuse them instead of each building its own.
const HostBootstrapsEnv = "GATEWAY_HOST_BOOTSTRAPS"

var (
	hostMu    sync.Mutex
	hostBuilt = map[string]string{}
)

// HostBootstrap returns functions/<fn> as a bootstrap for this machine's architecture, built
// with the deploy build's flags (-tags lambda.norpc -trimpath -ldflags "-s -w -buildid="): the
// one in HostBootstrapsEnv when present, otherwise one built once per process into a temporary
// directory. repoRoot is the module's root.
func HostBootstrap(ctx context.Context, repoRoot, fn string) (string, error) {
	if dir := os.Getenv(HostBootstrapsEnv); dir != "" {
		p := filepath.Join(dir, fn, "bootstrap")
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	hostMu.Lock()
	defer hostMu.Unlock()
	if p, ok := hostBuilt[fn]; ok {
		return p, nil
	}
	dir, err := os.MkdirTemp("", "bootstrap-"+fn+"-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w -buildid=",
		"-o", out, "./functions/"+fn)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("runtimefake: build %s: %v\n%s", fn, err, b)
	}
	hostBuilt[fn] = out
	return out, nil
}

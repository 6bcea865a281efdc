// Package node_test runs the Node example's tests (`node --test`) against the real local stack,
// started here in-process, and checks the example's hand-written JSDoc types against
// api/openapi.json.
package node_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/shared/logging"
)

// relay is the demo tenant's callbackUrl: it forwards each delivery, unchanged (the raw body and
// the webhook-* headers), to the Node receiver whose origin the Node test PUTs to /receiver.
// The gateway's callback URL is fixed when the stack starts; the relay lets the Node receiver
// listen on a free port of its own afterwards.
type relay struct {
	mu     sync.Mutex
	target *httputil.ReverseProxy
}

func (r *relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/receiver" && req.Method == http.MethodPut {
		b, _ := io.ReadAll(io.LimitReader(req.Body, 1024))
		u, err := url.Parse(strings.TrimSpace(string(b)))
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
			http.Error(w, "want http://127.0.0.1:PORT", http.StatusBadRequest)
			return
		}
		p := httputil.NewSingleHostReverseProxy(u)
		p.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
		r.mu.Lock()
		r.target = p
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	r.mu.Lock()
	p := r.target
	r.mu.Unlock()
	if p == nil {
		http.Error(w, "no receiver yet", http.StatusServiceUnavailable) // the notifier retries
		return
	}
	p.ServeHTTP(w, req)
}

// lockedBuffer keeps the stack's logs (written from many goroutines) for a failure's report.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	return s[max(0, len(s)-n):]
}

// nodeTests are the Node test files, and the number of tests they hold: all of them must pass
// (none skipped, none left out).
var nodeTests = []string{"test/verify.test.mjs", "test/gateway.test.mjs"}

const nodeTestCount = 5

// TestNodeExample starts the local stack (DynamoDB Local, the local Secrets Manager, the Unico
// simulator, the gateway's functions, the worker and the notifier) with the demo tenant's
// callbackUrl at the relay, then runs `node --test` on the example's tests with the stack's
// addresses, the demo tenant's API key and signing secret in the environment. A missing or old
// node is a failure, never a skip.
func TestNodeExample(t *testing.T) {
	node := findNode(t)

	rl := &relay{}
	rs := httptest.NewServer(rl)
	defer rs.Close()

	logs := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sctx, scancel := context.WithTimeout(ctx, 2*time.Minute)
	s, err := devstack.Start(sctx, devstack.Options{LogOutput: logs,
		Async: devstack.AsyncOptions{Callbacks: map[string]string{"demo": rs.URL + "/gateway-events"}}})
	scancel()
	if err != nil {
		t.Fatalf("start the local stack: %v", err)
	}
	defer s.Stop()
	demo := s.Tenants[0]
	secret := s.Async.SigningSecrets[demo.Name]

	args := append([]string{"--test", "--test-reporter=tap"}, nodeTests...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = append(os.Environ(),
		"GATEWAY_URL="+s.APIURL, "GATEWAY_API_KEY="+demo.APIKey, "GATEWAY_SIGNING_SECRET="+secret,
		"SIM_URL="+s.SimURL, "CALLBACK_RELAY_URL="+rs.URL+"/receiver", "NODE_OPTIONS=", "NO_COLOR=1")
	ownProcessGroup(cmd) // node --test runs each file in a child process: stop them with it
	cmd.WaitDelay = 5 * time.Second
	began := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v (after %s)\n%s\n--- the stack's last log lines:\n%s", strings.Join(args, " "), err,
			time.Since(began).Round(time.Millisecond), out, logs.tail(4000))
	}
	summary := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$`).FindAllStringSubmatch(string(out), -1) {
		summary[m[1]], _ = strconv.Atoi(m[2])
	}
	if summary["tests"] != nodeTestCount || summary["pass"] != nodeTestCount || summary["fail"]+summary["cancelled"]+summary["skipped"]+summary["todo"] != 0 {
		t.Fatalf("want all %d Node tests run and passed, got %v:\n%s", nodeTestCount, summary, out)
	}
	// The example prints ids and decisions, never the person's data or the tenant's secrets.
	if found := logging.FindPII(string(out), "10000000108", "10000000523", "Maria Silva", secret, demo.APIKey); len(found) > 0 {
		t.Errorf("personal data or a secret in the Node output: %v\n%s", found, out)
	}
	t.Logf("node --test: %d tests passed in %s", summary["pass"], time.Since(began).Round(time.Millisecond))
}

// findNode returns the node binary, failing the test unless it is Node 20 or later.
func findNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on the PATH: examples/node needs Node 20 or later (CI has it; bash scripts/setup.sh needs it for the npm tools)")
	}
	v, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", node, err)
	}
	m := regexp.MustCompile(`^v(\d+)\.`).FindStringSubmatch(strings.TrimSpace(string(v)))
	if m == nil {
		t.Fatalf("%s --version answered %q", node, v)
	}
	if major, _ := strconv.Atoi(m[1]); major < 20 {
		t.Fatalf("examples/node needs Node 20 or later (fetch, node:test); %s is %s", node, strings.TrimSpace(string(v)))
	}
	return node
}

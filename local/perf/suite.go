package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/gateway"
)

// Options bound the suite.
type Options struct {
	Concurrency int
	Requests    int           // per endpoint
	Duration    time.Duration // per endpoint, at most
	ColdRuns    int
	RepoRoot    string
	Log         io.Writer // progress
}

// Report is everything the suite measured.
type Report struct {
	Machine     string
	Endpoints   []Result
	Overhead    []Result // the same read through the gateway and straight to the simulator
	ColdStarts  []ColdStart
	DynamoStart time.Duration
}

// RunSuite starts a local stack and measures it.
func RunSuite(ctx context.Context, o Options) (Report, error) {
	rep := Report{Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())}
	logf := func(format string, args ...any) { fmt.Fprintf(o.Log, format+"\n", args...) }
	logf("starting the local stack")
	s, err := devstack.Start(ctx, devstack.Options{LogOutput: io.Discard, RepoRoot: o.RepoRoot,
		Customize: func(c *gateway.Config) { c.SecretsTTL = 10 * time.Minute; c.LogLevel = 8 }}) // logs off: measure the service
	if err != nil {
		return rep, err
	}
	defer s.Stop()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency * 2}}
	key := s.Tenants[0].APIKey
	body := func(i int) []byte {
		b, _ := json.Marshal(map[string]any{"integration": "by_unico", "flow": "idlive", "purpose": "biometryonboarding",
			"clientReference": fmt.Sprint("perf-", i), "person": map[string]any{"cpf": unicosim.ScenarioCPF("approved"), "name": "Perf Test"}})
		return b
	}
	// Seed processes to read, finished so that webhooks and reads see final state.
	const seeds = 20
	ids := make([]string, 0, seeds)
	for i := 0; i < seeds; i++ {
		req, _ := http.NewRequestWithContext(ctx, "POST", s.APIURL+"/v1/processes", bytes.NewReader(body(-i)))
		req.Header.Set("x-api-key", key)
		req.Header.Set("Idempotency-Key", fmt.Sprint("seed-", i))
		res, err := hc.Do(req)
		if err != nil {
			return rep, err
		}
		var out struct{ Process struct{ ID string } }
		_ = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if out.Process.ID == "" {
			return rep, fmt.Errorf("seed create answered %d", res.StatusCode)
		}
		if err := s.Sim.Finish(ctx, out.Process.ID, ""); err != nil {
			return rep, err
		}
		ids = append(ids, out.Process.ID)
	}
	phase := func(name string, ok func(int) bool, make func(ctx context.Context, i int) (*http.Request, error)) Phase {
		return Phase{Name: name, Concurrency: o.Concurrency, MaxRequests: o.Requests, MaxDuration: o.Duration, Make: make, OK: ok}
	}
	withKey := func(r *http.Request, err error) (*http.Request, error) {
		if r != nil {
			r.Header.Set("x-api-key", key)
		}
		return r, err
	}
	run := "r" + fmt.Sprint(time.Now().UnixNano())
	phases := []Phase{
		phase("POST /v1/processes (create)", func(s int) bool { return s == 201 }, func(ctx context.Context, i int) (*http.Request, error) {
			r, err := withKey(http.NewRequestWithContext(ctx, "POST", s.APIURL+"/v1/processes", bytes.NewReader(body(i))))
			r.Header.Set("Idempotency-Key", fmt.Sprint(run, "-", i))
			return r, err
		}),
		phase("GET /v1/processes/{id} (read)", nil, func(ctx context.Context, i int) (*http.Request, error) {
			return withKey(http.NewRequestWithContext(ctx, "GET", s.APIURL+"/v1/processes/"+ids[i%len(ids)], nil))
		}),
		phase("GET /v1/processes (list)", nil, func(ctx context.Context, i int) (*http.Request, error) {
			return withKey(http.NewRequestWithContext(ctx, "GET", s.APIURL+"/v1/processes?limit=25", nil))
		}),
		phase("POST /webhooks/unico (webhook)", nil, func(ctx context.Context, i int) (*http.Request, error) {
			b := `{"processId":"` + ids[i%len(ids)] + `","state":"PROCESS_STATE_FINISHED","flow":"idlive"}`
			r, err := http.NewRequestWithContext(ctx, "POST", s.APIURL+"/webhooks/unico", strings.NewReader(b))
			if r != nil {
				r.SetBasicAuth(s.WebhookUser, s.WebhookPass)
			}
			return r, err
		}),
	}
	for _, p := range phases {
		logf("load: %s", p.Name)
		rep.Endpoints = append(rep.Endpoints, Run(ctx, hc, p))
	}

	// Added latency: the gateway's read next to the simulator's GetProcess it wraps, same run.
	token, err := s.Functions["get"].Tokens.Token(ctx)
	if err != nil {
		return rep, err
	}
	direct := phase("simulator GetProcess, direct", nil, func(ctx context.Context, i int) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, "GET", s.SimURL+"/client/v1/process/"+ids[i%len(ids)], nil)
		if r != nil {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r, err
	})
	logf("load: gateway read vs direct simulator read")
	rep.Overhead = []Result{Run(ctx, hc, phases[1]), Run(ctx, hc, direct)}

	// Cold start of each real bootstrap against this stack.
	dir, err := os.MkdirTemp("", "perf-bootstraps")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	env := FunctionEnv(s)
	events := map[string]events.APIGatewayProxyRequest{
		"get": {HTTPMethod: "GET", Path: "/v1/processes/" + ids[0], Resource: "/v1/processes/{id}",
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: "cold", Identity: events.APIGatewayRequestIdentity{APIKeyID: "key-demo"}}},
		"create": {HTTPMethod: "POST", Path: "/v1/processes", Resource: "/v1/processes", Body: string(body(999999)),
			Headers:        map[string]string{"Idempotency-Key": run + "-cold"},
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: "cold", Identity: events.APIGatewayRequestIdentity{APIKeyID: "key-demo"}}},
		"webhook": {HTTPMethod: "POST", Path: "/webhooks/unico", Resource: "/webhooks/unico",
			Headers: map[string]string{"Authorization": "Basic " + basic(s.WebhookUser, s.WebhookPass)},
			Body:    `{"processId":"` + ids[0] + `","state":"PROCESS_STATE_FINISHED"}`},
	}
	for _, fn := range []string{"create", "get", "webhook"} {
		logf("cold start: %s", fn)
		bin, err := BuildBootstrap(ctx, o.RepoRoot, fn, dir)
		if err != nil {
			return rep, err
		}
		ev := events[fn]
		if fn == "create" {
			// Each run needs its own Idempotency-Key, or runs after the first are replays.
			ev.Headers = map[string]string{"Idempotency-Key": run + "-cold-" + fn}
		}
		raw, _ := json.Marshal(ev)
		cs, err := MeasureColdStart(ctx, fn, bin, env, raw, o.ColdRuns)
		if err != nil {
			return rep, err
		}
		if st, err := os.Stat(filepath.Join(o.RepoRoot, "build", fn, "bootstrap")); err == nil {
			cs.SizeARM64 = st.Size()
		}
		rep.ColdStarts = append(rep.ColdStarts, cs)
	}
	return rep, nil
}

// FunctionEnv is the environment the stack gives the functions, pointed at the local stack.
func FunctionEnv(s *devstack.Stack) []string {
	c := s.Config
	keys, _ := json.Marshal(c.TenantKeys)
	return []string{
		"TABLE_NAME=" + c.TableName, "CREDENTIALS_SECRET_ID=" + c.CredentialsSecretID,
		"UNICO_AUTH_URL=" + c.UnicoAuthURL, "UNICO_BY_UNICO_URL=" + c.UnicoByUnicoURL, "UNICO_BY_CLIENT_URL=" + c.UnicoByClientURL,
		"UNICO_SIGN_URL=" + c.UnicoSignURL, "TENANT_KEYS=" + string(keys), "LOG_LEVEL=WARN",
		"AWS_ENDPOINT_URL_DYNAMODB=" + s.DynamoEndpoint, "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + s.SecretsURL,
	}
}

// Markdown renders the report.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s.\n\n### Throughput and latency per endpoint\n\n%s\n", r.Machine, Table(r.Endpoints))
	if len(r.Overhead) == 2 {
		g, d := r.Overhead[0], r.Overhead[1]
		fmt.Fprintf(&b, "### Added latency of the gateway (read vs the Unico call it wraps, same run)\n\n%s\n", Table(r.Overhead))
		if d.P50 > 0 && d.P99 > 0 {
			fmt.Fprintf(&b, "Ratio gateway/direct: p50 %.1fx, p99 %.1fx; added p50 %s.\n\n",
				float64(g.P50)/float64(d.P50), float64(g.P99)/float64(d.P99), ms(g.P50-d.P50))
		}
	}
	b.WriteString("### Cold start (real bootstrap on the fake Runtime API, median)\n\n| function | exec → first /next (init) | exec → first answer | binary (this machine) | binary (linux/arm64, deployed) |\n|---|---:|---:|---:|---:|\n")
	for _, c := range r.ColdStarts {
		fmt.Fprintf(&b, "| %s | %s | %s | %.1f MB | %s |\n", c.Function, ms(c.Init), ms(c.FirstResponse), float64(c.SizeHost)/1e6, mb(c.SizeARM64))
	}
	return b.String()
}

func mb(n int64) string {
	if n == 0 {
		return "not built"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

func basic(u, p string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(u, p)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

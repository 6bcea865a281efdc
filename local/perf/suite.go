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
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/tokenshare"
)

// Options bound the suite.
type Options struct {
	Concurrency int
	Requests    int           // per endpoint
	Duration    time.Duration // per endpoint, at most
	ColdRuns    int
	RepoRoot    string
	Log         io.Writer // progress
	// DynamoEndpoint uses a running DynamoDB Local (tests) instead of starting one.
	DynamoEndpoint string
}

// Report is everything the suite measured.
type Report struct {
	Machine   Machine
	Options   Options
	Endpoints []Result
	Trips     []Trips  // what each load phase cost per request, from the same run
	Overhead  []Result // the same read through the gateway, straight to the simulator, and the store read alone
	// ReadVsStore: a read of a final process through the gateway and DynamoDB Local's raw
	// GetItem of the same items, at the same concurrency, one after the other in the same run.
	ReadVsStore []Result
	ColdStarts  []ColdStart
}

// Trips is what one load phase sent to DynamoDB, Unico and Secrets Manager, per request.
type Trips struct {
	Name        string
	Requests    int
	Dynamo      map[string]float64 // SDK operation → calls per request
	Unico       map[string]float64 // Unico API call → calls per request
	TokenMints  int                // in the whole phase
	SecretReads int                // GetSecretValue in the whole phase
}

// FunctionNames are every function the stack deploys (functions/<name>).
var FunctionNames = []string{"create", "get", "webhook", "worker", "sweeper", "notifier", "tokenrefresher"}

// RunSuite starts a local stack and measures it.
func RunSuite(ctx context.Context, o Options) (Report, error) {
	rep := Report{Machine: ThisMachine(), Options: o}
	logf := func(format string, args ...any) { fmt.Fprintf(o.Log, format+"\n", args...) }
	logf("starting the local stack")
	// Logs off (measure the service, not the terminal). The stream pollers run, as in AWS; the
	// schedules (sweeper, notifier retries) do not, so that the operations counted per phase are
	// the requests' own.
	s, err := devstack.Start(ctx, devstack.Options{LogOutput: io.Discard, RepoRoot: o.RepoRoot, DynamoEndpoint: o.DynamoEndpoint,
		Async: devstack.AsyncOptions{SweepEvery: -1, DispatchEvery: -1},
		// The fleet's Unico budget runs (its write per Unico call is in the round trips) at a
		// rate far above the load's, so that the numbers are the gateway's, not Unico's 10/s.
		UnicoRateLimit: 1e5,
		Customize:      func(c *gateway.Config) { c.SecretsTTL = 10 * time.Minute; c.LogLevel = 8 }})
	if err != nil {
		return rep, err
	}
	defer s.Stop()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency * 2}, Timeout: time.Minute}
	key := s.Tenants[0].APIKey
	body := func(i int) []byte {
		b, _ := json.Marshal(map[string]any{"integration": "by_unico", "flow": "idlive", "purpose": "biometryonboarding",
			"clientReference": fmt.Sprint("perf-", i), "person": map[string]any{"cpf": unicosim.ScenarioCPF("approved"), "name": "Perf Test"}})
		return b
	}
	clientCPF := unicosim.ScenarioCPF("yes")
	clientBody := func() []byte {
		b, _ := json.Marshal(map[string]any{"integration": "by_client", "capability": "identity", "selfie": s.Sim.NewSelfieJWT(),
			"person": map[string]any{"cpf": clientCPF, "name": "Perf Test"}})
		return b
	}
	// Seed processes to read, finished and synchronised by the worker, so that reads and
	// webhooks meet a final state (no write on the read path).
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
	if err := s.Async.Drain(ctx); err != nil {
		return rep, err
	}
	// Warm the get function too (create and webhook are warm from the seeding): its first
	// request reads the credentials secret and mints a token, once per container.
	if req, err := http.NewRequestWithContext(ctx, "GET", s.APIURL+"/v1/processes/"+ids[0], nil); err == nil {
		req.Header.Set("x-api-key", key)
		res, err := hc.Do(req)
		if err != nil {
			return rep, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
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
	created := func(s int) bool { return s == 201 }
	phases := []Phase{
		phase("POST /v1/processes (create, by Unico)", created, func(ctx context.Context, i int) (*http.Request, error) {
			r, err := withKey(http.NewRequestWithContext(ctx, "POST", s.APIURL+"/v1/processes", bytes.NewReader(body(i))))
			if r != nil {
				r.Header.Set("Idempotency-Key", fmt.Sprint(run, "-", i))
			}
			return r, err
		}),
		phase("POST /v1/processes (create, by Client)", created, func(ctx context.Context, i int) (*http.Request, error) {
			r, err := withKey(http.NewRequestWithContext(ctx, "POST", s.APIURL+"/v1/processes", bytes.NewReader(clientBody())))
			if r != nil {
				r.Header.Set("Idempotency-Key", fmt.Sprint(run, "-c", i))
			}
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
	snapshot := func() (map[string]int, map[string]int, int, int) {
		d, _ := s.DynamoDBOps.Counts()
		st := s.Sim.Stats()
		return d, st.Calls, st.TokenMints, s.Secrets.Counts()["GetSecretValue"]
	}
	for _, p := range phases {
		logf("load: %s", p.Name)
		d0, u0, m0, s0 := snapshot()
		res := Run(ctx, hc, p)
		d1, u1, m1, s1 := snapshot()
		rep.Endpoints = append(rep.Endpoints, res)
		rep.Trips = append(rep.Trips, Trips{Name: p.Name, Requests: res.Requests, Dynamo: perRequest(d0, d1, res.Requests),
			Unico: perRequest(u0, u1, res.Requests), TokenMints: m1 - m0, SecretReads: s1 - s0})
	}

	// Added latency: the gateway's read next to the simulator's GetProcess it wraps, same run.
	token, err := s.Functions["get"].Tokens.Token(ctx)
	if err != nil {
		return rep, err
	}
	// Sequential (one client): latency, not queueing on a shared machine's cores.
	sequential := func(p Phase) Phase {
		p.Concurrency, p.MaxRequests = 1, min(o.Requests, 1000)
		return p
	}
	direct := phase("simulator GetProcess, direct", nil, func(ctx context.Context, i int) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, "GET", s.SimURL+"/client/v1/process/"+ids[i%len(ids)], nil)
		if r != nil {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r, err
	})
	// And the store read it makes, straight through the SDK (what DynamoDB Local costs).
	store := dynamostore.New(dynamodb.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}, func(do *dynamodb.Options) {
		do.BaseEndpoint = aws.String(s.DynamoEndpoint)
		do.DisableValidateResponseChecksum = true
	}), s.TableName)
	storeRead := Phase{Name: "DynamoDB GetItem (the store's read), direct", MaxDuration: o.Duration, Do: func(ctx context.Context, i int) error {
		_, err := store.GetProcess(ctx, ids[i%len(ids)])
		return err
	}}
	logf("load: gateway read vs direct simulator read vs direct store read")
	rep.Overhead = []Result{Run(ctx, hc, sequential(phases[2])), Run(ctx, hc, sequential(direct)), Run(ctx, hc, sequential(storeRead))}
	// Throughput: the gateway's read of a final process against the raw GetItem it makes, at
	// the load phases' concurrency, back to back.
	concurrentStore := storeRead
	concurrentStore.Name, concurrentStore.Concurrency, concurrentStore.MaxRequests = "DynamoDB GetItem, direct (same concurrency)", o.Concurrency, o.Requests
	logf("load: gateway read vs raw GetItem throughput, %d clients", o.Concurrency)
	rep.ReadVsStore = []Result{Run(ctx, hc, phases[2]), Run(ctx, hc, concurrentStore)}

	// Cold start of each real bootstrap against this stack.
	dir, err := os.MkdirTemp("", "perf-bootstraps")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	const tokenSecret = "unico-gateway/perf-token"
	s.Secrets.Put(tokenSecret, tokenshare.EmptyDocument)
	for _, fn := range FunctionNames {
		logf("cold start: %s", fn)
		bin, err := BuildBootstrap(ctx, o.RepoRoot, fn, dir)
		if err != nil {
			return rep, err
		}
		env := FunctionEnv(s)
		if fn == "tokenrefresher" {
			env = RefresherEnv(s, tokenSecret)
		}
		n := 0
		cs, err := MeasureColdStart(ctx, fn, bin, env, func() []byte { n++; return ColdEvent(fn, ids[0], fmt.Sprint(run, "-cold-", n), s) },
			ColdCheck(fn), o.ColdRuns)
		if err != nil {
			return rep, err
		}
		if st, err := os.Stat(filepath.Join(o.RepoRoot, "build", fn, "bootstrap")); err == nil {
			cs.SizeARM64 = st.Size()
		}
		rep.ColdStarts = append(rep.ColdStarts, cs)
	}
	rep.Machine.LoadEnd = LoadAverage()
	return rep, nil
}

func perRequest(before, after map[string]int, requests int) map[string]float64 {
	out := map[string]float64{}
	if requests == 0 {
		return out
	}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = float64(d) / float64(requests)
		}
	}
	return out
}

// ColdEvent is the first event a cold function gets: an API Gateway proxy request for the API
// functions (key is the create's Idempotency-Key, new for each run), a DynamoDB stream record for
// the worker (a webhook delivery of process id) and the notifier (its outbound event), and
// EventBridge's scheduled event for the sweeper and the token refresher.
func ColdEvent(fn, id, key string, s *devstack.Stack) []byte {
	withKey := events.APIGatewayProxyRequestContext{RequestID: "cold-" + key, Identity: events.APIGatewayRequestIdentity{APIKeyID: "key-demo"}}
	var ev any
	switch fn {
	case "get":
		ev = events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/v1/processes/" + id, Resource: "/v1/processes/{id}",
			PathParameters: map[string]string{"id": id}, RequestContext: withKey}
	case "create":
		body, _ := json.Marshal(map[string]any{"integration": "by_unico", "flow": "idlive", "purpose": "biometryonboarding",
			"person": map[string]any{"cpf": unicosim.ScenarioCPF("approved"), "name": "Perf Test"}})
		ev = events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/v1/processes", Resource: "/v1/processes", Body: string(body),
			Headers: map[string]string{"Idempotency-Key": key, "Content-Type": "application/json"}, RequestContext: withKey}
	case "webhook":
		ev = events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/webhooks/unico", Resource: "/webhooks/unico",
			Headers:        map[string]string{"Authorization": "Basic " + basic(s.WebhookUser, s.WebhookPass), "Content-Type": "application/json"},
			Body:           `{"processId":"` + id + `","state":"PROCESS_STATE_FINISHED"}`,
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: "cold-" + key}}
	case "worker", "notifier":
		sk, image := "W#cold"+key, map[string]events.DynamoDBAttributeValue{}
		if fn == "notifier" {
			sk, image = "EVT", map[string]events.DynamoDBAttributeValue{"status": events.NewStringAttribute("pending")}
		}
		keys := map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("P#" + id), "sk": events.NewStringAttribute(sk)}
		for k, v := range keys {
			image[k] = v
		}
		ev = events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventID: "cold-" + key, EventName: "INSERT", EventSource: "aws:dynamodb",
			EventVersion: "1.1", AWSRegion: "us-east-1", EventSourceArn: "arn:aws:dynamodb:us-east-1:000000000000:table/" + s.TableName + "/stream/cold",
			Change: events.DynamoDBStreamRecord{Keys: keys, NewImage: image, SequenceNumber: "1", StreamViewType: "NEW_AND_OLD_IMAGES"}}}}
	default: // sweeper, tokenrefresher
		ev = events.EventBridgeEvent{Version: "0", ID: "cold-" + key, DetailType: "Scheduled Event", Source: "aws.events",
			AccountID: "000000000000", Time: time.Now().UTC(), Region: "us-east-1", Detail: json.RawMessage(`{}`)}
	}
	raw, _ := json.Marshal(ev)
	return raw
}

// ColdCheck checks a cold function's first answer: the API functions' status (201, 200, 200),
// no failed record for the stream consumers, a report from the sweeper, a written or fresh token
// from the refresher.
func ColdCheck(fn string) func([]byte) error {
	return func(answer []byte) error {
		switch fn {
		case "create", "get", "webhook":
			var r events.APIGatewayProxyResponse
			want := map[string]int{"create": 201, "get": 200, "webhook": 200}[fn]
			if err := json.Unmarshal(answer, &r); err != nil || r.StatusCode != want {
				return fmt.Errorf("%s answered %d, want %d (%v)", fn, r.StatusCode, want, err)
			}
		case "worker", "notifier":
			var r events.DynamoDBEventResponse
			if err := json.Unmarshal(answer, &r); err != nil || len(r.BatchItemFailures) != 0 {
				return fmt.Errorf("%s answered %s (%v)", fn, answer, err)
			}
		case "sweeper":
			var r map[string]any
			if err := json.Unmarshal(answer, &r); err != nil || r == nil {
				return fmt.Errorf("sweeper answered %s (%v)", answer, err)
			}
		case "tokenrefresher":
			var r tokenshare.Result
			if err := json.Unmarshal(answer, &r); err != nil || (r.Outcome != tokenshare.Refreshed && r.Outcome != tokenshare.Fresh) {
				return fmt.Errorf("tokenrefresher answered %s (%v)", answer, err)
			}
		}
		return nil
	}
}

// FunctionEnv is the environment the stack gives the functions, pointed at the local stack.
func FunctionEnv(s *devstack.Stack) []string {
	c := s.Config
	keys, _ := json.Marshal(c.TenantKeys)
	callbacks, _ := json.Marshal(c.Async.Callbacks)
	return []string{
		"TABLE_NAME=" + c.TableName, "CREDENTIALS_SECRET_ID=" + c.CredentialsSecretID,
		"UNICO_AUTH_URL=" + c.UnicoAuthURL, "UNICO_BY_UNICO_URL=" + c.UnicoByUnicoURL, "UNICO_BY_CLIENT_URL=" + c.UnicoByClientURL,
		"UNICO_SIGN_URL=" + c.UnicoSignURL, "TENANT_KEYS=" + string(keys), "LOG_LEVEL=WARN", "STACK_NAME=perf",
		"TENANT_CALLBACKS=" + string(callbacks), "SWEEP_AFTER=15m",
		"AWS_ENDPOINT_URL_DYNAMODB=" + s.DynamoEndpoint, "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + s.SecretsURL,
	}
}

// RefresherEnv is the token refresher's environment (its token secret must exist).
func RefresherEnv(s *devstack.Stack, tokenSecret string) []string {
	return []string{"CREDENTIALS_SECRET_ID=" + s.Config.CredentialsSecretID, "TOKEN_SECRET_ID=" + tokenSecret,
		"UNICO_AUTH_URL=" + s.Config.UnicoAuthURL, "TOKEN_REFRESH_WINDOW=15m", "STACK_NAME=perf", "LOG_LEVEL=WARN",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + s.SecretsURL}
}

// Markdown renders the report.
func (r Report) Markdown() string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Machine: %s, %d CPUs (`nproc`), %s, %s/%s. Load average (1/5/15 min) %s at the start, %s at the end.\n\n",
		m.CPU, m.CPUs, m.Go, m.OS, m.Arch, m.LoadStart, m.LoadEnd)
	fmt.Fprintf(&b, "Load: %d concurrent clients per endpoint, at most %d requests or %s each (`-concurrency`, `-requests`, `-duration`); cold starts: median of %d runs.\n\n",
		r.Options.Concurrency, r.Options.Requests, r.Options.Duration, r.Options.ColdRuns)
	b.WriteString(r.targets())
	fmt.Fprintf(&b, "### Throughput and latency per endpoint\n\n%s\n", Table(r.Endpoints))
	b.WriteString("### Round trips per request under load (same run)\n\n| endpoint | DynamoDB operations / request | Unico calls / request | token mints | secret fetches |\n|---|---|---|---:|---:|\n")
	for _, t := range r.Trips {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d |\n", t.Name, perRequestText(t.Dynamo), perRequestText(t.Unico), t.TokenMints, t.SecretReads)
	}
	b.WriteString("\n")
	if len(r.Overhead) == 3 {
		g, d, st := r.Overhead[0], r.Overhead[1], r.Overhead[2]
		fmt.Fprintf(&b, "### Added latency of the gateway (a read of a final process, Unico's GetProcess that an open process's refresh adds, and the store read; same run, one client)\n\n%s\n", Table(r.Overhead))
		if d.P50 > 0 && d.P99 > 0 {
			fmt.Fprintf(&b, "Ratio gateway/direct: p50 %.1fx, p99 %.1fx; added p50 %s, added p99 %s, of which the store read alone is p50 %s, p99 %s.\n\n",
				float64(g.P50)/float64(d.P50), float64(g.P99)/float64(d.P99), ms(g.P50-d.P50), ms(g.P99-d.P99), ms(st.P50), ms(st.P99))
		}
	}
	if len(r.ReadVsStore) == 2 {
		fmt.Fprintf(&b, "### Read throughput against the store's own (final process, %d clients, same run)\n\n%s\nRatio gateway read / raw GetItem: %.2f (target at least 0.7).\n\n",
			r.Options.Concurrency, Table(r.ReadVsStore), r.ReadRatio())
	}
	b.WriteString("### Cold start (real bootstrap on the fake Runtime API, median) and binary sizes (MB = 10⁶ bytes)\n\n" +
		"| function | first event | exec → first /next (init) | exec → first answer | binary (this machine) | binary (linux/arm64, deployed) |\n|---|---|---:|---:|---:|---:|\n")
	for _, c := range r.ColdStarts {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.1f MB | %s |\n", c.Function, coldEventName(c.Function), ms(c.Init), ms(c.FirstResponse),
			float64(c.SizeHost)/1e6, mb(c.SizeARM64))
	}
	return b.String()
}

// ReadRatio is the gateway read's throughput over the raw GetItem's (ReadVsStore), 0 if unmeasured.
func (r Report) ReadRatio() float64 {
	if len(r.ReadVsStore) != 2 || r.ReadVsStore[1].Throughput <= 0 {
		return 0
	}
	return r.ReadVsStore[0].Throughput / r.ReadVsStore[1].Throughput
}

// targets puts the design's speed and size targets (DESIGN.md) next to this run's values.
func (r Report) targets() string {
	var b strings.Builder
	b.WriteString("### Against the design's targets (this run)\n\n| target | measured | met |\n|---|---|---|\n")
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	total := func(m map[string]float64) float64 {
		var n float64
		for _, v := range m {
			n += v
		}
		return n
	}
	var mints, secrets, requests int
	for _, t := range r.Trips {
		limit := 2.0
		if strings.HasPrefix(t.Name, "GET") || strings.Contains(t.Name, "webhook") {
			limit = 1
		}
		fmt.Fprintf(&b, "| %s: at most %.0f DynamoDB round trip(s) | %.2f per request (%s) | %s |\n", t.Name, limit, total(t.Dynamo),
			perRequestText(t.Dynamo), yes(total(t.Dynamo) <= limit+1e-9))
		mints, secrets, requests = mints+t.TokenMints, secrets+t.SecretReads, requests+t.Requests
	}
	fmt.Fprintf(&b, "| no per-request token mint, no per-request secret fetch | %d mints and %d secret fetches in %d requests | %s |\n",
		mints, secrets, requests, yes(mints == 0 && secrets == 0))
	if len(r.Overhead) == 3 {
		g, d := r.Overhead[0], r.Overhead[1]
		fmt.Fprintf(&b, "| a read of a final process, latency (reported; Unico's GetProcess, which only an open process's refresh adds, beside it) | p50 %s, p99 %s (GetProcess p50 %s, p99 %s) | reported |\n",
			ms(g.P50), ms(g.P99), ms(d.P50), ms(d.P99))
	}
	if len(r.ReadVsStore) == 2 {
		fmt.Fprintf(&b, "| read of a final process: at least 0.7 of the store's own GetItem throughput, same concurrency | %.2f (%.0f/s vs %.0f/s) | %s |\n",
			r.ReadRatio(), r.ReadVsStore[0].Throughput, r.ReadVsStore[1].Throughput, yes(r.ReadRatio() >= 0.7))
	}
	var worstInit, worstFirst ColdStart
	var minSize, maxSize int64
	for _, c := range r.ColdStarts {
		if c.Init > worstInit.Init {
			worstInit = c
		}
		if c.FirstResponse > worstFirst.FirstResponse {
			worstFirst = c
		}
		if c.SizeARM64 > 0 && (minSize == 0 || c.SizeARM64 < minSize) {
			minSize = c.SizeARM64
		}
		maxSize = max(maxSize, c.SizeARM64)
	}
	if len(r.ColdStarts) > 0 {
		fmt.Fprintf(&b, "| Lambda init under 100 ms (exec → first /next, every function) | slowest %s (%s); first answer at most %s (%s) | %s |\n",
			ms(worstInit.Init), worstInit.Function, ms(worstFirst.FirstResponse), worstFirst.Function, yes(worstInit.Init < 100*time.Millisecond))
		if maxSize > 0 {
			fmt.Fprintf(&b, "| small `bootstrap` binaries (arm64, `-tags lambda.norpc -trimpath -ldflags \"-s -w\"`) | %.1f–%.1f MB | reported |\n",
				float64(minSize)/1e6, float64(maxSize)/1e6)
		}
	}
	b.WriteString("| sustained throughput and p99 per endpoint under concurrent load | the table below | reported |\n\n")
	return b.String()
}

func coldEventName(fn string) string {
	switch fn {
	case "create":
		return "API Gateway: POST /v1/processes"
	case "get":
		return "API Gateway: GET /v1/processes/{id}"
	case "webhook":
		return "API Gateway: POST /webhooks/unico"
	case "worker":
		return "DynamoDB stream: webhook delivery"
	case "notifier":
		return "DynamoDB stream: outbound event"
	}
	return "EventBridge: scheduled event"
}

func perRequestText(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.2f", k, m[k])
	}
	return strings.Join(parts, ", ")
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

// Machine describes where the numbers were measured.
type Machine struct {
	CPU, Go, OS, Arch  string
	CPUs               int
	LoadStart, LoadEnd string
}

// ThisMachine reads the CPU model (/proc/cpuinfo), the CPU count and the load average now.
func ThisMachine() Machine {
	m := Machine{CPU: "unknown CPU", Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), LoadStart: LoadAverage()}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// LoadAverage is /proc/loadavg's three averages ("n/a" elsewhere).
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) >= 3 {
		return f[0] + " / " + f[1] + " / " + f[2]
	}
	return "n/a"
}

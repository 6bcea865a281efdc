package gateway_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/local/apigw"
	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/local/secretsfake"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/lambdaproxy"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/tokenshare"
	"github.com/unicogw/gateway/shared/unico"
)

var ddb *dynamolocal.Server

func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &ddb)) }

// simClock is the simulated time every part of a test shares: the simulator, the gateways (their
// token caches and circuit breakers), the readers and the refresher.
type simClock struct{ ns atomic.Int64 }

// newSimClock starts far in the future: DynamoDB Local deletes items whose ttl has passed on
// the wall clock, so a simulated time in the past would let records vanish mid-test (issue 16).
func newSimClock() *simClock {
	c := &simClock{}
	c.ns.Store(time.Date(2090, 3, 2, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *simClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *simClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

var (
	keyOnce       sync.Once
	rsaKey, other *rsa.PrivateKey
)

func keys() (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err == nil {
			other, err = rsa.GenerateKey(rand.Reader, 2048)
		}
		if err != nil {
			panic(err)
		}
	})
	return rsaKey, other
}

func pemOf(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

const (
	credsID  = "unico-gateway/credentials"
	tokenID  = "unico-gateway/token"
	apiKey   = "demo-api-key-0123456789"
	apiKeyID = "key-demo"
)

// harness is one shared world: the Unico simulator and the Secrets Manager endpoint (real SDK
// clients talk to both over loopback), a DynamoDB Local table, and one simulated clock.
type harness struct {
	t      testing.TB
	clock  *simClock
	sim    *unicosim.Simulator
	simURL string
	sm     *secretsfake.Server
	smURL  string
	db     *dynamodb.Client
	table  string
	creds  unico.Credentials
	logs   *logging.SyncBuffer // every container's logs and metrics
	http   *http.Client
}

func newHarness(t testing.TB, tune func(*unicosim.Config)) *harness {
	t.Helper()
	key, _ := keys()
	h := &harness{t: t, clock: newSimClock(), sm: secretsfake.New(), logs: &logging.SyncBuffer{},
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	t.Cleanup(h.http.CloseIdleConnections)

	smSrv := httptest.NewServer(h.sm.Handler())
	t.Cleanup(smSrv.Close)
	h.smURL = smSrv.URL

	simSrv := httptest.NewUnstartedServer(nil)
	h.simURL = "http://" + simSrv.Listener.Addr().String()
	cfg := unicosim.Config{PublicKey: &key.PublicKey, ServiceAccount: "gateway", TenantID: "tenant-1",
		Audience: h.simURL, Now: h.clock.Now, JourneyBaseURL: h.simURL + "/journey"}
	if tune != nil {
		tune(&cfg)
	}
	h.sim = unicosim.New(cfg)
	simSrv.Config.Handler = h.sim.Handler()
	simSrv.Start()
	t.Cleanup(simSrv.Close)

	h.creds = unico.Credentials{
		Environment: "local", ServiceAccount: "gateway", TenantID: "tenant-1", PrivateKeyPEM: pemOf(key),
		APIKeys:    map[string]string{unico.CapabilityLiveness: "apikey-planted-liveness-5Q"},
		Webhook:    []unico.WebhookCredential{{Type: "basic", Username: "unico", Password: "webhook-planted-password-7Z"}},
		CPFHashKey: "cpf-hash-key-planted-0123456789",
	}
	h.putCreds(h.creds)
	h.sm.Put(tokenID, tokenshare.EmptyDocument)

	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	h.db = dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(ddb.Endpoint())
		o.DisableValidateResponseChecksum = true
	})
	var b [6]byte
	_, _ = rand.Read(b[:])
	h.table = "gw-" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamostore.CreateTable(ctx, h.db, h.table); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return h
}

func (h *harness) putCreds(c unico.Credentials) {
	raw, err := json.Marshal(c)
	if err != nil {
		h.t.Fatal(err)
	}
	h.sm.Put(credsID, string(raw))
}

func (h *harness) secretsClient() *secretsmanager.Client {
	return secretsmanager.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")},
		func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(h.smURL) })
}

// config is what the stack gives the functions, pointed at the harness.
func (h *harness) config(shared bool) gateway.Config {
	c := gateway.Config{TableName: h.table, CredentialsSecretID: credsID, SecretsTTL: time.Minute,
		UnicoAuthURL: h.simURL, UnicoAudience: h.simURL, UnicoByUnicoURL: h.simURL, UnicoByClientURL: h.simURL, UnicoSignURL: h.simURL,
		TenantKeys: []gateway.TenantKey{{KeyID: apiKeyID, Tenant: "demo"}}, RetentionDays: 180, MinRiskScore: 50, StackName: "TestStack",
		// These tests count tokens and secret reads over simulated hours of heavy traffic on a
		// clock that stands still between minutes: a budget of Unico's 10 calls per second
		// would refuse most of it, and its write per call would only slow them down. The
		// budget is tested in shared/unicobudget, shared/dynamostore and the local stack.
		UnicoRateLimit: -1}
	if shared {
		c.TokenSecretID = tokenID
	}
	return c
}

// container is one Lambda container: its own gateway (its own caches, token source and
// circuit breaker), built as the functions' main builds it.
type container struct {
	gw  *gateway.Gateway
	api *apigw.Gateway
}

func (h *harness) container(cfg gateway.Config) *container {
	h.t.Helper()
	gw, err := gateway.New(cfg, gateway.Options{LogOutput: h.logs, HTTPClient: h.http, Now: h.clock.Now,
		Secrets: h.secretsClient(), DynamoDB: h.db})
	if err != nil {
		h.t.Fatal(err)
	}
	handlers := map[string]lambdaproxy.Handler{}
	for _, fn := range []string{httpapi.FunctionCreate, httpapi.FunctionGet, httpapi.FunctionWebhook} {
		handlers[fn] = lambdaproxy.New(gw.API.Handler(fn))
	}
	return &container{gw: gw, api: apigw.New(httpapi.Routes(), handlers, []apigw.Key{{Value: apiKey, ID: apiKeyID}})}
}

// refresher is the scheduled refresher function, wired as its main wires it.
func (h *harness) refresher() *tokenshare.Function {
	h.t.Helper()
	fn, err := tokenshare.NewFunction(tokenshare.FunctionConfig{CredentialsSecretID: credsID, TokenSecretID: tokenID,
		SecretsTTL: time.Minute, UnicoAuthURL: h.simURL, UnicoAudience: h.simURL, RefreshWindow: tokenshare.DefaultRefreshWindow,
		StackName: "TestStack"}, tokenshare.FunctionOptions{Secrets: h.secretsClient(), HTTPClient: h.http, Now: h.clock.Now, LogOutput: h.logs})
	if err != nil {
		h.t.Fatal(err)
	}
	return fn
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a answer) code() string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// do sends one request through the API Gateway stand-in to the container's functions.
func (c *container) do(t *testing.T, method, path string, headers map[string]string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("x-api-key", apiKey)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.api.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return answer{status: rec.Code, header: rec.Header(), body: out}
}

func createBody() map[string]any {
	return map[string]any{"integration": "by_unico", "flow": "idlive", "purpose": "biometryonboarding", "callbackUri": "/",
		"person": map[string]any{"cpf": unicosim.ScenarioCPF("approved"), "name": "Maria Teste"}}
}

func (c *container) create(t *testing.T, key string) answer {
	t.Helper()
	return c.do(t, http.MethodPost, "/v1/processes", map[string]string{"Idempotency-Key": key, "Content-Type": "application/json"}, createBody())
}

func createRequest() unico.CreateProcessRequest {
	return unico.CreateProcessRequest{CallbackURI: "/", Flow: "idlive", Purpose: "biometryonboarding",
		Person: &unico.Person{DUIType: "DUI_TYPE_BR_CPF", DUIValue: unico.FlexString(unicosim.ScenarioCPF("approved")), FriendlyName: "Maria Teste"}}
}

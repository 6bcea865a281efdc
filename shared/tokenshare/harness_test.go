package tokenshare_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/local/secretsfake"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/tokenshare"
	"github.com/unicogw/gateway/shared/unico"
)

// simClock is the simulated time every part of a test shares.
type simClock struct{ ns atomic.Int64 }

func newSimClock() *simClock {
	c := &simClock{}
	c.ns.Store(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *simClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *simClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

var (
	keyOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

const (
	credsID = "unico-gateway/credentials"
	tokenID = "unico-gateway/token"
)

// harness: the simulator (on the shared clock), the Secrets Manager endpoint with the
// credentials and an empty token secret, and a real SDK client pointed at it.
type harness struct {
	t       *testing.T
	clock   *simClock
	sim     *unicosim.Simulator
	simURL  string
	sm      *secretsfake.Server
	client  *secretsmanager.Client
	creds   unico.Credentials
	logs    *logging.SyncBuffer
	simConf unicosim.Config
}

func newHarness(t *testing.T, tune func(*unicosim.Config)) *harness {
	t.Helper()
	h := &harness{t: t, clock: newSimClock(), sm: secretsfake.New(), logs: &logging.SyncBuffer{}}
	key := testKey(t)
	smSrv := httptest.NewServer(h.sm.Handler())
	t.Cleanup(smSrv.Close)
	h.client = secretsmanager.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")},
		func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(smSrv.URL) })

	simSrv := httptest.NewUnstartedServer(nil)
	h.simURL = "http://" + simSrv.Listener.Addr().String()
	h.simConf = unicosim.Config{PublicKey: &key.PublicKey, ServiceAccount: "gateway", TenantID: "tenant-1",
		Audience: h.simURL, Now: h.clock.Now}
	if tune != nil {
		tune(&h.simConf)
	}
	h.sim = unicosim.New(h.simConf)
	simSrv.Config.Handler = h.sim.Handler()
	simSrv.Start()
	t.Cleanup(simSrv.Close)

	h.creds = unico.Credentials{
		Environment: "local", ServiceAccount: "gateway", TenantID: "tenant-1",
		PrivateKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		APIKeys:       map[string]string{unico.CapabilityLiveness: "apikey-planted-liveness-5Q"},
		Webhook:       []unico.WebhookCredential{{Type: "basic", Username: "unico", Password: "webhook-planted-password-7Z"}},
		CPFHashKey:    "cpf-hash-key-planted-0123456789",
	}
	h.putCreds(h.creds)
	h.sm.Put(tokenID, tokenshare.EmptyDocument)
	return h
}

func (h *harness) putCreds(c unico.Credentials) {
	raw, err := json.Marshal(c)
	if err != nil {
		h.t.Fatal(err)
	}
	h.sm.Put(credsID, string(raw))
}

// function wires a refresher function the way its Lambda main does, on the shared clock.
func (h *harness) function(tune func(*tokenshare.FunctionConfig)) *tokenshare.Function {
	h.t.Helper()
	cfg, err := tokenshare.FunctionConfigFromEnv(func(k string) string {
		return map[string]string{"CREDENTIALS_SECRET_ID": credsID, "TOKEN_SECRET_ID": tokenID,
			"UNICO_AUTH_URL": h.simURL, "STACK_NAME": "TestStack", "LOG_LEVEL": "DEBUG"}[k]
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if tune != nil {
		tune(&cfg)
	}
	fn, err := tokenshare.NewFunction(cfg, tokenshare.FunctionOptions{Secrets: h.client, Now: h.clock.Now, LogOutput: h.logs})
	if err != nil {
		h.t.Fatal(err)
	}
	return fn
}

// shared returns the token secret's current document.
func (h *harness) shared() tokenshare.Document {
	h.t.Helper()
	v, _, ok := h.sm.Current(tokenID)
	if !ok {
		h.t.Fatal("no token secret")
	}
	var d tokenshare.Document
	if v != tokenshare.EmptyDocument {
		if err := json.Unmarshal([]byte(v), &d); err != nil {
			h.t.Fatalf("token secret: %v", err)
		}
	}
	return d
}

func (h *harness) run(fn *tokenshare.Function) (tokenshare.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return fn.Refresher.Run(ctx)
}

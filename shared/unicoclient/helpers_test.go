package unicoclient

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

var (
	keyOnce              sync.Once
	testKey              *rsa.PrivateKey
	testPKCS1, testPKCS8 string
)

func keys(t testing.TB) (*rsa.PrivateKey, string, string) {
	if t != nil {
		t.Helper()
	}
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
		testPKCS1 = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
		p8, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		testPKCS8 = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))
	})
	return testKey, testPKCS1, testPKCS8
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// tokenServer is an httptest OAuth2 token endpoint that checks the assertion like Unico would.
type tokenServer struct {
	*httptest.Server
	t        testing.TB
	mints    atomic.Int64 // requests received
	delay    time.Duration
	mu       sync.Mutex
	respond  func(n int64) (status int, body string) // nil: 200 with a fresh token
	lastIss  string
	lastAud  string
	lastForm string
}

func newTokenServer(t testing.TB) *tokenServer {
	ts := &tokenServer{t: t}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.handle))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) handle(w http.ResponseWriter, r *http.Request) {
	n := ts.mints.Add(1)
	if ts.delay > 0 {
		time.Sleep(ts.delay)
	}
	if r.URL.Path != "/oauth2/token" || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		http.Error(w, "bad token request", http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		http.Error(w, "bad grant", http.StatusBadRequest)
		return
	}
	claims, err := verifyAssertion(r.PostForm.Get("assertion"))
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"server_error","error_description":"Falha na autenticação 1.2.5"}`)
		return
	}
	ts.mu.Lock()
	ts.lastIss, _ = claims["iss"].(string)
	ts.lastAud, _ = claims["aud"].(string)
	ts.lastForm = r.PostForm.Encode()
	respond := ts.respond
	ts.mu.Unlock()
	status, body := http.StatusOK, fmt.Sprintf(`{"access_token":"tok-%d","expires_in":3600,"token_type":"Bearer"}`, n)
	if respond != nil {
		status, body = respond(n)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (ts *tokenServer) setRespond(f func(n int64) (int, string)) {
	ts.mu.Lock()
	ts.respond = f
	ts.mu.Unlock()
}

// verifyAssertion checks the RS256 signature with the test key and returns the claims.
func verifyAssertion(jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&testKey.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return nil, err
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	return claims, json.Unmarshal(payload, &claims)
}

const (
	testCPF    = "73689290074"
	testSelfie = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.SELFIE-SECRET-PAYLOAD"
	testAPIKey = "apikey-liveness-0123456789abcdef"
)

func testCreds() unico.Credentials {
	_, p1, _ := keys(nil)
	return unico.Credentials{
		Environment: "uat", ServiceAccount: "gateway", TenantID: "tenant-1", PrivateKeyPEM: p1,
		APIKeys: map[string]string{unico.CapabilityLiveness: testAPIKey, unico.CapabilityDocuments: "apikey-docs"},
	}
}

// logBuffer captures slog output (JSON, all levels).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type env struct {
	t      testing.TB
	tokens *tokenServer
	api    *httptest.Server
	client *Client
	clock  *fakeClock
	logs   *logBuffer
	hits   atomic.Int64 // API requests
	mu     sync.Mutex
	reqs   []*http.Request
	bodies []string
}

type envOpts struct {
	handler   http.HandlerFunc
	cfg       func(*Config)
	creds     CredentialsFunc
	realClock bool
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	keys(t)
	e := &env{t: t, tokens: newTokenServer(t), clock: newClock(), logs: &logBuffer{}}
	e.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b.Bytes()))
		e.mu.Lock()
		e.reqs = append(e.reqs, r)
		e.bodies = append(e.bodies, b.String())
		e.mu.Unlock()
		if o.handler != nil {
			o.handler(w, r)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(e.api.Close)
	cfg := Config{
		AuthURL: e.tokens.URL + "/", ByUnicoURL: e.api.URL, ByClientURL: e.api.URL, SignURL: e.api.URL,
		Logger:         slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryBaseDelay: 5 * time.Millisecond,
	}
	if !o.realClock {
		cfg.Now = e.clock.Now
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	creds := o.creds
	if creds == nil {
		creds = func(context.Context) (unico.Credentials, error) { return testCreds(), nil }
	}
	c, err := New(cfg, creds)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func (e *env) request(i int) *http.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reqs[i]
}

func (e *env) body(i int) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bodies[i]
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

const processBody = `{"process":{"id":"53060f52-f146-4c12-a234-5bb5031f6f5b","flow":"idlive","state":"PROCESS_STATE_CREATED",
"result":"PROCESS_RESULT_UNSPECIFIED","userRedirectUrl":"https://cadastro.uat.unico.app/process/53060f52","token":"sdk-token",
"person":{"duiType":"DUI_TYPE_BR_CPF","duiValue":"73689290074"},"expiresAt":"2026-03-08T12:00:00Z",}}`

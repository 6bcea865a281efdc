package unicosim

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testAccount  = "sim_acct"
	testTenant   = "tenant-123"
	testAudience = "https://identityhomolog.acesso.io"
	testIss      = testAccount + "@" + testTenant + ".iam.acesso.io"
)

var (
	keyOnce          sync.Once
	testKey, otherKy *rsa.PrivateKey
)

// keys returns the service-account key and an unrelated key, generated once per test binary.
func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if otherKy, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testKey, otherKy
}

// signJWT builds a compact RS256 JWS with the given header and claims.
func signJWT(t testing.TB, key *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	hb, _ := json.Marshal(header)
	cb, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func goodClaims(now time.Time) map[string]any {
	return map[string]any{"iss": testIss, "aud": testAudience, "scope": "*", "iat": now.Unix(), "exp": now.Unix() + 3600}
}

var rs256 = map[string]any{"alg": "RS256", "typ": "JWT"}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	t     *testing.T
	sim   *Simulator
	srv   *httptest.Server
	clock *fakeClock
	token string
}

const (
	keyAll      = "key-all"
	keyLiveness = "key-liveness"
	keyIdentity = "key-identity"
	keyScore    = "key-score"
	keyOneToOne = "key-1to1"
	keyDocs     = "key-docs"
	keyPlain    = "key-plain-1to1" // 1:1 without liveness: plain images allowed
)

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	k, _ := keys(t)
	clock := &fakeClock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	cfg := Config{
		PublicKey: &k.PublicKey, ServiceAccount: testAccount, TenantID: testTenant, Audience: testAudience,
		Now: clock.Now,
		APIKeys: map[string]string{
			keyAll:      "liveness,identity,riskScore,oneToOne,documents",
			keyLiveness: "liveness",
			keyIdentity: "liveness+identity",
			keyScore:    "liveness, identity, riskScore",
			keyOneToOne: "liveness,oneToOne",
			keyDocs:     "documents",
			keyPlain:    "oneToOne",
		},
		WebhookBackoff: []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond},
	}
	if mod != nil {
		mod(&cfg)
	}
	f := &fixture{t: t, sim: New(cfg), clock: clock}
	f.srv = httptest.NewServer(f.sim.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// tokenRequest posts an assertion to /oauth2/token.
func (f *fixture) tokenRequest(assertion string) (int, map[string]any) {
	f.t.Helper()
	form := url.Values{"grant_type": {jwtBearerGrant}, "assertion": {assertion}}
	resp, err := http.Post(f.srv.URL+"/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// mint gets a fresh access token and makes it the fixture's default.
func (f *fixture) mint() string {
	f.t.Helper()
	k, _ := keys(f.t)
	code, m := f.tokenRequest(signJWT(f.t, k, rs256, goodClaims(f.clock.Now())))
	if code != 200 {
		f.t.Fatalf("mint: %d %v", code, m)
	}
	f.token = m["access_token"].(string)
	return f.token
}

// call sends a request with the fixture's bearer token; hdr are extra "Name: value" pairs.
func (f *fixture) call(method, path string, body any, hdr ...string) (int, []byte, http.Header) {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if f.token != "" {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

func mustJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return m
}

// dig walks a decoded JSON value by keys and array indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func samplePDFBase64() string {
	return base64.StdEncoding.EncodeToString(buildPDF([]string{"contract"}))
}

// createBody is a minimal valid by-Unico CreateProcess body for flow and cpf.
func createBody(flow, cpf string) map[string]any {
	b := map[string]any{
		"callbackUri": "https://app.example.com/done",
		"flow":        flow,
		"purpose":     "creditprocess",
		"person": map[string]any{
			"duiType": "DUI_TYPE_BR_CPF", "duiValue": cpf, "friendlyName": "Luke Skywalker",
			"email": "luke@unico.io", "phone": "5511974749090",
			"notifications": []any{map[string]any{"notificationChannel": "NOTIFICATION_CHANNEL_WHATSAPP"}},
		},
	}
	fi, _ := parseFlow(flow)
	if fi.sign {
		b["payload"] = []any{map[string]any{"envelopePayload": map[string]any{"documents": []any{
			map[string]any{"documentName": "contract", "fileContents": samplePDFBase64()},
		}}}}
	}
	if fi.token {
		b["bioTokenId"] = "92369ed7-5c3d-4050-a426-94ce8721e079"
	}
	if fi.smart {
		b["useCase"] = "USE_CASE_IDENTITY_REVALIDATION_7_DAYS"
	}
	return b
}

// create makes a by-Unico process and returns its id.
func (f *fixture) create(flow, cpf string) string {
	f.t.Helper()
	code, b, _ := f.call("POST", "/client/v1/process", createBody(flow, cpf))
	if code != 200 {
		f.t.Fatalf("create %s: %d %s", flow, code, b)
	}
	return dig(mustJSON(f.t, b), "process", "id").(string)
}

func (f *fixture) getProcess(id string) map[string]any {
	f.t.Helper()
	code, b, _ := f.call("GET", "/client/v1/process/"+id, nil)
	if code != 200 {
		f.t.Fatalf("get %s: %d %s", id, code, b)
	}
	return mustJSON(f.t, b)
}

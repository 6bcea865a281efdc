package unicoclient

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

func TestAssertionExactClaims(t *testing.T) {
	key, p1, p8 := keys(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for name, pemText := range map[string]string{
		"PKCS1": p1, "PKCS8": p8, "escaped newlines": strings.ReplaceAll(p8, "\n", `\n`),
	} {
		t.Run(name, func(t *testing.T) {
			creds := unico.Credentials{ServiceAccount: "gateway", TenantID: "7d3c", PrivateKeyPEM: pemText}
			jwt, err := BuildAssertion(creds, "https://identityhomolog.acesso.io/", now)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(jwt, ".")
			if len(parts) != 3 {
				t.Fatalf("parts: %d", len(parts))
			}
			hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
			if string(hb) != `{"alg":"RS256","typ":"JWT"}` {
				t.Errorf("header %s", hb)
			}
			pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var claims map[string]json.RawMessage
			if err := json.Unmarshal(pb, &claims); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"iss":   `"gateway@7d3c.iam.acesso.io"`,
				"aud":   `"https://identityhomolog.acesso.io"`,
				"scope": `"*"`,
				"iat":   "1772366400",
				"exp":   "1772370000",
			}
			if len(claims) != 5 {
				t.Errorf("want exactly 5 claims, got %s", pb)
			}
			for k, v := range want {
				if string(claims[k]) != v {
					t.Errorf("%s = %s, want %s", k, claims[k], v)
				}
			}
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
				t.Errorf("signature: %v", err)
			}
		})
	}
	if _, err := BuildAssertion(unico.Credentials{ServiceAccount: "a", TenantID: "b", PrivateKeyPEM: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"}, "x", now); err == nil {
		t.Error("bad PEM accepted")
	}
	if _, err := BuildAssertion(unico.Credentials{PrivateKeyPEM: p1}, "x", now); err == nil {
		t.Error("missing account accepted")
	}
}

func TestTokenRequestOnTheWire(t *testing.T) {
	e := newEnv(t, envOpts{})
	tok, err := e.client.Tokens().Token(context.Background())
	if err != nil || tok != "tok-1" {
		t.Fatal(tok, err)
	}
	e.tokens.mu.Lock()
	defer e.tokens.mu.Unlock()
	if e.tokens.lastIss != "gateway@tenant-1.iam.acesso.io" || e.tokens.lastAud != e.tokens.URL {
		t.Errorf("iss/aud %q %q (aud must have no trailing slash)", e.tokens.lastIss, e.tokens.lastAud)
	}
	form, _ := url.ParseQuery(e.tokens.lastForm)
	if len(form) != 2 || form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || form.Get("assertion") == "" {
		t.Errorf("form %v", form)
	}
}

func TestTokenSingleFlight(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.tokens.delay = 50 * time.Millisecond
	var wg sync.WaitGroup
	results := make([]string, 100)
	errs := make([]error, 100)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.client.Tokens().Token(context.Background())
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || results[i] != "tok-1" {
			t.Fatalf("caller %d: %q %v", i, results[i], errs[i])
		}
	}
	if n := e.tokens.mints.Load(); n != 1 {
		t.Errorf("mints at server: %d, want 1", n)
	}
	if s := e.client.Tokens().Stats(); s.Mints != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestTokenCallerCancelDoesNotBreakSharedMint(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.tokens.delay = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := e.client.Tokens().Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline, got %v", err)
	}
	tok, err := e.client.Tokens().Token(context.Background())
	if err != nil || tok != "tok-1" || e.tokens.mints.Load() != 1 {
		t.Fatalf("the second caller must join the first mint: %q %v mints=%d", tok, err, e.tokens.mints.Load())
	}
}

func TestTokenRefreshAfterExpiry(t *testing.T) {
	e := newEnv(t, envOpts{})
	ts := e.client.Tokens()
	ctx := context.Background()
	tok, _ := ts.Token(ctx)
	e.clock.Advance(3600*time.Second - DefaultRefreshMargin - time.Second)
	if again, _ := ts.Token(ctx); again != tok {
		t.Fatalf("token replaced too early: %q", again)
	}
	e.clock.Advance(2 * time.Second) // inside the refresh margin
	if again, _ := ts.Token(ctx); again == tok || again != "tok-2" {
		t.Fatalf("token not refreshed: %q", again)
	}
	if e.tokens.mints.Load() != 2 {
		t.Errorf("mints %d", e.tokens.mints.Load())
	}

	// A short-lived token (expires_in 60 < 2×margin) is reused for half its life.
	e.tokens.setRespond(func(n int64) (int, string) {
		return 200, `{"access_token":"short","expires_in":"60","token_type":"bearer"}`
	})
	e.clock.Advance(time.Hour)
	if tok, _ := ts.Token(ctx); tok != "short" {
		t.Fatal(tok)
	}
	e.clock.Advance(29 * time.Second)
	_, _ = ts.Token(ctx)
	if e.tokens.mints.Load() != 3 {
		t.Errorf("short token not reused: mints %d", e.tokens.mints.Load())
	}
	e.clock.Advance(2 * time.Second)
	_, _ = ts.Token(ctx)
	if e.tokens.mints.Load() != 4 {
		t.Errorf("short token not refreshed: mints %d", e.tokens.mints.Load())
	}
}

func TestCredentialsReReadOnEachMint(t *testing.T) {
	var account atomic.Value
	account.Store("first")
	calls := atomic.Int64{}
	e := newEnv(t, envOpts{creds: func(context.Context) (unico.Credentials, error) {
		calls.Add(1)
		c := testCreds()
		c.ServiceAccount = account.Load().(string)
		return c, nil
	}})
	ts := e.client.Tokens()
	if calls.Load() != 0 {
		t.Fatal("credentials read at construction")
	}
	_, _ = ts.Token(context.Background())
	account.Store("rotated")
	ts.Invalidate("tok-1")
	_, _ = ts.Token(context.Background())
	e.tokens.mu.Lock()
	iss := e.tokens.lastIss
	e.tokens.mu.Unlock()
	if iss != "rotated@tenant-1.iam.acesso.io" || calls.Load() != 2 {
		t.Errorf("iss %q calls %d", iss, calls.Load())
	}
}

func TestInvalidateOnlyCurrent(t *testing.T) {
	e := newEnv(t, envOpts{})
	ts := e.client.Tokens()
	ctx := context.Background()
	first, _ := ts.Token(ctx)
	ts.Invalidate(first)
	second, _ := ts.Token(ctx)
	ts.Invalidate(first) // stale: must not drop the second token
	if third, _ := ts.Token(ctx); third != second || e.tokens.mints.Load() != 2 {
		t.Errorf("stale invalidate dropped the current token: %q %q mints=%d", second, third, e.tokens.mints.Load())
	}
}

func TestCircuitBreaker(t *testing.T) {
	e := newEnv(t, envOpts{})
	ts := e.client.Tokens()
	ctx := context.Background()
	e.tokens.setRespond(func(int64) (int, string) {
		return 401, `{"error":"server_error","error_description":"Falha na autenticação 1.2.5"}`
	})
	for i := 0; i < DefaultMaxAuthFailures; i++ {
		_, err := ts.Token(ctx)
		var ae *unico.APIError
		if !errors.As(err, &ae) || ae.AuthCode != "1.2.5" || errors.Is(err, ErrAuthCircuitOpen) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	_, err := ts.Token(ctx)
	var co *CircuitOpenError
	if !errors.Is(err, ErrAuthCircuitOpen) || !errors.As(err, &co) || co.RetryAfter != DefaultAuthCooldown || co.AuthCode != "1.2.5" {
		t.Fatalf("want open circuit, got %v", err)
	}
	if n := e.tokens.mints.Load(); n != 3 {
		t.Errorf("server saw %d token requests while open, want 3", n)
	}
	// API calls fail fast too, with the circuit error.
	if _, err := e.client.GetProcess(ctx, "p1"); !errors.Is(err, ErrAuthCircuitOpen) || e.hits.Load() != 0 {
		t.Errorf("GetProcess while open: %v", err)
	}
	if !ts.Stats().CircuitOpenUntil.After(e.clock.Now()) {
		t.Error("stats should show the circuit open")
	}
	// Recovery after the cool-down.
	e.clock.Advance(DefaultAuthCooldown + time.Second)
	e.tokens.setRespond(nil)
	if tok, err := ts.Token(ctx); err != nil || tok != "tok-4" {
		t.Fatalf("after cool-down: %q %v", tok, err)
	}
	if s := ts.Stats(); !s.CircuitOpenUntil.IsZero() || s.MintFailures != 3 || s.Mints != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestCircuitOpensAtOnceOnLockout(t *testing.T) {
	e := newEnv(t, envOpts{})
	ts := e.client.Tokens()
	e.tokens.setRespond(func(int64) (int, string) {
		return 401, `{"error":"server_error","error_description":"Falha na autenticação 1.2.18"}`
	})
	_, err := ts.Token(context.Background())
	if !unico.IsAuthLockout(err) {
		t.Fatalf("want lockout, got %v", err)
	}
	if _, err := ts.Token(context.Background()); !errors.Is(err, ErrAuthCircuitOpen) || e.tokens.mints.Load() != 1 {
		t.Fatalf("want open after one lockout: %v (mints %d)", err, e.tokens.mints.Load())
	}
	// A half-open attempt that fails again re-opens at once.
	e.clock.Advance(DefaultAuthCooldown)
	_, _ = ts.Token(context.Background())
	if _, err := ts.Token(context.Background()); !errors.Is(err, ErrAuthCircuitOpen) || e.tokens.mints.Load() != 2 {
		t.Fatalf("want re-open: %v", err)
	}
}

func TestNonAuthMintFailuresDoNotOpenCircuit(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.tokens.setRespond(func(int64) (int, string) { return 503, `upstream` })
	for i := 0; i < 5; i++ {
		if _, err := e.client.Tokens().Token(context.Background()); errors.Is(err, ErrAuthCircuitOpen) || unico.HTTPStatus(err) != 503 {
			t.Fatalf("%d: %v", i, err)
		}
	}
}

type memStore struct {
	mu     sync.Mutex
	tok    Token
	ok     bool
	loads  int
	stores int
}

func (m *memStore) Load(context.Context) (Token, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	return m.tok, m.ok, nil
}

func (m *memStore) Store(_ context.Context, t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stores++
	m.tok, m.ok = t, true
	return nil
}

func TestSharedTokenStore(t *testing.T) {
	store := &memStore{}
	var clock *fakeClock
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.Token.Shared = store }})
	clock = e.clock
	ts := e.client.Tokens()
	ctx := context.Background()

	// Empty store: mint and publish.
	if tok, _ := ts.Token(ctx); tok != "tok-1" || store.stores != 1 || store.tok.AccessToken != "tok-1" {
		t.Fatalf("publish: %+v", store)
	}
	// Another container's fresh token is taken without minting.
	store.tok = Token{AccessToken: "from-peer", ExpiresAt: clock.Now().Add(30 * time.Minute)}
	ts.Invalidate("tok-1")
	if tok, _ := ts.Token(ctx); tok != "from-peer" || e.tokens.mints.Load() != 1 || ts.Stats().SharedHits != 1 {
		t.Fatalf("peer token not used: %q", tok)
	}
	// In memory afterwards: no further loads.
	loads := store.loads
	_, _ = ts.Token(ctx)
	if store.loads != loads {
		t.Error("memory cache not consulted first")
	}
	// A token too close to expiry is ignored, and so is one we invalidated.
	ts.Invalidate("from-peer")
	if tok, _ := ts.Token(ctx); tok != "tok-2" {
		t.Fatalf("rejected shared token reused: %q", tok)
	}
	store.tok = Token{AccessToken: "old", ExpiresAt: clock.Now().Add(DefaultRefreshMargin - time.Second)}
	ts.Invalidate("tok-2")
	if tok, _ := ts.Token(ctx); tok != "tok-3" {
		t.Fatalf("near-expiry shared token used: %q", tok)
	}
}

func TestTokenCachedPathDoesNotAllocate(t *testing.T) {
	e := newEnv(t, envOpts{realClock: true})
	ts := e.client.Tokens()
	ctx := context.Background()
	if _, err := ts.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { _, _ = ts.Token(ctx) }); n != 0 {
		t.Errorf("cached Token allocates %v times", n)
	}
}

func BenchmarkTokenCached(b *testing.B) {
	e := newEnv(b, envOpts{realClock: true})
	ts := e.client.Tokens()
	ctx := context.Background()
	if _, err := ts.Token(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ts.Token(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTokenStringRedacted(t *testing.T) {
	tok := Token{AccessToken: "secret-token", ExpiresAt: time.Unix(0, 0)}
	for _, s := range []string{tok.String(), tok.GoString()} {
		if strings.Contains(s, "secret-token") {
			t.Error(s)
		}
	}
}

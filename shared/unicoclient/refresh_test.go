package unicoclient

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// recObserver records TokenObserver calls.
type recObserver struct {
	mu       sync.Mutex
	minted   []time.Time
	failed   []string
	opened   []string
	cooldown time.Duration
}

func (o *recObserver) TokenMinted(_ context.Context, exp time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.minted = append(o.minted, exp)
}

func (o *recObserver) TokenMintFailed(_ context.Context, code string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failed = append(o.failed, code)
}

func (o *recObserver) AuthCircuitOpened(_ context.Context, code string, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.opened = append(o.opened, code)
	o.cooldown = d
}

func TestObserverSeesMintsFailuresAndCircuit(t *testing.T) {
	obs := &recObserver{}
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.Token.Observer = obs; c.Token.AuthCooldown = time.Minute }})
	ts := e.client.Tokens()
	ctx := context.Background()
	if _, err := ts.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if len(obs.minted) != 1 || !obs.minted[0].Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("minted %v", obs.minted)
	}
	// A non-authentication failure is reported without a code and opens nothing.
	e.tokens.setRespond(func(int64) (int, string) { return 503, "down" })
	_, _ = ts.Refresh(ctx)
	// Three authentication failures open the circuit once.
	e.tokens.setRespond(func(int64) (int, string) {
		return 401, `{"error":"server_error","error_description":"Falha na autenticação 1.2.21"}`
	})
	for range DefaultMaxAuthFailures {
		_, _ = ts.Refresh(ctx)
	}
	if want := []string{"", "1.2.21", "1.2.21", "1.2.21"}; len(obs.failed) != 4 || obs.failed[0] != want[0] || obs.failed[3] != want[3] {
		t.Fatalf("failed %v, want %v", obs.failed, want)
	}
	if len(obs.opened) != 1 || obs.opened[0] != "1.2.21" || obs.cooldown != time.Minute {
		t.Fatalf("opened %v %v", obs.opened, obs.cooldown)
	}
}

func TestRefreshMintsWhateverTheCache(t *testing.T) {
	store := &memStore{}
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.Token.Shared = store }})
	ts := e.client.Tokens()
	ctx := context.Background()
	first, err := ts.Token(ctx) // mints and publishes tok-1
	if err != nil || first != "tok-1" {
		t.Fatal(first, err)
	}
	store.tok = Token{AccessToken: "from-store", ExpiresAt: e.clock.Now().Add(time.Hour)}
	loads, stores := store.loads, store.stores

	e.clock.Advance(10 * time.Minute)
	tok, err := ts.Refresh(ctx)
	if err != nil || tok.AccessToken != "tok-2" || !tok.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("Refresh = %v %v", tok, err)
	}
	// Never the shared store: the refresher writes the token itself.
	if store.loads != loads || store.stores != stores {
		t.Fatalf("Refresh used the shared store: loads %d→%d stores %d→%d", loads, store.loads, stores, store.stores)
	}
	// The new token is the cached one.
	if cur, _ := ts.Token(ctx); cur != "tok-2" || e.tokens.mints.Load() != 2 {
		t.Fatalf("cache = %q after %d mints", cur, e.tokens.mints.Load())
	}

	// While the circuit is open Refresh does not reach Unico.
	e.tokens.setRespond(func(int64) (int, string) {
		return 401, `{"error":"server_error","error_description":"Falha na autenticação 1.2.18"}`
	})
	if _, err := ts.Refresh(ctx); err == nil {
		t.Fatal("lockout not reported")
	}
	_, err = ts.Refresh(ctx)
	var co *CircuitOpenError
	if !errors.As(err, &co) || co.AuthCircuitOpen() != DefaultAuthCooldown || co.AuthCode != "1.2.18" || e.tokens.mints.Load() != 3 {
		t.Fatalf("open circuit: %v after %d token requests", err, e.tokens.mints.Load())
	}
}

// TestOpenCircuitStillTakesASharedToken: while minting is suspended, a token the refresher
// shares is used; without one the caller gets the circuit error and Unico is not called.
func TestOpenCircuitStillTakesASharedToken(t *testing.T) {
	store := &memStore{}
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.Token.Shared = store }})
	ts := e.client.Tokens()
	ctx := context.Background()
	e.tokens.setRespond(func(int64) (int, string) {
		return 401, `{"error":"server_error","error_description":"Falha na autenticação 1.2.18"}`
	})
	if _, err := ts.Token(ctx); err == nil {
		t.Fatal("lockout not reported")
	}
	_, err := ts.Token(ctx)
	if !errors.Is(err, ErrAuthCircuitOpen) || e.tokens.mints.Load() != 1 {
		t.Fatalf("want the open circuit without a token request: %v (%d requests)", err, e.tokens.mints.Load())
	}
	store.mu.Lock()
	store.tok, store.ok = Token{AccessToken: "shared-by-refresher", ExpiresAt: e.clock.Now().Add(40 * time.Minute)}, true
	store.mu.Unlock()
	if tok, err := ts.Token(ctx); err != nil || tok != "shared-by-refresher" || e.tokens.mints.Load() != 1 {
		t.Fatalf("shared token during the cool-down: %q %v (%d requests)", tok, err, e.tokens.mints.Load())
	}
}

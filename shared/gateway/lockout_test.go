package gateway_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/unicoclient"
)

const lockoutBody = `{"error":"server_error","error_description":"Falha na autenticação 1.2.18"}`

// TestLockoutStopsMintingUntilCooldown is "Done means" 3, through the API: with the simulator
// answering 1.2.18 (Unico's account lockout), minting stops after the configured number of
// failures (a lockout opens the circuit at once), every request meanwhile is a clear 503 with
// Retry-After, the circuit-open metric is emitted once, and minting resumes after the
// cool-down.
func TestLockoutStopsMintingUntilCooldown(t *testing.T) {
	h := newHarness(t, nil)
	c := h.container(h.config(true)) // the token secret is empty: the refresher is locked out too
	h.sim.InjectFault(unicosim.Fault{Method: http.MethodPost, PathPrefix: "/oauth2/token", Status: http.StatusUnauthorized, Body: lockoutBody})

	first := c.create(t, "lock-0")
	if first.status != http.StatusServiceUnavailable || first.code() != domain.CodeUnicoAuth || first.header.Get("Retry-After") == "" {
		t.Fatalf("first request: %d %s %v", first.status, first.header.Get("Retry-After"), first.body)
	}
	openedAt := h.clock.Now()
	// Requests during the cool-down, every 10 simulated seconds: 503 with the time left, and
	// no token request reaches Unico.
	for i := 1; h.clock.Now().Add(10 * time.Second).Before(openedAt.Add(unicoclient.DefaultAuthCooldown)); i++ {
		h.clock.Advance(10 * time.Second)
		a := c.create(t, fmt.Sprintf("lock-%d", i))
		left := openedAt.Add(unicoclient.DefaultAuthCooldown).Sub(h.clock.Now())
		if a.status != http.StatusServiceUnavailable || a.code() != domain.CodeUnicoAuthSuspended ||
			a.header.Get("Retry-After") != strconv.Itoa(int(left.Seconds())) {
			t.Fatalf("request %d, %v left: %d %q %v", i, left, a.status, a.header.Get("Retry-After"), a.body)
		}
	}
	if n := h.sim.Stats().Calls["POST /oauth2/token"]; n != 1 {
		t.Fatalf("%d token requests during the cool-down, want 1", n)
	}
	if n := h.sim.Stats().Calls["POST /client/v1/process"]; n != 0 {
		t.Fatalf("%d creates reached Unico without a token", n)
	}

	// Unico lifts the lockout; after the cool-down the next request mints and succeeds.
	h.sim.ClearFaults()
	h.clock.Advance(openedAt.Add(unicoclient.DefaultAuthCooldown).Sub(h.clock.Now()))
	if a := c.create(t, "lock-after"); a.status != http.StatusCreated {
		t.Fatalf("after the cool-down: %d %v", a.status, a.body)
	}
	if st := h.sim.Stats(); st.Calls["POST /oauth2/token"] != 2 || st.TokenMints != 1 {
		t.Fatalf("token requests %d, mints %d", st.Calls["POST /oauth2/token"], st.TokenMints)
	}
	recs := metrics.Scan(h.logs.String())
	if got := metrics.Sum(recs, metrics.Namespace, metrics.UnicoAuthCircuitOpen); got != 1 {
		t.Fatalf("UnicoAuthCircuitOpen = %v, want 1", got)
	}
	if got := metrics.Sum(recs, metrics.Namespace, metrics.UnicoTokenMintFailures); got != 1 {
		t.Fatalf("UnicoTokenMintFailures = %v, want 1", got)
	}
}

// TestRepeatedAuthFailuresStopBeforeUnicoLocksTheAccount: with a wrong key (a rotation gone
// wrong) every assertion fails with 1.2.21; the gateway stops after MaxAuthFailures (3), before
// the simulator's own lockout threshold (5) would lock the account, and resumes after the
// cool-down with the corrected secret.
func TestRepeatedAuthFailuresStopBeforeUnicoLocksTheAccount(t *testing.T) {
	h := newHarness(t, func(c *unicosim.Config) { c.LockoutThreshold = 5; c.LockoutCooldown = time.Hour })
	c := h.container(h.config(true))
	_, wrong := keys()
	bad := h.creds
	bad.PrivateKeyPEM = pemOf(wrong)
	h.putCreds(bad)

	for i := range 10 {
		a := c.create(t, fmt.Sprintf("bad-key-%d", i))
		want := domain.CodeUnicoAuth
		if i >= unicoclient.DefaultMaxAuthFailures {
			want = domain.CodeUnicoAuthSuspended
		}
		if a.status != http.StatusServiceUnavailable || a.code() != want || a.header.Get("Retry-After") == "" {
			t.Fatalf("request %d: %d %v, want 503 %s", i, a.status, a.body, want)
		}
		h.clock.Advance(time.Second)
	}
	st := h.sim.Stats()
	if st.TokenRejects != unicoclient.DefaultMaxAuthFailures || st.Calls["POST /oauth2/token"] != unicoclient.DefaultMaxAuthFailures {
		t.Fatalf("token requests %d (rejected %d), want %d", st.Calls["POST /oauth2/token"], st.TokenRejects, unicoclient.DefaultMaxAuthFailures)
	}

	// The operator fixes the secret; once the cool-down is over the gateway mints again, and
	// the simulator never locked the account.
	h.putCreds(h.creds)
	c.gw.Credentials.Invalidate()
	h.clock.Advance(unicoclient.DefaultAuthCooldown)
	if a := c.create(t, "bad-key-fixed"); a.status != http.StatusCreated {
		t.Fatalf("after the fix: %d %v", a.status, a.body)
	}
	if got := metrics.Sum(metrics.Scan(h.logs.String()), metrics.Namespace, metrics.UnicoAuthCircuitOpen); got != 1 {
		t.Fatalf("UnicoAuthCircuitOpen = %v", got)
	}
}

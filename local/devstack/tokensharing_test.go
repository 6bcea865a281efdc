package devstack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/tokenshare"
)

// TestOneTokenMintForTheWholeLocalFleet: the local stack shares one Unico token between its
// functions as the deployed one does. Its token refresher runs once at start and writes the
// shared token secret; a run of every function (by-Unico and by-Client creates, reads, a
// webhook and the worker it triggers, the sweeper closing a process whose webhook was lost, the
// notifier delivering both events) then makes exactly one mint at the simulator, and the
// refresher's next scheduled run finds the token fresh.
func TestOneTokenMintForTheWholeLocalFleet(t *testing.T) {
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{TokenRefreshEvery: -1},
		func(c *gateway.Config) { c.Async.SweepAfter = time.Millisecond; refreshEveryRead(c) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if a.TokenRefresher == nil || a.Config.TokenSecretID != devstack.TokenSecretID {
		t.Fatalf("no token refresher (token secret %q)", a.Config.TokenSecretID)
	}
	raw, _, _ := a.Secrets.Current(devstack.TokenSecretID)
	var doc tokenshare.Document
	if err := json.Unmarshal([]byte(raw), &doc); err != nil || doc.AccessToken == "" || time.Until(doc.ExpiresAt) < 50*time.Minute {
		t.Fatalf("the token secret after start: %v (%v)", doc, err)
	}
	if n := a.Sim.Stats().TokenMints; n != 1 {
		t.Fatalf("%d mints at start, want 1 (the refresher's)", n)
	}

	// Creates and reads, both integrations.
	hosted := a.create("tokens-1", "approved")
	// The read of an open process asks Unico (GetProcess, with the token: every read refreshes
	// here), so the get function needs one.
	if status, _, res := a.api.do("GET", "/v1/processes/"+hosted, a.Tenants[0].APIKey, nil, nil); status != http.StatusOK || get(res, "source") != "unico" {
		t.Fatalf("read: %d %v", status, res)
	}
	status, _, res := a.api.do("POST", "/v1/processes", a.Tenants[0].APIKey, map[string]string{"Idempotency-Key": "tokens-bc"},
		map[string]any{"integration": "by_client", "capability": "identity", "selfie": a.Sim.NewSelfieJWT(),
			"person": map[string]any{"cpf": unicosim.ScenarioCPF("yes"), "name": clientName}})
	byClient, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated || byClient == "" {
		t.Fatalf("by-Client create: %d %v", status, res)
	}
	if status, _, res := a.api.do("GET", "/v1/processes/"+byClient, a.Tenants[0].APIKey, nil, nil); status != http.StatusOK {
		t.Fatalf("by-Client read: %d %v", status, res)
	}
	// The webhook and the worker it triggers (which reads the process from Unico).
	if err := a.Sim.Finish(ctx, hosted, ""); err != nil {
		t.Fatal(err)
	}
	a.drain()
	if p := a.process(hosted); p.State != domain.StateFinished {
		t.Fatalf("after the webhook: %s", p.State)
	}
	// The sweeper closes a process whose webhook was lost.
	lost := a.create("tokens-2", "approved")
	a.finishSilently(lost, "")
	if _, err := a.Async.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	a.drain()
	if p := a.process(lost); p.State != domain.StateFinished {
		t.Fatalf("after the sweep: %s", p.State)
	}
	// The notifier: events for both hosted processes (and the by-Client one) reach the backend.
	rc.wait(t, 3)
	if _, err := a.Async.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}

	st := a.Sim.Stats()
	if st.TokenMints != 1 {
		t.Fatalf("%d token mints over the run, want exactly 1", st.TokenMints)
	}
	for _, fn := range []string{"create", "get", devstack.FunctionWorker, devstack.FunctionSweeper} {
		if r := a.Functions[fn].SharedTokens; r == nil || r.Reads() < 1 {
			t.Errorf("the %s function did not read the shared token", fn)
		}
	}
	res2, err := a.TokenRefresher.Run(ctx)
	if err != nil || res2.Outcome != tokenshare.Fresh {
		t.Fatalf("the refresher's next run: %+v %v", res2, err)
	}
	if found := a.logs.String(); len(found) > 0 && containsAny(found, doc.AccessToken) {
		t.Fatal("the shared token is in the logs")
	}
}

// TestTokenRefresherOnItsSchedule: the local refresher runs on its schedule (here every 50 ms
// instead of the stack's 5 minutes): each run finds the token fresh and mints nothing.
func TestTokenRefresherOnItsSchedule(t *testing.T) {
	a := startAsyncStack(t, nil, devstack.AsyncOptions{TokenRefreshEvery: 50 * time.Millisecond}, nil)
	eventually(t, "three scheduled refresher runs", func() bool { return a.Secrets.Counts()["GetSecretValue"] >= 5 }) // 2 at start, 1 a run
	if n := a.Sim.Stats().TokenMints; n != 1 {
		t.Fatalf("%d mints, want 1", n)
	}
}

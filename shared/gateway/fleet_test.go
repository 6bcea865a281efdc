package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/tokenshare"
)

// fleet drives containers and the refresher through simulated time.
type fleet struct {
	h          *harness
	refresher  *tokenshare.Function
	containers []*container
	retired    []*container
	processID  string
	failures   atomic.Int64
	requests   atomic.Int64
	lastErr    atomic.Value
}

func newFleet(h *harness, n int) *fleet {
	f := &fleet{h: h, refresher: h.refresher()}
	for range n {
		f.containers = append(f.containers, h.container(h.config(true)))
	}
	return f
}

// tick runs the refresher when its schedule says so (every 5 simulated minutes).
func (f *fleet) tick(minute int) (tokenshare.Result, error, bool) {
	if minute%int(tokenshare.DefaultSchedule/time.Minute) != 0 {
		return tokenshare.Result{}, nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.refresher.Refresher.Run(ctx)
	return res, err, true
}

// load sends perContainer concurrent Unico reads from every container at once.
func (f *fleet) load(perContainer int) {
	var wg sync.WaitGroup
	for _, c := range f.containers {
		for range perContainer {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				f.requests.Add(1)
				if _, err := c.gw.Unico.GetProcess(ctx, f.processID); err != nil {
					f.failures.Add(1)
					f.lastErr.Store(err.Error())
				}
			}()
		}
	}
	wg.Wait()
}

// replace retires n containers and starts n cold ones (Lambda recycling its fleet).
func (f *fleet) replace(n int) {
	for i := range n {
		f.retired = append(f.retired, f.containers[i])
		f.containers[i] = f.h.container(f.h.config(true))
	}
}

func (f *fleet) all() []*container {
	return append(append([]*container(nil), f.containers...), f.retired...)
}

// createProcess creates one process through the first container's API (so the reads have
// something to read).
func (f *fleet) createProcess(t *testing.T) {
	t.Helper()
	a := f.containers[0].create(t, "fleet-1")
	if a.status != http.StatusCreated {
		t.Fatalf("create: %d %v", a.status, a.body)
	}
	p, _ := a.body["process"].(map[string]any)
	f.processID, _ = p["id"].(string)
}

// TestFleetMintsOncePerTokenLifetime is "Done means" 1: 50 independent containers (each its own
// gateway: its own credentials cache, token source, shared-token reader and circuit breaker)
// share one Secrets Manager endpoint and one simulator; for 3 simulated hours, minute by minute,
// every container sends concurrent Unico requests while the refresher runs on its 5-minute
// schedule and Lambda replaces a fifth of the fleet every 20 minutes. The simulator counts
// token mints: at most one per token lifetime (60 min) plus one.
func TestFleetMintsOncePerTokenLifetime(t *testing.T) {
	h := newHarness(t, nil)
	f := newFleet(h, 50)
	const minutes = 180
	for minute := 0; minute < minutes; minute++ {
		if _, err, ran := f.tick(minute); ran && err != nil {
			t.Fatalf("minute %d: refresher: %v", minute, err)
		}
		if minute == 0 {
			f.createProcess(t)
		}
		if minute > 0 && minute%20 == 0 {
			f.replace(10)
		}
		per := 1
		if minute%7 == 0 {
			per = 4 // bursts
		}
		f.load(per)
		if n := f.failures.Load(); n > 0 {
			t.Fatalf("minute %d: %d requests failed, last: %v", minute, n, f.lastErr.Load())
		}
		h.clock.Advance(time.Minute)
	}

	mints := h.sim.Stats().TokenMints
	lifetimes := minutes / 60
	t.Logf("%d requests from %d containers over %d simulated minutes: %d token mints at the simulator, %d token-secret writes",
		f.requests.Load(), len(f.all()), minutes, mints, h.sm.Counts()["PutSecretValue"])
	if mints > lifetimes+1 {
		t.Fatalf("%d token mints in %d simulated hours, want at most %d", mints, lifetimes, lifetimes+1)
	}
	// Every mint was the refresher's, every container took the shared token.
	var containerMints, sharedHits, reads int64
	for _, c := range f.all() {
		s := c.gw.Tokens.Stats()
		containerMints += s.Mints
		sharedHits += s.SharedHits
		reads += c.gw.SharedTokens.Reads()
		if c.gw.SharedTokens.Reads() > 5 { // one per token lifetime (~50 min) and the first
			t.Errorf("a container read the token secret %d times", c.gw.SharedTokens.Reads())
		}
	}
	if containerMints != 0 || sharedHits < int64(len(f.all())) {
		t.Fatalf("containers minted %d tokens, took %d shared ones", containerMints, sharedHits)
	}
	if puts := h.sm.Counts()["PutSecretValue"]; puts != mints {
		t.Fatalf("%d writes for %d mints", puts, mints)
	}
	t.Logf("token secret reads by containers: %d (%.1f each)", reads, float64(reads)/float64(len(f.all())))
	recs := metrics.Scan(h.logs.String())
	if got := metrics.Sum(recs, metrics.Namespace, metrics.UnicoTokenMints); got != float64(mints) {
		t.Fatalf("UnicoTokenMints metric %v, simulator %d", got, mints)
	}
}

// TestTokenEndpointOutageWithValidSharedToken is "Done means" 2: the simulator's token endpoint
// is down for 20 simulated minutes (minutes 35 to 55) while the shared token (minted at 0,
// valid until 60) is still valid. The refresher's run at 50 fails, cold containers start every
// minute of the outage, and no request fails; the refresher's run at 55 writes the next token.
func TestTokenEndpointOutageWithValidSharedToken(t *testing.T) {
	h := newHarness(t, nil)
	f := newFleet(h, 10)
	var outcomes []tokenshare.Outcome
	for minute := 0; minute <= 80; minute++ {
		switch minute {
		case 35:
			h.sim.InjectFault(unicosimTokenOutage())
		case 55:
			h.sim.ClearFaults()
		}
		res, err, ran := f.tick(minute)
		if ran {
			outcomes = append(outcomes, res.Outcome)
			if (err != nil) != (minute == 50) {
				t.Fatalf("minute %d: refresher %+v %v", minute, res, err)
			}
		}
		if minute == 0 {
			f.createProcess(t)
		}
		if minute >= 35 && minute < 55 {
			f.containers = append(f.containers, h.container(h.config(true))) // a cold start
		}
		f.load(2)
		if n := f.failures.Load(); n > 0 {
			t.Fatalf("minute %d: %d requests failed, last: %v", minute, n, f.lastErr.Load())
		}
		h.clock.Advance(time.Minute)
	}
	st := h.sim.Stats()
	if st.TokenMints != 2 || st.Calls["POST /oauth2/token"] != 3 {
		t.Fatalf("mints %d, token requests %d; want 2 and 3 (one refused during the outage)", st.TokenMints, st.Calls["POST /oauth2/token"])
	}
	want := []tokenshare.Outcome{"refreshed", "fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "fresh",
		"failed", "refreshed", "fresh", "fresh", "fresh", "fresh", "fresh"}
	if len(outcomes) != len(want) {
		t.Fatalf("outcomes %v", outcomes)
	}
	for i := range want {
		if outcomes[i] != want[i] {
			t.Fatalf("refresher outcomes %v, want %v", outcomes, want)
		}
	}
	for _, c := range f.all() {
		if s := c.gw.Tokens.Stats(); s.Mints != 0 || s.MintFailures != 0 {
			t.Fatalf("a container tried to mint: %+v", s)
		}
	}
	if got := metrics.Sum(metrics.Scan(h.logs.String()), metrics.Namespace, metrics.UnicoTokenRefreshFailures); got != 1 {
		t.Fatalf("UnicoTokenRefreshFailures = %v", got)
	}
	t.Logf("%d requests, %d containers, refresher outcomes %v", f.requests.Load(), len(f.all()), outcomes)
}

func unicosimTokenOutage() unicosim.Fault {
	return unicosim.Fault{Method: http.MethodPost, PathPrefix: "/oauth2/token", Status: http.StatusServiceUnavailable, Body: "maintenance"}
}

// TestContainersMintTheirOwnWhenTheSharedTokenIsStale: with the refresher down and the shared
// token about to expire, each container mints its own token once — its concurrent requests
// collapsed into one mint — and never writes the token secret.
func TestContainersMintTheirOwnWhenTheSharedTokenIsStale(t *testing.T) {
	h := newHarness(t, nil)
	stale := fmt.Sprintf(`{"accessToken":"stale-shared-token","expiresAt":%q,"issuedAt":%q}`,
		h.clock.Now().Add(2*time.Minute).Format(time.RFC3339), h.clock.Now().Add(-58*time.Minute).Format(time.RFC3339))
	h.sm.Put(tokenID, stale)
	f := &fleet{h: h}
	for i := range 5 {
		c := h.container(h.config(true))
		f.containers = []*container{c}
		if i == 0 {
			f.createProcess(t)
		}
		f.load(20)
		if s := c.gw.Tokens.Stats(); s.Mints != 1 || s.SharedHits != 0 {
			t.Fatalf("container %d: %+v", i, s)
		}
		// Assertions are dated up to 30 s back; keep the containers' mints apart so that no
		// two of them can sign byte-identical assertions (the simulator refuses reuse, 1.2.7).
		h.clock.Advance(31 * time.Second)
	}
	if n := f.failures.Load(); n != 0 {
		t.Fatalf("%d requests failed: %v", n, f.lastErr.Load())
	}
	if st := h.sim.Stats(); st.TokenMints != 5 {
		t.Fatalf("%d mints for 5 containers", st.TokenMints)
	}
	if v, _, _ := h.sm.Current(tokenID); v != stale || h.sm.Counts()["PutSecretValue"] != 0 {
		t.Fatal("a container wrote the token secret")
	}
}

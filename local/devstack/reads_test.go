package devstack_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
)

// movableClock is the functions' clock, moved forward by the test (no sleeping through a
// refresh interval).
type movableClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *movableClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// TestReadsAnswerFromTheStore counts Unico's calls at the simulator, through the local stack
// with the default refresh interval (5 s): a final process, by Unico or by Client, is never read
// from Unico again; an open one is read at most once per interval, however many readers poll it
// at once.
func TestReadsAnswerFromTheStore(t *testing.T) {
	clock := &movableClock{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: io.MultiWriter(io.Discard, suiteLogs), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	suiteLogs.PlantStack(s)
	api := client{t, s.APIURL}
	demo := s.Tenants[0].APIKey
	hostedReads := func() int { return s.Sim.Stats().Calls["GET /client/v1/process/{id}"] }
	clientReads := func() int { return s.Sim.Stats().Calls["GET /processes/v1/{id}"] }
	read := func(id string) map[string]any {
		status, _, v := api.do("GET", "/v1/processes/"+id, demo, nil, nil)
		if status != http.StatusOK {
			t.Errorf("read %s: %d %v", id, status, v)
		}
		return v
	}
	cpf := unicosim.ScenarioCPF("approved")
	suiteLogs.Plant(cpf, personName)

	// The read function's first Unico call mints its token while the clock is still true (the
	// assertion's iat and exp come from the functions' clock, which Unico checks).
	warm, _ := create(t, api, demo, createBody(cpf))
	if status, v := api.readLive(warm, demo); status != http.StatusOK || v["source"] != "unico" {
		t.Fatalf("warm-up read: %d %v", status, v)
	}

	// A finished by-Unico process (the webhook, the worker): 50 reads, at most one Unico call
	// between them (none, as the worker recorded the results).
	finished, _ := create(t, api, demo, createBody(cpf))
	if err := s.Sim.Finish(ctx, finished, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Async.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	before := hostedReads()
	for i := 0; i < 50; i++ {
		if v := read(finished); v["state"] != "finished" || v["source"] != "store" {
			t.Fatalf("read %d of a finished process: %v", i, v)
		}
		clock.Advance(time.Second) // time passing does not matter to a final process
	}
	if n := hostedReads() - before; n > 1 {
		t.Errorf("50 reads of a finished by-Unico process made %d GetProcess calls, want at most 1", n)
	}

	// A final by-Client process: 50 reads, no Unico call.
	selfie := s.Sim.NewSelfieJWT()
	clientCPF := unicosim.ScenarioCPF("yes")
	suiteLogs.Plant(selfie, clientCPF, clientName)
	status, _, res := api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": fmt.Sprint("reads-client-", time.Now().UnixNano())},
		map[string]any{"integration": "by_client", "capability": "identity", "selfie": selfie, "person": map[string]any{"cpf": clientCPF, "name": clientName}})
	byClient, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated || get(res, "process", "state") != "finished" {
		t.Fatalf("by-Client create: %d %v", status, res)
	}
	before = clientReads()
	for i := 0; i < 50; i++ {
		if v := read(byClient); v["source"] != "store" || get(v, "clientResults", "identity") != "yes" {
			t.Fatalf("read %d of a by-Client process: %v", i, v)
		}
		clock.Advance(time.Second)
	}
	if n := clientReads() - before; n != 0 {
		t.Errorf("50 reads of a final by-Client process made %d Unico calls, want none", n)
	}

	// An open process: 40 reads over 4 s (100 ms apart on the functions' clock), at most one
	// Unico call per 5 s interval: at most 1 here (the bound is 8).
	open, _ := create(t, api, demo, createBody(cpf))
	before = hostedReads()
	for i := 0; i < 40; i++ {
		read(open)
		clock.Advance(100 * time.Millisecond)
	}
	if n := hostedReads() - before; n > 1 {
		t.Errorf("40 reads of an open process over 4 s made %d GetProcess calls, want at most 1", n)
	}

	// 8 concurrent readers of one open process over 4 intervals: at most one Unico call per
	// interval between them, and one in each (the refresh does happen).
	before = hostedReads()
	const intervals = 4
	for k := 0; k < intervals; k++ {
		clock.Advance(domain.DefaultReadRefresh)
		var wg sync.WaitGroup
		for r := 0; r < 8; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					read(open)
				}
			}()
		}
		wg.Wait()
		if n := hostedReads() - before; n != k+1 {
			t.Errorf("after interval %d: %d GetProcess calls from 8 concurrent readers, want %d (one per interval)", k+1, n, k+1)
		}
	}
	// The person finishes: the next read past the interval records it; the reads after it cost
	// Unico nothing.
	if err := s.Sim.Finish(ctx, open, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Async.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	before = hostedReads()
	for i := 0; i < 20; i++ {
		if v := read(open); v["state"] != "finished" {
			t.Fatalf("after finish: %v", v)
		}
		clock.Advance(domain.DefaultReadRefresh)
	}
	if n := hostedReads() - before; n != 0 {
		t.Errorf("reads after the process finished made %d GetProcess calls", n)
	}
}

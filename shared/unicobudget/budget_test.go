package unicobudget

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// memStore is the shared bucket in memory: what DynamoDB is to the fleet (dynamostore has the
// real one, tested against DynamoDB Local).
type memStore struct {
	mu    sync.Mutex
	tat   map[string]time.Time
	swaps int
}

func (m *memStore) AddTAT(_ context.Context, bucket string, step time.Duration, from, to time.Time) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.swaps++
	cur, ok := m.tat[bucket]
	if !ok || cur.Before(from) || cur.After(to) {
		return cur, false, nil
	}
	m.tat[bucket] = cur.Add(step)
	return cur.Add(step), true, nil
}

func (m *memStore) RaiseTAT(_ context.Context, bucket string, floor, next time.Time) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.swaps++
	if m.tat == nil {
		m.tat = map[string]time.Time{}
	}
	cur, ok := m.tat[bucket]
	if ok && !cur.Before(floor) {
		return cur, false, nil
	}
	m.tat[bucket] = next
	return next, true, nil
}

// fakeClock stands still unless a test moves it; Sleep records the waits.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	return nil
}

type counts struct {
	mu      sync.Mutex
	permits map[Priority]int
	refused map[Priority]int
	paused  []time.Duration
}

func (c *counts) Permit(p Priority, _ time.Duration) {
	c.mu.Lock()
	c.permits[p]++
	c.mu.Unlock()
}
func (c *counts) Refused(p Priority) { c.mu.Lock(); c.refused[p]++; c.mu.Unlock() }
func (c *counts) Paused(d time.Duration, _ error) {
	c.mu.Lock()
	c.paused = append(c.paused, d)
	c.mu.Unlock()
}

func newTestBudget(t *testing.T, store Store, clock *fakeClock, obs Observer) *Budget {
	t.Helper()
	b, err := New(store, Config{Rate: 10, Now: clock.Now, Sleep: clock.Sleep, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exhausted(err error) (*Exhausted, bool) {
	var e *Exhausted
	return e, errors.As(err, &e)
}

// TestSlotsAreSpacedAndBounded: calls at one instant get slots 100 ms apart (rate 10/s) up to
// the create horizon of 3 s; the next is refused with a Retry-After that names when a slot
// comes within reach.
func TestSlotsAreSpacedAndBounded(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	obs := &counts{permits: map[Priority]int{}, refused: map[Priority]int{}}
	b := newTestBudget(t, &memStore{}, clock, obs)
	ctx := context.Background()
	for i := 0; i <= 30; i++ {
		if err := b.Acquire(ctx, Create); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	for i, d := range clock.slept {
		if want := time.Duration(i+1) * 100 * time.Millisecond; d != want {
			t.Fatalf("wait %d: %s, want %s", i, d, want)
		}
	}
	err := b.Acquire(ctx, Create)
	e, ok := exhausted(err)
	if !ok || e.Priority != Create || e.RetryAfter < time.Second {
		t.Fatalf("the 32nd create: %v", err)
	}
	if obs.permits[Create] != 31 || obs.refused[Create] != 1 {
		t.Fatalf("observed %v permits, %v refusals", obs.permits, obs.refused)
	}
	// Time passes: slots come back.
	clock.Advance(2 * time.Second)
	if err := b.Acquire(ctx, Create); err != nil {
		t.Fatalf("after 2 s: %v", err)
	}
}

// TestPrioritiesAreHorizons: with the next second booked, a follow-up (2 s) still gets a slot,
// a read refresh (250 ms) and the sweeper (100 ms) are refused at once and cost no write, and
// a create books beyond the follow-ups.
func TestPrioritiesAreHorizons(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	store := &memStore{}
	b := newTestBudget(t, store, clock, nil)
	ctx := context.Background()
	for i := 0; i < 10; i++ { // the next second
		if err := b.Acquire(ctx, FollowUp); err != nil {
			t.Fatal(err)
		}
	}
	swaps := store.swaps
	for _, p := range []Priority{Read, Sweep} {
		if _, ok := exhausted(b.Acquire(ctx, p)); !ok {
			t.Errorf("%s with the next second booked: not refused", p)
		}
	}
	if store.swaps != swaps {
		t.Errorf("refusals from the container's own view cost %d writes", store.swaps-swaps)
	}
	for i := 0; i < 11; i++ { // follow-ups fill their 2 s horizon (slots 1.0 to 2.0 s)
		if err := b.Acquire(ctx, FollowUp); err != nil {
			t.Fatalf("follow-up %d: %v", 10+i, err)
		}
	}
	if _, ok := exhausted(b.Acquire(ctx, FollowUp)); !ok {
		t.Fatal("a follow-up beyond 2 s was not refused")
	}
	if err := b.Acquire(ctx, Create); err != nil {
		t.Fatalf("a create behind a full follow-up horizon: %v", err)
	}
	if last := clock.slept[len(clock.slept)-1]; last < 2*time.Second || last > 3*time.Second {
		t.Fatalf("the create waits %s, want between 2 and 3 s", last)
	}
}

// TestContainersShareOneBucket: many budgets (containers) over one store, calling at once:
// every permit has its own slot, 100 ms apart, whichever container took it.
func TestContainersShareOneBucket(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	store := &memStore{}
	var (
		mu    sync.Mutex
		slots []time.Duration
		wg    sync.WaitGroup
	)
	for c := 0; c < 6; c++ {
		b := newTestBudget(t, store, clock, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if err := b.Acquire(context.Background(), Create); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	slots = append(slots, clock.slept...)
	seen := map[time.Duration]bool{}
	for _, d := range slots {
		if seen[d] || d%(100*time.Millisecond) != 0 {
			t.Fatalf("slot %s taken twice or off the grid: %v", d, slots)
		}
		seen[d] = true
	}
	if len(slots) != 29 { // 30 permits, the first one at once
		t.Fatalf("%d waits for 30 permits: %v", len(slots), slots)
	}
}

type fakeUnico struct {
	calls  int
	status int
	header http.Header
}

func (f *fakeUnico) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls++
	h := f.header
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: f.status, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}, nil
}

// TestTransport: a 429 with Retry-After pauses the budget for every priority; a refused
// request never reaches Unico and comes back as *Exhausted through http.Client.
func TestTransport(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	obs := &counts{permits: map[Priority]int{}, refused: map[Priority]int{}}
	b := newTestBudget(t, &memStore{}, clock, obs)
	unico := &fakeUnico{status: 429, header: http.Header{"Retry-After": {"5"}}}
	hc := &http.Client{Transport: &Transport{Base: unico, Budget: b, Default: FollowUp, Now: clock.Now}}
	res, err := hc.Get("http://unico.invalid/client/v1/process/x")
	if err != nil || res.StatusCode != 429 {
		t.Fatalf("first call: %v %v", res, err)
	}
	res.Body.Close()
	if len(obs.paused) != 1 || obs.paused[0] != 5*time.Second {
		t.Fatalf("pauses: %v", obs.paused)
	}
	// Paused 5 s: beyond the follow-up's 2 s and the create's 3 s.
	_, err = hc.Get("http://unico.invalid/client/v1/process/x")
	if e, ok := exhausted(err); !ok || e.Priority != FollowUp {
		t.Fatalf("during the pause: %v", err)
	}
	req, _ := http.NewRequestWithContext(WithPriority(context.Background(), Create), "POST", "http://unico.invalid/processes", strings.NewReader("{}"))
	if _, err := hc.Do(req); err == nil {
		t.Fatal("a create during a 5 s pause went out")
	}
	if unico.calls != 1 {
		t.Fatalf("Unico saw %d calls, want 1", unico.calls)
	}
	clock.Advance(3 * time.Second) // 2 s left: a create (3 s) may book, a follow-up (2 s) too
	unico.status = 200
	req, _ = http.NewRequestWithContext(WithPriority(context.Background(), Create), "POST", "http://unico.invalid/processes", strings.NewReader("{}"))
	if res, err := hc.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("a create after the pause: %v %v", res, err)
	}
	if last := clock.slept[len(clock.slept)-1]; last != 2*time.Second {
		t.Fatalf("the create waited %s for the pause's end, want 2s", last)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for h, want := range map[string]time.Duration{"": time.Second, "7": 7 * time.Second, "junk": time.Second, "3600": time.Minute,
		now.Add(4 * time.Second).UTC().Format(http.TimeFormat): 4 * time.Second} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", h, got, want)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no rate":              {},
		"negative rate":        {Rate: -1},
		"inverted priorities":  {Rate: 10, MaxWait: [numPriorities]time.Duration{time.Second, 2 * time.Second, 0, 0}},
		"negative lowest wait": {Rate: 10, MaxWait: [numPriorities]time.Duration{time.Second, time.Second, 0, -1}},
	} {
		if _, err := New(&memStore{}, cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

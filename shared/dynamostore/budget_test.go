package dynamostore_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/unicobudget"
)

// TestBudgetStoreConditions: AddTAT moves only a bucket booked within [from, to], RaiseTAT
// only an absent or older one; a refusal returns the stored value.
func TestBudgetStoreConditions(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.UnixMicro(time.Now().UnixMicro())
	if _, ok, err := s.AddTAT(ctx, "b", time.Second, now, now.Add(time.Minute)); ok || err != nil {
		t.Fatalf("add to an absent bucket: %v %v", ok, err)
	}
	if tat, ok, err := s.RaiseTAT(ctx, "b", now, now.Add(100*time.Millisecond)); !ok || err != nil || !tat.Equal(now.Add(100*time.Millisecond)) {
		t.Fatalf("raise an absent bucket: %v %v %v", tat, ok, err)
	}
	if tat, ok, err := s.RaiseTAT(ctx, "b", now, now.Add(time.Second)); ok || err != nil || !tat.Equal(now.Add(100*time.Millisecond)) {
		t.Fatalf("raise a booked bucket: %v %v %v", tat, ok, err)
	}
	if tat, ok, err := s.AddTAT(ctx, "b", 100*time.Millisecond, now, now.Add(time.Second)); !ok || err != nil || !tat.Equal(now.Add(200*time.Millisecond)) {
		t.Fatalf("add within the horizon: %v %v %v", tat, ok, err)
	}
	if tat, ok, err := s.AddTAT(ctx, "b", 100*time.Millisecond, now, now.Add(150*time.Millisecond)); ok || err != nil || !tat.Equal(now.Add(200*time.Millisecond)) {
		t.Fatalf("add beyond the horizon: %v %v %v", tat, ok, err)
	}
}

// TestBudgetAcrossContainers is issue 12's "Done means" 4: six containers (each its own SDK
// client and its own view of the bucket) over one DynamoDB Local, every priority calling as
// fast as it may for 3 s while creates arrive at 1 per second per container. No two permits
// share a slot, slots are at least 1/rate apart (so no second holds more than the rate),
// every create gets its permit, and the low priorities get what the high ones leave.
func TestBudgetAcrossContainers(t *testing.T) {
	if testing.Short() {
		t.Skip("3 s of contention")
	}
	db := dynamolocaltest.Client(t, server)
	table := dynamolocaltest.TableName(t)
	if err := dynamostore.CreateTable(context.Background(), db, table); err != nil {
		t.Fatal(err)
	}
	const rate, containers = 10.0, 6
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var (
		mu      sync.Mutex
		slots   []time.Time
		granted = map[unicobudget.Priority]int{}
		refused = map[unicobudget.Priority]int{}
		wg      sync.WaitGroup
	)
	record := func(p unicobudget.Priority, slot time.Time, err error) {
		mu.Lock()
		defer mu.Unlock()
		var ex *unicobudget.Exhausted
		switch {
		case err == nil:
			slots = append(slots, slot)
			granted[p]++
		case errors.As(err, &ex):
			refused[p]++
		case ctx.Err() == nil:
			t.Errorf("%s: %v", p, err)
		}
	}
	sleepUntil := func(at time.Time) {
		select {
		case <-time.After(time.Until(at)):
		case <-ctx.Done():
		}
	}
	for c := 0; c < containers; c++ {
		store := dynamostore.New(dynamolocaltest.Client(t, server), table)
		b, err := unicobudget.New(store, unicobudget.Config{Rate: rate, Bucket: "contention"})
		if err != nil {
			t.Fatal(err)
		}
		// Creates: one a second per container (6/s in all, within the budget).
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next := time.Now(); ctx.Err() == nil; next = next.Add(time.Second) {
				sleepUntil(next)
				if ctx.Err() != nil {
					return
				}
				slot, err := b.Reserve(ctx, unicobudget.Create)
				record(unicobudget.Create, slot, err)
			}
		}()
		// Every lower priority: as fast as it is let, 5 ms after a refusal.
		for _, p := range []unicobudget.Priority{unicobudget.FollowUp, unicobudget.Read, unicobudget.Sweep} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					slot, err := b.Reserve(ctx, p)
					record(p, slot, err)
					if err != nil {
						sleepUntil(time.Now().Add(5 * time.Millisecond))
						continue
					}
					sleepUntil(slot)
				}
			}()
		}
	}
	wg.Wait()

	sort.Slice(slots, func(i, j int) bool { return slots[i].Before(slots[j]) })
	interval := time.Duration(float64(time.Second) / rate)
	for i := 1; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-1]); gap < interval {
			t.Fatalf("permits %d and %d are %s apart, less than 1/rate (%s)", i-1, i, gap, interval)
		}
	}
	for i := range slots {
		n := sort.Search(len(slots), func(j int) bool { return !slots[j].Before(slots[i].Add(time.Second)) }) - i
		if n > int(rate) {
			t.Fatalf("%d permits in the second from %s, more than the rate %v", n, slots[i], rate)
		}
	}
	t.Logf("granted %v, refused %v, %d permits", granted, refused, len(slots))
	if refused[unicobudget.Create] != 0 || granted[unicobudget.Create] < containers*2 {
		t.Fatalf("creates: %d granted, %d refused; every create must get its permit", granted[unicobudget.Create], refused[unicobudget.Create])
	}
	if granted[unicobudget.FollowUp] == 0 {
		t.Fatal("no follow-up got a permit: the high priority left nothing, yet it asked for less than the rate")
	}
	if granted[unicobudget.Read]+granted[unicobudget.Sweep] > granted[unicobudget.FollowUp] || refused[unicobudget.Sweep] == 0 {
		t.Fatalf("the low priorities were not held back: %v granted, %v refused", granted, refused)
	}
}

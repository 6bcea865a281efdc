package secrets

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/shared/logging"
)

// fakeGetter is an in-memory Secrets Manager counting GetSecretValue calls.
type fakeGetter struct {
	calls atomic.Int64

	mu      sync.Mutex
	value   *string
	version string
	err     error
	gate    chan struct{} // when set, calls block until it is closed
	started chan struct{} // when set, receives one value per call
}

func newFake(v string) *fakeGetter { return &fakeGetter{value: &v, version: "v1"} }

func (f *fakeGetter) set(v, version string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value, f.version, f.err = &v, version, nil
}

func (f *fakeGetter) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeGetter) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls.Add(1)
	f.mu.Lock()
	gate, started := f.gate, f.started
	v, ver, err := f.value, f.version, f.err // answered as of the call's start
	f.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: v, VersionId: &ver, Name: in.SecretId}, nil
}

// apiError mimics smithy.APIError.
type apiError struct{ code, msg string }

func (e *apiError) Error() string     { return "api error " + e.code + ": " + e.msg }
func (e *apiError) ErrorCode() string { return e.code }

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const secretID = "unico/credentials"

func newTestCache(t *testing.T, f *fakeGetter) (*Cache, *clock, *logging.SyncBuffer) {
	t.Helper()
	c := NewCache(f, secretID, time.Minute)
	clk := newClock()
	c.SetClock(clk.now)
	l, buf := logging.NewCapture()
	c.SetLogger(l)
	return c, clk, buf
}

func mustString(t *testing.T, c *Cache, want string) {
	t.Helper()
	got, err := c.String(context.Background())
	if err != nil {
		t.Fatalf("String: %v", err)
	}
	if got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
}

func wantCalls(t *testing.T, f *fakeGetter, n int64) {
	t.Helper()
	if got := f.calls.Load(); got != n {
		t.Fatalf("GetSecretValue calls = %d, want %d", got, n)
	}
}

func TestDefaultTTL(t *testing.T) {
	if c := NewCache(newFake("x"), "id", 0); c.ttl != DefaultTTL {
		t.Fatalf("ttl = %v", c.ttl)
	}
}

func TestTTLExpiry(t *testing.T) {
	f := newFake("one")
	c, clk, _ := newTestCache(t, f)
	mustString(t, c, "one")
	mustString(t, c, "one")
	wantCalls(t, f, 1)
	clk.add(59 * time.Second)
	mustString(t, c, "one")
	wantCalls(t, f, 1)
	clk.add(time.Second) // exactly at expiry: refetch
	mustString(t, c, "one")
	wantCalls(t, f, 2)
	if v, ver, err := c.Version(context.Background()); err != nil || v != "one" || ver != "v1" {
		t.Fatalf("Version = %q %q %v", v, ver, err)
	}
	wantCalls(t, f, 2)
}

func TestRotationPickedUpAfterTTL(t *testing.T) {
	f := newFake("old")
	c, clk, _ := newTestCache(t, f)
	mustString(t, c, "old")
	f.set("new", "v2")
	clk.add(30 * time.Second)
	mustString(t, c, "old")
	clk.add(31 * time.Second)
	mustString(t, c, "new")
	if _, ver, _ := c.Version(context.Background()); ver != "v2" {
		t.Fatalf("version = %q", ver)
	}
	wantCalls(t, f, 2)
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	f := newFake("shared")
	c, clk, _ := newTestCache(t, f)
	for round := int64(1); round <= 2; round++ {
		gate := make(chan struct{})
		f.mu.Lock()
		f.gate = gate
		f.mu.Unlock()
		var wg sync.WaitGroup
		var bad atomic.Int64
		var waiting sync.WaitGroup
		waiting.Add(100)
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				waiting.Done()
				if v, err := c.String(context.Background()); err != nil || v != "shared" {
					bad.Add(1)
				}
			}()
		}
		waiting.Wait()
		time.Sleep(20 * time.Millisecond) // let the callers pile up on the fetch
		close(gate)
		wg.Wait()
		if bad.Load() != 0 {
			t.Fatalf("%d callers failed", bad.Load())
		}
		wantCalls(t, f, round)
		clk.add(2 * time.Minute) // expire for the next round
	}
}

func TestGraceOnFailure(t *testing.T) {
	f := newFake("good-value-Q7")
	c, clk, logs := newTestCache(t, f)
	mustString(t, c, "good-value-Q7")

	f.fail(&apiError{code: "InternalServiceError", msg: "boom good-value-Q7"})
	clk.add(61 * time.Second)
	mustString(t, c, "good-value-Q7") // refresh failed: stale value served
	wantCalls(t, f, 2)
	out := logs.String()
	if !strings.Contains(out, "refresh failed") || !strings.Contains(out, "InternalServiceError") || !strings.Contains(out, secretID) {
		t.Fatalf("no warning: %s", out)
	}
	if fs := logging.FindPII(out, "good-value-Q7"); len(fs) > 0 {
		t.Fatalf("value in warning: %v\n%s", fs, out)
	}

	// Within the retry interval no new fetch is made.
	clk.add(DefaultRetryInterval / 2)
	mustString(t, c, "good-value-Q7")
	wantCalls(t, f, 2)
	clk.add(DefaultRetryInterval)
	mustString(t, c, "good-value-Q7")
	wantCalls(t, f, 3)

	// Past the grace period the error surfaces.
	clk.add(DefaultGrace)
	_, err := c.String(context.Background())
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Code != "InternalServiceError" || fe.SecretID != secretID {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "good-value") || strings.Contains(err.Error(), "boom") {
		t.Fatalf("error leaks: %v", err)
	}
	var api *apiError
	if !errors.As(err, &api) {
		t.Fatal("SDK error not unwrappable")
	}

	// Recovery.
	f.set("fresh", "v2")
	mustString(t, c, "fresh")
}

func TestFailureWithoutPreviousValue(t *testing.T) {
	f := newFake("x")
	f.fail(&apiError{code: "ResourceNotFoundException", msg: "Secrets Manager can't find the specified secret."})
	c, _, _ := newTestCache(t, f)
	_, err := c.String(context.Background())
	want := `secrets: fetching secret "unico/credentials": ResourceNotFoundException`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	f.fail(errors.New("dial tcp: connection refused"))
	if _, err := c.String(context.Background()); err == nil || !strings.HasSuffix(err.Error(), ": RequestFailed") {
		t.Fatalf("err = %v", err)
	}
}

func TestNoGrace(t *testing.T) {
	f := newFake("v")
	c, clk, _ := newTestCache(t, f)
	c.SetGrace(0, 0)
	mustString(t, c, "v")
	f.fail(&apiError{code: "ThrottlingException"})
	clk.add(2 * time.Minute)
	if _, err := c.String(context.Background()); err == nil {
		t.Fatal("stale value served without grace")
	}
}

func TestBinarySecretRejected(t *testing.T) {
	f := newFake("x")
	f.value = nil
	c, _, _ := newTestCache(t, f)
	if _, err := c.String(context.Background()); err == nil || !strings.Contains(err.Error(), "NoSecretString") {
		t.Fatalf("err = %v", err)
	}
}

func TestInvalidate(t *testing.T) {
	f := newFake("k1")
	c, _, _ := newTestCache(t, f)
	mustString(t, c, "k1")
	f.set("k2", "v2")
	mustString(t, c, "k1")
	c.Invalidate()
	mustString(t, c, "k2")
	mustString(t, c, "k2")
	wantCalls(t, f, 2)

	// After Invalidate a failing fetch still serves the old value within grace.
	c.Invalidate()
	f.fail(&apiError{code: "InternalServiceError"})
	mustString(t, c, "k2")
	wantCalls(t, f, 3)
}

func TestInvalidateDiscardsFetchInFlight(t *testing.T) {
	f := newFake("before")
	c, _, _ := newTestCache(t, f)
	gate := make(chan struct{})
	started := make(chan struct{}, 4)
	f.mu.Lock()
	f.gate, f.started = gate, started
	f.mu.Unlock()

	first := make(chan string)
	go func() { v, _ := c.String(context.Background()); first <- v }()
	<-started
	c.Invalidate()
	f.mu.Lock()
	f.gate = nil // the next fetch does not block
	f.mu.Unlock()
	f.set("after", "v2")
	mustString(t, c, "after")
	close(gate)
	if v := <-first; v != "before" {
		t.Fatalf("first caller got %q", v) // its own fetch's answer
	}
	mustString(t, c, "after") // the discarded fetch did not overwrite the newer value
	wantCalls(t, f, 2)
}

func TestCallerCancellation(t *testing.T) {
	f := newFake("slow")
	c, _, _ := newTestCache(t, f)
	gate := make(chan struct{})
	f.gate = gate
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { _, err := c.String(ctx); errc <- err }()
	for f.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// The fetch was not cancelled with the caller: once it completes the value is cached.
	close(gate)
	for c.cur.Load() == nil {
		time.Sleep(time.Millisecond)
	}
	mustString(t, c, "slow")
	wantCalls(t, f, 1)
}

func TestCachedStringDoesNotAllocate(t *testing.T) {
	c := NewCache(newFake("value"), secretID, time.Hour)
	mustString(t, c, "value")
	if n := testing.AllocsPerRun(1000, func() { _, _ = c.String(context.Background()) }); n != 0 {
		t.Fatalf("cached String allocates %v times", n)
	}
}

func BenchmarkCachedString(b *testing.B) {
	c := NewCache(newFake("value"), secretID, time.Hour)
	ctx := context.Background()
	if _, err := c.String(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.String(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

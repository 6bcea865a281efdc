package perf

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	if Percentile(ds, 0.5) != 5 || Percentile(ds, 0.99) != 10 || Percentile(ds, 1) != 10 || Percentile(nil, 0.5) != 0 {
		t.Fatalf("percentiles: %v %v %v", Percentile(ds, 0.5), Percentile(ds, 0.99), Percentile(ds, 1))
	}
}

// Run is bounded by count and counts errors by status.
func TestRunBoundedAndCountsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/bad") {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	r := Run(context.Background(), srv.Client(), Phase{Name: "x", Concurrency: 4, MaxRequests: 40, MaxDuration: 10 * time.Second,
		Make: func(ctx context.Context, i int) (*http.Request, error) {
			path := "/ok"
			if i%4 == 0 {
				path = "/bad"
			}
			return http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		}})
	if r.Requests != 40 || r.Errors != 10 || r.P50 <= 0 || r.Max < r.P99 {
		t.Fatalf("result: %+v", r)
	}
	if !strings.Contains(Table([]Result{r}), "| x | 40 | 10 |") {
		t.Fatalf("table: %s", Table([]Result{r}))
	}
}

// A phase of calls that are not HTTP requests is timed and bounded the same way.
func TestRunDo(t *testing.T) {
	r := Run(context.Background(), nil, Phase{Name: "do", Concurrency: 3, MaxRequests: 30, MaxDuration: 10 * time.Second,
		Do: func(ctx context.Context, i int) error {
			time.Sleep(time.Millisecond)
			if i%10 == 0 {
				return context.DeadlineExceeded
			}
			return nil
		}})
	if r.Requests != 30 || r.Errors != 3 || r.P50 < time.Millisecond {
		t.Fatalf("result: %+v", r)
	}
}

// The duration bounds a phase: no request starts after it, the ones in flight finish and count.
func TestRunStopsAtTheDurationAndFinishesInFlight(t *testing.T) {
	var started, finished atomic.Int64
	r := Run(context.Background(), nil, Phase{Name: "slow", Concurrency: 4, MaxRequests: 1 << 30, MaxDuration: 100 * time.Millisecond,
		Do: func(ctx context.Context, i int) error {
			started.Add(1)
			time.Sleep(30 * time.Millisecond)
			finished.Add(1)
			return nil
		}})
	if r.Requests == 0 || int64(r.Requests) != started.Load() || started.Load() != finished.Load() || r.Errors != 0 || r.Requests > 4*5 {
		t.Fatalf("result %+v, started %d, finished %d", r, started.Load(), finished.Load())
	}
}

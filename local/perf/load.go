// Package perf measures the local stack: throughput and latency per endpoint under concurrent
// load, the gateway's added latency over the Unico call it wraps, and the functions' cold start.
// Every request goes to loopback addresses only, and every loop is bounded in count and time.
package perf

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one endpoint's measurements.
type Result struct {
	Name       string
	Requests   int
	Errors     int
	Duration   time.Duration
	Throughput float64 // requests per second
	P50, P99   time.Duration
	Max        time.Duration
}

// Request makes one request; i numbers the request within the phase.
type Request func(ctx context.Context, i int) (*http.Request, error)

// Phase is one endpoint under load.
type Phase struct {
	Name        string
	Concurrency int
	MaxRequests int           // stop after this many
	MaxDuration time.Duration // or after this long
	Make        Request
	OK          func(status int) bool
	// Do, when set, replaces Make and the HTTP client: one call that is not an HTTP request (a
	// DynamoDB read through the SDK), timed the same way; an error counts as an error.
	Do func(ctx context.Context, i int) error
}

// Run drives one phase with a fixed number of workers and returns its measurements. Workers
// start no request after MaxDuration (or MaxRequests); the requests in flight then finish and
// count, so that nothing of the phase is still running at the server when Run returns (at most
// Concurrency requests overshoot the duration). ctx ending cancels everything.
func Run(ctx context.Context, client *http.Client, p Phase) Result {
	if p.OK == nil {
		p.OK = func(s int) bool { return s < 400 }
	}
	deadline := time.Now().Add(p.MaxDuration)
	var (
		next   atomic.Int64
		errs   atomic.Int64
		mu     sync.Mutex
		lat    = make([]time.Duration, 0, p.MaxRequests)
		wg     sync.WaitGroup
		starts = time.Now()
	)
	for w := 0; w < p.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, p.MaxRequests/p.Concurrency+1)
			defer func() {
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			}()
			// Each worker sends at least one request: on a loaded machine a worker may first run
			// after the deadline, and a phase must still measure something.
			for first := true; ctx.Err() == nil && (first || time.Now().Before(deadline)); first = false {
				i := int(next.Add(1)) - 1
				if i >= p.MaxRequests {
					return
				}
				if p.Do != nil {
					t0 := time.Now()
					err := p.Do(ctx, i)
					if err != nil && ctx.Err() != nil {
						continue
					}
					local = append(local, time.Since(t0))
					if err != nil {
						errs.Add(1)
					}
					continue
				}
				req, err := p.Make(ctx, i)
				if err != nil {
					errs.Add(1)
					continue
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				local = append(local, time.Since(t0))
				if !p.OK(res.StatusCode) {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(starts)
	r := Result{Name: p.Name, Requests: len(lat), Errors: int(errs.Load()), Duration: elapsed}
	if elapsed > 0 {
		r.Throughput = float64(len(lat)) / elapsed.Seconds()
	}
	r.P50, r.P99, r.Max = Percentile(lat, 0.50), Percentile(lat, 0.99), Percentile(lat, 1)
	return r
}

// Percentile returns the q-th quantile (nearest rank) of ds; it sorts ds.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	k := int(math.Ceil(q*float64(len(ds)))) - 1
	if k < 0 {
		k = 0
	}
	return ds[k]
}

// Table renders results as a Markdown table.
func Table(rs []Result) string {
	s := "| endpoint | requests | errors | req/s | p50 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|\n"
	for _, r := range rs {
		s += fmt.Sprintf("| %s | %d | %d | %.0f | %s | %s | %s |\n", r.Name, r.Requests, r.Errors, r.Throughput, ms(r.P50), ms(r.P99), ms(r.Max))
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

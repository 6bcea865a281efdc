package unicobudget

import (
	"net/http"
	"strconv"
	"time"
)

// Transport is an http.RoundTripper that takes a permit before every request it sends (to any
// Unico host: API calls, artefacts and token mints) and honours Unico's 429: its Retry-After
// (1 s when absent) pauses the whole budget, for every container.
type Transport struct {
	Base   http.RoundTripper // default http.DefaultTransport
	Budget *Budget
	// Default is the priority of requests whose context carries none (WithPriority): the
	// function's own (the worker's follow-ups, the sweeper's checks, the API's reads).
	Default Priority
	Now     func() time.Time
}

// RoundTrip acquires a permit, then sends. A refusal (*Exhausted) is returned before anything
// is sent, so callers know Unico never saw the request.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	p := t.Default
	if q, ok := priorityIn(ctx); ok {
		p = q
	}
	if err := t.Budget.Acquire(ctx, p); err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper closes the body, even on errors
		}
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		now := time.Now
		if t.Now != nil {
			now = t.Now
		}
		wait := retryAfter(resp.Header.Get("Retry-After"), now())
		t.Budget.observePause(wait, t.Budget.Pause(ctx, now().Add(wait)))
	}
	return resp, err
}

// retryAfter reads Retry-After (seconds or an HTTP date); 1 s when absent or unreadable, at
// most a minute (a wrong header must not stop the fleet for long).
func retryAfter(h string, now time.Time) time.Duration {
	d := time.Second
	if n, err := strconv.Atoi(h); err == nil && n > 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil && t.After(now) {
		d = t.Sub(now)
	}
	return min(d, time.Minute)
}

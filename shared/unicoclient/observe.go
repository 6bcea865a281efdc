package unicoclient

import (
	"context"
	"time"
)

// CallObserver is told about every HTTP exchange with Unico's APIs (not the token endpoint: see
// TokenObserver), retries included, for metrics. It is called synchronously on the caller's
// goroutine: it must be quick and safe for concurrent use.
type CallObserver interface {
	// UnicoCall: one exchange of operation op (a constant such as "GetProcess") ended with
	// status after d; status is 0 when no HTTP answer came (connection refused, reset, timeout).
	UnicoCall(ctx context.Context, op string, status int, d time.Duration)
}

func (c *Client) observe(ctx context.Context, op string, status int, start time.Time) {
	if c.cfg.Calls != nil {
		c.cfg.Calls.UnicoCall(ctx, op, status, time.Since(start))
	}
}

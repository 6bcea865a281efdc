package tokenshare

import (
	"context"
	"time"

	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// Observer reports a TokenSource's events as metrics (unicoclient.TokenObserver): tokens
// minted, mint failures, and the authentication circuit opening (alarmed in the stack).
type Observer struct {
	Metrics *metrics.Emitter
}

var _ unicoclient.TokenObserver = Observer{}

// TokenMinted counts a mint.
func (o Observer) TokenMinted(context.Context, time.Time) {
	o.Metrics.Count(metrics.UnicoTokenMints, 1)
}

// TokenMintFailed counts a failed mint.
func (o Observer) TokenMintFailed(context.Context, string) {
	o.Metrics.Count(metrics.UnicoTokenMintFailures, 1)
}

// AuthCircuitOpened counts an opening of the authentication circuit.
func (o Observer) AuthCircuitOpened(context.Context, string, time.Duration) {
	o.Metrics.Count(metrics.UnicoAuthCircuitOpen, 1)
}

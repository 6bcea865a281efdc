package domain

import (
	"fmt"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// circuitOpen stands in for unicoclient.CircuitOpenError, which the domain recognises by its
// AuthCircuitOpen method only.
type circuitOpen struct{ left time.Duration }

func (c circuitOpen) Error() string                  { return "authentication circuit open" }
func (c circuitOpen) AuthCircuitOpen() time.Duration { return c.left }

func TestUnicoErrorMapsTheAuthCircuitTo503(t *testing.T) {
	for _, tc := range []struct {
		left, want time.Duration
	}{{4*time.Minute + 10*time.Second, 4*time.Minute + 10*time.Second}, {0, time.Second}} {
		// Wrapped as the client wraps it.
		e := unicoError(fmt.Errorf("unicoclient: CreateProcess: %w", circuitOpen{tc.left}))
		if e.Kind != KindUnavailable || e.Code != CodeUnicoAuthSuspended || e.RetryAfter != tc.want || e.Message == "" {
			t.Errorf("left %v: %+v", tc.left, e)
		}
	}
	// A 429 keeps Unico's Retry-After; an authentication failure is a 503 of its own.
	rl := unicoError(&unico.APIError{HTTPStatus: 429, RetryAfter: 7 * time.Second})
	if rl.Kind != KindTooManyRequests || rl.Code != CodeUnicoRateLimited || rl.RetryAfter != 7*time.Second {
		t.Errorf("429: %+v", rl)
	}
	auth := unicoError(&unico.APIError{HTTPStatus: 401, AuthCode: "1.2.18"})
	if auth.Kind != KindUnavailable || auth.Code != CodeUnicoAuth {
		t.Errorf("1.2.18: %+v", auth)
	}
}

package unicoclient

import (
	"errors"
	"strings"
	"time"
)

// ErrAuthCircuitOpen is matched (errors.Is) by the error returned while the authentication circuit
// is open: minting is suspended after repeated authentication failures or an account lockout
// (1.2.18), to avoid prolonging the lockout. The concrete error is *CircuitOpenError.
var ErrAuthCircuitOpen = errors.New("unicoclient: authentication circuit open")

// ErrOutcomeUnknown is matched by the error of a POST that may have reached Unico (a timeout or a
// broken connection after sending): the process may exist. Do not resend blindly; correlate on
// clientReference first (Unico has no idempotency key).
var ErrOutcomeUnknown = errors.New("unicoclient: outcome unknown")

// ErrTransport is matched by failures without an HTTP answer (connection, timeout, broken body).
var ErrTransport = errors.New("unicoclient: transport failure")

// ErrMissingAPIKey is matched when the credentials hold no APIKEY for a by-Client capability.
var ErrMissingAPIKey = errors.New("unicoclient: no APIKEY for capability")

// ErrNotConfigured is matched when a call needs a base URL that Config does not set.
var ErrNotConfigured = errors.New("unicoclient: base URL not configured")

// ErrInvalidArgument is matched when an id or other argument is empty or malformed (the value is
// never quoted).
var ErrInvalidArgument = errors.New("unicoclient: invalid argument")

// CircuitOpenError is returned while the authentication circuit is open.
type CircuitOpenError struct {
	RetryAfter time.Duration // until the circuit half-opens
	AuthCode   string        // the last authentication code seen, e.g. "1.2.18"
}

func (e *CircuitOpenError) Error() string {
	s := "unicoclient: authentication circuit open"
	if e.AuthCode != "" {
		s += " (last auth code " + e.AuthCode + ")"
	}
	return s + "; retry after " + e.RetryAfter.Round(time.Second).String()
}

// Unwrap makes errors.Is(err, ErrAuthCircuitOpen) true.
func (e *CircuitOpenError) Unwrap() error { return ErrAuthCircuitOpen }

// AuthCircuitOpen returns how long minting stays suspended. Packages that must not import this
// one (the domain) recognise the error by this method.
func (e *CircuitOpenError) AuthCircuitOpen() time.Duration { return e.RetryAfter }

// OpError names the client operation that failed ("GetProcess", "token", …).
type OpError struct {
	Op  string
	Err error
}

func (e *OpError) Error() string {
	return "unicoclient: " + e.Op + ": " + strings.TrimPrefix(e.Err.Error(), "unicoclient: ")
}

// Unwrap returns the cause (*unico.APIError, a sentinel of this package, a context error, …).
func (e *OpError) Unwrap() error { return e.Err }

func opErr(op string, err error) error {
	var oe *OpError
	if errors.As(err, &oe) && oe.Op == op {
		return err
	}
	return &OpError{Op: op, Err: err}
}

// joinErr wraps several causes while printing them with ": ".
type joinErr struct{ errs []error }

func (j *joinErr) Error() string {
	parts := make([]string, len(j.errs))
	for i, e := range j.errs {
		parts[i] = strings.TrimPrefix(e.Error(), "unicoclient: ")
	}
	return strings.Join(parts, ": ")
}

func (j *joinErr) Unwrap() []error { return j.errs }

// budgetRefusal is the fleet budget's refusal in err's chain (shared/unicobudget: no permit in
// time, so the request was never sent), or nil.
func budgetRefusal(err error) error {
	var refused interface{ BudgetExhausted() time.Duration }
	if errors.As(err, &refused) {
		return refused.(error)
	}
	return nil
}

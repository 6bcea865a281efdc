// Package domain holds the gateway's core: the process a tenant runs at Unico, its decision,
// the use cases (Service) and the ports (interfaces) that adapters implement. It imports no AWS
// and no HTTP package; adapters in sibling packages do.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Kind groups error codes by what the caller should do; the HTTP adapter maps each kind to one
// status code.
type Kind int

const (
	KindInternal        Kind = iota // a bug or an unclassified failure: 500
	KindInvalid                     // the request is wrong: 400
	KindUnauthorized                // missing or wrong credentials: 401
	KindForbidden                   // authenticated but not allowed: 403
	KindNotFound                    // no such resource for this tenant: 404
	KindConflict                    // a concurrent request holds the resource: 409
	KindGone                        // the resource existed but its retention passed: 410
	KindTooLarge                    // body over the limit: 413
	KindUnprocessable               // well-formed but contradicting an earlier request: 422
	KindTooManyRequests             // a rate limit was hit: 429
	KindBadGateway                  // Unico answered with an error we cannot fix: 502
	KindUnavailable                 // a dependency is down or a circuit is open: 503
	KindTimeout                     // a dependency did not answer in time: 504
)

// Error is an application error with a stable machine code. Message is safe to show to the
// caller: it never carries personal data, secrets or echoes of the request.
type Error struct {
	Kind       Kind
	Code       string
	Message    string
	RetryAfter time.Duration // set for 429 and 503 when known
	Err        error         // the cause, for logs (already free of personal data)
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error; format arguments must not carry personal data.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error in err's chain, or an internal error wrapping err.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Code: "internal_error", Message: "Internal error.", Err: err}
}

// Stable codes used in more than one place.
const (
	CodeNotFound            = "process_not_found"
	CodeIdempotencyKey      = "idempotency_key_required"
	CodeIdempotencyMismatch = "idempotency_key_reused"
	CodeIdempotencyInFlight = "idempotency_request_in_progress"
	CodeUnicoUnavailable    = "unico_unavailable"
	CodeUnicoTimeout        = "unico_timeout"
	CodeUnicoRateLimited    = "unico_rate_limited"
	CodeUnicoRejected       = "unico_rejected_request"
	CodeUnicoAuth           = "unico_authentication_failed"
	CodeStoreUnavailable    = "store_unavailable"
	CodeConflict            = "concurrent_update"
)

// ErrNotFound is returned by stores when an item does not exist.
var ErrNotFound = &Error{Kind: KindNotFound, Code: CodeNotFound, Message: "No process with this id."}

// ErrConditionFailed is returned by stores when a conditional write lost a race or would move a
// process backwards.
var ErrConditionFailed = &Error{Kind: KindConflict, Code: CodeConflict, Message: "The process changed concurrently."}

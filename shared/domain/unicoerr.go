package domain

import (
	"context"
	"errors"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// unicoError maps a failed Unico call to a domain error. Unico's own message is never passed
// on: it may echo the request (a CPF, a name). Its code is, so that support can look it up.
func unicoError(err error) *Error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	// The Unico client's authentication circuit is open (repeated 1.x.x failures or a 1.2.18
	// lockout): no call was made. Recognised by method, since the domain imports no adapter.
	var suspended interface{ AuthCircuitOpen() time.Duration }
	if errors.As(err, &suspended) {
		return &Error{Kind: KindUnavailable, Code: CodeUnicoAuthSuspended,
			Message: "Authentication to Unico is suspended after repeated failures; operators are alerted. Retry later.",
			Err:     err, RetryAfter: max(suspended.AuthCircuitOpen(), time.Second)}
	}
	var ae *unico.APIError
	if errors.As(err, &ae) {
		code := ""
		if ae.Code != "" {
			code = " (Unico code " + ae.Code + ")"
		}
		switch s := ae.HTTPStatus; {
		case ae.AuthCode != "":
			return &Error{Kind: KindUnavailable, Code: CodeUnicoAuth, Message: "The gateway could not authenticate to Unico (" + ae.AuthCode + "); operators are alerted.", Err: err, RetryAfter: 30 * time.Second}
		case s == 429:
			ra := ae.RetryAfter
			if ra <= 0 {
				ra = time.Second
			}
			return &Error{Kind: KindTooManyRequests, Code: CodeUnicoRateLimited, Message: "Unico's rate limit was reached; retry later.", Err: err, RetryAfter: ra}
		case s == 400 || s == 422:
			return &Error{Kind: KindInvalid, Code: CodeUnicoRejected, Message: "Unico rejected the request" + code + ".", Err: err}
		case s == 401:
			return &Error{Kind: KindUnavailable, Code: CodeUnicoAuth, Message: "The gateway's Unico access token was refused.", Err: err, RetryAfter: 5 * time.Second}
		case s == 403:
			return &Error{Kind: KindForbidden, Code: "unico_permission_denied", Message: "The Unico account has no permission for this" + code + ".", Err: err}
		case s == 404:
			return &Error{Kind: KindNotFound, Code: "unico_not_found", Message: "Unico has no such resource" + code + ".", Err: err}
		case s == 409:
			return &Error{Kind: KindConflict, Code: "unico_conflict", Message: "Unico cannot do this in the resource's current state" + code + ".", Err: err}
		case s == 410:
			return &Error{Kind: KindGone, Code: "unico_gone", Message: "Unico no longer keeps this resource (retention passed).", Err: err}
		case s == 503:
			return &Error{Kind: KindUnavailable, Code: CodeUnicoUnavailable, Message: "Unico is unavailable; retry later.", Err: err, RetryAfter: orDefault(ae.RetryAfter, 5*time.Second)}
		case s >= 500:
			return &Error{Kind: KindBadGateway, Code: "unico_error", Message: "Unico failed to answer" + code + "; retry later.", Err: err}
		}
		return &Error{Kind: KindBadGateway, Code: "unico_unexpected_answer", Message: "Unico answered unexpectedly" + code + ".", Err: err}
	}
	var te interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout()) {
		return &Error{Kind: KindTimeout, Code: CodeUnicoTimeout, Message: "Unico did not answer in time.", Err: err}
	}
	var ra interface{ RetryAfter() time.Duration }
	retry := 5 * time.Second
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		retry = ra.RetryAfter()
	}
	return &Error{Kind: KindUnavailable, Code: CodeUnicoUnavailable, Message: "Unico could not be reached; retry later.", Err: err, RetryAfter: retry}
}

// CodeUnicoAuthSuspended: the gateway stopped minting Unico tokens for a cool-down after
// repeated authentication failures (503 with Retry-After).
const CodeUnicoAuthSuspended = "unico_authentication_suspended"

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

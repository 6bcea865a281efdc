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
		case (s == 400 || s == 422) && ae.Code == "9":
			// gRPC FAILED_PRECONDITION: the request is fine, the account or the resource is not
			// in a state that allows it (CreateProcess: "XX ID Apikeys are not set").
			return &Error{Kind: KindConflict, Code: "unico_failed_precondition", Message: "Unico cannot do this in the account's or the process's current state" + code + ".", Err: err}
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
			return &Error{Kind: KindBadGateway, Code: "unico_error", Message: "Unico failed to answer" + code + "; retry later.", Err: err, RetryAfter: orDefault(ae.RetryAfter, 5*time.Second)}
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

// unicoCreateError refines unicoError for CreateProcess: FAILED_PRECONDITION there means the
// account is not set up for the flow ("XX ID Apikeys are not set"), which only Unico and the
// operator can fix.
func unicoCreateError(err error) *Error {
	e := unicoError(err)
	if e.Code == "unico_failed_precondition" {
		return &Error{Kind: KindBadGateway, Code: "unico_account_not_configured", Message: "Unico's account is not configured for this flow (Unico code 9); the operator must ask Unico.", Err: e.Err}
	}
	return e
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

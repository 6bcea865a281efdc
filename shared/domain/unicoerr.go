package domain

import (
	"context"
	"errors"
	"strings"
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
	// The fleet's Unico budget had no permit in time (shared/unicobudget): nothing was sent, so
	// the outcome is known. Recognised by method, since the domain imports no adapter.
	var refused interface{ BudgetExhausted() time.Duration }
	if errors.As(err, &refused) {
		return &Error{Kind: KindTooManyRequests, Code: CodeUnicoBudgetExhausted,
			Message: "The gateway's share of Unico's request budget is used up for now; retry after the Retry-After seconds.",
			Err:     err, RetryAfter: max(refused.BudgetExhausted(), time.Second)}
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

// CodeUnicoBudgetExhausted: no permit of the fleet's Unico budget came in time (429 with
// Retry-After; nothing was sent to Unico, so a create's Idempotency-Key is released).
const CodeUnicoBudgetExhausted = "unico_budget_exhausted"

// CodeUnicoAuthSuspended: the gateway stopped minting Unico tokens for a cool-down after
// repeated authentication failures (503 with Retry-After).
const CodeUnicoAuthSuspended = "unico_authentication_suspended"

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// clientCode is how one by-Client error code (reference §4.3) is answered.
type clientCode struct {
	kind       Kind
	code, msg  string
	retryAfter time.Duration
}

// clientCodes maps Unico's by-Client error codes (the APIError's code, whatever the HTTP status:
// Unico's pages disagree on 401 vs 403 for the token codes) to the gateway's answers. The
// caller's mistakes are 4xx; 10201, 10501, 10502, 30017, 20001 and 20002 are the gateway's own
// configuration or token problems, so the caller gets a 503 (or 502) that says it is not at fault,
// and the error is logged for operators (the API key lives in the credentials secret: fixing it
// needs no deploy).
var clientCodes = map[string]clientCode{
	"10507": {KindUnprocessable, "selfie_expired", "The selfie capture is older than 10 minutes (Unico code 10507); capture a new selfie.", 0},
	"10508": {KindUnprocessable, "selfie_already_used", "This selfie capture was already submitted to Unico, which accepts each capture once (Unico code 10508); capture a new selfie. To retry a request whose answer you did not get, repeat it with the same Idempotency-Key.", 0},
	"10506": {KindInvalid, "selfie_not_from_sdk", "This capability needs a selfie captured with Unico's SDK (its encrypted JWT), not a plain image (Unico code 10506).", 0},
	"20009": {KindInvalid, "selfie_required", "Unico received no image (Unico code 20009).", 0},
	"20900": {KindInvalid, "invalid_selfie", "Unico could not read the image: it is not an image or an SDK capture, or it was altered (Unico code 20900).", 0},
	"20505": {KindInvalid, "unsupported_image_format", "The image must be PNG, JPEG or WebP (Unico code 20505).", 0},
	"20506": {KindInvalid, "image_too_large", "The image is larger than 800 KB (Unico code 20506).", 0},
	"20807": {KindInvalid, "image_resolution_too_low", "The image resolution is lower than 640x480 (Unico code 20807).", 0},
	"20004": {KindInvalid, "person_required", "Unico requires the person for this capability (Unico code 20004).", 0},
	"20005": {KindInvalid, "cpf_required", "Unico requires the person's CPF (Unico code 20005).", 0},
	"20006": {KindInvalid, "name_required", "Unico requires the person's name (Unico code 20006).", 0},
	"20507": {KindInvalid, "invalid_cpf", "Unico found the CPF invalid (Unico code 20507).", 0},
	"20003": {KindInvalid, "unico_invalid_request", "Unico found the request invalid (Unico code 20003).", 0},
	// Document-process prerequisites. Unico documents the rules but not their codes; these are the
	// simulator's (GUESS) and are mapped so that both sides speak the same stable codes.
	"20030": {KindUnprocessable, "auth_process_not_found", "Unico does not know document.authProcessId (Unico code 20030).", 0},
	"20031": {KindUnprocessable, "auth_process_not_qualified", "Unico says document.authProcessId does not qualify: it needs identity \"yes\" or a risk score of at least +50, the same person, and to have finished within 24 hours (Unico code 20031).", 0},
	"20032": {KindUnprocessable, "document_not_reusable", "document.documentId is not a reusable document of this person (Unico code 20032).", 0},
	// The gateway's own problems.
	"20001": {KindBadGateway, "unico_request_incomplete", "The gateway sent Unico a request without its access token (Unico code 20001); operators are alerted.", 0},
	"20002": {KindBadGateway, "unico_request_incomplete", "The gateway sent Unico a request without its API key (Unico code 20002); operators are alerted.", 0},
	"10201": {KindUnavailable, "unico_api_key_rejected", "Unico refused the gateway's API key for this capability (Unico code 10201); operators are alerted.", time.Minute},
	"10501": {KindUnavailable, CodeUnicoAuth, "Unico refused the gateway's access token (Unico code 10501); retry shortly.", 5 * time.Second},
	"10502": {KindUnavailable, CodeUnicoAuth, "Unico found the gateway's access token expired (Unico code 10502); retry shortly.", 5 * time.Second},
	"30017": {KindUnavailable, "unico_capability_not_enabled", "The gateway's Unico API key for this capability has no permission for it (Unico code 30017); operators are alerted.", time.Minute},
}

// clientUnicoError maps a failed by-Client call: Unico's by-Client codes first, then the generic
// HTTP-status mapping (any other 20xxx code is the request's fault: 400).
func clientUnicoError(err error) *Error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	var ae *unico.APIError
	if errors.As(err, &ae) {
		if c, ok := clientCodes[ae.Code]; ok {
			return &Error{Kind: c.kind, Code: c.code, Message: c.msg, RetryAfter: c.retryAfter, Err: err}
		}
		if len(ae.Code) == 5 && ae.Code[0] == '2' && strings.Trim(ae.Code, "0123456789") == "" && ae.HTTPStatus < 500 {
			return &Error{Kind: KindInvalid, Code: CodeUnicoRejected, Message: "Unico rejected the request (Unico code " + ae.Code + ").", Err: err}
		}
	}
	return unicoError(err)
}

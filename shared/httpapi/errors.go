package httpapi

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/logging"
)

// statusOf maps a domain error kind to its HTTP status; this is the only place that knows.
func statusOf(k domain.Kind) int {
	switch k {
	case domain.KindInvalid:
		return http.StatusBadRequest
	case domain.KindUnauthorized:
		return http.StatusUnauthorized
	case domain.KindForbidden:
		return http.StatusForbidden
	case domain.KindNotFound:
		return http.StatusNotFound
	case domain.KindConflict:
		return http.StatusConflict
	case domain.KindGone:
		return http.StatusGone
	case domain.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case domain.KindUnprocessable:
		return http.StatusUnprocessableEntity
	case domain.KindTooManyRequests:
		return http.StatusTooManyRequests
	case domain.KindBadGateway:
		return http.StatusBadGateway
	case domain.KindUnavailable:
		return http.StatusServiceUnavailable
	case domain.KindTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable machine code, a message safe to show, and the request id to quote
// to the operator.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

var errNoRoute = &domain.Error{Kind: domain.KindNotFound, Code: "route_not_found", Message: "No such route."}

// writeError answers with the error's status and JSON body. Internal errors are logged with
// their cause (already free of personal data; the logger redacts again) and answered with a
// generic message.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := domain.AsError(err)
	status := statusOf(e.Kind)
	if e.RetryAfter > 0 {
		secs := int(e.RetryAfter.Seconds() + 0.999)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if status >= 500 || e.Err != nil {
		logger(r).LogAttrs(r.Context(), levelFor(status), "request failed",
			slog.String("code", e.Code), slog.Int("status", status), slog.Any("err", e.Err))
	}
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: e.Code, Message: e.Message, RequestID: logging.RequestID(r.Context())}})
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelWarn
}

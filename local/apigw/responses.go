package apigw

import (
	"encoding/json"
	"net/http"
	"strings"
)

// GatewayResponse is one of the answers API Gateway gives on its own, as the stack configures
// them (infra/api.go, addGatewayResponses): the functions' error shape with a stable code.
type GatewayResponse struct {
	Status  int // 0 keeps API Gateway's own status
	Code    string
	Message string
	Headers map[string]string // besides Content-Type and API Gateway's own
}

// GatewayResponses are the stack's gateway responses the stand-in produces, by API Gateway
// response type. template-tests check that the synthesized template answers the same.
var GatewayResponses = map[string]GatewayResponse{
	"MISSING_AUTHENTICATION_TOKEN": {http.StatusNotFound, "route_not_found", "No such route.", nil},
	"INVALID_API_KEY":              {http.StatusForbidden, "invalid_api_key", "Missing or unknown API key (x-api-key header).", nil},
	"REQUEST_TOO_LARGE":            {http.StatusRequestEntityTooLarge, "request_too_large", "The request body is too large.", nil},
	"THROTTLED":                    {http.StatusTooManyRequests, "rate_limited", "Too many requests; retry later.", map[string]string{"Retry-After": "1"}},
	"DEFAULT_5XX":                  {0, "internal_error", "Internal error.", nil},
}

// writeGatewayResponse answers as API Gateway does for typ; status is API Gateway's own, used
// when the stack keeps it.
func writeGatewayResponse(w http.ResponseWriter, typ string, status int) {
	r := GatewayResponses[typ]
	if r.Status != 0 {
		status = r.Status
	}
	id := newID()
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": r.Code, "message": r.Message, "requestId": id}})
	for k, v := range r.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", strings.ReplaceAll(http.StatusText(status), " ", "")+"Exception")
	w.Header().Set("X-Amzn-Requestid", id)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

package unico

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// APIError is a non-2xx answer from Unico (token host, by Unico, by Client or sign host).
//
// Message is Unico's description and may echo request input (a CPF, a name): keep it for
// debugging but do not log or return it to callers. Error() prints only the HTTP status, the
// code and the auth code.
type APIError struct {
	HTTPStatus int
	Code       string        // Unico's code ("3", "40004", "server_error"), number or string on the wire
	Message    string        // Unico's description; may contain personal data
	RetryAfter time.Duration // from Retry-After (429, 503), 0 when absent
	AuthCode   string        // "1.2.7" style code of an authentication failure, when present
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("unico: HTTP ")
	b.WriteString(strconv.Itoa(e.HTTPStatus))
	if c := sanitizeCode(e.Code); c != "" {
		b.WriteString(" code ")
		b.WriteString(c)
	}
	if e.AuthCode != "" {
		b.WriteString(" auth ")
		b.WriteString(e.AuthCode)
	}
	if e.RetryAfter > 0 {
		b.WriteString(" retry after ")
		b.WriteString(e.RetryAfter.String())
	}
	return b.String()
}

// sanitizeCode keeps a code printable and short: codes are identifiers, not text.
func sanitizeCode(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		s = s[:40]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// IsAuthLockout reports the account lockout (auth code 1.2.18): too many invalid attempts.
func (e *APIError) IsAuthLockout() bool { return e != nil && e.AuthCode == "1.2.18" }

// IsAuthFailure reports an authentication error code 1.x.x.
func (e *APIError) IsAuthFailure() bool { return e != nil && strings.HasPrefix(e.AuthCode, "1.") }

// IsAuthLockout reports whether err is (or wraps) an APIError with auth code 1.2.18.
func IsAuthLockout(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.IsAuthLockout()
}

// IsAuthFailure reports whether err is (or wraps) an APIError with an auth code 1.x.x.
func IsAuthFailure(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.IsAuthFailure()
}

// IsRateLimited reports whether err is (or wraps) an APIError with HTTP 429.
func IsRateLimited(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.HTTPStatus == 429
}

// HTTPStatus returns the HTTP status of a wrapped APIError, or 0.
func HTTPStatus(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.HTTPStatus
	}
	return 0
}

var authCodeRE = regexp.MustCompile(`\d+\.\d+\.\d+`)

// maxMessage bounds the message kept from a body.
const maxMessage = 1024

// ParseError decodes a non-2xx body into an APIError. It understands every envelope Unico uses:
//
//	{"error": {"code": "0000", "description": "..."}}          by Unico (documented)
//	{"Error": {"code": "40004", "description": "..."}}         by Client
//	{"code": 3, "message": "...", "details": []}               grpc-gateway (by Unico OpenAPI)
//	{"error": "server_error", "error_description": "Falha na autenticação 1.2.7"}   token host
//	"plain text" or a JSON string                              401 of the by-Unico API
//	{"Sucess": false, "Message": "...", "Data": ...}           sign host
//
// Codes may be numbers or strings. retryAfterHeader is the Retry-After header (seconds or an
// HTTP date, read against time.Now; callers with their own clock may overwrite RetryAfter).
func ParseError(status int, body []byte, retryAfterHeader string) *APIError {
	e := &APIError{HTTPStatus: status, RetryAfter: ParseRetryAfter(retryAfterHeader, time.Now())}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return e
	}
	// authText is searched for an "x.y.z" auth code: error_description always (an OAuth2 field),
	// other text only for 401/403, whose bodies come from the authentication layer.
	var authText, oauthText []string
	switch body[0] {
	case '{':
		if fields, ok := parseObjectCI(body); ok {
			parseEnvelope(e, fields, &oauthText, &authText)
			break
		}
		e.Message = truncateText(string(body))
		authText = append(authText, e.Message)
	case '"':
		var s string
		if json.Unmarshal(body, &s) == nil {
			e.Message = truncateText(s)
		} else {
			e.Message = truncateText(string(body))
		}
		authText = append(authText, e.Message)
	default:
		e.Message = truncateText(string(body))
		authText = append(authText, e.Message)
	}
	if status != 401 && status != 403 {
		authText = nil
	}
	for _, t := range append(oauthText, authText...) {
		if m := authCodeRE.FindString(t); m != "" {
			e.AuthCode = m
			break
		}
	}
	return e
}

func parseEnvelope(e *APIError, f map[string]json.RawMessage, oauthText, authText *[]string) {
	text := func(raw json.RawMessage) string {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || isNull(raw) {
			return ""
		}
		s, err := flexText(raw)
		if err != nil {
			return ""
		}
		return s
	}
	if raw, ok := f["error"]; ok {
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '{' {
			if inner, ok := parseObjectCI(raw); ok {
				e.Code = text(inner["code"])
				e.Message = firstNonEmpty(text(inner["description"]), text(inner["message"]), text(inner["error_description"]))
			}
		} else {
			e.Code = text(raw) // OAuth2: "server_error"
		}
	}
	if desc := text(f["error_description"]); desc != "" {
		if e.Message == "" {
			e.Message = desc
		}
		*oauthText = append(*oauthText, desc)
	}
	if e.Code == "" {
		e.Code = text(f["code"])
	}
	if e.Message == "" {
		e.Message = firstNonEmpty(text(f["message"]), text(f["description"]), text(f["detail"]), text(f["title"]))
	}
	if e.Code == "" {
		if _, ok := f["sucess"]; ok { // sign host, Unico's spelling
			e.Code = "sign_error"
		} else if _, ok := f["success"]; ok {
			e.Code = "sign_error"
		}
	}
	*authText = append(*authText, e.Message)
	e.Message = truncateText(e.Message)
}

// parseObjectCI decodes a JSON object with its keys lower-cased (Unico capitalises "Error",
// "Message" and "Sucess" on some hosts).
func parseObjectCI(b []byte) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		if err2 := json.Unmarshal(RepairTrailingCommas(b), &m); err2 != nil {
			return nil, false
		}
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		lk := strings.ToLower(k)
		if _, dup := out[lk]; !dup || k == lk {
			out[lk] = v
		}
	}
	return out, true
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func truncateText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

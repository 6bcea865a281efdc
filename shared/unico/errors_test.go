package unico

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		retryAfter string
		code, msg  string
		authCode   string
		lockout    bool
		authFail   bool
		retry      time.Duration
	}{
		{"by Unico documented", 400, `{"error":{"code":"0000","description":"error description"}}`, "", "0000", "error description", "", false, false, 0},
		{"by Client capital Error", 400, `{"Error":{"code":"40004","description":"Error description"}}`, "", "40004", "Error description", "", false, false, 0},
		{"by Client numeric code", 403, `{"error":{"code":10201,"description":"APIKEY invalid"}}`, "", "10201", "APIKEY invalid", "", false, false, 0},
		{"grpc-gateway", 400, `{"code":3,"message":"process id is invalid","details":[]}`, "", "3", "process id is invalid", "", false, false, 0},
		{"grpc not found", 404, `{"code":5,"message":"error getting process: rpc error: code = NotFound desc = process not found","details":[]}`, "", "5", "error getting process: rpc error: code = NotFound desc = process not found", "", false, false, 0},
		{"grpc string code", 500, `{"code":"99999","message":"Internal failure! Try again later"}`, "", "99999", "Internal failure! Try again later", "", false, false, 0},
		{"auth", 401, `{"error":"server_error","error_description":"Falha na autenticação 1.2.7"}`, "", "server_error", "Falha na autenticação 1.2.7", "1.2.7", false, true, 0},
		{"auth lockout", 400, `{"error":"server_error","error_description":"Falha na autenticação 1.2.18"}`, "", "server_error", "Falha na autenticação 1.2.18", "1.2.18", true, true, 0},
		{"auth 1.0.1", 401, `{"error":"invalid_grant","error_description":"Authentication failed (1.0.1)"}`, "", "invalid_grant", "Authentication failed (1.0.1)", "1.0.1", false, true, 0},
		{"plain string 401", 401, `Unauthorized`, "", "", "Unauthorized", "", false, false, 0},
		{"JSON string 401", 401, `"Authentication failed (1.2.21)"`, "", "", "Authentication failed (1.2.21)", "1.2.21", false, true, 0},
		{"sign host", 500, `{"Sucess":false,"Message":"Documento não encontrado","Data":null}`, "", "sign_error", "Documento não encontrado", "", false, false, 0},
		{"trailing comma", 400, `{"error":{"code":"3","description":"invalid flow",},}`, "", "3", "invalid flow", "", false, false, 0},
		{"rate limited seconds", 429, ``, "7", "", "", "", false, false, 7 * time.Second},
		{"html", 502, `<html>Bad gateway</html>`, "", "", "<html>Bad gateway</html>", "", false, false, 0},
		{"version-like text outside auth", 400, `{"code":3,"message":"invalid callbackUri 1.2.3"}`, "", "3", "invalid callbackUri 1.2.3", "", false, false, 0},
		{"empty", 500, ``, "", "", "", "", false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseError(tt.status, []byte(tt.body), tt.retryAfter)
			if e.HTTPStatus != tt.status || e.Code != tt.code || e.Message != tt.msg || e.AuthCode != tt.authCode || e.RetryAfter != tt.retry {
				t.Errorf("got %+v", *e)
			}
			if e.IsAuthLockout() != tt.lockout || IsAuthLockout(fmt.Errorf("wrapped: %w", e)) != tt.lockout {
				t.Errorf("lockout")
			}
			if e.IsAuthFailure() != tt.authFail || IsAuthFailure(fmt.Errorf("wrapped: %w", e)) != tt.authFail {
				t.Errorf("auth failure")
			}
			// Error() carries status and code only, never the message.
			if tt.msg != "" && strings.Contains(e.Error(), tt.msg) {
				t.Errorf("Error() leaks the message: %s", e.Error())
			}
			if !strings.Contains(e.Error(), fmt.Sprint(tt.status)) {
				t.Errorf("Error() lacks the status: %s", e.Error())
			}
		})
	}
}

func TestParseErrorEchoedInputStaysOutOfError(t *testing.T) {
	body := `{"code":3,"message":"idnsv2/GetPublicID request error: invalid dui value 73689290074 for Luke Skywalker"}`
	e := ParseError(400, []byte(body), "")
	if !strings.Contains(e.Message, "73689290074") {
		t.Fatal("message should be kept for debugging")
	}
	if s := e.Error(); strings.Contains(s, "73689290074") || strings.Contains(s, "Luke") || s != "unico: HTTP 400 code 3" {
		t.Errorf("Error() = %q", s)
	}
	// A hostile code cannot smuggle text either.
	e = ParseError(400, []byte(`{"code":"73689290074 Luke Skywalker and a very long text that goes on and on"}`), "")
	if strings.Contains(e.Error(), "Luke Skywalker") || len(e.Error()) > 80 {
		t.Errorf("Error() = %q", e.Error())
	}
	if IsRateLimited(e) || HTTPStatus(fmt.Errorf("x: %w", e)) != 400 {
		t.Error("helpers")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"0":                             0,
		"-5":                            0,
		"soon":                          0,
		"Thu, 01 Jan 2026 12:00:30 GMT": 30 * time.Second,
		"Thu, 01 Jan 2026 11:59:00 GMT": 0,
	}
	for in, want := range tests {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("%q: %v", in, got)
		}
	}
}

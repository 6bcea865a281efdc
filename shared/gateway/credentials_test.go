package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/secrets"
	"github.com/unicogw/gateway/shared/unico"
)

// TestMalformedCredentialsSecret: a credentials secret missing fields is reported at init
// (the log names every missing field), every request that needs it is a 503
// credentials_invalid (the log names the fields again), no value of the secret appears anywhere,
// Unico is not called, and the corrected secret is picked up without a restart.
func TestMalformedCredentialsSecret(t *testing.T) {
	h := newHarness(t, nil)
	bad := h.creds
	bad.PrivateKeyPEM = ""
	bad.CPFHashKey = ""
	h.putCreds(bad)
	c := h.container(h.config(true))

	c.gw.CheckCredentialsAtInit(context.Background())
	initLog := h.logs.String()
	for _, want := range []string{"startup: the credentials secret is unusable", "privateKeyPem: missing", "cpfHashKey: missing", credsID} {
		if !strings.Contains(initLog, want) {
			t.Fatalf("init log lacks %q: %s", want, initLog)
		}
	}
	var ve *secrets.ValidationError
	if err := c.gw.CheckCredentials(context.Background()); !errors.As(err, &ve) {
		t.Fatalf("CheckCredentials = %v", err)
	}

	h.logs.Reset()
	a := c.create(t, "creds-1")
	if a.status != http.StatusServiceUnavailable || a.code() != gateway.CodeCredentialsInvalid || a.header.Get("Retry-After") != "30" {
		t.Fatalf("create: %d %v %v", a.status, a.header, a.body)
	}
	if msg, _ := a.body["error"].(map[string]any)["message"].(string); strings.Contains(msg, "privateKeyPem") || msg == "" {
		t.Fatalf("the answer to the app backend names the secret's fields: %q", msg)
	}
	hook := c.do(t, http.MethodPost, "/webhooks/unico", map[string]string{"Authorization": "Basic dW5pY286eA=="},
		map[string]any{"processId": "53060f52-f146-4c12-a234-5bb5031f6f5b", "state": "PROCESS_STATE_FINISHED"})
	if hook.status != http.StatusServiceUnavailable || hook.code() != gateway.CodeCredentialsInvalid {
		t.Fatalf("webhook: %d %v", hook.status, hook.body)
	}
	if !strings.Contains(h.logs.String(), "privateKeyPem: missing") {
		t.Fatalf("request log does not name the field: %s", h.logs.String())
	}
	if n := h.sim.Stats().Calls["POST /oauth2/token"] + h.sim.Stats().Calls["POST /client/v1/process"]; n != 0 {
		t.Fatalf("Unico was called %d times", n)
	}
	for _, text := range []string{initLog, h.logs.String()} {
		for _, v := range []string{bad.APIKeys[unico.CapabilityLiveness], bad.Webhook[0].Password, "MII"} {
			if strings.Contains(text, v) {
				t.Fatalf("a credential value (%.6s...) is in the logs", v)
			}
		}
		if f := logging.FindPII(text, bad.Webhook[0].Password, bad.APIKeys[unico.CapabilityLiveness]); len(f) > 0 {
			t.Fatalf("logs carry secrets or personal data: %v", f)
		}
	}

	// The operator fixes the secret: picked up once the cache expires (here: invalidated, as
	// after SECRETS_TTL), no redeploy.
	h.putCreds(h.creds)
	c.gw.Credentials.Invalidate()
	if a := c.create(t, "creds-2"); a.status != http.StatusCreated {
		t.Fatalf("after the fix: %d %v", a.status, a.body)
	}
}

// TestUnico429IsPassedBackWithRetryAfter: Unico's 429 on a create reaches the app backend as a
// 429 with Unico's Retry-After, after exactly one call (no blind retry of a create); the
// idempotency key is released, so the backend's retry succeeds.
func TestUnico429IsPassedBackWithRetryAfter(t *testing.T) {
	h := newHarness(t, nil)
	c := h.container(h.config(true))
	h.sim.InjectFault(unicosim.Fault{Method: http.MethodPost, PathPrefix: "/client/v1/process", Status: http.StatusTooManyRequests,
		RetryAfter: "7", Body: `{"error":{"code":"429","message":"Too Many Requests"}}`, Times: 1})
	a := c.create(t, "rate-1")
	if a.status != http.StatusTooManyRequests || a.code() != "unico_rate_limited" || a.header.Get("Retry-After") != "7" {
		t.Fatalf("create under Unico's 429: %d %q %v", a.status, a.header.Get("Retry-After"), a.body)
	}
	if n := h.sim.Stats().Calls["POST /client/v1/process"]; n != 1 {
		t.Fatalf("%d create calls reached Unico, want 1", n)
	}
	h.clock.Advance(7 * time.Second)
	if a := c.create(t, "rate-1"); a.status != http.StatusCreated {
		t.Fatalf("retry after Retry-After: %d %v", a.status, a.body)
	}
	// An HTTP-date Retry-After is honoured too.
	h.sim.InjectFault(unicosim.Fault{Method: http.MethodPost, PathPrefix: "/client/v1/process", Status: http.StatusTooManyRequests,
		RetryAfter: h.clock.Now().Add(42 * time.Second).Format(http.TimeFormat), Times: 1})
	if a := c.create(t, "rate-2"); a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "42" {
		t.Fatalf("HTTP-date Retry-After: %d %q", a.status, a.header.Get("Retry-After"))
	}
}

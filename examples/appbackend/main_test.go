package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/outbound"
)

func noEnv(string) string { return "" }

// TestOneCommandAgainstTheLocalStack runs `go run ./examples/appbackend` as a newcomer does: it
// starts the local stack itself (its own DynamoDB Local, the simulator, the functions, the
// notifier), creates a verification, gets the gateway's signed event on its own endpoint,
// verifies it and reads the same decision.
func TestOneCommandAgainstTheLocalStack(t *testing.T) {
	for scenario, outcome := range map[string]string{"approved": "approved", "rejected_identity": "rejected"} {
		t.Run(scenario, func(t *testing.T) {
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			if err := run(ctx, []string{"-scenario", scenario, "-wait", "1m"}, noEnv, &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			steps := regexp.MustCompile(`(?s)1\. created verification ([0-9a-f-]{36}) .*send the person to http://127\.0\.0\.1:\d+/journey/([0-9a-f-]{36})\n` +
				`2\. the person finished the journey .*\n3\. event process\.finished received, signature verified: finished, decision (\w+)\n` +
				`4\. read the process: state finished, decision (\w+)\n`)
			m := steps.FindStringSubmatch(out.String())
			if m == nil || m[1] != m[2] || m[3] != outcome || m[4] != outcome {
				t.Fatalf("want the four steps ending in %s:\n%s", outcome, out.String())
			}
		})
	}
}

// TestEndpointVerifiesEvents: the endpoint accepts an event signed by the gateway's signer with
// the tenant's secret (once per webhook-id), and refuses anything else with 401.
func TestEndpointVerifiesEvents(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	secretText := outbound.SecretPrefix + base64.StdEncoding.EncodeToString(key)
	secret, err := outbound.ParseSecret(secretText)
	if err != nil {
		t.Fatal(err)
	}
	b := newBackend(secretText)
	srv := httptest.NewServer(b)
	defer srv.Close()
	const id = "0b6f1c2e-4d5a-4b3c-8e9f-1a2b3c4d5e6f"
	body := []byte(`{"type":"process.finished","timestamp":"2026-05-02T10:05:00Z","data":{"id":"` + id +
		`","integration":"by_unico","flow":"id","state":"finished","decision":{"outcome":"approved","reasons":[]}}}`)
	post := func(body []byte, h func(http.Header)) int {
		now := time.Now()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/gateway-events", bytes.NewReader(body))
		req.Header.Set("webhook-id", "evt_"+id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", outbound.Sign([]outbound.Secret{secret}, "evt_"+id, now, body))
		if h != nil {
			h(req.Header)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	other, _ := outbound.ParseSecret(outbound.SecretPrefix + base64.StdEncoding.EncodeToString([]byte("another tenant's secret")))
	for name, h := range map[string]func(http.Header){
		"no signature": func(h http.Header) { h.Del("webhook-signature") },
		"other secret": func(h http.Header) {
			h.Set("webhook-signature", outbound.Sign([]outbound.Secret{other}, "evt_"+id, time.Now(), body))
		},
		"old timestamp": func(h http.Header) {
			h.Set("webhook-timestamp", strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10))
		},
		"other id": func(h http.Header) { h.Set("webhook-id", "evt_other") },
	} {
		if got := post(body, h); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	if got := post(bytes.Replace(body, []byte("approved"), []byte("rejected"), 1), func(h http.Header) {
		h.Set("webhook-signature", outbound.Sign([]outbound.Secret{secret}, "evt_"+id, time.Now(), body))
	}); got != http.StatusUnauthorized {
		t.Errorf("changed body: %d, want 401", got)
	}
	for range 2 { // a retry of the same event is acknowledged, and handled once
		if got := post(body, nil); got != http.StatusNoContent {
			t.Fatalf("valid event: %d", got)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, err := b.wait(ctx, id)
	if err != nil || ev.Data.Decision.Outcome != "approved" {
		t.Fatalf("event: %+v %v", ev, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := b.wait(short, id); err == nil {
		t.Fatal("the retry was handed over a second time")
	}
}

// TestDeploymentSettings: against a deployment the backend needs the key, the secret and a CPF.
func TestDeploymentSettings(t *testing.T) {
	env := map[string]string{"GATEWAY_URL": "https://gw.example"}
	err := run(context.Background(), []string{"-cpf", "73689290074"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "GATEWAY_API_KEY") {
		t.Fatalf("missing settings: %v", err)
	}
	env["GATEWAY_API_KEY"], env["GATEWAY_SIGNING_SECRET"] = "k", "whsec_AAAA"
	if err := run(context.Background(), nil, func(k string) string { return env[k] }, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "-cpf") {
		t.Fatalf("missing CPF: %v", err)
	}
}

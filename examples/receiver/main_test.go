package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/outbound"
)

// TestVerifiesTheGatewaysSignature: what the gateway's signer produces, this receiver accepts;
// a tampered body, a wrong secret or an old timestamp it refuses.
func TestVerifiesTheGatewaysSignature(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	key, _ := outbound.ParseSecret(secret)
	body := []byte(`{"type":"process.finished","data":{"id":"x"}}`)
	now := time.Now()
	h := http.Header{}
	h.Set("webhook-id", "evt_x")
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", outbound.Sign([]outbound.Secret{key}, "evt_x", now, body))
	if err := verify(secret, h, body, now); err != nil {
		t.Fatal(err)
	}
	if verify(secret, h, append(body, ' '), now) == nil || verify("whsec_"+strings.Repeat("QUJD", 8), h, body, now) == nil ||
		verify(secret, h, body, now.Add(6*time.Minute)) == nil {
		t.Fatal("a bad event verified")
	}
	// Over HTTP, twice: accepted both times (the second is a duplicate).
	srv := httptest.NewServer(handler(secret))
	defer srv.Close()
	for range 2 {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(string(body)))
		req.Header = h.Clone()
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("%v %v", res, err)
		}
		res.Body.Close()
	}
}

// TestREADMEShowsThisCode: the README's receiver is this file's verify function, verbatim.
func TestREADMEShowsThisCode(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	start := strings.Index(s, "func verify(")
	end := start + strings.Index(s[start:], "\n}\n") + 3
	if start < 0 || !strings.Contains(string(readme), s[start:end]) {
		t.Fatal("README.md does not show examples/receiver's verify function as it is")
	}
}

package devstack_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/runtimefake"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/tokenshare"
	"github.com/unicogw/gateway/shared/unico"
)

// TestRealTokenRefresherBootstrap runs the real tokenrefresher binary on the fake Runtime API
// against the local stack's Secrets Manager endpoint and simulator, with scheduled events as
// EventBridge sends them: the first run writes the shared token, the second finds it fresh.
// With a malformed credentials secret, the binary names the missing field at init and in the
// run's error, and quotes no value.
func TestRealTokenRefresherBootstrap(t *testing.T) {
	s, _ := startStack(t)
	const tokenID = "unico-gateway/token"
	s.Secrets.Put(tokenID, tokenshare.EmptyDocument)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin := buildBootstrap(t, "tokenrefresher")
	env := []string{"CREDENTIALS_SECRET_ID=" + s.Config.CredentialsSecretID, "TOKEN_SECRET_ID=" + tokenID,
		"UNICO_AUTH_URL=" + s.SimURL, "TOKEN_REFRESH_WINDOW=15m", "STACK_NAME=LocalStack", "LOG_LEVEL=INFO",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + s.SecretsURL}
	event := []byte(`{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"Scheduled Event","source":"aws.events",` +
		`"account":"000000000000","time":"2026-03-02T09:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:000000000000:rule/TokenRefresherSchedule"],"detail":{}}`)

	start := func() (*runtimefake.Runtime, *runtimefake.Process) {
		rt := runtimefake.New()
		t.Cleanup(rt.Close)
		p, err := runtimefake.StartFunction(ctx, bin, env, rt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Stop() })
		return rt, p
	}

	rt, p := start()
	mints := s.Sim.Stats().TokenMints
	for i, want := range []tokenshare.Outcome{tokenshare.Refreshed, tokenshare.Fresh} {
		out, err := rt.Invoke(ctx, event)
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, p.Logs())
		}
		var res tokenshare.Result
		if err := json.Unmarshal(out, &res); err != nil || res.Outcome != want || res.SecondsLeft < 3500 {
			t.Fatalf("run %d answered %s (%v), want %s", i, out, err, want)
		}
	}
	t.Logf("tokenrefresher: exec to first /next %v", rt.FirstNextAt().Sub(p.Started))
	raw, _, _ := s.Secrets.Current(tokenID)
	var doc tokenshare.Document
	if err := json.Unmarshal([]byte(raw), &doc); err != nil || doc.AccessToken == "" || time.Until(doc.ExpiresAt) < 50*time.Minute {
		t.Fatalf("token secret after the runs: %v (%v)", doc, err)
	}
	if n := s.Sim.Stats().TokenMints - mints; n != 1 {
		t.Fatalf("%d mints, want 1", n)
	}
	logs := p.Logs()
	if strings.Contains(logs, doc.AccessToken) {
		t.Fatal("the token is in the refresher's logs")
	}
	recs := metrics.Scan(logs)
	if metrics.Sum(recs, metrics.Namespace, metrics.UnicoTokenRefreshes) != 1 || len(recs) == 0 || recs[0].Dimensions[metrics.DimensionStack] != "LocalStack" {
		t.Fatalf("metrics %+v in\n%s", recs, logs)
	}
	_ = p.Stop()

	// A malformed credentials secret: a new container reports it at init and every run fails
	// naming the field.
	raw, _, _ = s.Secrets.Current(s.Config.CredentialsSecretID)
	var creds unico.Credentials
	if err := json.Unmarshal([]byte(raw), &creds); err != nil {
		t.Fatal(err)
	}
	pem := creds.PrivateKeyPEM
	creds.PrivateKeyPEM = ""
	broken, _ := json.Marshal(creds)
	s.Secrets.Put(s.Config.CredentialsSecretID, string(broken))
	s.Secrets.Put(tokenID, tokenshare.EmptyDocument)
	rt, p = start()
	_, err := rt.Invoke(ctx, event)
	var ie *runtimefake.InvokeError
	if !errors.As(err, &ie) || !strings.Contains(ie.Error(), "privateKeyPem: missing") {
		t.Fatalf("run with broken credentials: %v", err)
	}
	logs = p.Logs()
	for _, want := range []string{"startup: the credentials secret is unusable", "privateKeyPem: missing"} {
		if !strings.Contains(logs, want) {
			t.Fatalf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, v := range []string{pem[40:80], creds.CPFHashKey, creds.Webhook[0].Password} {
		if strings.Contains(logs, v) || strings.Contains(ie.Error(), v) {
			t.Fatalf("a credential value (%.6s...) leaked", v)
		}
	}
}

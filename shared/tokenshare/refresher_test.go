package tokenshare_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/secrets"
	"github.com/unicogw/gateway/shared/tokenshare"
	"github.com/unicogw/gateway/shared/unico"
)

// TestRefresherScheduleOverThreeHours runs the refresher every 5 simulated minutes for 3 hours:
// it writes one token per lifetime (60 min), each within its refresh window, never two writes
// within 10 minutes, and the shared token always has more than the containers' refresh margin
// left.
func TestRefresherScheduleOverThreeHours(t *testing.T) {
	h := newHarness(t, nil)
	fn := h.function(nil)
	start := h.clock.Now()
	var writes []time.Time
	for now := start; now.Sub(start) < 3*time.Hour; now = h.clock.Now() {
		before := h.shared()
		res, err := h.run(fn)
		if err != nil {
			t.Fatalf("%v: %v", now.Sub(start), err)
		}
		after := h.shared()
		switch res.Outcome {
		case tokenshare.Refreshed:
			writes = append(writes, now)
			if after.AccessToken == before.AccessToken || !after.ExpiresAt.Equal(now.Add(time.Hour)) || !after.IssuedAt.Equal(now) {
				t.Fatalf("%v: write did not replace the token: %v → %v", now.Sub(start), before, after)
			}
			if !before.ExpiresAt.IsZero() {
				left := before.ExpiresAt.Sub(now)
				if left >= tokenshare.DefaultRefreshWindow || left < tokenshare.DefaultRefreshWindow-tokenshare.DefaultSchedule {
					t.Fatalf("%v: replaced with %v left, want within [10m, 15m)", now.Sub(start), left)
				}
			}
		case tokenshare.Fresh:
			if after != before {
				t.Fatalf("%v: fresh run changed the secret", now.Sub(start))
			}
		default:
			t.Fatalf("%v: outcome %s", now.Sub(start), res.Outcome)
		}
		if left := after.ExpiresAt.Sub(now); left <= 10*time.Minute-time.Second {
			t.Fatalf("%v: shared token has only %v left", now.Sub(start), left)
		}
		if res.SecondsLeft != after.ExpiresAt.Sub(now).Seconds() {
			t.Fatalf("result %+v, secret expires %v", res, after.ExpiresAt)
		}
		h.clock.Advance(tokenshare.DefaultSchedule)
	}
	// 0, 50, 100, 150 minutes: 4 writes in 3 hours (3 lifetimes + 1).
	if len(writes) != 4 || h.sim.Stats().TokenMints != 4 {
		t.Fatalf("writes at %v, %d mints", writes, h.sim.Stats().TokenMints)
	}
	for i := 1; i < len(writes); i++ {
		if gap := writes[i].Sub(writes[i-1]); gap < 10*time.Minute {
			t.Fatalf("writes %v apart", gap)
		}
	}
	if n := h.sm.Counts()["PutSecretValue"]; n != 4 {
		t.Fatalf("PutSecretValue %d times", n)
	}
	recs := metrics.Scan(h.logs.String())
	if metrics.Sum(recs, metrics.Namespace, metrics.UnicoTokenRefreshes) != 4 || metrics.Sum(recs, metrics.Namespace, metrics.UnicoTokenMints) != 4 ||
		metrics.Sum(recs, metrics.Namespace, metrics.UnicoTokenRefreshFailures) != 0 {
		t.Fatalf("metrics: %+v", recs)
	}
	for _, r := range recs {
		if r.Dimensions[metrics.DimensionStack] != "TestStack" {
			t.Fatalf("dimensions %v", r.Dimensions)
		}
	}
	assertNoToken(t, h)
}

// assertNoToken checks that no token the simulator issued, and no credential, is in the logs.
func assertNoToken(t *testing.T, h *harness) {
	t.Helper()
	out := h.logs.String()
	if d := h.shared(); d.AccessToken != "" && strings.Contains(out, d.AccessToken) {
		t.Fatal("the shared token is in the logs")
	}
	for _, v := range []string{h.creds.APIKeys[unico.CapabilityLiveness], h.creds.Webhook[0].Password, h.creds.CPFHashKey, "PRIVATE KEY", "MII"} {
		if strings.Contains(out, v) {
			t.Fatalf("a credential (%.8s...) is in the logs", v)
		}
	}
	if f := logging.FindPII(out); len(f) > 0 {
		t.Fatalf("personal data or secrets in the logs: %v", f)
	}
}

// TestRefresherNeverWritesTwiceWithinTenMinutes: with tokens that live 8 minutes, every run
// finds the token due, yet writes are at least 10 minutes apart (AWS's guidance).
func TestRefresherNeverWritesTwiceWithinTenMinutes(t *testing.T) {
	h := newHarness(t, func(c *unicosim.Config) { c.TokenLifetime = 8 * time.Minute })
	fn := h.function(nil)
	var last time.Time
	writes, tooSoon := 0, 0
	for range 24 { // 2 hours
		res, err := h.run(fn)
		if err != nil {
			t.Fatal(err)
		}
		switch res.Outcome {
		case tokenshare.Refreshed:
			if !last.IsZero() && h.clock.Now().Sub(last) < 10*time.Minute {
				t.Fatalf("writes %v apart", h.clock.Now().Sub(last))
			}
			last = h.clock.Now()
			writes++
		case tokenshare.TooSoon:
			tooSoon++
		default:
			t.Fatalf("outcome %s", res.Outcome)
		}
		h.clock.Advance(5 * time.Minute)
	}
	if writes != 12 || tooSoon != 12 || h.sm.Counts()["PutSecretValue"] != 12 {
		t.Fatalf("%d writes, %d too soon", writes, tooSoon)
	}
}

// staleReads answers GetSecretValue with a snapshot taken earlier: a second refresher that read
// the secret before the first one wrote.
type staleReads struct {
	tokenshare.SecretsAPI
	snapshot *secretsmanager.GetSecretValueOutput
}

func (s staleReads) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return s.snapshot, nil
}

// TestConcurrentRefreshersWriteOnce: two refreshers that read the same version both mint, but
// only the first write lands; the second reports LostRace and the first token stands.
func TestConcurrentRefreshersWriteOnce(t *testing.T) {
	h := newHarness(t, nil)
	id := tokenID
	snapshot, err := h.client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: &id})
	if err != nil {
		t.Fatal(err)
	}
	first := h.function(nil)
	if res, err := h.run(first); err != nil || res.Outcome != tokenshare.Refreshed {
		t.Fatalf("first: %+v %v", res, err)
	}
	won := h.shared()

	second, err := tokenshare.NewRefresher(staleReads{h.client, snapshot}, h.function(nil).Tokens,
		tokenshare.RefresherConfig{SecretID: tokenID, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	res, err := second.Run(context.Background())
	if err != nil || res.Outcome != tokenshare.LostRace {
		t.Fatalf("second: %+v %v", res, err)
	}
	if h.shared() != won || h.sm.Counts()["PutSecretValue"] != 2 {
		t.Fatalf("the second write replaced the first (%d puts)", h.sm.Counts()["PutSecretValue"])
	}
}

// TestRefresherFailures: the token endpoint failing, and Unico's lockout, are run errors with a
// metric, the shared token untouched; the next run after recovery writes.
func TestRefresherFailures(t *testing.T) {
	h := newHarness(t, nil)
	fn := h.function(nil)
	h.sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/oauth2/token", Status: 503, Body: "maintenance"})
	res, err := h.run(fn)
	if err == nil || res.Outcome != tokenshare.Failed || unico.HTTPStatus(err) != 503 {
		t.Fatalf("outage: %+v %v", res, err)
	}
	if d := h.shared(); d.AccessToken != "" {
		t.Fatal("a failed run wrote")
	}
	h.sim.ClearFaults()
	h.sim.InjectFault(unicosim.Fault{Method: "POST", PathPrefix: "/oauth2/token", Status: 401,
		Body: `{"error":"server_error","error_description":"Falha na autenticação 1.2.18"}`})
	if _, err := h.run(fn); !unico.IsAuthLockout(err) {
		t.Fatalf("lockout: %v", err)
	}
	// The circuit is open: the next run does not reach Unico.
	calls := h.sim.Stats().Calls["POST /oauth2/token"]
	h.clock.Advance(5*time.Minute - time.Second)
	if _, err := h.run(fn); err == nil || !strings.Contains(err.Error(), "authentication circuit open") {
		t.Fatalf("open circuit: %v", err)
	}
	if n := h.sim.Stats().Calls["POST /oauth2/token"]; n != calls {
		t.Fatalf("token endpoint called while the circuit is open (%d → %d)", calls, n)
	}
	h.sim.ClearFaults()
	h.clock.Advance(time.Second)
	if res, err := h.run(fn); err != nil || res.Outcome != tokenshare.Refreshed {
		t.Fatalf("after the cool-down: %+v %v", res, err)
	}
	recs := metrics.Scan(h.logs.String())
	for name, want := range map[string]float64{metrics.UnicoTokenRefreshFailures: 3, metrics.UnicoTokenRefreshes: 1,
		metrics.UnicoAuthCircuitOpen: 1, metrics.UnicoTokenMintFailures: 2, metrics.UnicoTokenMints: 1} {
		if got := metrics.Sum(recs, metrics.Namespace, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	assertNoToken(t, h)
}

// TestRefresherMalformedCredentials: a credentials secret missing a field is reported at init
// (CheckCredentials) and by the run, naming the field and quoting no value.
func TestRefresherMalformedCredentials(t *testing.T) {
	h := newHarness(t, nil)
	bad := h.creds
	bad.PrivateKeyPEM = ""
	bad.TenantID = ""
	h.putCreds(bad)
	fn := h.function(nil)
	err := fn.CheckCredentials(context.Background())
	var ve *secrets.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "privateKeyPem: missing") || !strings.Contains(err.Error(), "tenantId: missing") {
		t.Fatalf("CheckCredentials = %v", err)
	}
	res, err := h.run(fn)
	if res.Outcome != tokenshare.Failed || !errors.As(err, &ve) || !strings.Contains(err.Error(), "privateKeyPem: missing") {
		t.Fatalf("run = %+v %v", res, err)
	}
	if h.sim.Stats().Calls["POST /oauth2/token"] != 0 {
		t.Fatal("Unico was called with broken credentials")
	}
	for _, text := range []string{err.Error(), h.logs.String()} {
		for _, v := range []string{h.creds.APIKeys[unico.CapabilityLiveness], h.creds.Webhook[0].Password, h.creds.CPFHashKey} {
			if strings.Contains(text, v) {
				t.Fatalf("a credential value is in %q", text)
			}
		}
	}
	if !strings.Contains(h.logs.String(), "privateKeyPem: missing") {
		t.Fatalf("the run's log does not name the field: %s", h.logs.String())
	}
}

func TestRefresherMissingSecret(t *testing.T) {
	h := newHarness(t, nil)
	fn := h.function(func(c *tokenshare.FunctionConfig) { c.TokenSecretID = "no/such/secret" })
	_, err := h.run(fn)
	var te *tokenshare.Error
	if !errors.As(err, &te) || te.Code != "ResourceNotFoundException" || te.Op != "GetSecretValue" ||
		err.Error() != `tokenshare: GetSecretValue on secret "no/such/secret": ResourceNotFoundException` {
		t.Fatalf("err = %v", err)
	}
	if h.sim.Stats().TokenMints != 0 {
		t.Fatal("minted without a place to write")
	}
}

func TestFunctionConfigFromEnv(t *testing.T) {
	env := map[string]string{"CREDENTIALS_SECRET_ID": "c", "TOKEN_SECRET_ID": "t", "UNICO_AUTH_URL": "https://identityhomolog.acesso.io/"}
	get := func(k string) string { return env[k] }
	c, err := tokenshare.FunctionConfigFromEnv(get)
	if err != nil || c.UnicoAudience != "https://identityhomolog.acesso.io" || c.RefreshWindow != 15*time.Minute ||
		c.StackName != "local" || c.SecretsTTL != 5*time.Minute {
		t.Fatalf("%+v %v", c, err)
	}
	for k, v := range map[string]string{"TOKEN_SECRET_ID": "", "CREDENTIALS_SECRET_ID": "", "UNICO_AUTH_URL": "",
		"TOKEN_REFRESH_WINDOW": "10m", "SECRETS_TTL": "soon", "LOG_LEVEL": "LOUD"} {
		old := env[k]
		env[k] = v
		if _, err := tokenshare.FunctionConfigFromEnv(get); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v", k, v, err)
		}
		env[k] = old
	}
}

func TestDocumentHidesTheToken(t *testing.T) {
	d := tokenshare.Document{AccessToken: "secret-access-token", ExpiresAt: time.Unix(0, 0)}
	for _, s := range []string{d.String(), d.GoString()} {
		if strings.Contains(s, "secret-access-token") {
			t.Fatal(s)
		}
	}
	l, buf := logging.NewCapture()
	l.Info("doc", "doc", d)
	if strings.Contains(buf.String(), "secret-access-token") {
		t.Fatal(buf.String())
	}
}

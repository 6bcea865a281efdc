package gateway

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "CREDENTIALS_SECRET_ID": "s", "UNICO_AUTH_URL": "https://identityhomolog.acesso.io/",
		"UNICO_BY_UNICO_URL": "https://api.cadastro.uat.unico.app", "TENANT_KEYS": `[{"keyId":"k1","tenant":"acme"}]`, "SECRETS_TTL": "90s"}
	c, err := ConfigFromEnv(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.UnicoAudience != "https://identityhomolog.acesso.io" || c.SecretsTTL != 90*time.Second || c.RetentionDays != 180 {
		t.Fatalf("defaults: %+v", c)
	}
	if tenant, ok := c.tenantResolver()("k1"); !ok || tenant != "acme" {
		t.Fatal("tenant keys not mapped")
	}
	if _, ok := c.tenantResolver()("k2"); ok {
		t.Fatal("unknown key mapped")
	}
	if _, ok := c.tenantResolver()(""); ok {
		t.Fatal("a request without an API key got a tenant")
	}
	sam := map[string]string{"TENANT_WITHOUT_API_KEY": "demo"}
	for k, v := range base {
		sam[k] = v
	}
	c, _ = ConfigFromEnv(env(sam))
	if tenant, ok := c.tenantResolver()(""); !ok || tenant != "demo" {
		t.Fatal("TENANT_WITHOUT_API_KEY not honoured")
	}
	for _, name := range []string{"TABLE_NAME", "CREDENTIALS_SECRET_ID", "UNICO_AUTH_URL", "UNICO_BY_UNICO_URL"} {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		delete(m, name)
		if _, err := ConfigFromEnv(env(m)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	for k, v := range map[string]string{"SECRETS_TTL": "soon", "TENANT_KEYS": "{", "RETENTION_DAYS": "0", "MIN_RISK_SCORE": "x", "LOG_LEVEL": "LOUD"} {
		m := map[string]string{}
		for kk, vv := range base {
			m[kk] = vv
		}
		m[k] = v
		if _, err := ConfigFromEnv(env(m)); err == nil || !strings.Contains(err.Error(), k) || strings.Contains(err.Error(), v) && len(v) > 2 {
			t.Errorf("bad %s: %v", k, err)
		}
	}
}

package gateway_test

import (
	"testing"

	"github.com/unicogw/gateway/shared/gateway"
)

func TestConfigTokenSecretAndStack(t *testing.T) {
	env := map[string]string{"TABLE_NAME": "t", "CREDENTIALS_SECRET_ID": "c", "UNICO_AUTH_URL": "https://a", "UNICO_BY_UNICO_URL": "https://b"}
	c, err := gateway.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || c.TokenSecretID != "" || c.StackName != "local" {
		t.Fatalf("without TOKEN_SECRET_ID: %+v %v", c, err)
	}
	env["TOKEN_SECRET_ID"], env["STACK_NAME"] = "arn:aws:secretsmanager:us-east-1:1:secret:token-AbCdEf", "UnicoGateway"
	c, err = gateway.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || c.TokenSecretID != env["TOKEN_SECRET_ID"] || c.StackName != "UnicoGateway" {
		t.Fatalf("with TOKEN_SECRET_ID: %+v %v", c, err)
	}
	// Without a token secret, the gateway keeps tokens in memory only.
	h := newHarness(t, nil)
	if gw := h.container(h.config(false)).gw; gw.SharedTokens != nil {
		t.Fatal("a reader without TOKEN_SECRET_ID")
	}
	if gw := h.container(h.config(true)).gw; gw.SharedTokens == nil || gw.SharedTokens.SecretID() != tokenID {
		t.Fatal("no reader with TOKEN_SECRET_ID")
	}
}

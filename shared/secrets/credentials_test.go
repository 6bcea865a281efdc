package secrets

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

func pkcs1PEM(t testing.TB) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey(t))}))
}

func pkcs8PEM(t testing.TB) string {
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Distinctive values planted in the secret; none may ever appear in an error.
const (
	plantedPassword = "pw-PLANTED-9f8e7d"
	plantedAPIKey   = "ak-PLANTED-1a2b3c"
	plantedValue    = "hv-PLANTED-4d5e6f"
	plantedUser     = "user-PLANTED"
	plantedHashKey  = "hk-PLANTED-0123456789abcdef"
	plantedTenant   = "tenant-PLANTED-77"
)

func validCreds(t testing.TB) unico.Credentials {
	return unico.Credentials{
		Environment:    "uat",
		ServiceAccount: "gateway",
		TenantID:       plantedTenant,
		PrivateKeyPEM:  pkcs8PEM(t),
		APIKeys: map[string]string{
			unico.CapabilityLiveness: plantedAPIKey,
			unico.CapabilityIdentity: plantedAPIKey + "-id",
		},
		Webhook: []unico.WebhookCredential{
			{Type: "basic", Username: plantedUser, Password: plantedPassword},
			{Type: "apikey", Header: "X-API-Key", Value: plantedValue},
		},
		CPFHashKey: plantedHashKey,
	}
}

func toJSON(t testing.TB, c unico.Credentials) string {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValidateAccepts(t *testing.T) {
	for name, pemText := range map[string]string{"pkcs8": pkcs8PEM(t), "pkcs1": pkcs1PEM(t)} {
		c := validCreds(t)
		c.PrivateKeyPEM = pemText
		if err := Validate(c); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := validCreds(t)
	c.Environment = ""
	c.ServiceAccount = "exactly12chr"
	if err := Validate(c); err != nil {
		t.Errorf("12-char account, no environment: %v", err)
	}
}

func TestValidateNamesFields(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}))
	cases := []struct {
		name   string
		mutate func(*unico.Credentials)
		want   string
	}{
		{"environment", func(c *unico.Credentials) { c.Environment = "staging" }, "environment: "},
		{"serviceAccount missing", func(c *unico.Credentials) { c.ServiceAccount = "" }, "serviceAccount: missing"},
		{"serviceAccount long", func(c *unico.Credentials) { c.ServiceAccount = "thirteenchars" }, "serviceAccount: longer than 12 characters"},
		{"serviceAccount @", func(c *unico.Credentials) { c.ServiceAccount = "a@b" }, "serviceAccount: contains"},
		{"tenantId", func(c *unico.Credentials) { c.TenantID = " " }, "tenantId: missing"},
		{"pem missing", func(c *unico.Credentials) { c.PrivateKeyPEM = "" }, "privateKeyPem: missing"},
		{"pem garbage", func(c *unico.Credentials) { c.PrivateKeyPEM = "not a key " + plantedPassword }, "privateKeyPem: no PEM block found"},
		{"pem bad der", func(c *unico.Credentials) {
			c.PrivateKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte(plantedPassword)}))
		}, "privateKeyPem: not a valid PKCS#8 private key"},
		{"pem bad pkcs1", func(c *unico.Credentials) {
			c.PrivateKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte(plantedPassword)}))
		}, "privateKeyPem: not a valid PKCS#1 RSA private key"},
		{"pem ec", func(c *unico.Credentials) { c.PrivateKeyPEM = ecPEM }, "privateKeyPem: PKCS#8 key is not an RSA key"},
		{"pem public", func(c *unico.Credentials) {
			der, _ := x509.MarshalPKIXPublicKey(&rsaKey(t).PublicKey)
			c.PrivateKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		}, `privateKeyPem: PEM block is not`},
		{"pem encrypted", func(c *unico.Credentials) {
			c.PrivateKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
				Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}, Bytes: []byte("x")}))
		}, "privateKeyPem: encrypted PEM is not supported"},
		{"apiKeys missing", func(c *unico.Credentials) { c.APIKeys = nil }, "apiKeys: missing"},
		{"apiKeys empty value", func(c *unico.Credentials) { c.APIKeys[unico.CapabilityRiskScore] = "" }, "apiKeys.riskScore: empty"},
		{"apiKeys unknown", func(c *unico.Credentials) { c.APIKeys[plantedAPIKey] = plantedValue }, "apiKeys: has an entry that is not a known capability"},
		{"webhook missing", func(c *unico.Credentials) { c.Webhook = nil }, "webhook: missing"},
		{"webhook type missing", func(c *unico.Credentials) { c.Webhook[1].Type = "" }, "webhook[1].type: missing"},
		{"webhook type bad", func(c *unico.Credentials) { c.Webhook[0].Type = "bearer" }, "webhook[0].type: must be"},
		{"webhook username", func(c *unico.Credentials) { c.Webhook[0].Username = "" }, "webhook[0].username: missing"},
		{"webhook username colon", func(c *unico.Credentials) { c.Webhook[0].Username = "a:b" }, "webhook[0].username: contains ':'"},
		{"webhook password", func(c *unico.Credentials) { c.Webhook[0].Password = "" }, "webhook[0].password: missing"},
		{"webhook header", func(c *unico.Credentials) { c.Webhook[1].Header = "" }, "webhook[1].header: missing"},
		{"webhook header bad", func(c *unico.Credentials) { c.Webhook[1].Header = "X API " + plantedValue }, "webhook[1].header: not a valid HTTP header name"},
		{"webhook value", func(c *unico.Credentials) { c.Webhook[1].Value = "" }, "webhook[1].value: missing"},
		{"cpfHashKey missing", func(c *unico.Credentials) { c.CPFHashKey = "" }, "cpfHashKey: missing"},
		{"cpfHashKey short", func(c *unico.Credentials) { c.CPFHashKey = "tiny-KEY" }, "cpfHashKey: shorter than 16"},
	}
	for _, tc := range cases {
		c := validCreds(t)
		c.APIKeys[unico.CapabilityRiskScore] = "rs-key"
		tc.mutate(&c)
		err := Validate(c)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 {
			t.Errorf("%s: want one problem, got %v", tc.name, err)
		}
		assertNoSecrets(t, tc.name, err.Error(), c)
	}

	// Everything wrong at once: every field is named.
	err := Validate(unico.Credentials{Webhook: []unico.WebhookCredential{{Type: "basic"}, {Type: "apikey"}}})
	for _, f := range []string{"serviceAccount", "tenantId", "privateKeyPem", "apiKeys", "webhook[0].username",
		"webhook[0].password", "webhook[1].header", "webhook[1].value", "cpfHashKey"} {
		if err == nil || !strings.Contains(err.Error(), f+":") {
			t.Errorf("field %s not named in %v", f, err)
		}
	}
}

// assertNoSecrets fails if text contains any secret value of c or any planted value.
func assertNoSecrets(t *testing.T, what, text string, c unico.Credentials) {
	t.Helper()
	values := []string{plantedPassword, plantedAPIKey, plantedValue, plantedUser, plantedHashKey, plantedTenant,
		"-----BEGIN", "MII", c.CPFHashKey, c.PrivateKeyPEM}
	for _, v := range c.APIKeys {
		values = append(values, v)
	}
	for _, w := range c.Webhook {
		values = append(values, w.Password, w.Value, w.Username)
	}
	if body := pemBody(c.PrivateKeyPEM); body != "" {
		values = append(values, body[:16], body[len(body)/2:len(body)/2+16])
	}
	for _, v := range values {
		if len(v) >= 3 && strings.Contains(text, v) {
			t.Errorf("%s: error text contains a secret value (%.6s...): %s", what, v, text)
		}
	}
}

func pemBody(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) < 3 {
		return ""
	}
	body := strings.Join(lines[1:len(lines)-2], "")
	if len(body) < 40 {
		return ""
	}
	return body
}

func newCreds(t *testing.T, raw string) (*Credentials, *fakeGetter, *clock) {
	f := newFake(raw)
	c, clk, _ := newTestCache(t, f)
	return NewCredentials(c), f, clk
}

func TestCredentialsGet(t *testing.T) {
	want := validCreds(t)
	k, f, clk := newCreds(t, toJSON(t, want))
	ctx := context.Background()
	got, err := k.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.TenantID != want.TenantID || got.APIKeys[unico.CapabilityLiveness] != plantedAPIKey || len(got.Webhook) != 2 {
		t.Fatalf("got %+v", got.Webhook)
	}
	key1, err := k.PrivateKey(ctx)
	if err != nil || !key1.Equal(rsaKey(t)) {
		t.Fatalf("key: %v", err)
	}
	// The caller's copy is its own.
	got.APIKeys[unico.CapabilityLiveness] = "changed"
	got.Webhook[0].Password = "changed"
	again, _ := k.Get(ctx)
	if again.APIKeys[unico.CapabilityLiveness] != plantedAPIKey || again.Webhook[0].Password != plantedPassword {
		t.Fatal("Get returned shared state")
	}
	// Same string after expiry: not re-parsed.
	clk.add(2 * time.Minute)
	if key2, _ := k.PrivateKey(ctx); key2 != key1 {
		t.Fatal("re-parsed an unchanged secret")
	}
	wantCalls(t, f, 2)

	// Rotation: a new document is parsed once the TTL passes.
	rot := validCreds(t)
	rot.TenantID = "tenant-2"
	rot.PrivateKeyPEM = pkcs1PEM(t)
	f.set(toJSON(t, rot), "v2")
	if g, _ := k.Get(ctx); g.TenantID != plantedTenant {
		t.Fatal("rotation before TTL")
	}
	clk.add(2 * time.Minute)
	if g, err := k.Get(ctx); err != nil || g.TenantID != "tenant-2" {
		t.Fatalf("rotation not picked up: %v", err)
	}
	if key3, _ := k.PrivateKey(ctx); key3 == key1 {
		t.Fatal("rotated secret not re-parsed")
	}

	// Invalidate through the typed view.
	rot.TenantID = "tenant-3"
	f.set(toJSON(t, rot), "v3")
	k.Invalidate()
	if g, _ := k.Get(ctx); g.TenantID != "tenant-3" {
		t.Fatal("Invalidate not honoured")
	}
}

func TestCredentialsEscapedNewlinesInPEM(t *testing.T) {
	c := validCreds(t)
	c.PrivateKeyPEM = strings.ReplaceAll(pkcs1PEM(t), "\n", `\n`)
	k, _, _ := newCreds(t, toJSON(t, c))
	got, err := k.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.PrivateKeyPEM, "\n") || strings.Contains(got.PrivateKeyPEM, `\n`) {
		t.Fatal("PEM not normalised")
	}
}

func TestCredentialsErrorsNeverCarryValues(t *testing.T) {
	good := validCreds(t)
	broken := func(f func(*unico.Credentials)) string {
		c := validCreds(t)
		f(&c)
		return toJSON(t, c)
	}
	docs := map[string]string{
		"syntax":            `{"privateKeyPem": "` + plantedPassword + `", "apiKeys": {` + plantedAPIKey,
		"syntax2":           `{"webhook": [{"password": "` + plantedPassword + `"}]}` + plantedValue,
		"not object":        `"` + plantedPassword + `"`,
		"wrong type":        `{"tenantId": 123456789, "privateKeyPem": "` + plantedPassword + `"}`,
		"wrong type apikey": `{"apiKeys": {"` + plantedAPIKey + `": 5}}`,
		"wrong webhook":     `{"webhook": [{"password": 42}], "cpfHashKey": "` + plantedHashKey + `"}`,
		"bad pem":           broken(func(c *unico.Credentials) { c.PrivateKeyPEM = strings.Replace(c.PrivateKeyPEM, "MII", "XXX", 1) }),
		"truncated pem":     broken(func(c *unico.Credentials) { c.PrivateKeyPEM = c.PrivateKeyPEM[:200] }),
		"no webhook pw":     broken(func(c *unico.Credentials) { c.Webhook[0].Password = ""; c.APIKeys[plantedValue] = plantedAPIKey }),
		"everything": broken(func(c *unico.Credentials) {
			c.ServiceAccount = plantedUser + plantedUser
			c.Webhook[1].Type = plantedValue
		}),
	}
	for name, raw := range docs {
		k, _, _ := newCreds(t, raw)
		_, err := k.Get(context.Background())
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), secretID) {
			t.Errorf("%s: secret id missing from %q", name, err)
		}
		assertNoSecrets(t, name, err.Error(), good)
		if _, err2 := k.PrivateKey(context.Background()); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("%s: PrivateKey error %v", name, err2)
		}
	}
	// The SDK failing with a message that carries data: only the code reaches the error.
	f := newFake("")
	f.fail(&apiError{code: "DecryptionFailure", msg: "cannot decrypt " + plantedPassword})
	c, _, _ := newTestCache(t, f)
	_, err := NewCredentials(c).Get(context.Background())
	if err == nil || !strings.HasSuffix(err.Error(), ": DecryptionFailure") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecrets(t, "sdk", err.Error(), good)
}

func BenchmarkCredentialsGet(b *testing.B) {
	f := newFake(toJSON(b, validCreds(b)))
	k := NewCredentials(NewCache(f, secretID, time.Hour))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Get(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

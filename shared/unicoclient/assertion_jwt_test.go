package unicoclient

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/unicogw/gateway/shared/unico"
)

// The assertion's signer (BuildAssertion) uses only the standard library. These tests check
// what it emits with an independent, widely used JWT implementation (golang-jwt/jwt/v5), the
// way Unico's token endpoint would: RS256 only, the header, and exactly the five claims with
// their types and values.

const jwtAudience = "https://identityhomolog.acesso.io"

var jwtNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// verifyAssertion checks an assertion for account gateway@7d3c against pub, as Unico would.
func verifyAssertionJWT(token string, pub *rsa.PublicKey) error {
	var claims jwt.MapClaims
	parsed, err := jwt.ParseWithClaims(token, &claims, func(tok *jwt.Token) (any, error) {
		if tok.Method != jwt.SigningMethodRS256 { // WithValidMethods below checks it too
			return nil, fmt.Errorf("method %v", tok.Method.Alg())
		}
		return pub, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer("gateway@7d3c.iam.acesso.io"),
		jwt.WithAudience(jwtAudience),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return jwtNow.Add(time.Minute) }),
		jwt.WithStrictDecoding(),
	)
	if err != nil {
		return err
	}
	if len(parsed.Header) != 2 || parsed.Header["alg"] != "RS256" || parsed.Header["typ"] != "JWT" {
		return fmt.Errorf("header %v, want exactly alg RS256 and typ JWT", parsed.Header)
	}
	var names []string
	for k := range claims {
		names = append(names, k)
	}
	sort.Strings(names)
	if got := strings.Join(names, ","); got != "aud,exp,iat,iss,scope" {
		return fmt.Errorf("claims %s, want exactly aud,exp,iat,iss,scope", got)
	}
	for _, k := range []string{"iss", "aud", "scope"} {
		if _, ok := claims[k].(string); !ok {
			return fmt.Errorf("claim %s is %T, want a string", k, claims[k])
		}
	}
	if claims["scope"] != "*" {
		return fmt.Errorf("scope %v, want *", claims["scope"])
	}
	iat, err := claims.GetIssuedAt()
	if err != nil {
		return err
	}
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return err
	}
	for _, k := range []string{"iat", "exp"} {
		f, ok := claims[k].(float64)
		if !ok || f != math.Trunc(f) {
			return fmt.Errorf("claim %s is %v, want whole seconds (a JSON integer)", k, claims[k])
		}
	}
	if !iat.Time.Equal(jwtNow) {
		return fmt.Errorf("iat %v, want %v", iat.Time, jwtNow)
	}
	if d := exp.Time.Sub(iat.Time); d != time.Hour {
		return fmt.Errorf("exp - iat = %v, want 1h", d)
	}
	return nil
}

func TestAssertionVerifiesWithJWTLibrary(t *testing.T) {
	key, p1, p8 := keys(t)
	for name, pemText := range map[string]string{"PKCS1": p1, "PKCS8": p8} {
		creds := unico.Credentials{ServiceAccount: "gateway", TenantID: "7d3c", PrivateKeyPEM: pemText}
		token, err := BuildAssertion(creds, jwtAudience+"/", jwtNow)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifyAssertionJWT(token, &key.PublicKey); err != nil {
			t.Errorf("%s: the assertion does not verify: %v", name, err)
		}
	}
}

// TestAssertionVerifierRefusesChanges: the verifier above is not a rubber stamp. Tokens that
// differ from what Unico accepts by one claim, one claim's type or the algorithm are refused.
func TestAssertionVerifierRefusesChanges(t *testing.T) {
	key, p1, _ := keys(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "gateway@7d3c.iam.acesso.io", "aud": jwtAudience, "scope": "*",
			"iat": jwtNow.Unix(), "exp": jwtNow.Add(time.Hour).Unix()}
	}
	sign := func(method jwt.SigningMethod, claims jwt.MapClaims, k any) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if err := verifyAssertionJWT(sign(jwt.SigningMethodRS256, good(), key), &key.PublicKey); err != nil {
		t.Fatalf("the control token is refused: %v", err)
	}
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }
	cases := map[string]string{
		"RS384":           sign(jwt.SigningMethodRS384, good(), key),
		"PS256":           sign(jwt.SigningMethodPS256, good(), key),
		"HS256":           sign(jwt.SigningMethodHS256, good(), []byte("secret")),
		"other key":       sign(jwt.SigningMethodRS256, good(), other),
		"issuer":          sign(jwt.SigningMethodRS256, with("iss", "gateway@other.iam.acesso.io"), key),
		"audience":        sign(jwt.SigningMethodRS256, with("aud", "https://identity.acesso.io"), key),
		"audience list":   sign(jwt.SigningMethodRS256, with("aud", []string{jwtAudience, "x"}), key),
		"scope":           sign(jwt.SigningMethodRS256, with("scope", "read"), key),
		"scope type":      sign(jwt.SigningMethodRS256, with("scope", []string{"*"}), key),
		"iat as a string": sign(jwt.SigningMethodRS256, with("iat", fmt.Sprint(jwtNow.Unix())), key),
		"iat in ms":       sign(jwt.SigningMethodRS256, with("iat", jwtNow.UnixMilli()), key),
		"fractional exp":  sign(jwt.SigningMethodRS256, with("exp", float64(jwtNow.Add(time.Hour).Unix())+0.5), key),
		"lifetime":        sign(jwt.SigningMethodRS256, with("exp", jwtNow.Add(2*time.Hour).Unix()), key),
		"expired":         sign(jwt.SigningMethodRS256, with("exp", jwtNow.Add(30*time.Second).Unix()), key),
		"extra claim":     sign(jwt.SigningMethodRS256, with("jti", "1"), key),
		"no exp":          sign(jwt.SigningMethodRS256, without("exp"), key),
		"no scope":        sign(jwt.SigningMethodRS256, without("scope"), key),
		"header kid added": func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, good())
			tok.Header["kid"] = "k"
			s, _ := tok.SignedString(key)
			return s
		}(),
	}
	for name, token := range cases {
		if err := verifyAssertionJWT(token, &key.PublicKey); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// And BuildAssertion's own output, tampered after signing, is refused.
	token, err := BuildAssertion(unico.Credentials{ServiceAccount: "gateway", TenantID: "7d3c", PrivateKeyPEM: p1}, jwtAudience, jwtNow)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	body, _ := json.Marshal(with("scope", "**"))
	parts[1] = base64.RawURLEncoding.EncodeToString(body)
	if err := verifyAssertionJWT(strings.Join(parts, "."), &key.PublicKey); err == nil {
		t.Error("a payload changed after signing was accepted")
	}
}

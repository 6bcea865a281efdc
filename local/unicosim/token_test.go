package unicosim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenGoodAssertion(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.TokenLifetime = 1800 * time.Second })
	k, _ := keys(t)
	code, m := f.tokenRequest(signJWT(t, k, rs256, goodClaims(f.clock.Now())))
	if code != 200 {
		t.Fatalf("status %d %v", code, m)
	}
	if m["token_type"] != "Bearer" || m["expires_in"] != float64(1800) || m["access_token"] == "" {
		t.Fatalf("bad token response %v", m)
	}
	if st := f.sim.Stats(); st.TokenMints != 1 || st.TokenRejects != 0 || st.Calls["POST /oauth2/token"] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestTokenRejections(t *testing.T) {
	k, other := keys(t)
	type tc struct {
		name  string
		build func(now time.Time) string
		want  string
	}
	with := func(mod func(c map[string]any)) func(time.Time) string {
		return func(now time.Time) string {
			c := goodClaims(now)
			mod(c)
			return signJWT(t, k, rs256, c)
		}
	}
	cases := []tc{
		{"extra claim jti", with(func(c map[string]any) { c["jti"] = "x" }), "1.2.22"},
		{"extra claim nbf", with(func(c map[string]any) { c["nbf"] = c["iat"] }), "1.2.22"},
		{"sub", with(func(c map[string]any) { c["sub"] = "other" }), "1.2.19"},
		{"missing scope", with(func(c map[string]any) { delete(c, "scope") }), "1.1.1"},
		{"wrong aud trailing slash", with(func(c map[string]any) { c["aud"] = testAudience + "/" }), "1.2.5"},
		{"wrong aud prod", with(func(c map[string]any) { c["aud"] = "https://identity.acesso.io" }), "1.2.5"},
		{"wrong iss account", with(func(c map[string]any) { c["iss"] = "someone@" + testTenant + ".iam.acesso.io" }), "1.2.5"},
		{"wrong iss tenant", with(func(c map[string]any) { c["iss"] = testAccount + "@other.iam.acesso.io" }), "1.0.1"},
		{"expired", with(func(c map[string]any) {
			c["iat"] = c["iat"].(int64) - 7200
			c["exp"] = c["iat"].(int64) + 3600
		}), "1.2.4"},
		{"exp-iat > 3600", with(func(c map[string]any) { c["exp"] = c["iat"].(int64) + 3601 }), "1.2.5"},
		{"iat in the future", with(func(c map[string]any) { c["iat"] = c["iat"].(int64) + 120 }), "1.2.5"},
		{"milliseconds", with(func(c map[string]any) {
			c["iat"] = c["iat"].(int64) * 1000
			c["exp"] = c["iat"].(int64) + 3600*1000
		}), "1.2.5"},
		{"iat as string", with(func(c map[string]any) { c["iat"] = "1700000000" }), "1.2.5"},
		{"bad signature (other key)", func(now time.Time) string { return signJWT(t, other, rs256, goodClaims(now)) }, "1.2.21"},
		{"tampered payload", func(now time.Time) string {
			a := signJWT(t, k, rs256, goodClaims(now))
			p := strings.Split(a, ".")
			p[1] = strings.Split(signJWT(t, k, rs256, map[string]any{"iss": "x"}), ".")[1]
			return strings.Join(p, ".")
		}, "1.2.21"},
		{"alg HS256", func(now time.Time) string {
			return signJWT(t, k, map[string]any{"alg": "HS256", "typ": "JWT"}, goodClaims(now))
		}, "1.2.5"},
		{"garbage", func(time.Time) string { return "not-a-jwt" }, "1.2.20"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			code, m := f.tokenRequest(c.build(f.clock.Now()))
			if code != 401 || m["error"] != "server_error" || m["error_description"] != "Falha na autenticação "+c.want {
				t.Fatalf("got %d %v, want 401 %s", code, m, c.want)
			}
			if st := f.sim.Stats(); st.TokenRejects != 1 || st.TokenMints != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestTokenSingleUse(t *testing.T) {
	f := newFixture(t, nil)
	k, _ := keys(t)
	a := signJWT(t, k, rs256, goodClaims(f.clock.Now()))
	if code, m := f.tokenRequest(a); code != 200 {
		t.Fatalf("first use %d %v", code, m)
	}
	code, m := f.tokenRequest(a)
	if code != 401 || m["error_description"] != "Falha na autenticação 1.2.7" {
		t.Fatalf("reuse: %d %v", code, m)
	}
}

func TestTokenBadRequests(t *testing.T) {
	f := newFixture(t, nil)
	post := func(ct, body string) int {
		resp, err := http.Post(f.srv.URL+"/oauth2/token", ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post("application/json", `{"assertion":"x"}`); c != 400 {
		t.Fatalf("json body: %d", c)
	}
	if c := post("application/x-www-form-urlencoded", url.Values{"grant_type": {"client_credentials"}, "assertion": {"x"}}.Encode()); c != 400 {
		t.Fatalf("wrong grant: %d", c)
	}
	if c := post("application/x-www-form-urlencoded", url.Values{"grant_type": {jwtBearerGrant}}.Encode()); c != 400 {
		t.Fatalf("no assertion: %d", c)
	}
}

func TestTokenLockoutAndRecovery(t *testing.T) {
	f := newFixture(t, nil)
	k, other := keys(t)
	bad := func() (int, map[string]any) {
		return f.tokenRequest(signJWT(t, other, rs256, goodClaims(f.clock.Now())))
	}
	for i := 0; i < 5; i++ {
		if _, m := bad(); m["error_description"] != "Falha na autenticação 1.2.21" {
			t.Fatalf("failure %d: %v", i, m)
		}
	}
	// Locked: even a valid assertion is refused.
	code, m := f.tokenRequest(signJWT(t, k, rs256, goodClaims(f.clock.Now())))
	if code != 401 || m["error_description"] != "Falha na autenticação 1.2.18" {
		t.Fatalf("while locked: %d %v", code, m)
	}
	f.clock.Advance(59 * time.Second)
	if _, m := f.tokenRequest(signJWT(t, k, rs256, goodClaims(f.clock.Now()))); m["error_description"] != "Falha na autenticação 1.2.18" {
		t.Fatalf("still locked expected: %v", m)
	}
	f.clock.Advance(2 * time.Second)
	if code, m := f.tokenRequest(signJWT(t, k, rs256, goodClaims(f.clock.Now()))); code != 200 {
		t.Fatalf("after cool-down: %d %v", code, m)
	}
	// A success resets the streak: four failures then a success do not lock.
	for i := 0; i < 4; i++ {
		bad()
	}
	f.clock.Advance(time.Second)
	if code, m := f.tokenRequest(signJWT(t, k, rs256, goodClaims(f.clock.Now()))); code != 200 {
		t.Fatalf("4 failures must not lock: %d %v", code, m)
	}
	if st := f.sim.Stats(); st.TokenMints != 2 || st.TokenRejects != 11 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBearerRequired(t *testing.T) {
	f := newFixture(t, nil)
	id := "53060f52-f146-4c12-a234-5bb5031f6f5b"
	if code, body, _ := f.call("GET", "/client/v1/process/"+id, nil); code != 401 || string(body) != "Unauthorized" {
		t.Fatalf("no token: %d %s", code, body)
	}
	f.token = "made-up"
	if code, _, _ := f.call("GET", "/client/v1/process/"+id, nil); code != 401 {
		t.Fatalf("unknown token: %d", code)
	}
	f.mint()
	if code, _, _ := f.call("GET", "/client/v1/process/"+id, nil); code != 404 {
		t.Fatalf("valid token: %d", code)
	}
	f.clock.Advance(3600 * time.Second)
	if code, _, _ := f.call("GET", "/client/v1/process/"+id, nil); code != 401 {
		t.Fatalf("expired token: %d", code)
	}
	code, body, _ := f.call("GET", "/processes/v1/"+id, nil, "APIKEY: "+keyAll)
	if m := mustJSON(t, body); code != 401 || dig(m, "error", "code") != "10502" {
		t.Fatalf("by Client expired token: %d %s", code, body)
	}
	if code, _, _ := f.call("GET", "/api/v1/service/file/"+id, nil); code != 401 {
		t.Fatalf("sign host expired token: %d", code)
	}
}

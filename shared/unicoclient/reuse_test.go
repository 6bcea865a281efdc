package unicoclient

import (
	"context"
	"net/http"
	"testing"
)

// Two containers minting in the same second must not send byte-identical assertions; when
// Unico still says "already used" (1.2.7), the mint is retried once with a new assertion and
// does not count as an authentication failure.
func TestReusedAssertionIsRetriedWithANewOne(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.tokens.setRespond(func(n int64) (int, string) {
		if n == 1 {
			return http.StatusUnauthorized, `{"error":"server_error","error_description":"Falha na autenticação 1.2.7"}`
		}
		return http.StatusOK, `{"access_token":"tok-ok","expires_in":3600,"token_type":"Bearer"}`
	})
	tok, err := e.client.Tokens().Token(context.Background())
	if err != nil || tok != "tok-ok" {
		t.Fatalf("token after a 1.2.7: %q %v", tok, err)
	}
	if n := e.tokens.mints.Load(); n != 2 {
		t.Fatalf("token requests: %d, want 2", n)
	}
	if st := e.client.Tokens().Stats(); st.Mints != 1 {
		t.Fatalf("stats: %+v", st)
	}
	// A second 1.2.7 in a row is a real failure, reported once.
	e.tokens.setRespond(func(int64) (int, string) {
		return http.StatusUnauthorized, `{"error":"server_error","error_description":"Falha na autenticação 1.2.7"}`
	})
	e.client.Tokens().Invalidate("tok-ok")
	before := e.tokens.mints.Load()
	if _, err := e.client.Tokens().Token(context.Background()); err == nil {
		t.Fatal("want an error after two 1.2.7 answers")
	}
	if n := e.tokens.mints.Load() - before; n != 2 {
		t.Fatalf("token requests for a persistent 1.2.7: %d, want 2", n)
	}
}

// The backdated iat stays within 30 seconds of now, and exp is iat+3600.
func TestAssertionBackdate(t *testing.T) {
	for i := 0; i < 200; i++ {
		if d := assertionBackdate(); d < 0 || d > 30e9 {
			t.Fatalf("backdate %v out of range", d)
		}
	}
}

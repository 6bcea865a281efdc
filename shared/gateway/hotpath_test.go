package gateway_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// hotPath is a container whose token is cached (taken from the token secret the refresher
// wrote) and a process to read.
func hotPath(tb testing.TB) (*harness, *container, string) {
	tb.Helper()
	h := newHarness(tb, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.refresher().Refresher.Run(ctx); err != nil {
		tb.Fatal(err)
	}
	c := h.container(h.config(true))
	if _, err := c.gw.Tokens.Token(ctx); err != nil {
		tb.Fatal(err)
	}
	p, err := c.gw.Unico.CreateProcess(ctx, createRequest())
	if err != nil {
		tb.Fatal(err)
	}
	return h, c, p.ID
}

// TestTokenHotPathMakesNoCallAndNoAllocation is "Done means" 4's assertion: once the token is
// cached, getting it makes no network call (no Secrets Manager read, no token request) and
// allocates nothing; a Unico call then adds exactly its own request.
func TestTokenHotPathMakesNoCallAndNoAllocation(t *testing.T) {
	h, c, id := hotPath(t)
	ctx := context.Background()
	reads, gets, tokenCalls := c.gw.SharedTokens.Reads(), h.sm.Counts()["GetSecretValue"], h.sim.Stats().Calls["POST /oauth2/token"]
	hits := c.gw.Tokens.Stats().Hits
	if n := testing.AllocsPerRun(10000, func() {
		if _, err := c.gw.Tokens.Token(ctx); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("the cached token path allocates %v times per call", n)
	}
	if c.gw.SharedTokens.Reads() != reads || h.sm.Counts()["GetSecretValue"] != gets || h.sim.Stats().Calls["POST /oauth2/token"] != tokenCalls {
		t.Fatal("the cached token path made a network call")
	}
	if got := c.gw.Tokens.Stats().Hits - hits; got < 10000 {
		t.Fatalf("%d cache hits", got)
	}
	// 100 Unico reads: 100 requests to Unico and nothing else.
	before := h.sim.Stats().Calls["GET /client/v1/process/{id}"]
	for range 100 {
		if _, err := c.gw.Unico.GetProcess(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.sim.Stats().Calls["GET /client/v1/process/{id}"] - before; got != 100 ||
		h.sm.Counts()["GetSecretValue"] != gets || h.sim.Stats().Calls["POST /oauth2/token"] != tokenCalls {
		t.Fatalf("%d reads; secret reads %d→%d; token requests %d→%d", got, gets, h.sm.Counts()["GetSecretValue"],
			tokenCalls, h.sim.Stats().Calls["POST /oauth2/token"])
	}
}

// BenchmarkTokenHotPath: Token() on a container's TokenSource wired as in Lambda (token secret
// reader, metrics observer), with the token cached.
func BenchmarkTokenHotPath(b *testing.B) {
	_, c, _ := hotPath(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.gw.Tokens.Token(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnicoRead compares a GetProcess through the client (token cached) with the bare HTTP
// exchange it makes (same client, same URL and headers, body read and dropped): the difference
// is the client's own work (building the request, decoding the answer), none of it the token.
func BenchmarkUnicoRead(b *testing.B) {
	h, c, id := hotPath(b)
	ctx := context.Background()
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.gw.Unico.GetProcess(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	tok, _ := c.gw.Tokens.Token(ctx)
	b.Run("bare-http", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.simURL+"/client/v1/process/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Accept", "application/json")
			res, err := h.http.Do(req)
			if err != nil || res.StatusCode != http.StatusOK {
				b.Fatal(err, res)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}

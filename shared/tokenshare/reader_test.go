package tokenshare_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/tokenshare"
)

func TestReaderReadsAndNeverWrites(t *testing.T) {
	h := newHarness(t, nil)
	log, logs := logging.NewCapture()
	r := tokenshare.NewReader(h.client, tokenID, tokenshare.ReaderOptions{Now: h.clock.Now, Logger: log})
	ctx := context.Background()

	// The empty document the stack creates: no token, no error, no warning.
	if tok, ok, err := r.Load(ctx); ok || err != nil || tok.AccessToken != "" {
		t.Fatalf("empty secret: %v %v %v", tok, ok, err)
	}
	// Within MinReread the answer comes from memory, even though the secret changed.
	fn := h.function(nil)
	if _, err := h.run(fn); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.Load(ctx); ok || r.Reads() != 1 {
		t.Fatalf("re-read within MinReread (%d reads)", r.Reads())
	}
	h.clock.Advance(tokenshare.DefaultMinReread)
	tok, ok, err := r.Load(ctx)
	want := h.shared()
	if !ok || err != nil || tok.AccessToken != want.AccessToken || !tok.ExpiresAt.Equal(want.ExpiresAt) || r.Reads() != 2 {
		t.Fatalf("after MinReread: %v %v %v (%d reads)", tok, ok, err, r.Reads())
	}
	// Store is a no-op: containers have no PutSecretValue.
	puts := h.sm.Counts()["PutSecretValue"]
	if err := r.Store(ctx, tok); err != nil || h.sm.Counts()["PutSecretValue"] != puts || h.shared() != want {
		t.Fatalf("Store wrote: %v", err)
	}
	if got := h.sm.Counts()["GetSecretValue"]; got < 2 {
		t.Fatalf("GetSecretValue %d", got)
	}
	if logs.String() != "" {
		t.Fatalf("unexpected log: %s", logs.String())
	}
}

func TestReaderMalformedAndMissingSecrets(t *testing.T) {
	h := newHarness(t, nil)
	log, logs := logging.NewCapture()
	r := tokenshare.NewReader(h.client, tokenID, tokenshare.ReaderOptions{Now: h.clock.Now, Logger: log, MinReread: time.Second})
	ctx := context.Background()
	h.sm.Put(tokenID, `{"accessToken":"planted-token-value-123","expiresAt":`)
	if _, ok, err := r.Load(ctx); ok || err != nil {
		t.Fatalf("malformed: %v %v", ok, err)
	}
	if out := logs.String(); !strings.Contains(out, "no usable token") || strings.Contains(out, "planted-token-value") {
		t.Fatalf("log: %s", out)
	}

	missing := tokenshare.NewReader(h.client, "no/such", tokenshare.ReaderOptions{Now: h.clock.Now})
	_, _, err := missing.Load(ctx)
	var te *tokenshare.Error
	if !errors.As(err, &te) || te.Code != "ResourceNotFoundException" {
		t.Fatalf("missing secret: %v", err)
	}
	// The failure is remembered for MinReread: no call per request while Secrets Manager fails.
	before := h.sm.Counts()["GetSecretValue"]
	if _, _, err2 := missing.Load(ctx); err2 == nil || h.sm.Counts()["GetSecretValue"] != before {
		t.Fatalf("failed read retried at once: %v", err2)
	}
}

package outbound

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/domain"
)

// The example of the Standard Webhooks specification (and of its reference libraries' tests).
const (
	specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTS     = 1614265330
	specBody   = `{"test": 2432232314}`
	specSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignKnownAnswer(t *testing.T) {
	s, err := ParseSecret(specSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := Sign([]Secret{s}, specID, time.Unix(specTS, 0), []byte(specBody)); got != specSig {
		t.Fatalf("Sign = %q, want %q", got, specSig)
	}
	if s.Encoded() != specSecret {
		t.Fatalf("Encoded = %q", s.Encoded())
	}
	if fmt.Sprint(s) != "whsec_[redacted]" || fmt.Sprintf("%#v", s) != "whsec_[redacted]" || fmt.Sprintf("%+v", []Secret{s}) == "" ||
		strings.Contains(fmt.Sprintf("%v %+v", s, []Secret{s}), "MfKQ") {
		t.Fatal("a Secret prints its value")
	}
}

func TestParseSecret(t *testing.T) {
	// What the stack generates: 44 letters and digits, used bare or with the prefix.
	gen := "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh"
	if len(gen) != 44 {
		t.Fatal("the generated form is 44 characters")
	}
	a, err := ParseSecret(gen)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseSecret("whsec_" + gen)
	if err != nil || a.Encoded() != b.Encoded() {
		t.Fatalf("bare and prefixed forms differ: %v", err)
	}
	for _, bad := range []string{"", "whsec_", "whsec_not base64!", "whsec_c2hvcnQ="} {
		if _, err := ParseSecret(bad); err == nil {
			t.Errorf("ParseSecret(%q) accepted", bad)
		}
	}
}

func TestVerify(t *testing.T) {
	s, _ := ParseSecret(specSecret)
	other, _ := ParseSecret("whsec_" + strings.Repeat("QUJD", 8))
	h := http.Header{}
	h.Set(HeaderID, specID)
	h.Set(HeaderTimestamp, fmt.Sprint(specTS))
	h.Set(HeaderSignature, "v1,bm90IGl0 "+specSig) // a wrong signature first, as during a rotation
	now := time.Unix(specTS, 0).Add(time.Minute)
	if err := Verify(s, h, []byte(specBody), now, DefaultTolerance); err != nil {
		t.Fatalf("valid: %v", err)
	}
	if err := Verify(other, h, []byte(specBody), now, DefaultTolerance); err != ErrNoValidSignature {
		t.Fatalf("other secret: %v", err)
	}
	if err := Verify(s, h, []byte(`{"test":2432232314}`), now, DefaultTolerance); err != ErrNoValidSignature {
		t.Fatalf("re-serialised body: %v", err)
	}
	if err := Verify(s, h, []byte(specBody), now.Add(10*time.Minute), DefaultTolerance); err != ErrTimestamp {
		t.Fatalf("old: %v", err)
	}
	if err := Verify(s, h, []byte(specBody), now.Add(-10*time.Minute), DefaultTolerance); err != ErrTimestamp {
		t.Fatalf("future: %v", err)
	}
	h.Del(HeaderID)
	if err := Verify(s, h, []byte(specBody), now, DefaultTolerance); err != ErrMissingHeaders {
		t.Fatalf("no id: %v", err)
	}
	// Two secrets during a rotation: two signatures, each verifies.
	sig := Sign([]Secret{other, s}, "evt_1", now, []byte("{}"))
	h = http.Header{}
	h.Set(HeaderID, "evt_1")
	h.Set(HeaderTimestamp, fmt.Sprint(now.Unix()))
	h.Set(HeaderSignature, sig)
	if len(strings.Fields(sig)) != 2 || Verify(s, h, []byte("{}"), now, DefaultTolerance) != nil || Verify(other, h, []byte("{}"), now, DefaultTolerance) != nil {
		t.Fatalf("rotation signatures %q", sig)
	}
}

func TestParseSecretDocument(t *testing.T) {
	got, err := ParseSecretDocument(`{"signingSecret":"` + specSecret + `","previousSigningSecret":"whsec_` + strings.Repeat("QUJD", 8) + `"}`)
	if err != nil || len(got) != 2 || got[0].Encoded() != specSecret {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{`not json`, `{}`, `{"signingSecret":"whsec_c2hvcnQ="}`} {
		if _, err := ParseSecretDocument(bad); err == nil || strings.Contains(err.Error(), "c2hvcnQ") {
			t.Errorf("ParseSecretDocument(%q): %v", bad, err)
		}
	}
}

func TestSender(t *testing.T) {
	key, _ := ParseSecret(specSecret)
	src := func(context.Context, string) ([]Secret, error) { return []Secret{key}, nil }
	now := time.Unix(1_800_000_000, 0)
	ev := domain.OutboundEvent{ID: "evt_x", Tenant: "acme", Payload: []byte(`{"type":"process.finished"}`)}
	type seen struct {
		h    http.Header
		body string
	}
	got := make(chan seen, 10)
	status, retryAfter, location := 200, "", ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Clone(), string(b)}
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		if location != "" {
			w.Header().Set("Location", location)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte("personal data the sender must not keep"))
	}))
	defer srv.Close()
	s := NewSender(nil, src, func() time.Time { return now })
	cb := domain.Callback{URL: srv.URL + "/hooks"}

	if r := s.Send(context.Background(), cb, ev); !r.Delivered {
		t.Fatalf("2xx: %+v", r)
	}
	req := <-got
	if req.body != string(ev.Payload) || req.h.Get(HeaderID) != "evt_x" || req.h.Get(HeaderTimestamp) != fmt.Sprint(now.Unix()) ||
		req.h.Get("Content-Type") != "application/json" || Verify(key, req.h, []byte(req.body), now, DefaultTolerance) != nil {
		t.Fatalf("request: %v %q", req.h, req.body)
	}

	status, retryAfter = 503, "120"
	if r := s.Send(context.Background(), cb, ev); r.Delivered || r.Permanent || r.Code != "http_503" || r.RetryAfter != 2*time.Minute {
		t.Fatalf("503: %+v", r)
	}
	<-got
	status, retryAfter = 410, ""
	if r := s.Send(context.Background(), cb, ev); !r.Permanent || r.Code != "http_410" {
		t.Fatalf("410: %+v", r)
	}
	<-got
	status, location = 302, srv.URL+"/elsewhere"
	if r := s.Send(context.Background(), cb, ev); r.Delivered || r.Code != "http_302" {
		t.Fatalf("redirect: %+v", r)
	}
	<-got
	if len(got) != 0 {
		t.Fatal("the redirect was followed")
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if r := s.Send(context.Background(), domain.Callback{URL: "http://" + addr}, ev); r.Delivered || r.Code != "connect" {
		t.Fatalf("down: %+v", r)
	}
	noKey := NewSender(nil, func(context.Context, string) ([]Secret, error) { return nil, fmt.Errorf("boom") }, nil)
	if r := noKey.Send(context.Background(), cb, ev); r.Delivered || r.Code != "secret_unavailable" {
		t.Fatalf("no secret: %+v", r)
	}
}

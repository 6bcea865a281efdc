package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The Standard Webhooks spec's published example (secret, id, timestamp, body and signature).
func TestVerifyWebhookSpecExample(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	body := []byte(`{"test": 2432232314}`)
	now := time.Unix(1614265330, 0)
	if err := VerifyWebhook(secret, h, body, now); err != nil {
		t.Fatalf("spec example: %v", err)
	}
	if err := VerifyWebhook(secret, h, []byte(`{"test": 2432232315}`), now); !errors.Is(err, ErrWebhookSignature) {
		t.Fatalf("tampered body: %v", err)
	}
	if err := VerifyWebhook(secret, h, body, now.Add(6*time.Minute)); !errors.Is(err, ErrWebhookTimestamp) {
		t.Fatalf("old timestamp: %v", err)
	}
	h.Set("webhook-signature", "v1,bm90IGl0 v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	if err := VerifyWebhook(secret, h, body, now); err != nil {
		t.Fatalf("second of two signatures (rotation): %v", err)
	}
	h.Del("webhook-id")
	if err := VerifyWebhook(secret, h, body, now); !errors.Is(err, ErrWebhookHeaders) {
		t.Fatalf("missing id: %v", err)
	}
}

func TestVerifyWebhookOwnSignature(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"type":"process.finished"}`)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("evt_1." + ts + "."))
	m.Write(body)
	h := http.Header{"Webhook-Id": {"evt_1"}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {"v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))}}
	if err := VerifyWebhook(secret, h, body, now); err != nil {
		t.Fatal(err)
	}
	if err := VerifyWebhook("not-a-secret", h, body, now); !errors.Is(err, ErrWebhookSecret) {
		t.Fatalf("bad secret: %v", err)
	}
}

package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors of VerifyWebhook.
var (
	ErrWebhookHeaders   = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrWebhookTimestamp = errors.New("webhook: timestamp outside the tolerance (replayed or clock skew)")
	ErrWebhookSignature = errors.New("webhook: no signature matches")
	ErrWebhookSecret    = errors.New("webhook: the secret is not whsec_<base64>")
)

// WebhookTolerance is how far webhook-timestamp may be from now, either way.
const WebhookTolerance = 5 * time.Minute

// VerifyWebhook checks an event the gateway POSTed to your callback URL, the Standard Webhooks
// way: HMAC-SHA256 with your endpoint secret (whsec_...) over "id.timestamp.body", any of the
// space-separated "v1,<base64>" signatures, compared in constant time, with the timestamp
// within WebhookTolerance. Pass the raw body, before any JSON decoding. Deduplicate on
// webhook-id: retries of one event keep it.
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return ErrWebhookHeaders
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") || len(key) == 0 {
		return ErrWebhookSecret
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrWebhookTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return ErrWebhookTimestamp
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	ok := false
	for _, s := range strings.Fields(sigs) {
		v, sig, found := strings.Cut(s, ",")
		if !found || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	if !ok {
		return ErrWebhookSignature
	}
	return nil
}

// Package outbound delivers the gateway's events to the tenants' backends the Standard Webhooks
// way (https://www.standardwebhooks.com): a JSON POST with the headers webhook-id,
// webhook-timestamp and webhook-signature, the last one "v1,<base64 HMAC-SHA256>" of
// "<id>.<timestamp>.<body>" under the tenant's "whsec_" secret. It holds the signer, a verifier
// for receivers written in Go, the HTTP sender (domain.EventSender) and the per-tenant signing
// secrets read from Secrets Manager.
package outbound

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

// Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix marks a Standard Webhooks symmetric secret.
const SecretPrefix = "whsec_"

// Secret is a signing key: the bytes behind "whsec_<base64>". It never prints its value.
type Secret struct{ key []byte }

// ParseSecret reads "whsec_<base64>" or the bare base64 (what the stack generates into Secrets
// Manager: letters and digits, valid base64). The key must be 24 to 64 bytes, as the
// specification asks.
func ParseSecret(s string) (Secret, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), SecretPrefix)
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil {
		return Secret{}, errors.New("outbound: the signing secret is not base64")
	}
	if len(key) < 24 || len(key) > 64 {
		return Secret{}, errors.New("outbound: the signing secret must hold 24 to 64 bytes")
	}
	return Secret{key: key}, nil
}

// Encoded returns the secret as a receiver configures it: "whsec_<base64>".
func (s Secret) Encoded() string { return SecretPrefix + base64.StdEncoding.EncodeToString(s.key) }

// String hides the value (a Secret printed by mistake leaks nothing).
func (s Secret) String() string { return "whsec_[redacted]" }

// GoString hides the value from %#v too.
func (s Secret) GoString() string { return s.String() }

func (s Secret) sign(id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Sign returns the webhook-signature header value: one "v1,<sig>" per secret, space separated
// (two during a rotation, so receivers holding either secret verify).
func Sign(secrets []Secret, id string, ts time.Time, body []byte) string {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sigs = append(sigs, s.sign(id, ts.Unix(), body))
	}
	return strings.Join(sigs, " ")
}

// Errors of Verify.
var (
	ErrMissingHeaders   = errors.New("outbound: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrTimestamp        = errors.New("outbound: webhook-timestamp outside the tolerance")
	ErrNoValidSignature = errors.New("outbound: no valid signature")
)

// DefaultTolerance is how far webhook-timestamp may be from now (either way), as in the
// Standard Webhooks libraries.
const DefaultTolerance = 5 * time.Minute

// Verify checks a received event: the timestamp within tolerance of now, and one of the
// signatures made with secret over the raw body (never a re-serialised one). Comparisons are in
// constant time.
func Verify(secret Secret, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrTimestamp
	}
	want := []byte(secret.sign(id, ts, body))
	ok := 0
	for _, sig := range strings.Fields(sigs) {
		if hmac.Equal([]byte(sig), want) {
			ok = 1
		}
	}
	if ok == 0 {
		return ErrNoValidSignature
	}
	return nil
}

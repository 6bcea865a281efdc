package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/secrets"
)

// SecretSource returns a tenant's signing secrets: the current one first, and the previous one
// during a rotation.
type SecretSource func(ctx context.Context, tenant string) ([]Secret, error)

// DefaultTimeout bounds one delivery attempt (Standard Webhooks suggests 15 to 30 s).
const DefaultTimeout = 15 * time.Second

// Sender POSTs events to the tenants' callbacks; it is the domain's EventSender.
type Sender struct {
	client  *http.Client
	secrets SecretSource
	now     func() time.Time
}

var _ domain.EventSender = (*Sender)(nil)

// NewSender builds a sender. client nil means a client with DefaultTimeout that does not follow
// redirects (a 3xx is a failed attempt: the receiver must answer at the configured URL).
func NewSender(client *http.Client, src SecretSource, now func() time.Time) *Sender {
	if client == nil {
		client = &http.Client{
			Timeout:       DefaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second,
				TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: DefaultTimeout, ForceAttemptHTTP2: true},
		}
	}
	if now == nil {
		now = time.Now
	}
	return &Sender{client: client, secrets: src, now: now}
}

// Send makes one attempt. The body is the event's stored payload, byte for byte; the timestamp
// and signature are the attempt's. The answer's body is never read beyond a small limit and
// never logged: only its status becomes the failure code.
func (s *Sender) Send(ctx context.Context, cb domain.Callback, ev domain.OutboundEvent) domain.SendResult {
	keys, err := s.secrets(ctx, ev.Tenant)
	if err != nil || len(keys) == 0 {
		return domain.SendResult{Code: "secret_unavailable"}
	}
	now := s.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cb.URL, bytes.NewReader(ev.Payload))
	if err != nil {
		return domain.SendResult{Code: "invalid_callback_url", Permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "unicogw-webhooks/1")
	req.Header.Set(HeaderID, ev.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(keys, ev.ID, now, ev.Payload))
	resp, err := s.client.Do(req)
	if err != nil {
		return domain.SendResult{Code: transportCode(err)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return domain.SendResult{Delivered: true}
	case resp.StatusCode == http.StatusGone:
		return domain.SendResult{Code: "http_410", Permanent: true} // Standard Webhooks: the endpoint is gone
	}
	res := domain.SendResult{Code: "http_" + strconv.Itoa(resp.StatusCode)}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs > 0 {
			res.RetryAfter = time.Duration(min(secs, 24*3600)) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil && t.After(now) {
			res.RetryAfter = min(t.Sub(now), 24*time.Hour)
		}
	}
	return res
}

func transportCode(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "connect"
	}
	return "transport"
}

// SecretDocument is the JSON of a tenant's outbound secret in Secrets Manager. The stack
// generates signingSecret (base64 letters and digits; receivers use it as "whsec_" + value). To
// rotate, move the current value to previousSigningSecret and put the new one in
// signingSecret: both sign until previousSigningSecret is removed.
type SecretDocument struct {
	SigningSecret         string `json:"signingSecret"`
	PreviousSigningSecret string `json:"previousSigningSecret,omitempty"`
}

// SecretsFromManager reads each tenant's signing secrets from its Secrets Manager secret
// (tenant → secret id), through a cache per secret (ttl; a rotation is picked up within it).
func SecretsFromManager(client secrets.Getter, ids map[string]string, ttl time.Duration) SecretSource {
	var mu sync.Mutex
	caches := map[string]*secrets.Cache{}
	return func(ctx context.Context, tenant string) ([]Secret, error) {
		id, ok := ids[tenant]
		if !ok || id == "" {
			return nil, errors.New("outbound: no signing secret configured for the tenant")
		}
		mu.Lock()
		c := caches[id]
		if c == nil {
			c = secrets.NewCache(client, id, ttl)
			caches[id] = c
		}
		mu.Unlock()
		raw, err := c.String(ctx)
		if err != nil {
			return nil, err
		}
		return ParseSecretDocument(raw)
	}
}

// ParseSecretDocument reads a SecretDocument (current secret first).
func ParseSecretDocument(raw string) ([]Secret, error) {
	var d SecretDocument
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return nil, errors.New("outbound: the signing secret is not the JSON {\"signingSecret\": ...}")
	}
	cur, err := ParseSecret(d.SigningSecret)
	if err != nil {
		return nil, err
	}
	out := []Secret{cur}
	if d.PreviousSigningSecret != "" {
		prev, err := ParseSecret(d.PreviousSigningSecret)
		if err != nil {
			return nil, err
		}
		out = append(out, prev)
	}
	return out, nil
}

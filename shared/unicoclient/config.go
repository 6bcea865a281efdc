// Package unicoclient is the HTTP client of Unico IDCloud: OAuth2 JWT-bearer tokens (TokenSource)
// and the by-Unico, sign and by-Client endpoints (Client). The wire model lives in package unico.
//
// Errors and log lines never carry request bodies, CPFs, tokens, keys, API keys or selfies:
// non-2xx answers become *unico.APIError (status and code only in Error()), transport errors keep
// the operation name and the cause but not the URL (whose query may hold a CPF).
package unicoclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// CredentialsFunc returns the current credentials. It is called on every token mint and every
// by-Client call (for the APIKEY), never cached here, so a rotated secret is picked up as soon as
// the caller's cache has it.
type CredentialsFunc func(ctx context.Context) (unico.Credentials, error)

// DefaultSignEvidencePath is the assumed GetEvidenceSign path on the sign host. ❓ Unconfirmed:
// Unico's page for it was not retrievable; confirm with Unico.
const DefaultSignEvidencePath = "/api/v1/service/evidence/{documentId}"

// Defaults.
const (
	DefaultTimeout               = 10 * time.Second // GETs, by-Unico POSTs, token mint
	DefaultByClientCreateTimeout = 25 * time.Second // POST /processes/v1 is synchronous biometric work
	MaxTimeout                   = 28 * time.Second // stays under API Gateway's 29 s integration limit
	DefaultRefreshMargin         = 5 * time.Minute
	DefaultMaxAuthFailures       = 3
	DefaultAuthCooldown          = 5 * time.Minute
	DefaultRetryBaseDelay        = 100 * time.Millisecond
	DefaultMaxResponseBytes      = 32 << 20
	maxGetRetries                = 2
)

// Config configures a Client and its TokenSource. Base URLs have no trailing slash (one is
// trimmed if present); hosts per environment are in the reference (§1): they are configuration,
// not constants, because Unico publishes two by-Unico hosts.
type Config struct {
	AuthURL          string // token host base, e.g. https://identityhomolog.acesso.io (POST /oauth2/token)
	Audience         string // assertion aud; default AuthURL without trailing slash
	ByUnicoURL       string // e.g. https://api.cadastro.uat.unico.app
	ByClientURL      string // e.g. https://api.id.uat.unico.app
	SignURL          string // e.g. https://signhom.acesso.io
	SignEvidencePath string // default DefaultSignEvidencePath; "{documentId}" is replaced

	HTTPClient *http.Client // default: a client with no overall timeout (deadlines come from contexts)

	// Timeout bounds one call, retries and token mint included. Zero means DefaultTimeout for
	// GETs, by-Unico POSTs and the token mint, and ByClientCreateTimeout for POST /processes/v1.
	// When set it applies to every call. At most MaxTimeout.
	Timeout               time.Duration
	ByClientCreateTimeout time.Duration // default DefaultByClientCreateTimeout (or Timeout when set)

	Now    func() time.Time // default time.Now; drives token expiry, the circuit breaker and Retry-After dates
	Logger *slog.Logger     // default: discard

	Token TokenOptions
	Calls CallObserver // optional: told about every exchange with Unico (metrics)

	RetryBaseDelay   time.Duration // GET back-off base (jittered, doubled per retry); default 100 ms
	MaxResponseBytes int64         // default 32 MiB
	UserAgent        string        // default "unicogw"
}

// TokenOptions tunes the TokenSource.
type TokenOptions struct {
	// RefreshMargin: a token is replaced this long before it expires. Default 5 min.
	RefreshMargin time.Duration
	// MaxAuthFailures consecutive 1.x.x authentication failures open the circuit (1.2.18, the
	// lockout, opens it at once). Default 3.
	MaxAuthFailures int
	// AuthCooldown is how long the circuit stays open. Default 5 min.
	AuthCooldown time.Duration
	// Shared, when set, is consulted before minting and updated after (tokens shared between
	// containers). See SharedTokenStore.
	Shared SharedTokenStore
	// Observer, when set, is told about mints, mint failures and the circuit opening (metrics).
	Observer TokenObserver
}

// TokenObserver is told about token events, for metrics. Its methods are called synchronously
// on the minting goroutine: they must be quick and safe for concurrent use.
type TokenObserver interface {
	// TokenMinted: Unico issued a token expiring at expiresAt.
	TokenMinted(ctx context.Context, expiresAt time.Time)
	// TokenMintFailed: a token request failed; authCode is Unico's 1.x.x code, or "" when the
	// failure was not an authentication error (transport, 5xx, 429, credentials unreadable).
	TokenMintFailed(ctx context.Context, authCode string)
	// AuthCircuitOpened: minting is suspended for cooldown after authentication failures
	// (authCode is the last one, e.g. "1.2.18").
	AuthCircuitOpened(ctx context.Context, authCode string, cooldown time.Duration)
}

func (c Config) withDefaults() (Config, error) {
	trim := func(s string) string { return strings.TrimRight(strings.TrimSpace(s), "/") }
	c.AuthURL, c.ByUnicoURL, c.ByClientURL, c.SignURL = trim(c.AuthURL), trim(c.ByUnicoURL), trim(c.ByClientURL), trim(c.SignURL)
	if c.AuthURL == "" {
		return c, errors.New("unicoclient: config: AuthURL is required")
	}
	for name, u := range map[string]string{"AuthURL": c.AuthURL, "ByUnicoURL": c.ByUnicoURL, "ByClientURL": c.ByClientURL, "SignURL": c.SignURL} {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" {
			return c, fmt.Errorf("unicoclient: config: %s must be an http(s) base URL without query", name)
		}
	}
	if c.Audience == "" {
		c.Audience = c.AuthURL
	}
	c.Audience = strings.TrimRight(c.Audience, "/")
	if c.SignEvidencePath == "" {
		c.SignEvidencePath = DefaultSignEvidencePath
	}
	if !strings.HasPrefix(c.SignEvidencePath, "/") || !strings.Contains(c.SignEvidencePath, "{documentId}") {
		return c, errors.New(`unicoclient: config: SignEvidencePath must start with "/" and contain {documentId}`)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Timeout < 0 || c.Timeout > MaxTimeout || c.ByClientCreateTimeout < 0 || c.ByClientCreateTimeout > MaxTimeout {
		return c, fmt.Errorf("unicoclient: config: timeouts must be between 0 and %s (API Gateway allows 29 s)", MaxTimeout)
	}
	if c.ByClientCreateTimeout == 0 {
		c.ByClientCreateTimeout = DefaultByClientCreateTimeout
		if c.Timeout > 0 {
			c.ByClientCreateTimeout = c.Timeout
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Token.RefreshMargin <= 0 {
		c.Token.RefreshMargin = DefaultRefreshMargin
	}
	if c.Token.MaxAuthFailures <= 0 {
		c.Token.MaxAuthFailures = DefaultMaxAuthFailures
	}
	if c.Token.AuthCooldown <= 0 {
		c.Token.AuthCooldown = DefaultAuthCooldown
	}
	if c.RetryBaseDelay <= 0 {
		c.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.UserAgent == "" {
		c.UserAgent = "unicogw"
	}
	return c, nil
}

type singleAttemptKey struct{}

// WithSingleAttempt marks ctx's Unico calls for one attempt each: no back-off retries and no
// re-authentication retry inside the client. For callers with their own retry policy (the
// worker), so that retries never nest and every attempt is counted against the budget once.
func WithSingleAttempt(ctx context.Context) context.Context {
	return context.WithValue(ctx, singleAttemptKey{}, true)
}

func singleAttempt(ctx context.Context) bool {
	v, _ := ctx.Value(singleAttemptKey{}).(bool)
	return v
}

package unicoclient

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unicogw/gateway/shared/unico"
	"github.com/unicogw/gateway/shared/unicobudget"
)

// Token is an access token and its absolute expiry.
type Token struct {
	AccessToken string
	ExpiresAt   time.Time
}

// String hides the token.
func (t Token) String() string {
	return "unicoclient.Token{redacted, expires " + t.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// GoString hides the token.
func (t Token) GoString() string { return t.String() }

// LogValue hides the token.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("expiresAt", t.ExpiresAt))
}

// SharedTokenStore shares access tokens between containers (extension point for "tokens shared
// through Secrets Manager" or a KMS-encrypted DynamoDB item). Load returns ok false when the
// store holds nothing. Both methods must be safe for concurrent use. Errors are logged and
// otherwise ignored: the TokenSource falls back to minting.
type SharedTokenStore interface {
	Load(ctx context.Context) (Token, bool, error)
	Store(ctx context.Context, t Token) error
}

// TokenStats counts TokenSource activity.
type TokenStats struct {
	Hits             int64     // Token calls served from memory
	SharedHits       int64     // tokens taken from the SharedTokenStore
	Mints            int64     // successful token requests to Unico
	MintFailures     int64     // failed token requests (any cause)
	CircuitOpenUntil time.Time // zero when closed
}

type cachedToken struct {
	value     string
	expiresAt time.Time
	refreshAt time.Time
}

type flight struct {
	done  chan struct{}
	value string
	err   error
}

// TokenSource mints and caches Unico access tokens. The zero value is not usable: use
// NewTokenSource. It is safe for concurrent use; keep one per process (e.g. a package-level
// variable of the Lambda) so warm invocations reuse the token.
type TokenSource struct {
	cfg      Config
	creds    CredentialsFunc
	tokenURL string

	cur atomic.Pointer[cachedToken]

	hits, sharedHits, mints, mintFailures atomic.Int64

	mu           sync.Mutex // guards the fields below
	flight       *flight
	consecutive  int
	openUntil    time.Time
	lastAuthCode string
	rejected     string // last invalidated token: never taken back from the shared store

	keyMu  sync.Mutex
	keySum [32]byte
	key    *rsa.PrivateKey
}

// NewTokenSource returns a TokenSource for cfg. creds is called on every mint.
func NewTokenSource(cfg Config, creds CredentialsFunc) (*TokenSource, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if creds == nil {
		return nil, errors.New("unicoclient: a CredentialsFunc is required")
	}
	return &TokenSource{cfg: c, creds: creds, tokenURL: c.AuthURL + "/oauth2/token"}, nil
}

// Token returns a valid access token, minting one when the cached token is missing or within
// RefreshMargin of its expiry. Concurrent callers share one mint. The cached path does not
// allocate.
func (ts *TokenSource) Token(ctx context.Context) (string, error) {
	if c := ts.cur.Load(); c != nil && ts.cfg.Now().Before(c.refreshAt) {
		ts.hits.Add(1)
		return c.value, nil
	}
	return ts.slowToken(ctx)
}

func (ts *TokenSource) slowToken(ctx context.Context) (string, error) {
	ts.mu.Lock()
	now := ts.cfg.Now()
	if c := ts.cur.Load(); c != nil && now.Before(c.refreshAt) {
		ts.mu.Unlock()
		ts.hits.Add(1)
		return c.value, nil
	}
	f := ts.flight
	if f == nil {
		// While the circuit is open nothing is minted, but a token another container (the
		// refresher) shares is still taken.
		open := now.Before(ts.openUntil)
		if open && ts.cfg.Token.Shared == nil {
			err := &CircuitOpenError{RetryAfter: ts.openUntil.Sub(now), AuthCode: ts.lastAuthCode}
			ts.mu.Unlock()
			return "", err
		}
		f = &flight{done: make(chan struct{})}
		ts.flight = f
		// The mint runs detached from this caller's cancellation: other callers share it.
		go ts.run(context.WithoutCancel(ctx), f, open)
	}
	ts.mu.Unlock()
	select {
	case <-f.done:
		return f.value, f.err
	case <-ctx.Done():
		return "", &OpError{Op: "token", Err: context.Cause(ctx)}
	}
}

func (ts *TokenSource) run(ctx context.Context, f *flight, sharedOnly bool) {
	ctx, cancel := context.WithTimeout(ctx, ts.cfg.Timeout)
	defer cancel()
	tok, err := ts.fetch(ctx, sharedOnly)
	if err == nil {
		ts.cur.Store(&cachedToken{value: tok.AccessToken, expiresAt: tok.ExpiresAt, refreshAt: ts.refreshAt(tok)})
		f.value = tok.AccessToken
	} else {
		f.err = err
	}
	ts.mu.Lock()
	ts.flight = nil
	ts.mu.Unlock()
	close(f.done)
}

// refreshAt is expiry minus RefreshMargin; for a lifetime shorter than twice the margin, half
// the remaining lifetime (so a short-lived token is still reused).
func (ts *TokenSource) refreshAt(t Token) time.Time {
	now := ts.cfg.Now()
	life := t.ExpiresAt.Sub(now)
	if life > 2*ts.cfg.Token.RefreshMargin {
		return t.ExpiresAt.Add(-ts.cfg.Token.RefreshMargin)
	}
	return now.Add(life / 2)
}

// fetch takes a usable token from the shared store or, unless sharedOnly (the circuit is open),
// mints one.
func (ts *TokenSource) fetch(ctx context.Context, sharedOnly bool) (Token, error) {
	log := ts.cfg.Logger
	if sh := ts.cfg.Token.Shared; sh != nil {
		tok, ok, err := sh.Load(ctx)
		switch {
		case err != nil:
			log.WarnContext(ctx, "unico token: shared store load failed", "error", err.Error())
		case ok && tok.AccessToken != "" && tok.ExpiresAt.Sub(ts.cfg.Now()) > ts.cfg.Token.RefreshMargin:
			ts.mu.Lock()
			rejected := tok.AccessToken == ts.rejected
			ts.mu.Unlock()
			if !rejected {
				ts.sharedHits.Add(1)
				return tok, nil
			}
		}
	}
	if sharedOnly {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		if now := ts.cfg.Now(); now.Before(ts.openUntil) {
			return Token{}, &CircuitOpenError{RetryAfter: ts.openUntil.Sub(now), AuthCode: ts.lastAuthCode}
		}
		// The cool-down ended meanwhile: the next call mints.
		return Token{}, &CircuitOpenError{RetryAfter: time.Second, AuthCode: ts.lastAuthCode}
	}
	return ts.mintRecorded(ctx, true)
}

// mintRecorded mints and keeps the books: counters, the circuit breaker, the observer and, when
// publish is set, the shared store.
func (ts *TokenSource) mintRecorded(ctx context.Context, publish bool) (Token, error) {
	log := ts.cfg.Logger
	obs := ts.cfg.Token.Observer
	tok, err := ts.mint(ctx)
	now := ts.cfg.Now()
	ts.mu.Lock()
	if err != nil {
		ts.mintFailures.Add(1)
		authCode, opened := "", false
		var ae *unico.APIError
		if errors.As(err, &ae) && ae.IsAuthFailure() {
			authCode = ae.AuthCode
			ts.consecutive++
			ts.lastAuthCode = ae.AuthCode
			if ae.IsAuthLockout() || ts.consecutive >= ts.cfg.Token.MaxAuthFailures {
				ts.openUntil = now.Add(ts.cfg.Token.AuthCooldown)
				opened = true
				log.ErrorContext(ctx, "unico token: authentication circuit opened",
					"authCode", ae.AuthCode, "consecutiveFailures", ts.consecutive, "cooldown", ts.cfg.Token.AuthCooldown.String())
			}
		}
		ts.mu.Unlock()
		if obs != nil {
			obs.TokenMintFailed(ctx, authCode)
			if opened {
				obs.AuthCircuitOpened(ctx, authCode, ts.cfg.Token.AuthCooldown)
			}
		}
		return Token{}, err
	}
	ts.consecutive, ts.openUntil, ts.lastAuthCode = 0, time.Time{}, ""
	ts.mu.Unlock()
	ts.mints.Add(1)
	log.InfoContext(ctx, "unico token minted", "expiresAt", tok.ExpiresAt)
	if obs != nil {
		obs.TokenMinted(ctx, tok.ExpiresAt)
	}
	if sh := ts.cfg.Token.Shared; publish && sh != nil {
		if err := sh.Store(ctx, tok); err != nil {
			log.WarnContext(ctx, "unico token: shared store save failed", "error", err.Error())
		}
	}
	return tok, nil
}

// Refresh mints a new token now, whatever the cache holds, caches it and returns it with its
// expiry. It is for the one writer of a shared store (the scheduled refresher), which writes the
// token itself: Refresh never reads nor writes the SharedTokenStore. It honours the circuit
// breaker (a *CircuitOpenError while open) and counts like any mint. Calls are not collapsed
// with each other: the refresher runs one at a time.
func (ts *TokenSource) Refresh(ctx context.Context) (Token, error) {
	ts.mu.Lock()
	if now := ts.cfg.Now(); now.Before(ts.openUntil) {
		err := &CircuitOpenError{RetryAfter: ts.openUntil.Sub(now), AuthCode: ts.lastAuthCode}
		ts.mu.Unlock()
		return Token{}, err
	}
	ts.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, ts.cfg.Timeout)
	defer cancel()
	tok, err := ts.mintRecorded(ctx, false)
	if err != nil {
		return Token{}, err
	}
	ts.cur.Store(&cachedToken{value: tok.AccessToken, expiresAt: tok.ExpiresAt, refreshAt: ts.refreshAt(tok)})
	return tok, nil
}

// Invalidate drops token from the cache if it is still the current one (after a 401), so that
// the next Token call mints. A token already replaced is left alone.
func (ts *TokenSource) Invalidate(token string) {
	if token == "" {
		return
	}
	if c := ts.cur.Load(); c != nil && c.value == token {
		ts.cur.CompareAndSwap(c, nil)
	}
	ts.mu.Lock()
	ts.rejected = token
	ts.mu.Unlock()
}

// Stats returns counters.
func (ts *TokenSource) Stats() TokenStats {
	ts.mu.Lock()
	open := ts.openUntil
	ts.mu.Unlock()
	return TokenStats{Hits: ts.hits.Load(), SharedHits: ts.sharedHits.Load(), Mints: ts.mints.Load(), MintFailures: ts.mintFailures.Load(), CircuitOpenUntil: open}
}

type tokenResponse struct {
	AccessToken string      `json:"access_token"`
	ExpiresIn   json.Number `json:"expires_in"`
	TokenType   string      `json:"token_type"`
}

func (ts *TokenSource) mint(ctx context.Context) (Token, error) {
	creds, err := ts.creds(ctx)
	if err != nil {
		return Token{}, &OpError{Op: "token", Err: &joinErr{[]error{errors.New("loading credentials"), err}}}
	}
	key, err := ts.privateKey(creds.PrivateKeyPEM)
	if err != nil {
		return Token{}, &OpError{Op: "token", Err: err}
	}
	start := ts.cfg.Now()
	var body []byte
	// RS256 signatures are deterministic and Unico forbids a jti, so two containers minting in
	// the same second with the same credentials would send byte-identical assertions and the
	// second would be refused as reused (1.2.7). Each assertion is therefore dated a random few
	// seconds back (still valid: iat in the past, exp = iat+3600), and a 1.2.7 is retried once
	// with a new date instead of counting as an authentication failure.
	for attempt := 0; ; attempt++ {
		assertion, err := buildAssertion(key, creds, ts.cfg.Audience, start.Add(-assertionBackdate()))
		if err != nil {
			return Token{}, &OpError{Op: "token", Err: err}
		}
		status, b, retryAfter, err := ts.postAssertion(ctx, assertion)
		if err != nil {
			return Token{}, &OpError{Op: "token", Err: err}
		}
		if status >= 200 && status <= 299 {
			body = b
			break
		}
		ae := unico.ParseError(status, b, "")
		ae.RetryAfter = unico.ParseRetryAfter(retryAfter, ts.cfg.Now())
		if ae.AuthCode == "1.2.7" && attempt == 0 {
			continue
		}
		return Token{}, &OpError{Op: "token", Err: ae}
	}
	var tr tokenResponse
	if err := unico.Decode(body, &tr); err != nil {
		return Token{}, &OpError{Op: "token", Err: errors.New("undecodable token response")}
	}
	if tr.AccessToken == "" {
		return Token{}, &OpError{Op: "token", Err: errors.New("token response without access_token")}
	}
	if tt := strings.TrimSpace(tr.TokenType); tt != "" && !strings.EqualFold(tt, "bearer") {
		return Token{}, &OpError{Op: "token", Err: errors.New("unexpected token_type")}
	}
	life := 3600 * time.Second // Unico's documented default when expires_in is absent
	if n, err := tr.ExpiresIn.Int64(); err == nil && n > 0 {
		life = time.Duration(n) * time.Second
	}
	return Token{AccessToken: tr.AccessToken, ExpiresAt: start.Add(life)}, nil
}

// postAssertion sends one token request and returns the status, body and Retry-After header.
func (ts *TokenSource) postAssertion(ctx context.Context, assertion string) (int, []byte, string, error) {
	form := url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"assertion":  {assertion},
	}
	// A mint is rare (one per token lifetime for the fleet) and every other call waits for it:
	// it takes the budget's first priority whoever needs the token.
	ctx = unicobudget.WithPriority(ctx, unicobudget.Create)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, "", errors.New("building request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", ts.cfg.UserAgent)
	resp, err := ts.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, "", transportCause(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, "", transportCause(err)
	}
	return resp.StatusCode, body, resp.Header.Get("Retry-After"), nil
}

// assertionBackdate is a random 0 to 30 seconds.
func assertionBackdate() time.Duration {
	var b [1]byte
	_, _ = rand.Read(b[:])
	return time.Duration(int(b[0])%31) * time.Second
}

// privateKey parses the PEM, caching the key by the PEM's hash (credentials rotate rarely).
func (ts *TokenSource) privateKey(pemText string) (*rsa.PrivateKey, error) {
	sum := sha256.Sum256([]byte(pemText))
	ts.keyMu.Lock()
	defer ts.keyMu.Unlock()
	if ts.key != nil && sum == ts.keySum {
		return ts.key, nil
	}
	k, err := ParsePrivateKey(pemText)
	if err != nil {
		return nil, err
	}
	ts.key, ts.keySum = k, sum
	return k, nil
}

// ParsePrivateKey reads an RSA private key from PEM, PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
// ("PRIVATE KEY"). A PEM pasted into JSON with literal "\n" sequences is accepted. Errors never
// include key material.
func ParsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil && strings.Contains(pemText, `\n`) {
		block, _ = pem.Decode([]byte(strings.ReplaceAll(strings.TrimSpace(pemText), `\n`, "\n")))
	}
	if block == nil {
		return nil, errors.New("private key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("private key: not a PKCS#1 or PKCS#8 private key")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("private key: not an RSA key (RS256 needs RSA)")
	}
	return rk, nil
}

// assertionHeader is {"alg":"RS256","typ":"JWT"}, base64url without padding.
var assertionHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))

// assertionClaims are exactly the five claims Unico accepts; any other claim fails with 1.2.22.
type assertionClaims struct {
	Iss   string `json:"iss"`
	Aud   string `json:"aud"`
	Scope string `json:"scope"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
}

// AssertionLifetime is exp − iat of the assertion (Unico's maximum).
const AssertionLifetime = time.Hour

// BuildAssertion signs the JWT-bearer assertion for creds: header {"alg":"RS256","typ":"JWT"},
// claims exactly iss (<account>@<tenant>.iam.acesso.io), aud, scope "*", iat and exp = iat+3600,
// in seconds. Each token request needs a fresh one (Unico rejects reuse with 1.2.7).
func BuildAssertion(creds unico.Credentials, audience string, now time.Time) (string, error) {
	key, err := ParsePrivateKey(creds.PrivateKeyPEM)
	if err != nil {
		return "", err
	}
	return buildAssertion(key, creds, strings.TrimRight(audience, "/"), now)
}

func buildAssertion(key *rsa.PrivateKey, creds unico.Credentials, audience string, now time.Time) (string, error) {
	if strings.TrimSpace(creds.ServiceAccount) == "" || strings.TrimSpace(creds.TenantID) == "" {
		return "", errors.New("credentials lack serviceAccount or tenantId")
	}
	iat := now.Unix()
	claims, err := json.Marshal(assertionClaims{
		Iss:   creds.Issuer(),
		Aud:   audience,
		Scope: "*",
		Iat:   iat,
		Exp:   iat + int64(AssertionLifetime/time.Second),
	})
	if err != nil {
		return "", errors.New("encoding assertion claims")
	}
	var b bytes.Buffer
	b.WriteString(assertionHeader)
	b.WriteByte('.')
	b.WriteString(base64.RawURLEncoding.EncodeToString(claims))
	digest := sha256.Sum256(b.Bytes())
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", errors.New("signing assertion")
	}
	b.WriteByte('.')
	b.WriteString(base64.RawURLEncoding.EncodeToString(sig))
	return b.String(), nil
}

// transportCause strips *url.Error (whose message holds the URL, and a URL may hold a CPF in its
// query) and keeps the cause.
func transportCause(err error) error {
	if refusal := budgetRefusal(err); refusal != nil {
		return refusal // nothing was sent: not a transport failure
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return &joinErr{[]error{ErrTransport, ue.Err}}
	}
	var oe *net.OpError
	if errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &joinErr{[]error{ErrTransport, err}}
	}
	return ErrTransport
}

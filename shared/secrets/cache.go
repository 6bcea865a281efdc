// Package secrets reads the gateway's credentials from AWS Secrets Manager through an
// in-memory cache: one fetch per TTL per container, shared by concurrent callers, with the
// previous value served for a grace period when Secrets Manager cannot be reached. Neither
// errors nor log lines ever carry a secret value.
package secrets

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Getter is the one Secrets Manager call the cache makes; *secretsmanager.Client
// satisfies it.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

const (
	// DefaultTTL is how long a fetched value is served before it is fetched again.
	DefaultTTL = 5 * time.Minute
	// DefaultGrace is how long past its expiry a value is still served while refreshes fail.
	DefaultGrace = 15 * time.Minute
	// DefaultRetryInterval is how long, after a failed refresh during the grace period, the
	// stale value is served before the next refresh is tried.
	DefaultRetryInterval = 10 * time.Second
	// fetchTimeout bounds one GetSecretValue call, which runs detached from the caller's
	// cancellation so that one caller giving up does not fail the others.
	fetchTimeout = 15 * time.Second
)

var _ Getter = (*secretsmanager.Client)(nil)

// Cache holds one secret's string value. It is safe for concurrent use.
type Cache struct {
	client   Getter
	secretID string
	ttl      time.Duration
	grace    time.Duration
	retry    time.Duration
	now      func() time.Time
	logger   atomic.Pointer[slog.Logger]

	cur atomic.Pointer[entry] // read without locking on the hot path

	mu       sync.Mutex
	inflight *call // the fetch under way, if any
}

type entry struct {
	value   string
	version string
	expires time.Time
	// retryAt is set on a value kept after a failed refresh: until then it is served
	// without another fetch.
	retryAt time.Time
}

type call struct {
	done chan struct{}
	e    *entry
	err  error
}

// NewCache returns a cache of secretID's SecretString fetched with client. A ttl of 0
// means DefaultTTL.
func NewCache(client Getter, secretID string, ttl time.Duration) *Cache {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Cache{
		client:   client,
		secretID: secretID,
		ttl:      ttl,
		grace:    DefaultGrace,
		retry:    DefaultRetryInterval,
		now:      time.Now,
	}
}

// SetClock replaces time.Now, for tests. Call it before the cache is used.
func (c *Cache) SetClock(now func() time.Time) { c.now = now }

// SetGrace sets how long past expiry a value is served while refreshes fail (0 disables
// serving stale values) and how often a refresh is retried meanwhile. Call it before the
// cache is used.
func (c *Cache) SetGrace(grace, retryInterval time.Duration) {
	c.grace, c.retry = grace, retryInterval
}

// SetLogger sets where the cache warns about failed refreshes; the default is
// slog.Default(). Warnings carry the secret id and the error code, never the value.
func (c *Cache) SetLogger(l *slog.Logger) { c.logger.Store(l) }

func (c *Cache) log() *slog.Logger {
	if l := c.logger.Load(); l != nil {
		return l
	}
	return slog.Default()
}

// SecretID returns the id the cache fetches.
func (c *Cache) SecretID() string { return c.secretID }

// String returns the secret's SecretString, fetching it when the cached value has expired.
// Concurrent callers share one fetch. When a refresh fails and a value was fetched
// before, that value keeps being served for the grace period past its expiry, with a
// warning logged; after that the error is returned.
func (c *Cache) String(ctx context.Context) (string, error) {
	if e := c.cur.Load(); e != nil && c.now().Before(e.expires) {
		return e.value, nil
	}
	e, err := c.load(ctx)
	if err != nil {
		return "", err
	}
	return e.value, nil
}

// Version returns the cached value together with its Secrets Manager version id.
func (c *Cache) Version(ctx context.Context) (value, versionID string, err error) {
	e := c.cur.Load()
	if e == nil || !c.now().Before(e.expires) {
		if e, err = c.load(ctx); err != nil {
			return "", "", err
		}
	}
	return e.value, e.version, nil
}

// Invalidate makes the next call fetch the secret again, e.g. after Unico rejected the key.
// A fetch already under way is not waited for: callers already waiting on it get its
// answer, but the cache does not keep it. If the new fetch
// fails, the old value is still served for the grace period, counted from now.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight = nil
	if e := c.cur.Load(); e != nil {
		now := c.now()
		exp := e.expires
		if now.Before(exp) {
			exp = now
		}
		c.cur.Store(&entry{value: e.value, version: e.version, expires: exp})
	}
}

// usable reports whether e may still be served at now after refreshes failed.
func (c *Cache) usable(e *entry, now time.Time) bool {
	return e != nil && now.Before(e.expires.Add(c.grace))
}

// load is the slow path: it joins the fetch under way or starts one, then waits for it or
// for ctx.
func (c *Cache) load(ctx context.Context) (*entry, error) {
	c.mu.Lock()
	now := c.now()
	e := c.cur.Load()
	if e != nil && (now.Before(e.expires) || now.Before(e.retryAt) && c.usable(e, now)) {
		c.mu.Unlock()
		return e, nil
	}
	cl := c.inflight
	if cl == nil {
		cl = &call{done: make(chan struct{})}
		c.inflight = cl
		go c.fetch(context.WithoutCancel(ctx), cl)
	}
	c.mu.Unlock()

	select {
	case <-cl.done:
	case <-ctx.Done():
		if old := c.cur.Load(); c.usable(old, c.now()) {
			return old, nil
		}
		return nil, ctx.Err()
	}
	if cl.err == nil {
		return cl.e, nil
	}
	if old := c.cur.Load(); c.usable(old, c.now()) {
		return old, nil
	}
	return nil, cl.err
}

// fetch runs one GetSecretValue and publishes the outcome to cl and, unless the cache was
// invalidated meanwhile, to the cache.
func (c *Cache) fetch(ctx context.Context, cl *call) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	id := c.secretID
	out, err := c.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id})
	switch {
	case err != nil:
		err = &FetchError{SecretID: c.secretID, Code: errorCode(err), err: err}
	case out == nil || out.SecretString == nil:
		err = &FetchError{SecretID: c.secretID, Code: "NoSecretString"}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(cl.done)
	now := c.now()
	current := c.inflight == cl
	if current {
		c.inflight = nil
	}
	if err != nil {
		cl.err = err
		if old := c.cur.Load(); current && c.usable(old, now) {
			c.cur.Store(&entry{value: old.value, version: old.version, expires: old.expires, retryAt: now.Add(c.retry)})
			c.log().WarnContext(ctx, "secrets: refresh failed; serving the previous value",
				"secretId", c.secretID, "err", err,
				"staleFor", now.Sub(old.expires).Round(time.Second).String(),
				"graceLeft", old.expires.Add(c.grace).Sub(now).Round(time.Second).String())
		}
		return
	}
	e := &entry{value: *out.SecretString, expires: now.Add(c.ttl)}
	if out.VersionId != nil {
		e.version = *out.VersionId
	}
	cl.e = e
	if current {
		c.cur.Store(e)
	}
}

// FetchError is a failed GetSecretValue. Its text has the secret id and the AWS error code
// only; Unwrap gives the SDK's error (for errors.Is/As), whose text is not for logs.
type FetchError struct {
	SecretID string
	Code     string // the AWS error code, e.g. ResourceNotFoundException or AccessDeniedException
	err      error
}

func (e *FetchError) Error() string {
	return "secrets: fetching secret " + strconv.Quote(e.SecretID) + ": " + e.Code
}

func (e *FetchError) Unwrap() error { return e.err }

// errorCode is the AWS error code of an SDK error (smithy.APIError), or a fixed word for
// cancellation and transport failures.
func errorCode(err error) string {
	var api interface{ ErrorCode() string }
	switch {
	case errors.As(err, &api) && api.ErrorCode() != "":
		return api.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "DeadlineExceeded"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	default:
		return "RequestFailed"
	}
}

package tokenshare

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/shared/secrets"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// DefaultMinReread is how long a Reader answers from its last read before it reads the secret
// again.
const DefaultMinReread = 30 * time.Second

// ReaderOptions tune a Reader.
type ReaderOptions struct {
	Now func() time.Time // default time.Now
	// MinReread: within this time of the last read, Load answers from memory. The TokenSource
	// calls Load only on its slow path (no usable token in memory), so this only matters when
	// that path runs often: while Unico refuses to mint, or Secrets Manager fails.
	MinReread time.Duration
	Logger    *slog.Logger // default: discard
}

// Reader is a container's read-only view of the token secret: the unicoclient.SharedTokenStore
// of its TokenSource. It is safe for concurrent use.
type Reader struct {
	client    secrets.Getter
	secretID  string
	now       func() time.Time
	minReread time.Duration
	log       *slog.Logger

	reads atomic.Int64

	mu     sync.Mutex
	readAt time.Time // last GetSecretValue, answered or not
	last   Document
	ok     bool
	err    error
}

var _ unicoclient.SharedTokenStore = (*Reader)(nil)

// NewReader returns a Reader of secretID.
func NewReader(client secrets.Getter, secretID string, o ReaderOptions) *Reader {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinReread <= 0 {
		o.MinReread = DefaultMinReread
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Reader{client: client, secretID: secretID, now: o.Now, minReread: o.MinReread, log: o.Logger}
}

// Load returns the shared token (ok false when the secret holds none). It reads the secret
// unless it did less than MinReread ago. Errors carry the AWS error code, never the value.
func (r *Reader) Load(ctx context.Context) (unicoclient.Token, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if !r.readAt.IsZero() && now.Before(r.readAt.Add(r.minReread)) {
		return unicoclient.Token{AccessToken: r.last.AccessToken, ExpiresAt: r.last.ExpiresAt}, r.ok, r.err
	}
	r.reads.Add(1)
	id := r.secretID
	out, err := r.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id})
	r.readAt = now
	switch {
	case err != nil:
		r.err = &Error{Op: "GetSecretValue", SecretID: r.secretID, Code: errorCode(err), err: err}
		// Keep the last document: the TokenSource decides whether it is still usable.
	case out.SecretString == nil:
		r.last, r.ok, r.err = Document{}, false, nil
	default:
		d, ok, why := parseDocument(*out.SecretString)
		if !ok && why != "empty" && why != "no token yet" {
			r.log.WarnContext(ctx, "tokenshare: the token secret holds no usable token", "secretId", r.secretID, "why", why)
		}
		r.last, r.ok, r.err = d, ok, nil
	}
	return unicoclient.Token{AccessToken: r.last.AccessToken, ExpiresAt: r.last.ExpiresAt}, r.ok, r.err
}

// Store does nothing: containers never write the token secret (only the refresher may; see
// Refresher). The TokenSource calls it after minting its own token.
func (r *Reader) Store(context.Context, unicoclient.Token) error { return nil }

// Reads counts GetSecretValue calls made.
func (r *Reader) Reads() int64 { return r.reads.Load() }

// SecretID returns the token secret's id.
func (r *Reader) SecretID() string { return r.secretID }

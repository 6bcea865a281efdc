package tokenshare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// Defaults of the refresher. See RefresherConfig for how they relate.
const (
	DefaultRefreshWindow    = 15 * time.Minute
	DefaultMinWriteInterval = 10 * time.Minute // AWS: at most one PutSecretValue per 10 minutes per secret
	DefaultSchedule         = 5 * time.Minute  // the stack's EventBridge rate
)

// SecretsAPI is what the refresher calls; *secretsmanager.Client satisfies it.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

var _ SecretsAPI = (*secretsmanager.Client)(nil)

// Minter mints a fresh token whatever any cache holds; *unicoclient.TokenSource satisfies it.
type Minter interface {
	Refresh(ctx context.Context) (unicoclient.Token, error)
}

// RefresherConfig configures a Refresher.
//
// The timing works out as follows (defaults in brackets). The refresher runs every Schedule
// [5 min] and writes a new token when the shared one has less than Window [15 min] left, so the
// shared token is replaced with between Window−Schedule [10 min] and Window left. Containers
// re-read the secret when their copy has RefreshMargin [5 min, unicoclient] left, by which time
// the secret already holds the next token: Window − Schedule must exceed the containers'
// RefreshMargin. Each token is thus used for lifetime − Window .. lifetime − Window + Schedule
// [45–50 min of 60]: one write per token lifetime, at most one mint per token lifetime plus one
// over any period, and never two writes within MinWriteInterval [10 min].
type RefresherConfig struct {
	SecretID         string
	Window           time.Duration // default DefaultRefreshWindow
	MinWriteInterval time.Duration // default DefaultMinWriteInterval; never lower than that
	Now              func() time.Time
	Logger           *slog.Logger     // default: discard
	Metrics          *metrics.Emitter // optional
}

// Outcome says what a run did.
type Outcome string

// Outcomes of Run.
const (
	Refreshed Outcome = "refreshed" // a new token was minted and written
	Fresh     Outcome = "fresh"     // the shared token is outside its refresh window: nothing to do
	TooSoon   Outcome = "too_soon"  // due, but the last write is younger than MinWriteInterval
	LostRace  Outcome = "lost_race" // another writer wrote first; its token stands
	Failed    Outcome = "failed"    // see the error
)

// Result is the outcome of one run; it is also the refresher function's answer, so it carries
// no token.
type Result struct {
	Outcome     Outcome   `json:"outcome"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`   // of the shared token after the run
	SecondsLeft float64   `json:"secondsLeft,omitzero"` // its remaining lifetime
}

// Refresher is the one writer of the token secret.
type Refresher struct {
	client SecretsAPI
	tokens Minter
	cfg    RefresherConfig
}

// NewRefresher returns the refresher of cfg.SecretID.
func NewRefresher(client SecretsAPI, tokens Minter, cfg RefresherConfig) (*Refresher, error) {
	if client == nil || tokens == nil {
		return nil, errors.New("tokenshare: a Secrets Manager client and a Minter are required")
	}
	if cfg.SecretID == "" {
		return nil, errors.New("tokenshare: the token secret id is required")
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultRefreshWindow
	}
	if cfg.MinWriteInterval < DefaultMinWriteInterval {
		cfg.MinWriteInterval = DefaultMinWriteInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Refresher{client: client, tokens: tokens, cfg: cfg}, nil
}

// Run reads the token secret and, when the shared token is missing or within the refresh
// window, mints a new one and writes it. The write is conditional on the version read: its
// ClientRequestToken is derived from that version, so if another writer got in first, Secrets
// Manager refuses the second value (ResourceExistsException) and the run reports LostRace.
//
// An error means the shared token needed replacing and was not replaced (or the secret could
// not be read); containers then mint their own tokens when their copy expires.
func (r *Refresher) Run(ctx context.Context) (Result, error) {
	res, err := r.run(ctx)
	log := r.cfg.Logger
	m := []metrics.Metric{}
	if err != nil {
		res.Outcome = Failed
		m = append(m, metrics.Metric{Name: metrics.UnicoTokenRefreshFailures, Value: 1, Unit: metrics.Count})
		log.ErrorContext(ctx, "tokenshare: refresh failed", "secretId", r.cfg.SecretID, "err", err)
	} else {
		log.InfoContext(ctx, "tokenshare: refresher run", "secretId", r.cfg.SecretID, "outcome", string(res.Outcome),
			"expiresAt", res.ExpiresAt, "secondsLeft", res.SecondsLeft)
	}
	if res.Outcome == Refreshed {
		m = append(m, metrics.Metric{Name: metrics.UnicoTokenRefreshes, Value: 1, Unit: metrics.Count})
	}
	if !res.ExpiresAt.IsZero() {
		m = append(m, metrics.Metric{Name: metrics.UnicoSharedTokenSecondsLeft, Value: res.SecondsLeft, Unit: metrics.Seconds})
	}
	r.cfg.Metrics.Emit(m...)
	return res, err
}

func (r *Refresher) run(ctx context.Context) (Result, error) {
	id := r.cfg.SecretID
	out, err := r.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id})
	if err != nil {
		return Result{}, &Error{Op: "GetSecretValue", SecretID: id, Code: errorCode(err), err: err}
	}
	var doc Document
	var ok bool
	if out.SecretString != nil {
		var why string
		if doc, ok, why = parseDocument(*out.SecretString); !ok && why != "empty" && why != "no token yet" {
			r.cfg.Logger.WarnContext(ctx, "tokenshare: the token secret holds no usable token; replacing it", "secretId", id, "why", why)
		}
	}
	now := r.cfg.Now()
	current := Result{}
	if ok {
		current = Result{ExpiresAt: doc.ExpiresAt, SecondsLeft: seconds(doc.ExpiresAt.Sub(now))}
	}
	if ok && doc.ExpiresAt.Sub(now) >= r.cfg.Window {
		current.Outcome = Fresh
		return current, nil
	}
	if !doc.IssuedAt.IsZero() && now.Sub(doc.IssuedAt) < r.cfg.MinWriteInterval && !now.Before(doc.IssuedAt) {
		r.cfg.Logger.WarnContext(ctx, "tokenshare: token due but written less than the minimum interval ago; not writing",
			"secretId", id, "issuedAt", doc.IssuedAt, "minWriteInterval", r.cfg.MinWriteInterval.String())
		current.Outcome = TooSoon
		return current, nil
	}

	tok, err := r.tokens.Refresh(ctx)
	if err != nil {
		return current, fmt.Errorf("tokenshare: minting: %w", err)
	}
	now = r.cfg.Now()
	raw, err := json.Marshal(Document{AccessToken: tok.AccessToken, ExpiresAt: tok.ExpiresAt.UTC(), IssuedAt: now.UTC()})
	if err != nil {
		return current, errors.New("tokenshare: encoding the token document")
	}
	str := string(raw)
	in := &secretsmanager.PutSecretValueInput{SecretId: &id, SecretString: &str}
	if out.VersionId != nil && *out.VersionId != "" {
		in.ClientRequestToken = new(requestToken(id, *out.VersionId))
	}
	if _, err := r.client.PutSecretValue(ctx, in); err != nil {
		if errorCode(err) == "ResourceExistsException" {
			r.cfg.Logger.InfoContext(ctx, "tokenshare: another writer replaced the token first; keeping theirs", "secretId", id)
			return Result{Outcome: LostRace}, nil
		}
		return current, &Error{Op: "PutSecretValue", SecretID: id, Code: errorCode(err), err: err}
	}
	return Result{Outcome: Refreshed, ExpiresAt: tok.ExpiresAt, SecondsLeft: seconds(tok.ExpiresAt.Sub(now))}, nil
}

// requestToken is the ClientRequestToken of the version that replaces previous: the same for
// every writer that read the same version, so that only the first write succeeds.
func requestToken(secretID, previous string) string {
	sum := sha256.Sum256([]byte(secretID + "\x00" + previous))
	return "tokenshare-" + hex.EncodeToString(sum[:16]) // 43 characters; Secrets Manager wants 32–64
}

func seconds(d time.Duration) float64 { return d.Round(time.Second).Seconds() }

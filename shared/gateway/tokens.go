package gateway

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/secrets"
	"github.com/unicogw/gateway/shared/tokenshare"
	"github.com/unicogw/gateway/shared/unico"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// tokenOptions wires the TokenSource's fleet-wide parts: the token secret's reader when
// TOKEN_SECRET_ID is set (read-only: the functions never write it), and the token metrics
// (EMF lines on the log output).
func tokenOptions(cfg Config, o Options, getter secrets.Getter, log *slog.Logger, em *metrics.Emitter) (unicoclient.TokenOptions, *tokenshare.Reader) {
	opts := unicoclient.TokenOptions{Observer: tokenshare.Observer{Metrics: em}}
	if cfg.TokenSecretID == "" {
		return opts, nil
	}
	r := tokenshare.NewReader(getter, cfg.TokenSecretID, tokenshare.ReaderOptions{Now: o.Now, Logger: log})
	opts.Shared = r
	return opts, r
}

// credentialsFunc gives the Unico client the credentials, with failures as domain errors: a
// request that cannot mint because the secret is malformed or unreadable is a 503 saying so,
// not "Unico could not be reached".
func credentialsFunc(creds *secrets.Credentials) unicoclient.CredentialsFunc {
	return func(ctx context.Context) (unico.Credentials, error) {
		c, err := creds.Get(ctx)
		if err != nil {
			return c, credentialsUnavailable(err)
		}
		return c, nil
	}
}

// CodeCredentialsInvalid: the credentials secret is malformed (503; the log names the fields).
const CodeCredentialsInvalid = "credentials_invalid"

// credentialsInvalid maps a malformed credentials secret to its domain error, or returns nil.
func credentialsInvalid(err error) *domain.Error {
	var ve *secrets.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	return &domain.Error{Kind: domain.KindUnavailable, Code: CodeCredentialsInvalid,
		Message: "The gateway's Unico credentials secret is malformed; operators are alerted.", Err: err, RetryAfter: 30 * time.Second}
}

// CheckCredentials reads and validates the credentials secret now. A malformed secret is a
// *secrets.ValidationError naming every bad field and quoting no value.
func (g *Gateway) CheckCredentials(ctx context.Context) error {
	_, err := g.Credentials.Get(ctx)
	return err
}

// CheckCredentialsAtInit runs CheckCredentials during the Lambda init phase (bounded to a few
// seconds) and logs a failure clearly. It does not stop the function: every request then
// answers 503 credentials_invalid (or credentials_unavailable) and logs the same cause, and a
// corrected secret is picked up within SECRETS_TTL without a redeploy. A success leaves the
// secret cached for the first request.
func (g *Gateway) CheckCredentialsAtInit(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := g.CheckCredentials(ctx); err != nil {
		g.Log.ErrorContext(ctx, "startup: the credentials secret is unusable", slog.Any("err", err))
	}
}

package devstack

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/tokenshare"
)

// TokenSecretID is the shared token secret of the local stack, as the deployed stack's
// TokenSecret: the token refresher (functions/tokenrefresher's shared/tokenshare.Function) is
// its one writer and every function that calls Unico reads it.
const TokenSecretID = "unico-gateway/token"

// TokenRefresher is the local stack's token refresher function: run once when the stack starts
// (before any function needs a token) and then on its schedule (AsyncOptions.TokenRefreshEvery,
// the stack's EventBridge rate by default), as EventBridge runs the deployed one.
type TokenRefresher struct {
	fn *tokenshare.Function
}

// Run runs the refresher once, as its schedule does.
func (r *TokenRefresher) Run(ctx context.Context) (tokenshare.Result, error) {
	return r.fn.Handle(ctx, scheduledEvent())
}

// startTokenSharing creates the empty token secret, wires the refresher with the stack's
// configuration (the simulator's or the external Unico's token host), runs it once and
// schedules it. A failed first run does not stop the stack: the functions then mint their own
// tokens, as deployed functions do while the refresher fails, and the refresher's log says why.
func (s *Stack) startTokenSharing(ctx context.Context, cfg gateway.Config, o Options, awsCfg aws.Config) error {
	if _, _, ok := s.Secrets.Current(cfg.TokenSecretID); !ok {
		s.Secrets.Put(cfg.TokenSecretID, tokenshare.EmptyDocument)
	}
	fn, err := tokenshare.NewFunction(tokenshare.FunctionConfig{
		CredentialsSecretID: cfg.CredentialsSecretID, TokenSecretID: cfg.TokenSecretID, SecretsTTL: cfg.SecretsTTL,
		UnicoAuthURL: cfg.UnicoAuthURL, UnicoAudience: cfg.UnicoAudience, RefreshWindow: tokenshare.DefaultRefreshWindow,
		StackName: "local", LogLevel: slog.LevelInfo,
	}, tokenshare.FunctionOptions{AWS: awsCfg, Now: o.Now, LogOutput: orWriter(o.LogOutput),
		Secrets: secretsmanager.NewFromConfig(awsCfg, func(so *secretsmanager.Options) { so.BaseEndpoint = aws.String(s.SecretsURL) })})
	if err != nil {
		return err
	}
	s.TokenRefresher = &TokenRefresher{fn: fn}
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second) // the deployed function's timeout
	_, _ = s.TokenRefresher.Run(runCtx)
	cancel()
	s.every(o.Async.TokenRefreshEvery, tokenshare.DefaultSchedule, func(ctx context.Context) { _, _ = s.TokenRefresher.Run(ctx) })
	return nil
}

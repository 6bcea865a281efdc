package tokenshare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/secrets"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// FunctionConfig is the refresher function's configuration, read from the environment (names
// in FunctionConfigFromEnv). It needs no table and no by-Unico host: only the credentials, the
// token host and the token secret.
type FunctionConfig struct {
	CredentialsSecretID string
	TokenSecretID       string
	SecretsTTL          time.Duration
	UnicoAuthURL        string
	UnicoAudience       string
	RefreshWindow       time.Duration
	StackName           string
	LogLevel            slog.Level
}

// FunctionConfigFromEnv reads:
//
//	CREDENTIALS_SECRET_ID   the Unico credentials secret (required)
//	TOKEN_SECRET_ID         the token secret the refresher writes (required)
//	UNICO_AUTH_URL          token host (required); UNICO_AUDIENCE the assertion's aud (default the host)
//	SECRETS_TTL             credentials cache TTL (default 5m)
//	TOKEN_REFRESH_WINDOW    write a new token when the shared one has less than this left (default 15m)
//	STACK_NAME              the metrics' Stack dimension (default "local")
//	LOG_LEVEL               DEBUG, INFO (default), WARN or ERROR
//
// A missing or malformed variable is an error that names it.
func FunctionConfigFromEnv(getenv func(string) string) (FunctionConfig, error) {
	c := FunctionConfig{
		CredentialsSecretID: getenv("CREDENTIALS_SECRET_ID"),
		TokenSecretID:       getenv("TOKEN_SECRET_ID"),
		UnicoAuthURL:        strings.TrimRight(getenv("UNICO_AUTH_URL"), "/"),
		UnicoAudience:       strings.TrimRight(getenv("UNICO_AUDIENCE"), "/"),
		SecretsTTL:          secrets.DefaultTTL,
		RefreshWindow:       DefaultRefreshWindow,
		StackName:           getenv("STACK_NAME"),
		LogLevel:            slog.LevelInfo,
	}
	for _, v := range []struct{ name, value string }{{"CREDENTIALS_SECRET_ID", c.CredentialsSecretID},
		{"TOKEN_SECRET_ID", c.TokenSecretID}, {"UNICO_AUTH_URL", c.UnicoAuthURL}} {
		if v.value == "" {
			return c, fmt.Errorf("configuration: %s is required", v.name)
		}
	}
	if c.UnicoAudience == "" {
		c.UnicoAudience = c.UnicoAuthURL
	}
	if c.StackName == "" {
		c.StackName = "local"
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"SECRETS_TTL", &c.SecretsTTL}, {"TOKEN_REFRESH_WINDOW", &c.RefreshWindow}} {
		if s := getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return c, fmt.Errorf("configuration: %s must be a positive Go duration such as 15m", v.name)
			}
			*v.dst = d
		}
	}
	if c.RefreshWindow <= DefaultSchedule+unicoclient.DefaultRefreshMargin {
		return c, fmt.Errorf("configuration: TOKEN_REFRESH_WINDOW must exceed %s (the schedule plus the containers' refresh margin)",
			DefaultSchedule+unicoclient.DefaultRefreshMargin)
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, errors.New("configuration: LOG_LEVEL must be DEBUG, INFO, WARN or ERROR")
		}
	}
	return c, nil
}

// FunctionOptions are what differs between Lambda and tests.
type FunctionOptions struct {
	AWS        aws.Config   // SDK configuration
	Secrets    SecretsAPI   // overrides the Secrets Manager client
	HTTPClient *http.Client // for Unico
	Now        func() time.Time
	LogOutput  io.Writer // logs and EMF metrics; default os.Stdout
}

// Function is the wired refresher: what its Lambda container holds.
type Function struct {
	Refresher   *Refresher
	Tokens      *unicoclient.TokenSource
	Credentials *secrets.Credentials
	Log         *slog.Logger
}

// NewFunction wires the refresher. It makes no network call.
func NewFunction(cfg FunctionConfig, o FunctionOptions) (*Function, error) {
	if o.LogOutput == nil {
		o.LogOutput = os.Stdout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := logging.New(o.LogOutput, cfg.LogLevel)
	em := metrics.New(o.LogOutput, metrics.Namespace, map[string]string{metrics.DimensionStack: cfg.StackName})
	em.SetClock(o.Now)
	client := o.Secrets
	if client == nil {
		client = secretsmanager.NewFromConfig(o.AWS)
	}
	cache := secrets.NewCache(client, cfg.CredentialsSecretID, cfg.SecretsTTL)
	cache.SetLogger(log)
	creds := secrets.NewCredentials(cache)
	tokens, err := unicoclient.NewTokenSource(unicoclient.Config{
		AuthURL: cfg.UnicoAuthURL, Audience: cfg.UnicoAudience, HTTPClient: o.HTTPClient, Now: o.Now, Logger: log,
		Token: unicoclient.TokenOptions{Observer: Observer{Metrics: em}},
	}, creds.Get)
	if err != nil {
		return nil, err
	}
	r, err := NewRefresher(client, tokens, RefresherConfig{SecretID: cfg.TokenSecretID, Window: cfg.RefreshWindow,
		Now: o.Now, Logger: log, Metrics: em})
	if err != nil {
		return nil, err
	}
	return &Function{Refresher: r, Tokens: tokens, Credentials: creds, Log: log}, nil
}

// Handle is the Lambda handler: one refresher run per scheduled event. A run that needed a new
// token and could not write one is a function error (the stack alarms on it).
func (f *Function) Handle(ctx context.Context, _ events.CloudWatchEvent) (Result, error) {
	return f.Refresher.Run(ctx)
}

// CheckCredentials reads and validates the credentials secret: a malformed secret is an error
// naming the bad fields, never their values.
func (f *Function) CheckCredentials(ctx context.Context) error {
	_, err := f.Credentials.Get(ctx)
	return err
}

// RunLambda builds the refresher from the environment and serves scheduled events on the
// Lambda Runtime API. It does not return. A missing variable stops it at init; an unusable
// credentials secret is reported at init and again by every run (a fixed secret is picked up
// without a redeploy).
func RunLambda() {
	fatal := func(err error) {
		logging.New(os.Stdout, slog.LevelInfo).Error("startup failed", slog.Any("err", err))
		os.Exit(1)
	}
	cfg, err := FunctionConfigFromEnv(os.Getenv)
	if err != nil {
		fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		fatal(err)
	}
	fn, err := NewFunction(cfg, FunctionOptions{AWS: awsCfg})
	if err != nil {
		fatal(err)
	}
	if err := fn.CheckCredentials(ctx); err != nil {
		fn.Log.Error("startup: the credentials secret is unusable", slog.Any("err", err))
	}
	cancel()
	lambda.Start(fn.Handle)
}

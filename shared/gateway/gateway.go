package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/lambdaproxy"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/secrets"
	"github.com/unicogw/gateway/shared/tokenshare"
	"github.com/unicogw/gateway/shared/unico"
	"github.com/unicogw/gateway/shared/unicobudget"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// Gateway is one wired instance: what a Lambda container holds for its lifetime.
type Gateway struct {
	API     *httpapi.API
	Service *domain.Service
	Unico   *unicoclient.Client
	Tokens  *unicoclient.TokenSource
	Log     *slog.Logger
	// Credentials is the credentials secret's typed view; SharedTokens the token secret's
	// reader (nil without TOKEN_SECRET_ID).
	Credentials  *secrets.Credentials
	SharedTokens *tokenshare.Reader
	// The asynchronous side (async.go).
	Store    *dynamostore.Store
	Notifier *domain.Notifier
	// Budget is the fleet's budget of Unico calls (shared through the table).
	Budget *unicobudget.Budget
	Config Config
}

// Options are what differs between Lambda and the local stack.
type Options struct {
	AWS        aws.Config   // SDK configuration; FromEnv loads the default chain
	LogOutput  io.Writer    // default os.Stdout (Lambda ships stdout to CloudWatch)
	HTTPClient *http.Client // for Unico; default a client with sane timeouts
	Now        func() time.Time
	Secrets    secrets.Getter // overrides the Secrets Manager client (tests)
	DynamoDB   dynamostore.API
}

// FromEnv builds the gateway from the environment, as every function's main.go does.
func FromEnv(ctx context.Context) (*Gateway, error) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	return New(cfg, Options{AWS: awsCfg})
}

// New wires a gateway. It makes no network call: secrets and tokens are fetched on first use,
// which keeps cold starts short.
func New(cfg Config, o Options) (*Gateway, error) {
	if o.LogOutput == nil {
		o.LogOutput = os.Stdout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second,
			TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: 27 * time.Second, ForceAttemptHTTP2: true,
		}}
	}
	log := logging.New(o.LogOutput, cfg.LogLevel)

	getter := o.Secrets
	if getter == nil {
		getter = secretsmanager.NewFromConfig(o.AWS)
	}
	cache := secrets.NewCache(getter, cfg.CredentialsSecretID, cfg.SecretsTTL)
	cache.SetLogger(log)
	creds := secrets.NewCredentials(cache)

	db := o.DynamoDB
	if db == nil {
		db = dynamodb.NewFromConfig(o.AWS, func(opt *dynamodb.Options) { opt.DisableValidateResponseChecksum = true })
	}
	store := dynamostore.New(db, cfg.TableName)
	em := newEmitter(cfg, o)
	obs := observer{em}

	// Every request to Unico (API calls, artefacts, token mints) takes a permit of the fleet's
	// budget first; the priority comes with the request's context (routes, worker, sweeper).
	if cfg.UnicoRateLimit == 0 {
		cfg.UnicoRateLimit = DefaultUnicoRateLimit
	}
	unicoHTTP := *o.HTTPClient
	var budget *unicobudget.Budget
	if cfg.UnicoRateLimit > 0 { // negative: no budget, for tests that measure something else only
		// The wall clock, not o.Now: Unico counts requests per real second, whatever clock
		// the functions' process timing runs on (tests move that one).
		b, err := unicobudget.New(store, unicobudget.Config{Rate: cfg.UnicoRateLimit, Observer: obs})
		if err != nil {
			return nil, err
		}
		budget = b
		unicoHTTP.Transport = &unicobudget.Transport{Base: o.HTTPClient.Transport, Budget: budget, Default: unicobudget.Read}
	}

	ucfg := unicoclient.Config{
		AuthURL: cfg.UnicoAuthURL, Audience: cfg.UnicoAudience, ByUnicoURL: cfg.UnicoByUnicoURL,
		ByClientURL: cfg.UnicoByClientURL, SignURL: cfg.UnicoSignURL, HTTPClient: &unicoHTTP, Now: o.Now, Logger: log,
		SignEvidencePath: cfg.UnicoSignEvidencePath,
	}
	ucfg.Calls = obs
	var shared *tokenshare.Reader
	ucfg.Token, shared = tokenOptions(cfg, o, getter, log, em)
	client, err := unicoclient.New(ucfg, credentialsFunc(creds))
	if err != nil {
		return nil, err
	}
	tokens := client.Tokens()

	cfg.Async = cfg.Async.withDefaults()
	deps := domain.Deps{Store: store, Lister: store, Idempotency: store, Hosted: client, Client: byClient{client}, Secrets: hashKeys{creds},
		Observer: obs}
	withAsync(&deps, cfg, store, obs)
	svc := domain.NewService(deps, domain.Config{Retention: time.Duration(cfg.RetentionDays) * 24 * time.Hour, MinRiskScore: cfg.MinRiskScore,
		ReadRefresh: cfg.ReadRefresh, Now: o.Now, Log: log, SweepAfter: cfg.Async.SweepAfter})
	api := httpapi.New(httpapi.Deps{Service: svc, Tenants: cfg.tenantResolver(), Log: log, Now: o.Now, CORSOrigins: cfg.CORSOrigins, Metrics: em,
		WebhookCredentials: func(ctx context.Context) ([]unico.WebhookCredential, error) {
			c, err := creds.Get(ctx)
			if err != nil {
				return nil, credentialsUnavailable(err)
			}
			return c.Webhook, nil
		}})
	notifier := newNotifier(cfg, getter, store, obs, log, o.Now)
	return &Gateway{API: api, Service: svc, Unico: client, Tokens: tokens, Log: log, Credentials: creds, SharedTokens: shared,
		Store: store, Notifier: notifier, Budget: budget, Config: cfg}, nil
}

// hashKeys serves the CPF hash key from the credentials secret.
type hashKeys struct{ creds *secrets.Credentials }

func (h hashKeys) CPFHashKey(ctx context.Context) ([]byte, error) {
	c, err := h.creds.Get(ctx)
	if err != nil {
		return nil, credentialsUnavailable(err)
	}
	if c.CPFHashKey == "" {
		return nil, &domain.Error{Kind: domain.KindUnavailable, Code: "credentials_incomplete", Message: "The gateway's credentials secret has no cpfHashKey."}
	}
	return []byte(c.CPFHashKey), nil
}

func credentialsUnavailable(err error) error {
	if e := credentialsInvalid(err); e != nil {
		return e
	}
	return &domain.Error{Kind: domain.KindUnavailable, Code: "credentials_unavailable", Message: "The gateway's credentials could not be read.", Err: err, RetryAfter: 5 * time.Second}
}

// Fatal logs a startup error (without values: configuration errors name fields only) and exits.
func Fatal(err error) {
	logging.New(os.Stdout, slog.LevelInfo).Error("startup failed", slog.Any("err", err))
	os.Exit(1)
}

// RunLambda builds the gateway from the environment and serves one function's routes on the
// Lambda Runtime API. It does not return.
func RunLambda(function string) {
	gw, err := FromEnv(context.Background())
	if err != nil {
		Fatal(err)
	}
	gw.CheckCredentialsAtInit(context.Background())
	lambda.Start(lambdaproxy.New(gw.API.Handler(function)))
}

// Package devstack runs the whole gateway on loopback with no AWS account and no Unico
// credentials: DynamoDB Local, the local Secrets Manager endpoint, the Unico simulator, and the
// three functions behind the API Gateway emulator, with the worker, sweeper and notifier driven by
// DynamoDB Local's stream and local schedules (async.go), and the token refresher writing the
// shared token secret the functions read (tokens.go), as in the deployed stack. The local command (local/cmd/devstack) and
// the end-to-end tests both use it, so what a developer tries by hand is what CI tests.
package devstack

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/local/apigw"
	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/secretsfake"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/httpapi"
	"github.com/unicogw/gateway/shared/lambdaproxy"
	"github.com/unicogw/gateway/shared/unico"
)

// Options configure a stack. The zero value is a full local stack on free ports.
type Options struct {
	APIAddr string // where the API listens; default 127.0.0.1:0 (the command uses :8080)
	SimAddr string // where the simulator listens; default 127.0.0.1:0
	// SecretsAddr is where the Secrets Manager endpoint listens (default 127.0.0.1:0) and
	// DynamoPort DynamoDB Local's port (default free): fixed values let functions running
	// elsewhere (sam local, in Docker) reach them.
	SecretsAddr string
	DynamoPort  int
	LogOutput   io.Writer // the functions' JSON logs; default os.Stdout
	RepoRoot    string    // for DynamoDB Local; default found from the working directory
	// DynamoEndpoint uses an already running DynamoDB (Local) instead of starting one; the stack
	// then gets a table of its own unless TableName names an existing one (to share it).
	DynamoEndpoint string
	TableName      string
	// External points the gateway at a real server speaking the Unico API (for example Unico's
	// UAT) instead of the simulator.
	External *External
	// Fixed secrets for a developer's session (tests leave them empty: random values).
	DemoAPIKey, OtherAPIKey, WebhookPassword string
	// Customize adjusts the gateway configuration before the functions are built (tests).
	Customize func(*gateway.Config)
	// Now is the functions' clock (tests move it forward); default time.Now.
	Now func() time.Time
	// The asynchronous side (async.go).
	Async AsyncOptions
	// UnicoRateLimit is the functions' fleet-wide budget of Unico calls per second (the
	// stack's unicoRateLimit; default 10, as deployed). Tests that send bursts without
	// testing the budget raise it; the budget still runs on the real path.
	UnicoRateLimit float64
}

// External is a real Unico (or anything speaking its API) with its credentials.
type External struct {
	AuthURL, Audience, ByUnicoURL, ByClientURL, SignURL string
	Credentials                                         unico.Credentials
}

// Tenant is a demo tenant with its API key.
type Tenant struct {
	Name, APIKey, APIKeyID string
}

// Stack is a running local gateway.
type Stack struct {
	APIURL         string
	SimURL         string // "" with External
	DynamoEndpoint string
	SecretsURL     string
	SecretID       string
	TableName      string
	Tenants        []Tenant // "demo" and "other"
	WebhookUser    string
	WebhookPass    string
	Sim            *unicosim.Simulator // nil with External
	Secrets        *secretsfake.Server
	Functions      map[string]*gateway.Gateway // one per function, as in Lambda
	Config         gateway.Config
	// DynamoDBOps counts the API functions' (create, get, webhook) DynamoDB operations: the
	// round-trip budget per request.
	DynamoDBOps *OpCounter
	Async       *Async // the worker, sweeper and notifier and what drives them (async.go)
	// TokenRefresher is the token refresher function (tokens.go), the one writer of the shared
	// token secret Config.TokenSecretID; nil when a test's Customize cleared that id.
	TokenRefresher *TokenRefresher

	closers []func()
}

// Start brings the stack up and returns when every part answers.
func Start(ctx context.Context, o Options) (s *Stack, err error) {
	if o.APIAddr == "" {
		o.APIAddr = "127.0.0.1:0"
	}
	if o.SimAddr == "" {
		o.SimAddr = "127.0.0.1:0"
	}
	if o.LogOutput == nil {
		o.LogOutput = os.Stdout
	}
	s = &Stack{TableName: or(o.TableName, "unico-gateway"), SecretID: "unico-gateway/credentials",
		WebhookUser: "unico", WebhookPass: or(o.WebhookPassword, randomHex(12))}
	started := s // the returns below set s to nil: stop what was started through this copy
	defer func() {
		if err != nil {
			started.Stop()
		}
	}()
	s.Tenants = []Tenant{
		{Name: "demo", APIKey: or(o.DemoAPIKey, "demo-key-"+randomHex(8)), APIKeyID: "key-demo"},
		{Name: "other", APIKey: or(o.OtherAPIKey, "other-key-"+randomHex(8)), APIKeyID: "key-other"},
	}

	// DynamoDB.
	s.DynamoEndpoint = o.DynamoEndpoint
	switch {
	case o.TableName != "":
		s.TableName = o.TableName
	case s.DynamoEndpoint != "":
		// A shared DynamoDB (tests): a table of its own, so stacks never see each other's items.
		s.TableName += "-" + randomHex(6)
	}
	if s.DynamoEndpoint == "" {
		ddb, err := dynamolocal.Start(ctx, dynamolocal.Options{RepoRoot: o.RepoRoot, Port: o.DynamoPort})
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { _ = ddb.Stop() })
		s.DynamoEndpoint = ddb.Endpoint()
	}
	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	// The API functions' client counts its operations (the round-trip budget per request); the
	// asynchronous side has its own, uncounted, so that its background work never blurs them.
	s.DynamoDBOps = newOpCounter()
	newDB := func(counted bool) *dynamodb.Client {
		return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(s.DynamoEndpoint)
			o.DisableValidateResponseChecksum = true
			if counted {
				o.APIOptions = append(o.APIOptions, s.DynamoDBOps.apiOption)
			}
		})
	}
	db, asyncDB := newDB(true), newDB(false)
	if err := dynamostore.CreateTable(ctx, asyncDB, s.TableName); err != nil && !alreadyExists(err) {
		return nil, fmt.Errorf("create table: %w", err)
	}

	// Listeners first, so each part knows the others' addresses.
	apiLn, err := net.Listen("tcp", o.APIAddr)
	if err != nil {
		return nil, fmt.Errorf("API listener on %s: %w", o.APIAddr, err)
	}
	s.APIURL = "http://" + apiLn.Addr().String()
	s.closers = append(s.closers, func() { _ = apiLn.Close() })

	// Unico: the simulator, or an external server.
	var creds unico.Credentials
	cfg := gateway.Config{TableName: s.TableName, CredentialsSecretID: s.SecretID, SecretsTTL: 2 * time.Second,
		TenantKeys:    []gateway.TenantKey{{KeyID: "key-demo", Tenant: "demo"}, {KeyID: "key-other", Tenant: "other"}},
		RetentionDays: 180, MinRiskScore: 50, UnicoRateLimit: o.UnicoRateLimit}
	if o.External != nil {
		creds = o.External.Credentials
		cfg.UnicoAuthURL, cfg.UnicoAudience, cfg.UnicoByUnicoURL = o.External.AuthURL, o.External.Audience, o.External.ByUnicoURL
		cfg.UnicoByClientURL, cfg.UnicoSignURL = o.External.ByClientURL, o.External.SignURL
		if cfg.UnicoAudience == "" {
			cfg.UnicoAudience = cfg.UnicoAuthURL
		}
	} else {
		simLn, err := net.Listen("tcp", o.SimAddr)
		if err != nil {
			return nil, fmt.Errorf("simulator listener on %s: %w", o.SimAddr, err)
		}
		s.SimURL = "http://" + simLn.Addr().String()
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		creds = unico.Credentials{
			Environment: "local", ServiceAccount: "gateway", TenantID: "local-tenant",
			PrivateKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
			APIKeys: map[string]string{
				unico.CapabilityLiveness: "sim-liveness-" + randomHex(6), unico.CapabilityIdentity: "sim-identity-" + randomHex(6),
				unico.CapabilityRiskScore: "sim-riskscore-" + randomHex(6), unico.CapabilityOneToOne: "sim-onetoone-" + randomHex(6),
				unico.CapabilityDocuments: "sim-documents-" + randomHex(6),
			},
			Webhook:    []unico.WebhookCredential{{Type: "basic", Username: s.WebhookUser, Password: s.WebhookPass}},
			CPFHashKey: randomHex(32),
		}
		apiKeys := map[string]string{}
		for capability, value := range creds.APIKeys {
			apiKeys[value] = simCapabilitySets[capability]
		}
		s.Sim = unicosim.New(unicosim.Config{
			PublicKey: &key.PublicKey, ServiceAccount: creds.ServiceAccount, TenantID: creds.TenantID, Audience: s.SimURL,
			APIKeys: apiKeys, WebhookURL: s.APIURL + "/webhooks/unico",
			WebhookAuth:    unicosim.WebhookAuth{Username: s.WebhookUser, Password: s.WebhookPass},
			JourneyBaseURL: s.SimURL + "/journey",
		})
		s.closers = append(s.closers, serve(simLn, s.Sim.Handler()))
		cfg.UnicoAuthURL, cfg.UnicoAudience, cfg.UnicoByUnicoURL, cfg.UnicoByClientURL, cfg.UnicoSignURL = s.SimURL, s.SimURL, s.SimURL, s.SimURL, s.SimURL
	}

	// Secrets Manager.
	s.Secrets = secretsfake.New()
	credJSON, _ := json.Marshal(creds)
	s.Secrets.Put(s.SecretID, string(credJSON))
	if o.SecretsAddr == "" {
		o.SecretsAddr = "127.0.0.1:0"
	}
	secLn, err := net.Listen("tcp", o.SecretsAddr)
	if err != nil {
		return nil, err
	}
	s.SecretsURL = "http://" + secLn.Addr().String()
	s.closers = append(s.closers, serve(secLn, s.Secrets.Handler()))

	if err := s.configureAsync(&cfg, o); err != nil {
		return nil, err
	}
	// Token sharing, as deployed: the functions read the token secret its refresher writes.
	cfg.TokenSecretID = TokenSecretID
	if o.Customize != nil {
		o.Customize(&cfg)
	}
	s.Config = cfg
	if cfg.TokenSecretID != "" {
		if err := s.startTokenSharing(ctx, cfg, o, awsCfg); err != nil {
			return nil, err
		}
	}

	// The functions: one gateway each, like separate Lambda containers.
	s.Functions = map[string]*gateway.Gateway{}
	handlers := map[string]lambdaproxy.Handler{}
	for _, fn := range []string{httpapi.FunctionCreate, httpapi.FunctionGet, httpapi.FunctionWebhook} {
		gw, err := gateway.New(cfg, gateway.Options{AWS: awsCfg, LogOutput: o.LogOutput, Now: o.Now,
			Secrets:  secretsmanager.NewFromConfig(awsCfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(s.SecretsURL) }),
			DynamoDB: db})
		if err != nil {
			return nil, err
		}
		s.Functions[fn] = gw
		handlers[fn] = lambdaproxy.New(gw.API.Handler(fn))
	}
	var keys []apigw.Key
	for _, t := range s.Tenants {
		keys = append(keys, apigw.Key{Value: t.APIKey, ID: t.APIKeyID})
	}
	s.closers = append(s.closers, serve(apiLn, apigw.New(httpapi.Routes(), handlers, keys)))
	if err := s.startAsync(ctx, o, awsCfg, asyncDB); err != nil {
		return nil, err
	}
	return s, nil
}

// simCapabilitySets are the simulator's capability sets behind each by-Client API key, as Unico
// provisions them (reference §4.1): every biometric set includes liveness (so SDK captures are
// required), identity adds the Serpro score, and the 1:1 set has no identity verification.
var simCapabilitySets = map[string]string{
	unico.CapabilityLiveness:  "liveness",
	unico.CapabilityIdentity:  "liveness,identity,serpro",
	unico.CapabilityRiskScore: "liveness,identity,riskScore",
	unico.CapabilityOneToOne:  "liveness,oneToOne",
	unico.CapabilityDocuments: "documents",
}

// Stop shuts every part down, in reverse order.
func (s *Stack) Stop() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

func serve(ln net.Listener, h http.Handler) func() {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
}

func alreadyExists(err error) bool {
	var e interface{ ErrorCode() string }
	return errors.As(err, &e) && e.ErrorCode() == "ResourceInUseException"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

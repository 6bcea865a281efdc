// Package gateway wires the gateway's parts from configuration: AWS SDK clients, the
// credentials cache, the Unico client, the store, the service and the HTTP API. Every function's
// main.go and the local runner build the same Gateway, so what runs locally is what runs in
// Lambda.
package gateway

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/unicogw/gateway/shared/domain"
)

// Config is the gateway's configuration, read from the environment (names in FromEnv).
type Config struct {
	TableName           string
	CredentialsSecretID string
	SecretsTTL          time.Duration
	UnicoAuthURL        string
	UnicoAudience       string
	UnicoByUnicoURL     string
	UnicoByClientURL    string
	UnicoSignURL        string
	TenantKeys          []TenantKey
	// TenantWithoutAPIKey is the tenant of requests that carry no API key id. Only for
	// `sam local start-api`, which does not emulate API keys; the stack never sets it (a
	// template test checks), so deployed functions refuse such requests.
	TenantWithoutAPIKey string
	// CORSOrigins are the browser origins allowed to read the API's answers (CORS_ORIGINS, a
	// JSON list; none by default).
	CORSOrigins   []string
	RetentionDays int
	MinRiskScore  float64
	// ReadRefresh: a read of an open process asks Unico again after this long (READ_REFRESH_SECONDS).
	ReadRefresh time.Duration
	LogLevel    slog.Level

	// UnicoSignEvidencePath is GetEvidenceSign's path on the sign host, with {documentId}; ""
	// means unicoclient.DefaultSignEvidencePath (the reference could not confirm the path).
	UnicoSignEvidencePath string
	// TokenSecretID is the token secret the refresher writes and the functions read
	// (shared/tokenshare); empty: each container keeps its own token in memory only.
	TokenSecretID string
	// StackName is the Stack dimension of the metrics (default "local").
	StackName string
	// UnicoRateLimit is the fleet's budget of Unico calls per second (UNICO_RATE_LIMIT, the
	// stack's unicoRateLimit; default 10): every function's every Unico call takes a permit
	// from one bucket in the table (shared/unicobudget). Negative: no budget (never from the
	// environment; for tests that measure something else, e.g. token traffic over hours).
	UnicoRateLimit float64
	Async          AsyncConfig // webhooks, sweeper, outbound events (async.go)
}

// DefaultUnicoRateLimit is Unico's documented default: 10 requests per second per account.
const DefaultUnicoRateLimit = 10

// TenantKey assigns an API Gateway API key (by id) to a tenant.
type TenantKey struct {
	KeyID  string `json:"keyId"`
	Tenant string `json:"tenant"`
}

// ConfigFromEnv reads:
//
//	TABLE_NAME                 DynamoDB table (required)
//	CREDENTIALS_SECRET_ID      Secrets Manager id or ARN of the Unico credentials (required)
//	SECRETS_TTL                how long a secret is cached (Go duration, default 5m)
//	UNICO_AUTH_URL             token host, e.g. https://identityhomolog.acesso.io (required)
//	UNICO_AUDIENCE             the assertion's aud (default UNICO_AUTH_URL)
//	UNICO_BY_UNICO_URL         by-Unico host: api.cadastro.* or api.idcloud.* (required)
//	UNICO_BY_CLIENT_URL        by-Client host, e.g. https://api.id.uat.unico.app
//	UNICO_SIGN_URL             e-signature host, e.g. https://signhom.acesso.io
//	UNICO_SIGN_EVIDENCE_PATH   evidence-of-signature path on it, with {documentId} (default
//	                           /api/v1/service/evidence/{documentId}, unconfirmed by Unico)
//	TENANT_KEYS                JSON [{"keyId":"...","tenant":"..."}]
//	RETENTION_DAYS             process retention (default 180)
//	MIN_RISK_SCORE             approve an inconclusive identity at this risk score (default 50)
//	READ_REFRESH_SECONDS       a read of an open process asks Unico again after this many
//	                           seconds at most once (default 5; final processes never)
//	LOG_LEVEL                  DEBUG, INFO, WARN or ERROR (default INFO)
//	TENANT_WITHOUT_API_KEY     sam local only: the tenant of requests without an API key
//	CORS_ORIGINS               JSON list of browser origins allowed by CORS (default none)
//	TOKEN_SECRET_ID            Secrets Manager id or ARN of the shared access token (optional:
//	                           without it each container mints and keeps its own token)
//	STACK_NAME                 the metrics' Stack dimension (default "local")
//	UNICO_RATE_LIMIT           Unico calls per second for the whole fleet, shared through the
//	                           table by every function and container (default 10)
//
// and the asynchronous side's variables (AsyncConfig in async.go).
//
// A missing or malformed variable is an error that names it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:           getenv("TABLE_NAME"),
		CredentialsSecretID: getenv("CREDENTIALS_SECRET_ID"),
		UnicoAuthURL:        strings.TrimRight(getenv("UNICO_AUTH_URL"), "/"),
		UnicoAudience:       strings.TrimRight(getenv("UNICO_AUDIENCE"), "/"),
		UnicoByUnicoURL:     strings.TrimRight(getenv("UNICO_BY_UNICO_URL"), "/"),
		UnicoByClientURL:    strings.TrimRight(getenv("UNICO_BY_CLIENT_URL"), "/"),
		UnicoSignURL:        strings.TrimRight(getenv("UNICO_SIGN_URL"), "/"),
		TenantWithoutAPIKey: getenv("TENANT_WITHOUT_API_KEY"),
		SecretsTTL:          5 * time.Minute,
		RetentionDays:       180,
		MinRiskScore:        50,
		ReadRefresh:         domain.DefaultReadRefresh,
		LogLevel:            slog.LevelInfo,
		TokenSecretID:       getenv("TOKEN_SECRET_ID"),
		StackName:           getenv("STACK_NAME"),
		UnicoRateLimit:      DefaultUnicoRateLimit,
	}
	if c.StackName == "" {
		c.StackName = "local"
	}
	for name, v := range map[string]string{"TABLE_NAME": c.TableName, "CREDENTIALS_SECRET_ID": c.CredentialsSecretID,
		"UNICO_AUTH_URL": c.UnicoAuthURL, "UNICO_BY_UNICO_URL": c.UnicoByUnicoURL} {
		if v == "" {
			return c, fmt.Errorf("configuration: %s is required", name)
		}
	}
	if c.UnicoAudience == "" {
		c.UnicoAudience = c.UnicoAuthURL
	}
	c.UnicoSignEvidencePath = strings.TrimSpace(getenv("UNICO_SIGN_EVIDENCE_PATH"))
	if p := c.UnicoSignEvidencePath; p != "" && (!strings.HasPrefix(p, "/") || !strings.Contains(p, "{documentId}")) {
		return c, fmt.Errorf("configuration: UNICO_SIGN_EVIDENCE_PATH must start with / and contain {documentId}")
	}
	if v := getenv("SECRETS_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("configuration: SECRETS_TTL must be a positive Go duration such as 5m")
		}
		c.SecretsTTL = d
	}
	if v := getenv("TENANT_KEYS"); v != "" {
		if err := json.Unmarshal([]byte(v), &c.TenantKeys); err != nil {
			return c, fmt.Errorf("configuration: TENANT_KEYS must be a JSON list of {keyId, tenant}")
		}
	}
	if v := getenv("CORS_ORIGINS"); v != "" {
		if err := json.Unmarshal([]byte(v), &c.CORSOrigins); err != nil {
			return c, fmt.Errorf("configuration: CORS_ORIGINS must be a JSON list of origins")
		}
	}
	if v := getenv("RETENTION_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("configuration: RETENTION_DAYS must be a whole number of days >= 1")
		}
		c.RetentionDays = n
	}
	if v := getenv("MIN_RISK_SCORE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return c, fmt.Errorf("configuration: MIN_RISK_SCORE must be a number")
		}
		c.MinRiskScore = f
	}
	if v := getenv("READ_REFRESH_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3600 {
			return c, fmt.Errorf("configuration: READ_REFRESH_SECONDS must be a whole number of seconds between 1 and 3600")
		}
		c.ReadRefresh = time.Duration(n) * time.Second
	}
	if v := getenv("UNICO_RATE_LIMIT"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || f > 10000 {
			return c, fmt.Errorf("configuration: UNICO_RATE_LIMIT must be a number of calls per second above 0")
		}
		c.UnicoRateLimit = f
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("configuration: LOG_LEVEL must be DEBUG, INFO, WARN or ERROR")
		}
	}
	if err := c.Async.fromEnv(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// tenantResolver builds the lookup the API uses.
func (c Config) tenantResolver() func(string) (string, bool) {
	m := make(map[string]string, len(c.TenantKeys))
	for _, k := range c.TenantKeys {
		m[k.KeyID] = k.Tenant
	}
	return func(keyID string) (string, bool) {
		if keyID == "" {
			return c.TenantWithoutAPIKey, c.TenantWithoutAPIKey != ""
		}
		t, ok := m[keyID]
		return t, ok
	}
}

package devstack

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"

	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/tokenshare"
)

// SAMTokenSecretID is the shared token secret the functions use under sam local (the stack's
// TokenSecret): `sam local invoke TokenRefresherFunction` fills it, the API functions read it.
const SAMTokenSecretID = TokenSecretID

// SAMEnv returns the variables of a `sam local --env-vars` file (applied to every function)
// that point the functions in their containers at this stack: every address with 127.0.0.1
// replaced by containerHost (how a container reaches this machine), the stack's table, secrets
// and tenants, and the demo tenant for requests without an API key (sam local does not emulate
// API keys). sam local only overrides variables the template declares: synthesize with
// -c samLocal=true (infra.SAMLocalVariables) so that the template declares every one of them.
func (s *Stack) SAMEnv(containerHost string) map[string]string {
	c := s.Config
	swap := func(u string) string { return strings.Replace(u, "127.0.0.1", containerHost, 1) }
	keys, _ := json.Marshal(c.TenantKeys)
	callbacks := make([]gateway.TenantCallback, 0, len(c.Async.Callbacks))
	for _, cb := range c.Async.Callbacks {
		cb.URL = swap(cb.URL)
		callbacks = append(callbacks, cb)
	}
	cbs, _ := json.Marshal(callbacks)
	demo := ""
	if len(s.Tenants) > 0 {
		demo = s.Tenants[0].Name
	}
	return map[string]string{
		"TABLE_NAME": c.TableName, "CREDENTIALS_SECRET_ID": c.CredentialsSecretID, "TOKEN_SECRET_ID": SAMTokenSecretID,
		"UNICO_AUTH_URL": swap(c.UnicoAuthURL), "UNICO_AUDIENCE": c.UnicoAudience, "UNICO_BY_UNICO_URL": swap(c.UnicoByUnicoURL),
		"UNICO_BY_CLIENT_URL": swap(c.UnicoByClientURL), "UNICO_SIGN_URL": swap(c.UnicoSignURL),
		"TENANT_KEYS": string(keys), "TENANT_CALLBACKS": string(cbs), "TENANT_WITHOUT_API_KEY": demo, "STACK_NAME": "local",
		"UNICO_RATE_LIMIT":          strconv.FormatFloat(samRate(c.UnicoRateLimit), 'f', -1, 64),
		"AWS_ENDPOINT_URL_DYNAMODB": swap(s.DynamoEndpoint), "AWS_ENDPOINT_URL_SECRETS_MANAGER": swap(s.SecretsURL),
		// sam local sets the region and credentials itself (from your AWS configuration or its
		// defaults); these are for a container that has none. DynamoDB Local and the local
		// Secrets Manager accept any.
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
	}
}

// WriteSAMEnv writes the SAMEnv file to path and creates the shared token secret it names.
func (s *Stack) WriteSAMEnv(path, containerHost string) error {
	if s.Secrets != nil {
		if _, _, ok := s.Secrets.Current(SAMTokenSecretID); !ok { // the local refresher may have filled it
			s.Secrets.Put(SAMTokenSecretID, tokenshare.EmptyDocument)
		}
	}
	b, err := json.MarshalIndent(map[string]any{"Parameters": s.SAMEnv(containerHost)}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// samRate is the fleet budget's rate sam local's functions get: the stack's (default 10).
func samRate(r float64) float64 {
	if r > 0 {
		return r
	}
	return gateway.DefaultUnicoRateLimit
}

package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/unicogw/gateway/shared/lambdaproxy"
)

// TestAWSEndpointURLReachesEveryClient is what a LocalStack deployment relies on: with
// AWS_ENDPOINT_URL set (the stack's awsEndpointUrl context), both the DynamoDB and the Secrets
// Manager clients that FromEnv builds send their calls to that one endpoint.
func TestAWSEndpointURLReachesEveryClient(t *testing.T) {
	var mu sync.Mutex
	var targets []string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		targets = append(targets, r.Header.Get("X-Amz-Target"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB") {
			_, _ = w.Write([]byte(`{}`)) // GetItem: no item
			return
		}
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"no"}`))
	}))
	defer fake.Close()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": fake.URL, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"TABLE_NAME": "t", "CREDENTIALS_SECRET_ID": "s", "UNICO_AUTH_URL": "https://identityhomolog.acesso.io",
		"UNICO_BY_UNICO_URL": "https://api.cadastro.uat.unico.app", "TENANT_KEYS": `[{"keyId":"k","tenant":"acme"}]`, "LOG_LEVEL": "ERROR",
	} {
		t.Setenv(k, v)
	}
	gw, err := FromEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := gw.API.Handler("")
	do := func(method, path, body string) int {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r = r.WithContext(lambdaproxy.WithIdentity(r.Context(), lambdaproxy.Identity{APIKeyID: "k"}))
		r.Header.Set("Idempotency-Key", "k1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := do("GET", "/v1/processes/00000000-0000-4000-8000-000000000000", ""); code != 404 {
		t.Fatalf("read: %d", code)
	}
	if code := do("POST", "/v1/processes", `{"flow":"idlive","purpose":"creditprocess","person":{"cpf":"73689290074"}}`); code != 503 {
		t.Fatalf("create without a secret: %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(targets, ",")
	if !strings.Contains(joined, "DynamoDB_20120810.GetItem") || !strings.Contains(joined, "secretsmanager.GetSecretValue") {
		t.Fatalf("calls that reached AWS_ENDPOINT_URL: %v", targets)
	}
}

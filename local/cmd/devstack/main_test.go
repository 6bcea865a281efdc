package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/secretsfake"
	"github.com/unicogw/gateway/shared/gateway"
)

func TestWriteSAMEnv(t *testing.T) {
	s := &devstack.Stack{DynamoEndpoint: "http://127.0.0.1:8000", SecretsURL: "http://127.0.0.1:4584", Secrets: secretsfake.New(),
		Tenants: []devstack.Tenant{{Name: "demo"}},
		Config: gateway.Config{TableName: "t", CredentialsSecretID: "sec", UnicoAuthURL: "http://127.0.0.1:8090", UnicoAudience: "http://127.0.0.1:8090",
			UnicoByUnicoURL: "http://127.0.0.1:8090", TenantKeys: []gateway.TenantKey{{KeyID: "key-demo", Tenant: "demo"}},
			Async: gateway.AsyncConfig{Callbacks: []gateway.TenantCallback{{Tenant: "demo", URL: "http://127.0.0.1:9000/events", SecretID: "out/demo"}}}}}
	path := filepath.Join(t.TempDir(), "env.json")
	if err := writeSAMEnv(path, s, "host.docker.internal"); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	var f struct{ Parameters map[string]string }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	p := f.Parameters
	if p["AWS_ENDPOINT_URL_DYNAMODB"] != "http://host.docker.internal:8000" || p["UNICO_BY_UNICO_URL"] != "http://host.docker.internal:8090" ||
		p["UNICO_AUDIENCE"] != "http://127.0.0.1:8090" || p["TENANT_WITHOUT_API_KEY"] != "demo" || !strings.Contains(p["TENANT_KEYS"], "key-demo") {
		t.Fatalf("env vars: %v", p)
	}
	if p["TENANT_CALLBACKS"] != `[{"tenant":"demo","url":"http://host.docker.internal:9000/events","secretId":"out/demo"}]` ||
		p["TOKEN_SECRET_ID"] != devstack.SAMTokenSecretID || p["STACK_NAME"] != "local" {
		t.Fatalf("env vars of the asynchronous side and the token refresher: %v", p)
	}
	if v, _, ok := s.Secrets.Current(devstack.SAMTokenSecretID); !ok || v != "{}" {
		t.Fatalf("the token secret the functions read under sam local: %q %v", v, ok)
	}
}

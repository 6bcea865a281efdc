package devstack_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/runtimefake"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/logging"
)

// buildBootstrap returns functions/<fn> built with the deploy build's flags for this machine's
// architecture (so it runs here): the one scripts/test.sh built once, or one built now.
func buildBootstrap(t *testing.T, fn string) string {
	t.Helper()
	root, err := dynamolocal.FindRepoRoot()
	if err == nil {
		var bin string
		if bin, err = runtimefake.HostBootstrap(context.Background(), root, fn); err == nil {
			return bin
		}
	}
	t.Fatalf("bootstrap %s: %v", fn, err)
	return ""
}

// functionEnv is the environment the CDK stack gives the functions, pointed at the local stack.
func functionEnv(s *devstack.Stack) []string {
	c := s.Config
	keys, _ := json.Marshal(c.TenantKeys)
	return []string{
		"TABLE_NAME=" + c.TableName, "CREDENTIALS_SECRET_ID=" + c.CredentialsSecretID, "SECRETS_TTL=1m",
		"UNICO_AUTH_URL=" + c.UnicoAuthURL, "UNICO_BY_UNICO_URL=" + c.UnicoByUnicoURL, "UNICO_BY_CLIENT_URL=" + c.UnicoByClientURL,
		"UNICO_SIGN_URL=" + c.UnicoSignURL, "TENANT_KEYS=" + string(keys), "RETENTION_DAYS=30", "LOG_LEVEL=INFO",
		"AWS_ENDPOINT_URL_DYNAMODB=" + s.DynamoEndpoint, "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + s.SecretsURL,
	}
}

// TestRealBootstrapOnFakeRuntimeAPI runs the real create and get binaries as Lambda would:
// exec'd with the stack's environment, polling a Runtime API for API Gateway events. It
// creates a process through the create binary and reads it back through the get binary.
func TestRealBootstrapOnFakeRuntimeAPI(t *testing.T) {
	s, _ := startStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	invoke := func(fn string, ev events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
		t.Helper()
		rt := runtimefake.New()
		defer rt.Close()
		_, logs := logging.NewCapture()
		rt.LogOutput = io.MultiWriter(logs, suiteLogs)
		bin := buildBootstrap(t, fn)
		p, err := runtimefake.StartFunction(ctx, bin, functionEnv(s), rt)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Stop()
		body, _ := json.Marshal(ev)
		out, err := rt.Invoke(ctx, body)
		if err != nil {
			t.Fatalf("%s invoke: %v\n%s", fn, err, p.Logs())
		}
		t.Logf("%s: exec to first /next %v", fn, rt.FirstNextAt().Sub(p.Started))
		var res events.APIGatewayProxyResponse
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("%s answer: %v: %s", fn, err, out)
		}
		return res
	}

	suiteLogs.Plant("Ana Teste")
	create := events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/v1/processes", Resource: "/v1/processes",
		Headers:        map[string]string{"Idempotency-Key": "bootstrap-1", "Content-Type": "application/json"},
		Body:           `{"integration":"by_unico","flow":"id","purpose":"creditprocess","person":{"cpf":"` + unicosim.ScenarioCPF("approved") + `","name":"Ana Teste"}}`,
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-1", Identity: events.APIGatewayRequestIdentity{APIKeyID: "key-demo"}}}
	res := invoke("create", create)
	if res.StatusCode != 201 {
		t.Fatalf("create via bootstrap: %d %s", res.StatusCode, res.Body)
	}
	var created struct {
		Process struct{ ID, State string }
	}
	_ = json.Unmarshal([]byte(res.Body), &created)
	if created.Process.ID == "" || created.Process.State != "created" {
		t.Fatalf("create answer: %s", res.Body)
	}
	read := events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/v1/processes/" + created.Process.ID, Resource: "/v1/processes/{id}",
		PathParameters: map[string]string{"id": created.Process.ID},
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-2", Identity: events.APIGatewayRequestIdentity{APIKeyID: "key-demo"}}}
	res = invoke("get", read)
	if res.StatusCode != 200 || res.MultiValueHeaders["X-Request-Id"][0] != "req-2" {
		t.Fatalf("get via bootstrap: %d %v %s", res.StatusCode, res.MultiValueHeaders, res.Body)
	}
	// A webhook function that starts without its configuration fails at init, clearly.
	rt := runtimefake.New()
	defer rt.Close()
	p, err := runtimefake.StartFunction(ctx, buildBootstrap(t, "webhook"), []string{"TABLE_NAME="}, rt)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited():
	case <-ctx.Done():
		t.Fatal("a misconfigured function did not exit")
	}
	if p.ExitErr() == nil {
		t.Fatal("misconfigured function exited 0")
	}
}

package templatetests

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/unicogw/gateway/infra"
)

// TestLocalStackContext: with awsEndpointUrl (docs/localstack.md), every function gets
// AWS_ENDPOINT_URL, so the SDK resolves DynamoDB and Secrets Manager to LocalStack (the
// resolution itself is tested in shared/gateway), and the Unico hosts may be the simulator over
// http. Without it, no function carries the variable and http Unico hosts are refused.
func TestLocalStackContext(t *testing.T) {
	const endpoint = "http://localhost.localstack.cloud:4566"
	s := synth(t, map[string]any{"awsEndpointUrl": endpoint, "unicoAuthUrl": "http://host.docker.internal:8090",
		"unicoByUnicoUrl": "http://host.docker.internal:8090", "unicoByClientUrl": "http://host.docker.internal:8090",
		"unicoSignUrl": "http://host.docker.internal:8090"})
	fns := s.resourcesOfType("AWS::Lambda::Function")
	if len(fns) == 0 {
		t.Fatal("no functions")
	}
	for id, fn := range fns {
		env := obj(obj(props(fn)["Environment"])["Variables"])
		if env["AWS_ENDPOINT_URL"] != endpoint {
			t.Errorf("%s: AWS_ENDPOINT_URL = %v", id, env["AWS_ENDPOINT_URL"])
		}
	}
	for id, fn := range defaultStack(t).resourcesOfType("AWS::Lambda::Function") {
		if _, ok := obj(obj(props(fn)["Environment"])["Variables"])["AWS_ENDPOINT_URL"]; ok {
			t.Errorf("%s: AWS_ENDPOINT_URL set without awsEndpointUrl", id)
		}
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: ptr(cdkContext(t, map[string]any{"unicoAuthUrl": "http://host.docker.internal:8090"}))})
	if _, err := infra.PropsFromContext(app); err == nil || !strings.Contains(err.Error(), "unicoAuthUrl") {
		t.Errorf("an http Unico host outside LocalStack must be refused: %v", err)
	}
}

// TestNoTenantWithoutAPIKey: the sam-local-only fallback tenant is never deployed.
func TestNoTenantWithoutAPIKey(t *testing.T) {
	for _, s := range []*synthesized{defaultStack(t), optionsStack(t)} {
		for id, fn := range s.resourcesOfType("AWS::Lambda::Function") {
			if _, ok := obj(obj(props(fn)["Environment"])["Variables"])["TENANT_WITHOUT_API_KEY"]; ok {
				t.Errorf("%s sets TENANT_WITHOUT_API_KEY", id)
			}
		}
	}
}

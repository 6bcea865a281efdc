package templatetests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra"
	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/shared/gateway"
)

// TestTemplateCarriesWhatSAMReads synthesizes the app to a cloud assembly as `cdk synth` does
// and checks what `sam local start-api -t cdk.out/<stack>.template.json` and `sam local invoke`
// need: every function points at its asset directory through aws:asset:path/aws:asset:property
// metadata, the directory holds an executable bootstrap, runtime/handler/architecture are ones
// SAM's provided.al2023 image runs, and every API method is a Lambda-proxy integration to a
// function of the template (what start-api mounts).
func TestTemplateCarriesWhatSAMReads(t *testing.T) {
	out := t.TempDir()
	ctx := cdkContext(t, map[string]any{"aws:cdk:enable-asset-metadata": true})
	app := awscdk.NewApp(&awscdk.AppProps{Context: ptr(ctx), Outdir: jsii.String(out)})
	props, err := infra.PropsFromContext(app)
	if err != nil {
		t.Fatal(err)
	}
	infra.NewGatewayStack(app, "SamStack", props)
	asm := app.Synth(nil)
	raw, err := os.ReadFile(filepath.Join(*asm.Directory(), "SamStack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	functions := map[string]bool{}
	for id, r := range obj(tpl["Resources"]) {
		res := obj(r)
		if res["Type"] != "AWS::Lambda::Function" {
			continue
		}
		functions[id] = true
		md, p := obj(res["Metadata"]), obj(res["Properties"])
		asset, _ := md["aws:asset:path"].(string)
		if asset == "" || md["aws:asset:property"] != "Code" {
			t.Errorf("%s: no asset metadata for SAM: %v", id, md)
			continue
		}
		st, err := os.Stat(filepath.Join(*asm.Directory(), asset, "bootstrap"))
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s: asset %s has no executable bootstrap (%v)", id, asset, err)
		}
		if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" || strings.Join(strs(p["Architectures"]), ",") != "arm64" {
			t.Errorf("%s: runtime %v handler %v architectures %v", id, p["Runtime"], p["Handler"], p["Architectures"])
		}
	}
	if len(functions) < 3 {
		t.Fatalf("functions in the template: %v", functions)
	}
	methods := 0
	for id, r := range obj(tpl["Resources"]) {
		res := obj(r)
		if res["Type"] != "AWS::ApiGateway::Method" || obj(res["Properties"])["HttpMethod"] == "OPTIONS" {
			continue
		}
		methods++
		integ := obj(obj(res["Properties"])["Integration"])
		if integ["Type"] != "AWS_PROXY" || integ["IntegrationHttpMethod"] != "POST" {
			t.Errorf("%s: not a Lambda-proxy integration: %v", id, integ)
			continue
		}
		target := false
		for fn := range functions {
			target = target || refersTo(integ["Uri"], fn)
		}
		if !target {
			t.Errorf("%s: integration does not call a function of the template", id)
		}
	}
	if methods == 0 {
		t.Fatal("no API methods in the template")
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range list(v) {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestSAMEnvCoversTheTemplate: the sam local env file sets every variable whose template value
// is not a plain string (a Ref, a Join: unresolvable outside CloudFormation) plus the Unico
// hosts, so that no function in a container reaches AWS or Unico; and with the samLocal context
// key (make sam-api / sam-invoke) every function declares the variables only the local stack
// needs (infra.SAMLocalVariables: sam local overrides declared variables only). The deployed
// template (without samLocal) declares none of them.
func TestSAMEnvCoversTheTemplate(t *testing.T) {
	stack := &devstack.Stack{DynamoEndpoint: "http://127.0.0.1:8000", SecretsURL: "http://127.0.0.1:4584",
		Tenants: []devstack.Tenant{{Name: "demo"}},
		Config: gateway.Config{TableName: "t", CredentialsSecretID: "c", UnicoAuthURL: "http://127.0.0.1:8090",
			UnicoAudience: "http://127.0.0.1:8090", UnicoByUnicoURL: "http://127.0.0.1:8090", UnicoByClientURL: "http://127.0.0.1:8090",
			UnicoSignURL: "http://127.0.0.1:8090", TenantKeys: []gateway.TenantKey{{KeyID: "k", Tenant: "demo"}}}}
	env := stack.SAMEnv("host.docker.internal")

	s := synth(t, map[string]any{"samLocal": "true",
		"tenants": `[{"name":"demo","rateLimit":4,"burstLimit":8,"callbackUrl":"https://hooks.example/events"}]`})
	fns := s.resourcesOfType("AWS::Lambda::Function")
	if len(fns) < 7 {
		t.Fatalf("functions: %d", len(fns))
	}
	for id, fn := range fns {
		vars := obj(obj(props(fn)["Environment"])["Variables"])
		for _, name := range infra.SAMLocalVariables {
			if _, ok := vars[name]; !ok {
				t.Errorf("%s does not declare %s: sam local would not set it", id, name)
			}
		}
		for name, v := range vars {
			_, literal := v.(string)
			if _, set := env[name]; !set && (!literal || strings.HasPrefix(name, "UNICO_")) {
				t.Errorf("%s: %s = %v is not set by the sam local env file", id, name, v)
			}
		}
	}
	for _, v := range infra.SAMLocalVariables {
		if _, ok := env[v]; !ok {
			t.Errorf("infra.SAMLocalVariables has %s, which the env file does not set", v)
		}
	}
	for _, d := range []*synthesized{defaultStack(t), optionsStack(t)} {
		for id, fn := range d.resourcesOfType("AWS::Lambda::Function") {
			vars := obj(obj(props(fn)["Environment"])["Variables"])
			for _, v := range infra.SAMLocalVariables {
				if _, ok := vars[v]; ok {
					t.Errorf("%s declares %s without samLocal", id, v)
				}
			}
		}
	}
}

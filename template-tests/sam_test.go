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

// Package templatetests checks the synthesized CloudFormation template of the gateway stack
// (infra) with CDK assertions. The stack is built from cdk.json's context, as `cdk synth` builds
// it, so the tests and the deployed template agree. They need node on PATH (the jsii runtime)
// and nothing else: no cdk CLI, no AWS account, no network. The first run compiles awscdk
// (about 100 s); later runs take seconds.
package templatetests

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra"
)

var buildDir string // placeholder bootstrap files: assertions need the asset directories, not real binaries

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gateway-template-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	for _, fn := range []string{infra.FunctionCreate, infra.FunctionGet, infra.FunctionWebhook, infra.FunctionTokenRefresher,
		infra.FunctionWorker, infra.FunctionSweeper, infra.FunctionNotifier} {
		if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err == nil {
			err = os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("placeholder "+fn), 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	jsii.Close() // once for the whole package: the jsii runtime cannot be restarted
	os.RemoveAll(dir)
	os.Exit(code)
}

// cdkContext returns cdk.json's "context" object (feature flags and the project's keys), with
// buildDir pointing at the placeholders and the given overrides applied.
func cdkContext(t testing.TB, overrides map[string]any) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	if len(cfg.Context) == 0 {
		t.Fatal("cdk.json has no context")
	}
	ctx := maps.Clone(cfg.Context)
	ctx["buildDir"] = buildDir
	maps.Copy(ctx, overrides)
	return ctx
}

// synthesized is one synthesized stack: the assertions handle and the template as JSON.
type synthesized struct {
	tpl   assertions.Template
	json  map[string]any
	props *infra.GatewayStackProps
	stack awscdk.Stack
}

// synth builds the stack the way infra/app does: an App carrying the context, props from it.
func synth(t testing.TB, overrides map[string]any) *synthesized {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Context: ptr(cdkContext(t, overrides))})
	props, err := infra.PropsFromContext(app)
	if err != nil {
		t.Fatalf("PropsFromContext: %v", err)
	}
	stack := infra.NewGatewayStack(app, "TestStack", props)
	infra.ApplyNag(stack, *props) // an unsuppressed cdk-nag error fails the synthesis (nag_test.go)
	tpl := assertions.Template_FromStack(stack, nil)
	return &synthesized{tpl: tpl, json: *tpl.ToJSON(), props: props, stack: stack}
}

var (
	defaultOnce sync.Once
	defaultTpl  *synthesized
	optionsOnce sync.Once
	optionsTpl  *synthesized
)

// defaultStack is cdk.json as committed, synthesized once for every test that reads it.
func defaultStack(t *testing.T) *synthesized {
	t.Helper()
	defaultOnce.Do(func() { defaultTpl = synth(t, nil) })
	if defaultTpl == nil {
		t.Fatal("default stack failed to synthesize (see the first failing test)")
	}
	return defaultTpl
}

// Values of optionsStack's context; the strings are what `cdk deploy -c key=value` passes.
const (
	optCorsOrigin = "https://app.example.com"
	optWafArn     = "arn:aws:wafv2:us-east-1:111111111111:regional/webacl/gateway/11111111-2222-3333-4444-555555555555"
	optEmail      = "ops@example.com"
	optSignURL    = "https://sign.example.com"
)

// optCallbackURL is acme-bank's callback (the asynchronous side, async_test.go).
const optCallbackURL = "https://hooks.acme.example/unico-events"

// optionsStack switches on every option through the context, the production environment
// included, with values given as -c strings.
func optionsStack(t *testing.T) *synthesized {
	t.Helper()
	optionsOnce.Do(func() {
		optionsTpl = synth(t, map[string]any{
			"unicoEnvironment": "production",
			"unicoSignUrl":     optSignURL,
			"tenants": `[{"name":"acme-bank","rateLimit":2.5,"burstLimit":5,"quotaLimit":5000,"quotaPeriod":"DAY","callbackUrl":"` + optCallbackURL + `"},` +
				`{"name":"beta","rateLimit":1.5,"burstLimit":3,"quotaLimit":0}]`,
			"readRateLimit":    "150",
			"webhookRateLimit": "30",
			"corsOrigins":      `["` + optCorsOrigin + `"]`,
			"wafWebAclArn":     optWafArn,
			"alarmEmail":       optEmail,
			"retentionDays":    "365",
			"logRetentionDays": "90",
			"memorySize":       "512",
		})
	})
	if optionsTpl == nil {
		t.Fatal("options stack failed to synthesize (see the first failing test)")
	}
	return optionsTpl
}

// resourcesOfType returns logical id → resource for every resource of type typ.
func (s *synthesized) resourcesOfType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range obj(s.json["Resources"]) {
		if res := obj(r); res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// resource returns the one resource of type typ whose logical id starts with prefix (CDK adds
// an 8-character hash to nested construct ids).
func (s *synthesized) resource(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var ids []string
	for id := range s.resourcesOfType(typ) {
		if strings.HasPrefix(id, prefix) && len(id) <= len(prefix)+8 {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one %s with logical id %s*, found %v", typ, prefix, ids)
	}
	return ids[0], obj(obj(s.json["Resources"])[ids[0]])
}

func props(r map[string]any) map[string]any { return obj(r["Properties"]) }

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// list returns v as a list: CloudFormation allows a single value where a list is expected
// (Action, Resource).
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

// refersTo reports whether the CloudFormation value v mentions logical id anywhere (Ref,
// Fn::GetAtt, inside Fn::Join...).
func refersTo(v any, id string) bool {
	raw, _ := json.Marshal(v)
	s := string(raw)
	return strings.Contains(s, `"Ref":"`+id+`"`) || strings.Contains(s, `"Fn::GetAtt":["`+id+`"`)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func ptr[T any](v T) *T { return &v }

// mustPanic runs f and returns the panic's message: a failed CDK assertion panics.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("expected the assertion to fail")
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

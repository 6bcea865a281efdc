package templatetests

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/unicogw/gateway/infra"
)

func propsFrom(t *testing.T, overrides map[string]any) (*infra.GatewayStackProps, error) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Context: ptr(cdkContext(t, overrides))})
	return infra.PropsFromContext(app)
}

// TestCdkJsonDefaults: cdk.json as committed gives the documented defaults.
func TestCdkJsonDefaults(t *testing.T) {
	p, err := propsFrom(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.UnicoEnvironment != "uat" || p.UnicoHosts != infra.DefaultUnicoHosts("uat") {
		t.Errorf("environment %q hosts %+v", p.UnicoEnvironment, p.UnicoHosts)
	}
	if !reflect.DeepEqual(p.Tenants, []infra.Tenant{infra.DefaultTenant}) {
		t.Errorf("tenants = %+v", p.Tenants)
	}
	if p.RetentionDays != 180 || p.UnicoRateLimit != 10 || p.LogRetentionDays != 30 || p.MemorySize != 256 || p.LogLevel != "INFO" {
		t.Errorf("props = %+v", p)
	}
	if len(p.CorsOrigins) != 0 || p.AlarmEmail != "" || p.WafWebAclArn != "" || !*p.ApiGatewayCloudWatchRole {
		t.Errorf("optional props set by default: %+v", p)
	}
	// Props built in Go take the same defaults as the context.
	var zero infra.GatewayStackProps
	d := zero.WithDefaults()
	d.BuildDir = p.BuildDir
	if !reflect.DeepEqual(&d, p) {
		t.Errorf("WithDefaults() = %+v\ncdk.json gives %+v", d, *p)
	}
}

// TestContextStrings: `cdk deploy -c key=value` passes strings; they are parsed.
func TestContextStrings(t *testing.T) {
	p, err := propsFrom(t, map[string]any{
		"retentionDays":            "365",
		"unicoRateLimit":           "20",
		"logRetentionDays":         "0",
		"apiGatewayCloudWatchRole": "false",
		"readRateLimit":            "150",
		"webhookRateLimit":         "30.5",
		"tenants":                  `[{"name":"a","rateLimit":4,"burstLimit":20,"quotaLimit":1,"quotaPeriod":"week"},{"name":"b","rateLimit":4,"burstLimit":1}]`,
		"corsOrigins":              `["https://a.example","https://b.example"]`,
		"unicoByUnicoUrl":          "https://api.cadastro.uat.unico.app/",
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.RetentionDays != 365 || p.UnicoRateLimit != 20 || p.LogRetentionDays != infra.NeverExpireLogs || *p.ApiGatewayCloudWatchRole ||
		p.ReadRateLimit != 150 || p.WebhookRateLimit != 30.5 {
		t.Errorf("props = %+v", p)
	}
	want := []infra.Tenant{
		{Name: "a", RateLimit: 4, BurstLimit: 20, QuotaLimit: 1, QuotaPeriod: "WEEK"},
		{Name: "b", RateLimit: 4, BurstLimit: 1, QuotaPeriod: "MONTH"},
	}
	if !reflect.DeepEqual(p.Tenants, want) {
		t.Errorf("tenants = %+v, want %+v", p.Tenants, want)
	}
	if len(p.CorsOrigins) != 2 || p.UnicoHosts.ByUnicoURL != "https://api.cadastro.uat.unico.app" {
		t.Errorf("cors %v, by-Unico host %q", p.CorsOrigins, p.UnicoHosts.ByUnicoURL)
	}
}

func TestInvalidContext(t *testing.T) {
	for name, tc := range map[string]struct {
		overrides map[string]any
		want      string
	}{
		// 3 + 2 is within unicoRateLimit 10 but over its create share, 4.
		"rates over the create share": {map[string]any{"tenants": []any{
			map[string]any{"name": "a", "rateLimit": 3, "burstLimit": 10},
			map[string]any{"name": "b", "rateLimit": 2, "burstLimit": 10},
		}}, "over the create share"},
		"read rate not a number":     {map[string]any{"readRateLimit": "fast"}, "context readRateLimit"},
		"negative read rate":         {map[string]any{"readRateLimit": -1}, "readRateLimit -1: want > 0"},
		"negative webhook rate":      {map[string]any{"webhookRateLimit": "-5"}, "webhookRateLimit -5: want > 0"},
		"tenant over its reads":      {map[string]any{"readRateLimit": 3}, `tenant "default": rateLimit 4 is over readRateLimit 3`},
		"unknown environment":        {map[string]any{"unicoEnvironment": "prod"}, "unicoEnvironment"},
		"plain http host":            {map[string]any{"unicoAuthUrl": "http://identity.acesso.io"}, "unicoAuthUrl"},
		"log retention":              {map[string]any{"logRetentionDays": 31}, "logRetentionDays"},
		"duplicate tenant":           {map[string]any{"tenants": `[{"name":"a","rateLimit":1,"burstLimit":1},{"name":"a","rateLimit":1,"burstLimit":1}]`}, "duplicate"},
		"tenant name":                {map[string]any{"tenants": `[{"name":"Acme Bank","rateLimit":1,"burstLimit":1}]`}, "name must match"},
		"misspelt tenant field":      {map[string]any{"tenants": `[{"name":"a","rate":1,"rateLimit":1,"burstLimit":1}]`}, "unknown field"},
		"broken JSON":                {map[string]any{"tenants": `[{"name":"a",}]`}, "context tenants"},
		"quota period":               {map[string]any{"tenants": `[{"name":"a","rateLimit":1,"burstLimit":1,"quotaPeriod":"YEAR"}]`}, "quotaPeriod"},
		"zero burst":                 {map[string]any{"tenants": `[{"name":"a","rateLimit":1}]`}, "burstLimit"},
		"CORS wildcard":              {map[string]any{"corsOrigins": []any{"*"}}, "corsOrigins"},
		"retention not a number":     {map[string]any{"retentionDays": "half a year"}, "context retentionDays"},
		"memory":                     {map[string]any{"memorySize": 64}, "memorySize"},
		"log level":                  {map[string]any{"logLevel": "VERBOSE"}, "logLevel"},
		"empty tenants: the default": {map[string]any{"tenants": []any{}, "unicoRateLimit": 4}, "over the create share"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := propsFrom(t, tc.overrides)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestStackRefusesBadProps: NewGatewayStack panics with a readable message instead of
// synthesizing a broken stack.
func TestStackRefusesBadProps(t *testing.T) {
	msg := mustPanic(t, func() {
		infra.NewGatewayStack(awscdk.NewApp(nil), "Bad", &infra.GatewayStackProps{BuildDir: buildDir, UnicoRateLimit: 1})
	})
	if !strings.Contains(msg, "unicoRateLimit") {
		t.Errorf("panic = %s", msg)
	}
	msg = mustPanic(t, func() {
		infra.NewGatewayStack(awscdk.NewApp(nil), "NoBuild", &infra.GatewayStackProps{BuildDir: t.TempDir()})
	})
	if !strings.Contains(msg, "scripts/build-lambdas.sh") {
		t.Errorf("panic = %s", msg)
	}
}

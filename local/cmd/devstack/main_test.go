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

// TestTerminalKeepsFriendlyLines: every line reaches the log file as it is; the terminal gets one
// short line for requests, webhooks, decisions, events and warnings, and nothing for metrics.
func TestTerminalKeepsFriendlyLines(t *testing.T) {
	in := strings.Join([]string{
		`{"time":"2026-12-04T13:21:18.316Z","level":"INFO","msg":"request","method":"POST","route":"POST /v1/processes","status":201,"tenant":"demo","durationMs":273.85}`,
		`{"_aws":{"Timestamp":1796390472166,"CloudWatchMetrics":[]},"Stack":"local","UnicoTokenMints":1}`,
		`{"time":"2026-12-04T13:21:18.377Z","level":"INFO","msg":"webhook recorded","processId":"aa824e67-56d7-4f98","outcome":"recorded"}`,
		`{"time":"2026-12-04T13:21:18.480Z","level":"INFO","msg":"process final","processId":"aa824e67-56d7-4f98","state":"finished","outcome":"approved","sweeper":true}`,
		`{"time":"2026-12-04T13:21:18.480Z","level":"INFO","msg":"tokenshare: refresher run","outcome":"fresh"}`,
		`{"time":"2026-12-04T13:21:18.661Z","level":"INFO","msg":"demo receiver: event received, signature valid","type":"process.finished","processId":"aa824e67-56d7-4f98","outcome":"approved"}`,
		`{"time":"2026-12-04T13:21:18.700Z","level":"WARN","msg":"stream poll failed","err":"x"}`,
		`not json`,
	}, "\n") + "\n"
	var file, out strings.Builder
	term := &terminal{file: &file, out: &out}
	for _, chunk := range []string{in[:100], in[100:]} { // lines split across writes
		if _, err := term.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if file.String() != in {
		t.Fatal("the log file is not every line as written")
	}
	got := out.String()
	for _, want := range []string{"POST /v1/processes → 201 (274 ms, tenant demo)", "webhook from Unico for process aa824e67…: recorded",
		"decision: process aa824e67… finished, approved (closed by the sweeper)",
		"demo backend got process.finished for process aa824e67… (approved), signature valid", "WARN stream poll failed (details in the log file)"} {
		if !strings.Contains(got, want) {
			t.Errorf("terminal lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 5 || strings.Contains(got, "UnicoTokenMints") || strings.Contains(got, "refresher") {
		t.Errorf("terminal has %d lines:\n%s", n, got)
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	var stdout, stderr strings.Builder
	if err := run(t.Context(), []string{"-help"}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage: bash scripts/run-local.sh [flags]", "-addr host:port", "-log file", ".local/devstack.log"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-help lacks %q:\n%s", want, stderr.String())
		}
	}
}

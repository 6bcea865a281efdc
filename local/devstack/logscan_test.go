package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/shared/logging"
)

// suiteLogs receives every log line of every stack the tests of this package start (startStack
// wires it; the real bootstrap binaries write to it too), for the whole run. After the tests,
// TestMain scans it with logging.FindPII: the planted values (every stack's secrets, and the
// CPFs, names, phones and e-mails the tests send, registered with suiteLogs.Plant) and the
// patterns FindPII knows (CPF, phone, e-mail, JWT, PEM, DER key, Basic/Bearer credential).
// One finding fails the run, whichever test caused it.
//
// A test that starts a stack some other way must pass suiteLogs (io.MultiWriter) as its
// LogOutput, or its logs escape the scan.
var suiteLogs = &logScan{}

func TestMain(m *testing.M) {
	code := dynamolocaltest.MainThen(m, &ddb, func() int { return storeScan(os.Stderr) })
	os.Exit(suiteLogs.verdict(code, os.Stderr))
}

// logScan is a log sink with the values that must never appear in it.
type logScan struct {
	buf     logging.SyncBuffer
	mu      sync.Mutex
	planted []string
	stacks  int
}

func (l *logScan) Write(p []byte) (int, error) { return l.buf.Write(p) }

// Plant registers values that must not appear in any log line (empty values are ignored).
func (l *logScan) Plant(values ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range values {
		if v != "" {
			l.planted = append(l.planted, v)
		}
	}
}

// PlantStack registers a stack's secrets: both tenants' API keys, the webhook password and
// its Basic header, and from the Unico credentials the CPF hash key, every line of the private
// key's body and the API key of every capability set.
func (l *logScan) PlantStack(s *devstack.Stack) {
	l.mu.Lock()
	l.stacks++
	l.mu.Unlock()
	for _, t := range s.Tenants {
		l.Plant(t.APIKey)
	}
	l.Plant(s.WebhookPass, basic(s.WebhookUser, s.WebhookPass))
	raw, _, ok := s.Secrets.Current(s.SecretID)
	if !ok {
		return
	}
	var c struct {
		PrivateKeyPem string            `json:"privateKeyPem"`
		CPFHashKey    string            `json:"cpfHashKey"`
		APIKeys       map[string]string `json:"apiKeys"`
	}
	if json.Unmarshal([]byte(raw), &c) != nil {
		return
	}
	l.Plant(c.CPFHashKey)
	for _, line := range strings.Split(c.PrivateKeyPem, "\n") {
		if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
			l.Plant(line)
		}
	}
	for _, k := range c.APIKeys {
		l.Plant(k)
	}
}

// findings scans everything written so far.
func (l *logScan) findings() []string {
	l.mu.Lock()
	planted := append([]string(nil), l.planted...)
	l.mu.Unlock()
	text := l.buf.String()
	var out []string
	for _, f := range logging.FindPII(text, planted...) {
		out = append(out, f+" "+l.describe(text, f))
	}
	return out
}

// describe names the log line a finding points into by its number and its message (redacted
// again, so that the failure report does not repeat the leak).
func (l *logScan) describe(text, finding string) string {
	var at int
	if i := strings.LastIndex(finding, " at "); i >= 0 {
		fmt.Sscan(finding[i+4:], &at)
	}
	if at < 0 || at > len(text) {
		return ""
	}
	lineNo := strings.Count(text[:at], "\n") + 1
	start := strings.LastIndex(text[:at], "\n") + 1
	end := strings.IndexByte(text[at:], '\n')
	if end < 0 {
		end = len(text) - at
	}
	var rec struct {
		Msg string `json:"msg"`
	}
	_ = json.Unmarshal([]byte(text[start:at+end]), &rec)
	return fmt.Sprintf("(log line %d, msg %q)", lineNo, logging.Redact(rec.Msg))
}

// verdict turns the scan into the process exit code: a finding fails the run, and so does a
// run that started stacks but captured no request line (the scan would prove nothing).
func (l *logScan) verdict(code int, out io.Writer) int {
	text := l.buf.String()
	l.mu.Lock()
	stacks, planted := l.stacks, len(l.planted)
	l.mu.Unlock()
	if stacks == 0 {
		return code
	}
	lines := strings.Count(text, "\n")
	if !strings.Contains(text, `"msg":"request"`) {
		fmt.Fprintf(out, "FAIL: log scan: %d stacks started but no request line was captured: the scan proves nothing\n", stacks)
		return 1
	}
	if f := l.findings(); len(f) > 0 {
		fmt.Fprintf(out, "FAIL: log scan: personal data or secrets in the logs of the end-to-end suite (%d lines, %d stacks):\n", lines, stacks)
		for _, x := range f {
			fmt.Fprintln(out, "  "+x)
		}
		return 1
	}
	fmt.Fprintf(out, "log scan: %d log lines from %d stacks, %d planted values: clean\n", lines, stacks, planted)
	return code
}

// TestLogScanFailsOnLeak proves the suite's scan is not vacuous: the same sink type wired the
// same way (a stack's LogOutput, the stack's secrets planted) passes a clean run, and fails as
// soon as a CPF reaches it, whether the CPF was planted by the test or only looks like one; a
// CPF logged through the gateway's own logger is redacted and passes.
func TestLogScanFailsOnLeak(t *testing.T) {
	probe := &logScan{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: probe})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	probe.PlantStack(s)
	api := client{t, s.APIURL}
	cpf := newCPF(t)
	probe.Plant(cpf, "Pessoa Sonda")
	body := createBody(cpf)
	body["clientReference"] = "logscan-" + cpf[:6]
	if status, _, res := api.do("POST", "/v1/processes", s.Tenants[0].APIKey, map[string]string{"Idempotency-Key": "logscan-" + cpf}, body); status != 201 {
		t.Fatalf("create: %d %v", status, res)
	}

	var out strings.Builder
	if code := probe.verdict(0, &out); code != 0 || !strings.Contains(out.String(), "clean") {
		t.Fatalf("a clean run failed the scan: %s", out.String())
	}

	// Through the gateway's own logger (shared/logging) the CPF is redacted: still clean.
	s.Functions["create"].Log.Info("debugging a create", slog.String("person", cpf), slog.String("note", "cpf "+cpf))
	out.Reset()
	if code := probe.verdict(0, &out); code != 0 {
		t.Fatalf("a CPF logged through shared/logging was not redacted: %s", out.String())
	}

	// A component that bypasses shared/logging leaks the planted CPF: the scan fails.
	leaky := slog.New(slog.NewJSONHandler(probe, nil))
	leaky.Info("request", slog.String("body", `{"cpf":"`+cpf+`"}`))
	out.Reset()
	if code := probe.verdict(0, &out); code != 1 || !strings.Contains(out.String(), "planted[") || !strings.Contains(out.String(), "CPF-like number") {
		t.Fatalf("the scan missed a planted CPF: %d %s", code, out.String())
	}
	if strings.Contains(out.String(), cpf) {
		t.Fatalf("the scan's report repeats the CPF: %s", out.String())
	}

	// An unplanted CPF (formatted) is caught by its shape alone.
	other := &logScan{}
	other.PlantStack(s)
	other.Write([]byte(`{"msg":"request","route":"POST /v1/processes"}` + "\n"))
	slog.New(slog.NewJSONHandler(other, nil)).Warn("lookup", slog.String("q", "390.533.447-05"))
	out.Reset()
	if code := other.verdict(0, &out); code != 1 || !strings.Contains(out.String(), "CPF-like number") {
		t.Fatalf("the scan missed an unplanted CPF: %d %s", code, out.String())
	}
	// And a run that captured nothing proves nothing: it fails too.
	empty := &logScan{}
	empty.PlantStack(s)
	out.Reset()
	if code := empty.verdict(0, &out); code != 1 {
		t.Fatalf("an empty capture passed: %s", out.String())
	}
}

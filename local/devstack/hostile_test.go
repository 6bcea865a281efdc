package devstack_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const hostileDir = "../../shared/httpapi/testdata/hostile"

// TestHostileCorpus (Done means 3): every body and query of the hostile corpus goes through the
// whole local stack (API Gateway emulator, the functions, DynamoDB Local, the simulator) with
// valid credentials, so that only the input is wrong. Each gets a 4xx with a stable error code,
// never a 5xx; no answer repeats a planted value; nothing reaches Unico; and the redact bodies
// leave the process unredacted. Generated bodies cover what files cannot hold well: a body over
// the limit, deep nesting, many fields and very long strings.
func TestHostileCorpus(t *testing.T) {
	s, _ := startStack(t)
	demo := s.Tenants[0].APIKey
	planted := readLines(t, filepath.Join(hostileDir, "PLANTED.txt"))
	suiteLogs.Plant(planted[:8]...) // the personal data and the JWT; markup is checked in the answers only
	id := createFor(t, client{t, s.APIURL}, demo, "hostile-target", newCPF(t), "Pessoa Hostil", "hostile-"+newCPF(t)[:6])

	send := func(name, method, path string, headers map[string]string, body []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, s.APIURL+path, bytes.NewReader(body))
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("%s: status %d, want 4xx: %.300s", name, res.StatusCode, raw)
			return
		}
		if !bytes.Contains(raw, []byte(`"code":"`)) || !bytes.Contains(raw, []byte(`"requestId":"`)) {
			t.Errorf("%s: not the JSON error shape: %.300s", name, raw)
		}
		lower := strings.ToLower(string(raw))
		for _, p := range planted {
			if strings.Contains(lower, strings.ToLower(p)) {
				t.Errorf("%s: the answer repeats the planted %q: %.300s", name, p, raw)
			}
		}
	}

	key := func(name string) map[string]string {
		return map[string]string{"x-api-key": demo, "Idempotency-Key": "hostile-" + name + "-" + newCPF(t), "Content-Type": "application/json"}
	}
	hook := map[string]string{"Authorization": "Basic " + basic(s.WebhookUser, s.WebhookPass), "Content-Type": "application/json"}
	entries, err := os.ReadDir(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	calls := unicoCalls(s)
	counts := map[string]int{}
	for _, e := range entries {
		name := e.Name()
		body, err := os.ReadFile(filepath.Join(hostileDir, name))
		if err != nil {
			t.Fatal(err)
		}
		switch prefix, _, _ := strings.Cut(name, "-"); prefix {
		case "create":
			send(name, "POST", "/v1/processes", key(name), body)
		case "webhook":
			send(name, "POST", "/webhooks/unico", hook, body)
		case "redact":
			send(name, "POST", "/v1/processes/"+id+"/redact", key(name), body)
		case "list":
			for _, q := range readLines(t, filepath.Join(hostileDir, name)) {
				send(name+" "+q, "GET", "/v1/processes?"+q, key(name), nil)
				counts["list query"]++
			}
			continue
		default:
			continue
		}
		counts[strings.SplitN(name, "-", 2)[0]]++
	}
	if counts["create"] < 40 || counts["webhook"] < 10 || counts["redact"] < 5 || counts["list query"] < 15 {
		t.Fatalf("the corpus is smaller than expected: %v", counts)
	}

	// Generated: over the size limit, deep nesting, many unknown fields, huge strings.
	over := append([]byte(`{"flow":"`), bytes.Repeat([]byte("a"), 8<<20)...)
	over = append(over, `"}`...)
	send("body over 8 MiB", "POST", "/v1/processes", key("over"), over)
	send("webhook over 8 MiB", "POST", "/webhooks/unico", hook, over)
	send("deep nesting", "POST", "/v1/processes", key("deep"), []byte(strings.Repeat(`{"person":`, 100_000)+"1"+strings.Repeat("}", 100_000)))
	send("deep arrays", "POST", "/v1/processes", key("deeparr"), []byte(`{"signatureDocuments":`+strings.Repeat("[", 200_000)+strings.Repeat("]", 200_000)+"}"))
	var many bytes.Buffer
	many.WriteString(`{"flow":"idlive"`)
	for i := 0; i < 50_000; i++ {
		many.WriteString(`,"f` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `":1`)
	}
	many.WriteString("}")
	send("many unknown fields", "POST", "/v1/processes", key("many"), many.Bytes())
	long := `{"integration":"by_unico","flow":"idlive","purpose":"biometryonboarding","person":{"cpf":"` + planted[0] + `","name":"` +
		strings.Repeat("Maria Planted ", 400_000) + `"}}`
	send("7 MB name", "POST", "/v1/processes", key("long"), []byte(long))
	send("7 MB redact body", "POST", "/v1/processes/"+id+"/redact", key("longredact"), []byte(`{"x":"`+strings.Repeat("y", 7<<20)+`"}`))

	if n := unicoCalls(s) - calls; n != 0 {
		t.Errorf("hostile input made %d calls to Unico", n)
	}
	if item := rawItem(t, s, id); item["redacted"] != nil || item["cpfHash"] == nil {
		t.Errorf("a hostile redact body redacted the process")
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

package unicosim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaultStatusBodyRetryAfterTimes(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	f.sim.InjectFault(Fault{Method: "POST", PathPrefix: "/client/v1/process", Status: 429, Body: `{"message":"Too Many Requests"}`, RetryAfter: "2", Times: 2})
	for i := 0; i < 2; i++ {
		code, b, h := f.call("POST", "/client/v1/process", createBody("id", "73689290074"))
		if code != 429 || h.Get("Retry-After") != "2" || string(b) != `{"message":"Too Many Requests"}` {
			t.Fatalf("fault %d: %d %s %v", i, code, b, h)
		}
	}
	if code, b, _ := f.call("POST", "/client/v1/process", createBody("id", "73689290074")); code != 200 {
		t.Fatalf("after Times: %d %s", code, b)
	}
	// Faults apply before authentication and only to matching methods.
	f.sim.InjectFault(Fault{PathPrefix: "/oauth2/token", Status: 401, Body: `{"error":"server_error","error_description":"Falha na autenticação 1.2.18"}`})
	k, _ := keys(t)
	code, m := f.tokenRequest(signJWT(t, k, rs256, goodClaims(f.clock.Now())))
	if code != 401 || m["error_description"] != "Falha na autenticação 1.2.18" {
		t.Fatalf("auth fault: %d %v", code, m)
	}
	f.sim.InjectFault(Fault{Method: "GET", PathPrefix: "/client/v1/", Status: 200, Body: `{"process": {`})
	code, b, _ := f.call("GET", "/client/v1/process/"+newUUID(), nil)
	if code != 200 || json.Valid(b) {
		t.Fatalf("broken JSON fault: %d %s", code, b)
	}
	f.sim.ClearFaults()
	// The same claims signed in the same second give the same assertion (already used: 1.2.7).
	if code, m = f.tokenRequest(signJWT(t, k, rs256, goodClaims(f.clock.Now()))); m["error_description"] != "Falha na autenticação 1.2.7" {
		t.Fatalf("same-second assertion: %d %v", code, m)
	}
	f.clock.Advance(time.Second)
	code, m = f.tokenRequest(signJWT(t, k, rs256, goodClaims(f.clock.Now())))
	if code != 200 {
		t.Fatalf("after ClearFaults: %d %v", code, m)
	}
	st := f.sim.Stats()
	if st.Calls["POST /client/v1/process"] != 3 || st.Calls["POST /oauth2/token"] != 4 || st.TokenMints != 2 || st.TokenRejects != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultDelayAndCancellation(t *testing.T) {
	f := newFixture(t, nil)
	f.mint()
	f.sim.InjectFault(Fault{PathPrefix: "/client/v1/process/", Delay: 150 * time.Millisecond, Times: 1})
	start := time.Now()
	code, _, _ := f.call("GET", "/client/v1/process/"+newUUID(), nil)
	if el := time.Since(start); code != 404 || el < 150*time.Millisecond {
		t.Fatalf("delay pass-through: %d after %v", code, el)
	}
	// A slow fault is cut short by the caller's deadline.
	f.sim.InjectFault(Fault{PathPrefix: "/processes/v1", Delay: 5 * time.Second, Status: 503})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/processes/v1/"+newUUID(), nil)
	start = time.Now()
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("client timeout: %v after %v", err, time.Since(start))
	}
}

func TestControlAPIOverHTTP(t *testing.T) {
	rc := newReceiver(t, 0)
	f := newFixture(t, func(c *Config) { c.WebhookURL = rc.srv.URL })
	f.mint()
	id := f.create("id", "73689290074")
	code, b, _ := f.call("POST", "/__sim/processes/"+id+"/finish", `{"scenario":"rejected_fraudster"}`)
	if code != 200 || dig(mustJSON(t, b), "process", "authenticationInfo", "identityFraudstersResult") != "TRUST_RESULT_YES" {
		t.Fatalf("finish: %d %s", code, b)
	}
	if code, _, _ := f.call("POST", "/__sim/processes/"+id+"/finish", nil); code != 409 {
		t.Fatalf("second finish: %d", code)
	}
	if code, _, _ := f.call("POST", "/__sim/processes/"+newUUID()+"/finish", nil); code != 404 {
		t.Fatalf("unknown finish: %d", code)
	}
	if code, _, _ := f.call("POST", "/__sim/processes/"+id+"/webhook", nil); code != 200 || len(rc.all()) != 2 {
		t.Fatalf("redeliver: %d %d", code, len(rc.all()))
	}
	id2 := f.create("id", "73689290074")
	if code, b, _ := f.call("POST", "/__sim/processes/"+id2+"/expire", nil); code != 200 || dig(mustJSON(t, b), "process", "result") != resExpired {
		t.Fatalf("expire: %d %s", code, b)
	}
	if code, _, _ := f.call("PUT", "/__sim/processes/raw-id/raw", `{"x":1,}`); code != 204 {
		t.Fatalf("raw: %d", code)
	}
	if code, b, _ := f.call("GET", "/client/v1/process/raw-id", nil); code != 200 || string(b) != `{"x":1,}` {
		t.Fatalf("raw get: %d %s", code, b)
	}
	code, b, _ = f.call("POST", "/__sim/faults", `{"method":"GET","pathPrefix":"/documents/v1","status":503,"delay":"10ms","times":1,"retryAfter":"1"}`)
	if code != 201 {
		t.Fatalf("add fault: %d %s", code, b)
	}
	if code, _, h := f.call("GET", "/documents/v1?code=73689290074", nil, "APIKEY: "+keyAll); code != 503 || h.Get("Retry-After") != "1" {
		t.Fatalf("fault via control API: %d", code)
	}
	if code, _, _ := f.call("POST", "/__sim/faults", `{"delay":"soon"}`); code != 400 {
		t.Fatalf("bad delay: %d", code)
	}
	f.call("POST", "/__sim/faults", `{"status":500}`)
	if code, _, _ := f.call("DELETE", "/__sim/faults", nil); code != 204 {
		t.Fatalf("clear: %d", code)
	}
	code, b, _ = f.call("POST", "/__sim/selfies", nil)
	sel, _ := mustJSON(t, b)["selfie"].(string)
	if code != 200 || strings.Count(sel, ".") != 2 {
		t.Fatalf("selfie: %d %s", code, b)
	}
	if code, m := f.post(keyIdentity, bioBody("73689290074", sel)); code != 200 {
		t.Fatalf("control-API selfie rejected: %d %v", code, m)
	}
	code, b, _ = f.call("GET", "/__sim/stats", nil)
	var st Stats
	if err := json.Unmarshal(b, &st); code != 200 || err != nil || st.WebhooksDelivered != 3 || st.Calls["GET /documents/v1"] != 1 {
		t.Fatalf("stats: %d %s", code, b)
	}
	if code, b, _ := f.call("GET", "/__sim/scenarios", nil); code != 200 || !bytes.Contains(b, []byte(ScenarioCPF("selfie_forbidden"))) {
		t.Fatalf("scenarios: %d", code)
	}
}

func TestScenarioCPFsAreValidAndDistinct(t *testing.T) {
	seen := map[string]string{}
	for _, name := range Scenarios() {
		cpf := ScenarioCPF(name)
		if !ValidCPF(cpf) {
			t.Errorf("%s: %s is not a valid CPF", name, cpf)
		}
		if other, dup := seen[cpf]; dup {
			t.Errorf("%s and %s share %s", name, other, cpf)
		}
		seen[cpf] = name
	}
	for _, must := range []string{"approved", "approved_by_score", "retry_score_zero", "rejected_liveness", "rejected_identity",
		"rejected_fraudster", "error", "failed", "expired", "selfie_forbidden", "yes", "no", "inconclusive", "not_live",
		"fraudster", "error_status5", "matched_token", "matched_authenticated", "not_matched_token", "not_matched_authenticated",
		"review_inconclusive"} {
		if ScenarioCPF(must) == "" {
			t.Errorf("missing scenario %s", must)
		}
	}
	for _, bad := range []string{"", "00000000000", "11111111111", "12345678900", "7368929007", "736892900740", "7368929007a"} {
		if ValidCPF(bad) {
			t.Errorf("ValidCPF(%q) = true", bad)
		}
	}
	if !ValidCPF("73689290074") || !ValidCPF("12345678909") {
		t.Error("documentation CPFs must be valid")
	}
}

func TestConcurrentUse(t *testing.T) {
	rc := newReceiver(t, 0)
	f := newFixture(t, func(c *Config) { c.WebhookURL = rc.srv.URL })
	k, _ := keys(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			code, m := f.tokenRequest(signJWT(t, k, rs256, map[string]any{
				"iss": testIss, "aud": testAudience, "scope": "*", "iat": f.clock.Now().Unix() - int64(g), "exp": f.clock.Now().Unix() + 3000,
			}))
			if code != 200 {
				errs <- errors.New("mint failed")
				return
			}
			tok := m["access_token"].(string)
			do := func(method, path, key string, body any) (int, []byte) {
				j, _ := json.Marshal(body)
				req, _ := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(j))
				req.Header.Set("Authorization", "Bearer "+tok)
				if key != "" {
					req.Header.Set("APIKEY", key)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0, nil
				}
				defer resp.Body.Close()
				var buf bytes.Buffer
				buf.ReadFrom(resp.Body)
				return resp.StatusCode, buf.Bytes()
			}
			for i := 0; i < 10; i++ {
				code, b := do("POST", "/client/v1/process", "", createBody("iddocssign", "73689290074"))
				if code != 200 {
					errs <- errors.New("create failed: " + string(b))
					return
				}
				var cr struct{ Process struct{ ID string } }
				json.Unmarshal(b, &cr)
				if err := f.sim.Finish(context.Background(), cr.Process.ID, ""); err != nil {
					errs <- err
					return
				}
				if code, _ := do("GET", "/client/v1/process/"+cr.Process.ID, "", nil); code != 200 {
					errs <- errors.New("get failed")
					return
				}
				if code, b := do("POST", "/processes/v1", keyIdentity, bioBody("73689290074", f.sim.NewSelfieJWT())); code != 200 {
					errs <- errors.New("by client failed: " + string(b))
					return
				}
				_ = f.sim.Stats()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := f.sim.Stats()
	if st.TokenMints != 16 || st.Calls["POST /client/v1/process"] != 160 || st.WebhooksDelivered != 160 || st.Calls["POST /processes/v1"] != 160 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReviewScenariosExist(t *testing.T) {
	if len(ReviewScenarios()) == 0 {
		t.Fatal("no review scenarios")
	}
	for _, r := range ReviewScenarios() {
		if ScenarioCPF(r.Scenario) == "" || r.Flow == "" || r.Reason == "" || (r.Integration != byUnico && r.Integration != byClient) {
			t.Errorf("review scenario %+v: unknown scenario or missing field", r)
		}
	}
}

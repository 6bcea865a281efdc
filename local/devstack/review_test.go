package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/metrics"
)

// A person's review of a process in review (POST /v1/processes/{id}/review), through the local
// stack: API Gateway stand-in, the real handlers, DynamoDB Local, the simulator, the outbox.

// reviewReason is what an operator writes; it names the person, so it must never reach a log.
const reviewReason = "Called Rosalinda Revisora Quintanilha: documents match, approved by phone"

// reviewCreate makes a hosted "id" verification for the demo tenant, finished in scenario, and
// waits for the worker to record it.
func (a *asyncStack) reviewCreate(key, scenario string) string {
	a.t.Helper()
	body := createBody(unicosim.ScenarioCPF(scenario))
	body["flow"] = "id"
	status, _, res := a.api.do("POST", "/v1/processes", a.Tenants[0].APIKey, map[string]string{"Idempotency-Key": key}, body)
	id, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated || id == "" {
		a.t.Fatalf("create: %d %v", status, res)
	}
	if err := a.Sim.Finish(context.Background(), id, ""); err != nil {
		a.t.Fatal(err)
	}
	a.drain()
	return id
}

func (a *asyncStack) review(apiKey, id, key string, body any) (int, http.Header, map[string]any) {
	a.t.Helper()
	return a.api.do("POST", "/v1/processes/"+id+"/review", apiKey, map[string]string{"Idempotency-Key": key}, body)
}

func reviewBody(outcome, reviewer string) map[string]any {
	return map[string]any{"outcome": outcome, "reason": reviewReason, "reviewer": reviewer}
}

// scanItems fails if any item of the stack's table holds one of the values.
func (a *asyncStack) scanItems(values ...string) {
	a.t.Helper()
	out, err := a.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(a.TableName)})
	if err != nil {
		a.t.Fatal(err)
	}
	for _, item := range out.Items {
		for name, v := range item {
			if s, ok := v.(*types.AttributeValueMemberS); ok {
				for _, x := range values {
					if strings.Contains(s.Value, x) {
						a.t.Errorf("item %v: attribute %s holds a planted value", item["sk"], name)
					}
				}
			}
		}
	}
}

// TestReviewHostedEndToEnd (done means 1 and 5): a hosted process that ends in review
// (identity inconclusive, no score) is approved by a person; the answer, the read and the list
// show approved with the review and the automatic decision; the tenant's callback receives a
// signed process.reviewed event (after process.finished), which the notifications route replays;
// the replayed request answers the same; the Reviews metric counts it; the reason is in no log,
// no event and, after redaction, nowhere in the table.
func TestReviewHostedEndToEnd(t *testing.T) {
	suiteLogs.Plant(reviewReason, "Rosalinda Revisora")
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{}, nil)
	demo := a.Tenants[0].APIKey
	id := a.reviewCreate("rev-e2e-1", "review_inconclusive")
	first := rc.wait(t, 1)
	var finished domain.OutboundPayload
	if err := json.Unmarshal(first[0].body, &finished); err != nil || finished.Type != "process.finished" || finished.Data.Decision.Outcome != domain.OutcomeReview {
		t.Fatalf("first event: %s %v", first[0].body, err)
	}
	if status, _, v := a.api.do("GET", "/v1/processes/"+id, demo, nil, nil); status != 200 || get(v, "decision", "outcome") != "review" || v["review"] != nil {
		t.Fatalf("before the review: %d %v", status, v)
	}

	status, hdr, res := a.review(demo, id, "rev-e2e-2", reviewBody("approved", "op-4821"))
	if status != http.StatusOK || hdr.Get("Idempotent-Replayed") != "" {
		t.Fatalf("review: %d %v", status, res)
	}
	check := func(what string, v map[string]any, withReason bool) {
		t.Helper()
		if get(v, "decision", "outcome") != "approved" || fmt.Sprint(reasonCodes(v)) != "[manual_review_approved]" ||
			get(v, "review", "outcome") != "approved" || get(v, "review", "reviewer") != "op-4821" || get(v, "review", "decidedAt") == nil ||
			get(v, "automaticDecision", "outcome") != "review" || v["state"] != "finished" {
			t.Errorf("%s: %v", what, v)
		}
		auto, _ := get(v, "automaticDecision", "reasons").([]any)
		if len(auto) == 0 || get(auto[0].(map[string]any), "code") != domain.ReasonIdentityInconclusive {
			t.Errorf("%s: automatic decision's reasons: %v", what, v["automaticDecision"])
		}
		if r, _ := get(v, "review", "reason").(string); withReason != (r == reviewReason) {
			t.Errorf("%s: review reason %q, want it: %t", what, r, withReason)
		}
	}
	check("review answer", res, true)
	_, _, read := a.api.do("GET", "/v1/processes/"+id, demo, nil, nil)
	check("read", read, true)
	check("list item", listIDs(t, a.api, demo, "&reviewed=true")[id], true)
	if listIDs(t, a.api, demo, "&reviewed=false")[id] != nil {
		t.Error("reviewed=false lists the reviewed process")
	}
	p := a.process(id)
	if p.Review == nil || p.Review.Reason != reviewReason || p.Decision.Outcome != domain.OutcomeReview || p.Version != 3 {
		t.Fatalf("stored: %+v", p)
	}

	// The same request again replays the answer; nothing is written.
	status, hdr, again := a.review(demo, id, "rev-e2e-2", reviewBody("approved", "op-4821"))
	if status != http.StatusOK || hdr.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", status, again)
	}
	check("replayed answer", again, true)
	if get(again, "review", "decidedAt") != get(res, "review", "decidedAt") || a.process(id).Version != 3 {
		t.Errorf("the replay is not the first answer: %v", again)
	}

	// The callback receives the signed process.reviewed event, without the reason.
	got := rc.wait(t, 2)
	if got[1].err != nil || got[1].id != domain.ReviewedEventID(id) {
		t.Fatalf("reviewed event: id %s, signature %v", got[1].id, got[1].err)
	}
	var ev domain.OutboundPayload
	if err := json.Unmarshal(got[1].body, &ev); err != nil || ev.Type != domain.EventTypeReviewed || ev.Data.ID != id ||
		ev.Data.Decision.Outcome != domain.OutcomeApproved || ev.Data.Review == nil || ev.Data.Review.Reviewer != "op-4821" ||
		ev.Data.AutomaticDecision == nil || ev.Data.AutomaticDecision.Outcome != domain.OutcomeReview {
		t.Fatalf("reviewed event: %s %v", got[1].body, err)
	}
	if strings.Contains(string(got[1].body), "Rosalinda") {
		t.Fatalf("the event carries the review's reason: %s", got[1].body)
	}
	// Replayable through the notifications route: the same id and payload.
	if status, _, res := a.api.do("POST", "/v1/processes/"+id+"/notifications", demo, nil, nil); status != 202 || res["eventId"] != domain.ReviewedEventID(id) {
		t.Fatalf("replay notification: %d %v", status, res)
	}
	if again := rc.wait(t, 3); again[2].id != got[1].id || string(again[2].body) != string(got[1].body) || again[2].err != nil {
		t.Fatalf("replayed event: %s %s", again[2].id, again[2].body)
	}

	// The Reviews metric counted it by outcome.
	if !strings.Contains(a.logs.String(), `"`+metrics.Reviews+`"`) || !strings.Contains(a.logs.String(), `"Outcome":"approved"`) {
		t.Error("no Reviews metric with Outcome approved in the functions' output")
	}

	// Redaction removes the reason and keeps the fact and outcome of the review.
	if status, _, red := a.api.do("POST", "/v1/processes/"+id+"/redact", demo, nil, nil); status != 200 {
		t.Fatalf("redact: %d %v", status, red)
	}
	_, _, after := a.api.do("GET", "/v1/processes/"+id, demo, nil, nil)
	check("read after redaction", after, false)
	if p := a.process(id); p.Review == nil || p.Review.Reason != "" || p.Review.Outcome != domain.OutcomeApproved || p.Review.Reviewer != "op-4821" {
		t.Fatalf("stored after redaction: %+v", p.Review)
	}
	status, _, replayed := a.review(demo, id, "rev-e2e-2", reviewBody("approved", "op-4821"))
	if status != 200 {
		t.Fatalf("replay after redaction: %d %v", status, replayed)
	}
	check("replay after redaction", replayed, false)
	a.scanItems(reviewReason, "Rosalinda")
	if f := logging.FindPII(a.logs.String(), reviewReason, "Rosalinda"); len(f) > 0 {
		t.Fatalf("the review reason is in the logs: %v", f)
	}
	if !strings.Contains(a.logs.String(), `"msg":"process reviewed"`) {
		t.Fatal("the log capture saw no review line: the scan proves nothing")
	}
}

// TestReviewRefusalsChangeNothing (done means 2): a review of a process not in review is 409;
// another tenant's is 404; bad bodies are 400; none changes the process; the refusals are
// replayed for their key; of concurrent different reviews exactly one wins, the others are 409.
func TestReviewRefusalsChangeNothing(t *testing.T) {
	suiteLogs.Plant(reviewReason, "Rosalinda Revisora")
	a := startAsyncStack(t, nil, devstack.AsyncOptions{}, nil)
	demo, other := a.Tenants[0].APIKey, a.Tenants[1].APIKey
	approved := a.reviewCreate("rev-ref-1", "approved")
	inReview := a.reviewCreate("rev-ref-2", "review_inconclusive")
	unchanged := func(id string, version int64) {
		t.Helper()
		if p := a.process(id); p.Version != version || p.Review != nil {
			t.Fatalf("process %s changed: version %d, review %+v", id, p.Version, p.Review)
		}
	}
	vApproved, vReview := a.process(approved).Version, a.process(inReview).Version

	status, _, res := a.review(demo, approved, "rev-ref-3", reviewBody("rejected", "op-1"))
	if status != 409 || get(res, "error", "code") != domain.CodeProcessNotInReview {
		t.Fatalf("not in review: %d %v", status, res)
	}
	if status, hdr, res := a.review(demo, approved, "rev-ref-3", reviewBody("rejected", "op-1")); status != 409 ||
		get(res, "error", "code") != domain.CodeProcessNotInReview || hdr.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replayed refusal: %d %v", status, res)
	}
	unchanged(approved, vApproved)

	if status, _, res := a.review(other, inReview, "rev-ref-4", reviewBody("approved", "op-1")); status != 404 || get(res, "error", "code") != "process_not_found" {
		t.Fatalf("another tenant's: %d %v", status, res)
	}
	for name, c := range map[string]struct {
		body any
		code string
	}{
		"unknown outcome": {map[string]any{"outcome": "maybe", "reason": reviewReason, "reviewer": "op-1"}, domain.CodeInvalidReviewOutcome},
		"no outcome":      {map[string]any{"reason": reviewReason, "reviewer": "op-1"}, domain.CodeInvalidReviewOutcome},
		"review outcome":  {map[string]any{"outcome": "review", "reason": reviewReason, "reviewer": "op-1"}, domain.CodeInvalidReviewOutcome},
		"no reason":       {map[string]any{"outcome": "approved", "reviewer": "op-1"}, domain.CodeReviewReasonRequired},
		"blank reason":    {map[string]any{"outcome": "approved", "reason": "   ", "reviewer": "op-1"}, domain.CodeReviewReasonRequired},
		"long reason":     {map[string]any{"outcome": "approved", "reason": strings.Repeat("é", 1001), "reviewer": "op-1"}, domain.CodeInvalidReviewReason},
		"control chars":   {map[string]any{"outcome": "approved", "reason": "ok\u0000", "reviewer": "op-1"}, domain.CodeInvalidReviewReason},
		"no reviewer":     {map[string]any{"outcome": "approved", "reason": reviewReason}, domain.CodeReviewerRequired},
		"reviewer name":   {map[string]any{"outcome": "approved", "reason": reviewReason, "reviewer": "Rosalinda Revisora"}, domain.CodeInvalidReviewer},
		"reviewer e-mail": {map[string]any{"outcome": "approved", "reason": reviewReason, "reviewer": "op@example.com"}, domain.CodeInvalidReviewer},
		"unknown field":   {map[string]any{"outcome": "approved", "reason": reviewReason, "reviewer": "op-1", "note": "x"}, "unknown_field"},
		"not json":        {`{"outcome":`, "invalid_json"},
	} {
		status, _, res := a.review(demo, inReview, "rev-ref-bad-"+name, c.body)
		if status != 400 || get(res, "error", "code") != c.code {
			t.Errorf("%s: %d %v, want 400 %s", name, status, res, c.code)
		}
		if msg, _ := get(res, "error", "message").(string); strings.Contains(msg, "Rosalinda") || strings.Contains(msg, "example.com") {
			t.Errorf("%s: the error repeats the request: %q", name, msg)
		}
	}
	if status, _, res := a.api.do("POST", "/v1/processes/"+inReview+"/review", demo, nil, reviewBody("approved", "op-1")); status != 400 ||
		get(res, "error", "code") != domain.CodeIdempotencyKey {
		t.Fatalf("no key: %d %v", status, res)
	}
	unchanged(inReview, vReview)

	// Concurrent different reviews: exactly one wins.
	const n = 6
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wins  []string
		codes = map[string]int{}
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcome := []string{"approved", "rejected"}[i%2]
			status, _, res := a.review(demo, inReview, fmt.Sprintf("rev-ref-race-%d", i), reviewBody(outcome, fmt.Sprintf("op-%d", i)))
			mu.Lock()
			defer mu.Unlock()
			if status == 200 {
				wins = append(wins, fmt.Sprintf("%s/op-%d", outcome, i))
			} else {
				codes[fmt.Sprintf("%d %v", status, get(res, "error", "code"))]++
			}
		}()
	}
	wg.Wait()
	if len(wins) != 1 || codes["409 process_not_in_review"] != n-1 {
		t.Fatalf("concurrent reviews: winners %v, others %v", wins, codes)
	}
	p := a.process(inReview)
	if p.Review == nil || string(p.Review.Outcome)+"/"+p.Review.Reviewer != wins[0] || p.Version != vReview+1 {
		t.Fatalf("stored review %+v (version %d), winner %s", p.Review, p.Version, wins[0])
	}
}

// TestReviewByClient (done means 3): a by-Client 1:1 match with a behaviour alert is in
// review and is reviewed the same way; every simulator scenario listed for review ends in
// review through the stack.
func TestReviewByClient(t *testing.T) {
	suiteLogs.Plant(reviewReason, "Rosalinda Revisora")
	rc := newReceiver(t)
	a := startAsyncStack(t, rc, devstack.AsyncOptions{}, nil)
	demo := a.Tenants[0].APIKey
	refs := []any{map[string]any{"referenceType": "REFERENCE_TYPE_PROCESS_ID", "referenceContent": "80371b2a-3ac7-432e-866d-57fe37896ac6"}}
	var oneToOne string
	for i, sc := range unicosim.ReviewScenarios() {
		var id string
		var res map[string]any
		if sc.Integration == "by Unico" {
			body := createBody(unicosim.ScenarioCPF(sc.Scenario))
			body["flow"] = sc.Flow
			if sc.Flow == "idagedocumentless" || sc.Flow == "idage" {
				body["purpose"] = "ageverification"
			}
			status, _, r := a.api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": fmt.Sprintf("rev-bc-%d", i)}, body)
			id, _ = get(r, "process", "id").(string)
			if status != 201 || id == "" {
				t.Fatalf("%+v: create %d %v", sc, status, r)
			}
			if err := a.Sim.Finish(context.Background(), id, ""); err != nil {
				t.Fatal(err)
			}
			a.drain()
			_, _, res = a.api.do("GET", "/v1/processes/"+id, demo, nil, nil)
		} else {
			body := map[string]any{"integration": "by_client", "capability": sc.Flow, "selfie": a.Sim.NewSelfieJWT(),
				"person": map[string]any{"cpf": unicosim.ScenarioCPF(sc.Scenario), "name": "Maria Teste"}}
			if sc.Flow == "oneToOne" {
				body["references"] = refs
			}
			status, _, r := a.api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": fmt.Sprintf("rev-bc-%d", i)}, body)
			id, _ = get(r, "process", "id").(string)
			if status != 201 || id == "" {
				t.Fatalf("%+v: create %d %v", sc, status, r)
			}
			res, _ = r["process"].(map[string]any)
		}
		if get(res, "decision", "outcome") != "review" || !strings.Contains(fmt.Sprint(reasonCodes(res)), sc.Reason) {
			t.Errorf("review scenario %+v: decision %v", sc, res["decision"])
		}
		if sc.Flow == "oneToOne" {
			oneToOne = id
		}
	}
	if oneToOne == "" {
		t.Fatal("no 1:1 review scenario")
	}
	status, _, res := a.review(demo, oneToOne, "rev-bc-review", reviewBody("rejected", "auth0|5f1c2b"))
	if status != 200 || get(res, "decision", "outcome") != "rejected" || fmt.Sprint(reasonCodes(res)) != "[manual_review_rejected]" ||
		get(res, "integration") != "by_client" || get(res, "automaticDecision", "outcome") != "review" || get(res, "review", "reason") != reviewReason {
		t.Fatalf("by-Client review: %d %v", status, res)
	}
	_, _, read := a.api.do("GET", "/v1/processes/"+oneToOne, demo, nil, nil)
	if get(read, "decision", "outcome") != "rejected" || get(read, "review", "reviewer") != "auth0|5f1c2b" || get(read, "clientResults") == nil {
		t.Fatalf("by-Client read: %v", read)
	}
	eventually(t, "the process.reviewed event", func() bool {
		for _, d := range rc.deliveries() {
			if d.id == domain.ReviewedEventID(oneToOne) {
				return d.err == nil && strings.Contains(string(d.body), `"type":"process.reviewed"`)
			}
		}
		return false
	})
}

// TestReviewQueue (done means 4): decision=review lists exactly the tenant's processes waiting
// for a person, oldest first, across pages; a reviewed or redacted process leaves it; another
// tenant's cursor is refused.
func TestReviewQueue(t *testing.T) {
	suiteLogs.Plant(reviewReason, "Rosalinda Revisora")
	a := startAsyncStack(t, nil, devstack.AsyncOptions{}, nil) // its own table: the queue holds only this test's processes
	demo, other := a.Tenants[0].APIKey, a.Tenants[1].APIKey
	var want []string
	for i := range 5 {
		want = append(want, a.reviewCreate(fmt.Sprintf("rev-q-%d", i), "review_inconclusive"))
		if i == 2 {
			a.reviewCreate("rev-q-approved", "approved") // not in review
		}
	}
	// By Client, in review at creation.
	status, _, res := a.api.do("POST", "/v1/processes", demo, map[string]string{"Idempotency-Key": "rev-q-bc"}, map[string]any{
		"integration": "by_client", "capability": "identity", "selfie": a.Sim.NewSelfieJWT(),
		"person": map[string]any{"cpf": unicosim.ScenarioCPF("inconclusive"), "name": "Maria Teste"}})
	bcID, _ := get(res, "process", "id").(string)
	if status != 201 || get(res, "process", "decision", "outcome") != "review" {
		t.Fatalf("by-Client in review: %d %v", status, res)
	}
	want = append(want, bcID)
	// The other tenant's process in review.
	body := createBody(unicosim.ScenarioCPF("review_inconclusive"))
	body["flow"] = "id"
	status, _, res = a.api.do("POST", "/v1/processes", other, map[string]string{"Idempotency-Key": "rev-q-other"}, body)
	otherID, _ := get(res, "process", "id").(string)
	if status != 201 {
		t.Fatalf("other tenant's create: %d %v", status, res)
	}
	if err := a.Sim.Finish(context.Background(), otherID, ""); err != nil {
		t.Fatal(err)
	}
	a.drain()

	queue := func(apiKey string) []string {
		t.Helper()
		var ids []string
		cursor, pages := "", 0
		for {
			q := "/v1/processes?decision=review&limit=2"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			status, _, res := a.api.do("GET", q, apiKey, nil, nil)
			if status != 200 {
				t.Fatalf("queue: %d %v", status, res)
			}
			pages++
			items, _ := res["processes"].([]any)
			for _, it := range items {
				m := it.(map[string]any)
				if get(m, "decision", "outcome") != "review" || m["review"] != nil {
					t.Errorf("queue item not waiting for a person: %v", m)
				}
				ids = append(ids, m["id"].(string))
			}
			cursor, _ = res["nextCursor"].(string)
			if cursor == "" || pages > 10 {
				return ids
			}
		}
	}
	if got := queue(demo); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("queue:\n got %v\nwant %v (oldest first)", got, want)
	}
	if got := queue(other); fmt.Sprint(got) != fmt.Sprint([]string{otherID}) {
		t.Fatalf("the other tenant's queue: %v", got)
	}
	_, _, page := a.api.do("GET", "/v1/processes?decision=review&limit=2", demo, nil, nil)
	if status, _, res := a.api.do("GET", "/v1/processes?decision=review&limit=2&cursor="+page["nextCursor"].(string), other, nil, nil); status != 400 ||
		get(res, "error", "code") != "invalid_cursor" {
		t.Fatalf("another tenant's cursor: %d %v", status, res)
	}
	if status, _, res := a.api.do("GET", "/v1/processes?decision=review&reviewed=true", demo, nil, nil); status != 400 || get(res, "error", "code") != "invalid_reviewed" {
		t.Fatalf("decision=review&reviewed=true: %d %v", status, res)
	}

	// A reviewed process leaves the queue; so does a redacted one (it can no longer be reviewed).
	if status, _, res := a.review(demo, want[1], "rev-q-review", reviewBody("rejected", "op-9")); status != 200 {
		t.Fatalf("review: %d %v", status, res)
	}
	if status, _, res := a.api.do("POST", "/v1/processes/"+want[3]+"/redact", demo, nil, nil); status != 200 {
		t.Fatalf("redact: %d %v", status, res)
	}
	if status, _, res := a.review(demo, want[3], "rev-q-review-redacted", reviewBody("approved", "op-9")); status != 410 || get(res, "error", "code") != "process_redacted" {
		t.Fatalf("review of a redacted process: %d %v", status, res)
	}
	left := []string{want[0], want[2], want[4], want[5]}
	if got := queue(demo); fmt.Sprint(got) != fmt.Sprint(left) {
		t.Fatalf("queue after a review and a redaction:\n got %v\nwant %v", got, left)
	}
	if reviewed := listIDs(t, a.api, demo, "&reviewed=true"); len(reviewed) != 1 || reviewed[want[1]] == nil {
		t.Fatalf("reviewed=true: %v", reviewed)
	}
}

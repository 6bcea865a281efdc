package perf

import (
	"github.com/unicogw/gateway/local/devstack"

	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
)

var ddb *dynamolocal.Server

func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &ddb)) }

// TestSuiteSmall runs the whole suite that docs/performance.md comes from, small: every load
// phase answers without error, the round trips per request are the design's budget, and every
// function's real bootstrap starts and answers its first event correctly (ColdCheck).
func TestSuiteSmall(t *testing.T) {
	root, err := dynamolocal.FindRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := RunSuite(ctx, Options{Concurrency: 2, Requests: 12, Duration: time.Minute, ColdRuns: 1, RepoRoot: root,
		Log: io.Discard, DynamoEndpoint: ddb.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Endpoints) != 5 || len(rep.Trips) != 5 || len(rep.Overhead) != 3 || len(rep.ReadVsStore) != 2 || len(rep.ColdStarts) != len(FunctionNames) {
		t.Fatalf("report: %+v", rep)
	}
	if rep.ReadRatio() <= 0 {
		t.Errorf("no read/GetItem ratio: %+v", rep.ReadVsStore)
	}
	for _, r := range append(append(rep.Endpoints, rep.Overhead...), rep.ReadVsStore...) {
		if r.Requests != 12 || r.Errors != 0 || r.P50 <= 0 {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	want := map[string]string{
		"POST /v1/processes (create, by Unico)":  "map[PutItem:1 TransactWriteItems:1] map[POST /client/v1/process:1]",
		"POST /v1/processes (create, by Client)": "map[PutItem:1 TransactWriteItems:1] map[POST /processes/v1:1]",
		"GET /v1/processes/{id} (read)":          "map[GetItem:1] map[]",
		"GET /v1/processes (list)":               "map[Query:1] map[]",
		"POST /webhooks/unico (webhook)":         "map[TransactWriteItems:1] map[]",
	}
	for _, tr := range rep.Trips {
		// The Unico budget's writes: one per Unico call, two when the function's view of the
		// bucket was stale.
		calls := 0.0
		for _, v := range tr.Unico {
			calls += v
		}
		if b := tr.Dynamo[devstack.OpBudget]; b < calls || b > 2*calls {
			t.Errorf("%s: %.2f budget writes per request for %.2f Unico calls", tr.Name, b, calls)
		}
		delete(tr.Dynamo, devstack.OpBudget)
		if got := fmtMap(tr.Dynamo) + " " + fmtMap(tr.Unico); got != want[tr.Name] || tr.TokenMints != 0 || tr.SecretReads != 0 {
			t.Errorf("%s: %s, %d mints, %d secret reads; want %s and none", tr.Name, got, tr.TokenMints, tr.SecretReads, want[tr.Name])
		}
	}
	for _, c := range rep.ColdStarts {
		if c.Init <= 0 || c.FirstResponse < c.Init || c.SizeHost == 0 {
			t.Errorf("cold start %+v", c)
		}
	}
	md := rep.Markdown()
	for _, s := range []string{"Machine: ", "| tokenrefresher | EventBridge: scheduled event |", "Ratio gateway/direct", "Ratio gateway read / raw GetItem: ", "| POST /webhooks/unico (webhook) | TransactWriteItems 1.00 | none | 0 | 0 |"} {
		if !strings.Contains(md, s) {
			t.Errorf("report lacks %q:\n%s", s, md)
		}
	}
}

// fmtMap prints per-request counts like a map[string]int when every count is whole.
func fmtMap(m map[string]float64) string {
	ints := map[string]int{}
	for k, v := range m {
		ints[k] = int(v)
		if float64(ints[k]) != v {
			return "fractional: " + perRequestText(m)
		}
	}
	return fmt.Sprint(ints)
}

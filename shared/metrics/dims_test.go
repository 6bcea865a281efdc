package metrics

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/logging"
)

func TestEmitDimAddsOneDimension(t *testing.T) {
	buf := &logging.SyncBuffer{}
	e := New(buf, Namespace, map[string]string{DimensionStack: "UnicoGateway"})
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e.SetClock(func() time.Time { return at })
	e.EmitDim(DimensionRoute, "GET /v1/processes/{id}", Metric{Name: Requests, Value: 1, Unit: Count},
		Metric{Name: RequestLatency, Value: 1.25, Unit: Milliseconds})

	var doc map[string]any
	if err := json.Unmarshal([]byte(buf.String()), &doc); err != nil {
		t.Fatalf("not JSON: %v: %s", err, buf)
	}
	dims := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Dimensions"]
	if got, _ := json.Marshal(dims); string(got) != `[["Stack","Route"]]` {
		t.Fatalf("dimensions %s", got)
	}
	recs := Scan(buf.String())
	if len(recs) != 1 || recs[0].Dimensions[DimensionRoute] != "GET /v1/processes/{id}" || recs[0].Dimensions[DimensionStack] != "UnicoGateway" ||
		recs[0].Values[RequestLatency] != 1.25 || recs[0].Units[RequestLatency] != Milliseconds {
		t.Fatalf("records %+v", recs)
	}
}

// A dimension value that is not a short plain token never reaches the line: it becomes "other".
func TestEmitDimRefusesArbitraryValues(t *testing.T) {
	for _, v := range []string{"", strings.Repeat("a", MaxDimensionValue+1), "line\nbreak", `quo"te`, "Jo\u00e3o", "back\\slash"} {
		buf := &logging.SyncBuffer{}
		e := New(buf, Namespace, map[string]string{DimensionStack: "s"})
		e.EmitDim(DimensionOutcome, v, Metric{Name: Decisions, Value: 1, Unit: Count})
		recs := Scan(buf.String())
		if len(recs) != 1 || recs[0].Dimensions[DimensionOutcome] != OtherValue || (v != "" && strings.Contains(buf.String(), v)) {
			t.Errorf("value %q: %s", v, buf)
		}
	}
	// A key that is a base dimension (or empty) is dropped: the record keeps the base set.
	buf := &logging.SyncBuffer{}
	e := New(buf, Namespace, map[string]string{DimensionStack: "s"})
	e.EmitDim(DimensionStack, "x", Metric{Name: Decisions, Value: 1})
	e.EmitDim("", "x", Metric{Name: Decisions, Value: 1})
	// A metric named like the extra dimension is dropped.
	e.EmitDim(DimensionRoute, "r", Metric{Name: DimensionRoute, Value: 1}, Metric{Name: Requests, Value: 1})
	recs := Scan(buf.String())
	if len(recs) != 3 || len(recs[0].Dimensions) != 1 || recs[0].Dimensions[DimensionStack] != "s" || len(recs[1].Dimensions) != 1 ||
		len(recs[2].Values) != 1 || recs[2].Values[Requests] != 1 {
		t.Fatalf("records %+v from %s", recs, buf)
	}
	var nilEmitter *Emitter
	nilEmitter.EmitDim(DimensionRoute, "r", Metric{Name: Requests, Value: 1})
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]string{0: StatusNetwork, 200: Status2xx, 201: Status2xx, 204: Status2xx, 400: Status4xx,
		401: Status401, 404: Status4xx, 410: Status4xx, 422: Status4xx, 429: Status429, 500: Status5xx, 503: Status5xx, 302: StatusOther, 100: StatusOther} {
		if got := StatusClass(status); got != want {
			t.Errorf("StatusClass(%d) = %s, want %s", status, got, want)
		}
	}
}

func BenchmarkEmitDim(b *testing.B) {
	e := New(discard{}, Namespace, map[string]string{DimensionStack: "UnicoGateway"})
	b.ReportAllocs()
	for b.Loop() {
		e.EmitDim(DimensionRoute, "GET /v1/processes/{id}", Metric{Name: Requests, Value: 1, Unit: Count},
			Metric{Name: Requests4xx, Unit: Count}, Metric{Name: Requests5xx, Unit: Count}, Metric{Name: RequestLatency, Value: 3.5, Unit: Milliseconds})
	}
}
